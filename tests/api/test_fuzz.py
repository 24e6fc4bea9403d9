"""Hypothesis fuzzing of the span endpoints: arbitrary JSON and raw bodies, no 5xx."""

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.api.conftest import span_body, span_rows

pytestmark = pytest.mark.django_db

FUZZ = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=30),
    lambda children: st.lists(children, max_size=3)
    | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=8,
)
FIELDS = [
    "article",
    "start",
    "end",
    "quote",
    "claim_type",
    "sourcing_quality",
    "cited_source",
    "note",
    "offset_unit",
    "version",
]


def assert_json_4xx_or_success(response):
    assert response.status_code < 500, response.content[:300]
    if response.status_code != 204:
        assert response["Content-Type"].startswith("application/json")


@FUZZ
@given(overrides=st.dictionaries(st.sampled_from(FIELDS), json_values, max_size=4))
def test_arbitrary_field_values_never_cause_5xx(
    overrides, sessions, article, reviewer_a, client_for
):
    session = sessions["open"]
    client = client_for(reviewer_a)
    body = {**span_body(article, quote="Friday"), **overrides}
    encoded = json.dumps(body)
    base = f"/api/sessions/{session.pk}/spans/"
    created = client.post(base, encoded, content_type="application/json")
    assert_json_4xx_or_success(created)
    if created.status_code == 201:
        client.delete(f"{base}{created.json()['id']}/")
    bulk = client.post(
        base + "bulk/",
        json.dumps({"spans": [body], "offset_unit": overrides.get("offset_unit")}),
        content_type="application/json",
    )
    assert_json_4xx_or_success(bulk)
    if bulk.status_code == 201:
        client.delete(f"{base}{bulk.json()['spans'][0]['id']}/")
    mine = client.get(base + "?reviewer=reviewer_a").json()["results"][0]
    before = span_rows()
    changed = client.patch(
        f"{base}{mine['id']}/", encoded, content_type="application/json"
    )
    assert_json_4xx_or_success(changed)
    if changed.status_code >= 400:
        assert span_rows() == before


@FUZZ
@given(
    raw=st.binary(max_size=200)
    | st.text(max_size=100).map(lambda text: text.encode("utf-8", "surrogatepass")),
    content_type=st.sampled_from(
        [
            "application/json",
            "application/json; charset=latin-1",
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=xyz",
            "text/plain",
        ]
    ),
)
def test_arbitrary_raw_bodies_never_cause_5xx(
    raw, content_type, sessions, reviewer_a, client_for
):
    session = sessions["open"]
    client = client_for(reviewer_a)
    before = span_rows()
    base = f"/api/sessions/{session.pk}/spans/"
    mine = client.get(base + "?reviewer=reviewer_a").json()["results"][0]
    for method, url in (
        ("post", base),
        ("post", base + "bulk/"),
        ("patch", f"{base}{mine['id']}/"),
        ("put", f"/api/sessions/{session.pk}/articles/{mine['article']}/review-state/"),
        ("post", "/api/auth/token/"),
    ):
        response = getattr(client, method)(url, raw, content_type=content_type)
        assert response.status_code < 500, (url, response.content[:300])
    assert span_rows() == before


QUERY_NAMES = [
    "include",
    "article",
    "reviewer",
    "claim_type",
    "sourcing_quality",
    "limit",
    "offset",
    "offset_unit",
    "q",
]
query_values = (
    st.text(max_size=20)
    | st.integers(min_value=-(2**70), max_value=2**70).map(str)
    | st.sampled_from(["spans", "", "0", "-1", "1e9", "NaN", "spans,text", "a\x00b"])
)


@FUZZ
@given(
    params=st.lists(st.tuples(st.sampled_from(QUERY_NAMES), query_values), max_size=4)
)
def test_arbitrary_query_strings_on_reads_never_cause_5xx(
    params, sessions, article, reviewer_a, adjudicator, client_for
):
    """The reads the workspace and scripts make, with any query string: a JSON
    answer, 4xx or success; a 200 on the article read with spans carries them."""
    for user in (reviewer_a, adjudicator):
        client = client_for(user)
        base = f"/api/sessions/{sessions['blind'].pk}/"
        for path in (
            f"articles/{article.pk}/",
            "articles/",
            "spans/",
            "cited-sources/",
            "",
        ):
            response = client.get(base + path, params)
            assert_json_4xx_or_success(response)
            data = response.json()
            include = dict(params).get("include")
            if path.startswith("articles/") and path != "articles/":
                if response.status_code == 200 and include == "spans":
                    assert isinstance(data["spans"], list)
                elif include not in (None, "", "spans"):
                    assert response.status_code == 400 and "include" in data

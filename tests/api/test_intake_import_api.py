"""POST /api/articles/import/: formats, per-row results, dry run, all-or-nothing."""

import json

import pytest

from annotations.models import Article, Outlet
from annotations.text import text_sha256
from tests.conftest import api_client_for
from tests.factories import ArticleFactory, UserFactory, session_with_team
from tests.plugins.intake import (
    IMPORT_URL,
    article_rows,
    html_fixture,
    post_files,
    upload,
)

pytestmark = pytest.mark.django_db

CSV = (
    "text,title,outlet,outlet_domain,byline,published,url,external_id\n"
    '"First article text, with a comma.",First,Daily One,one.example,A. Writer,'
    "2024-03-05,https://one.example/a,csv-first\n"
    '"Second article\nwith two lines.",Second,Daily One,one.example,,5 March 2024,,\n'
)


def test_txt_with_form_metadata_creates_one_article(lead_client):
    text = "Ministers met on Monday.\nThey agreed on nothing.\n"
    response = post_files(
        lead_client,
        [upload("note.txt", text)],
        title="A meeting",
        outlet="The Courier",
        outlet_domain="courier.example",
        byline="R. Reporter",
        published="2025-01-02",
        url="https://courier.example/meeting",
    )
    assert response.status_code == 201, response.json()
    [result] = response.json()["results"]
    assert set(result) == {"file", "row", "status", "article", "message"}
    assert (result["file"], result["row"], result["status"]) == (
        "note.txt",
        None,
        "created",
    )
    article = Article.objects.get(pk=result["article"]["id"])
    assert article.text == text  # stored exactly, trailing newline included
    assert article.text_sha256 == text_sha256(text)
    assert article.external_id == f"art-{text_sha256(text)[:16]}"
    assert (article.title, article.byline, article.url) == (
        "A meeting",
        "R. Reporter",
        "https://courier.example/meeting",
    )
    assert (article.outlet.name, article.outlet.domain) == (
        "The Courier",
        "courier.example",
    )
    assert article.published_text == "2025-01-02"
    assert article.published_date.isoformat() == "2025-01-02"


def test_csv_rows_with_and_without_bom(lead_client):
    response = post_files(
        lead_client,
        [
            upload("plain.csv", CSV),
            upload("bom.csv", b"\xef\xbb\xbf" + b"text\nThird.\n"),
        ],
    )
    assert response.status_code == 201, response.json()
    results = response.json()["results"]
    assert [(r["file"], r["row"], r["status"]) for r in results] == [
        ("plain.csv", 1, "created"),
        ("plain.csv", 2, "created"),
        ("bom.csv", 1, "created"),
    ]
    first = Article.objects.get(external_id="csv-first")
    assert first.text == "First article text, with a comma."
    assert first.byline == "A. Writer"
    second = Article.objects.get(pk=results[1]["article"]["id"])
    assert second.text == "Second article\nwith two lines."
    assert second.published_text == "5 March 2024"
    assert second.published_date.isoformat() == "2024-03-05"
    assert Outlet.objects.filter(name="Daily One").count() == 1
    assert Article.objects.get(pk=results[2]["article"]["id"]).text == "Third."


def test_jsonl_own_fields_and_the_workbench_export_line(lead_client):
    export_line = {
        "format_version": 1,
        "id": "urn:x",
        "external_id": "exported-1",
        "metadata": {
            "byline": "Exported Byline",
            "outlet": {"domain": "ex.example", "name": "Exported Outlet"},
            "published_date": "2023-07-01",
            "published_text": "July 1, 2023",
            "title": "Exported title",
            "url": "https://ex.example/1",
        },
        "spans": [],
        "text": "An exported article.",
        "text_sha256": text_sha256("An exported article."),
    }
    plain = {"text": "A plain line.", "title": "Plain", "outlet": "Plain Outlet"}
    body = json.dumps(plain) + "\n\n" + json.dumps(export_line) + "\n"
    response = post_files(lead_client, [upload("corpus.jsonl", body)])
    assert response.status_code == 201, response.json()
    results = response.json()["results"]
    assert [(r["row"], r["status"]) for r in results] == [
        (1, "created"),
        (3, "created"),
    ]
    exported = Article.objects.get(external_id="exported-1")
    assert exported.title == "Exported title"
    assert exported.byline == "Exported Byline"
    assert (exported.outlet.name, exported.outlet.domain) == (
        "Exported Outlet",
        "ex.example",
    )
    assert exported.published_text == "July 1, 2023"
    assert exported.published_date.isoformat() == "2023-07-01"
    assert exported.url == "https://ex.example/1"


def test_html_page_is_extracted_with_metadata(lead_client):
    response = post_files(
        lead_client, [upload("floods.html", html_fixture("floods_opengraph.html"))]
    )
    assert response.status_code == 201, response.json()
    [result] = response.json()["results"]
    article = Article.objects.get(pk=result["article"]["id"])
    assert article.title == "Floods displace thousands in Sindh as rains continue"
    assert article.byline == "Ayesha Khan"
    assert article.outlet.name == "Daily Meridian"
    assert article.url == "https://meridian.example/news/2024/08/12/sindh-floods"
    assert article.published_date.isoformat() == "2024-08-12"
    assert "cookies" not in article.text
    assert result["article"]["length"] == len(article.text)


def test_dry_run_writes_nothing_and_answers_like_the_import(lead_client):
    def files():
        return [
            upload("plain.csv", CSV),
            upload("t.html", html_fixture("talks_jsonld.html")),
        ]

    outlets = Outlet.objects.count()
    dry = post_files(lead_client, files(), "dry_run=true")
    assert dry.status_code == 200
    assert article_rows() == [] and Outlet.objects.count() == outlets
    real = post_files(lead_client, files())
    assert real.status_code == 201

    def strip(results):
        return [{**r, "article": {**r["article"], "id": None}} for r in results]

    assert strip(dry.json()["results"]) == strip(real.json()["results"])
    assert all(r["article"]["id"] is None for r in dry.json()["results"])
    assert Article.objects.count() == 3


def test_duplicates_by_text_and_by_url_are_reported_not_recreated(lead_client):
    existing = ArticleFactory(text="Already here.", url="https://one.example/a")
    body = "text,url\nAlready here.,\nNew text at a known URL.,https://one.example/a\n"
    body += "Fresh.,\nFresh.,\n"
    response = post_files(lead_client, [upload("d.csv", body)])
    assert response.status_code == 201, response.json()
    results = response.json()["results"]
    assert [r["status"] for r in results] == [
        "duplicate",
        "duplicate",
        "created",
        "duplicate",
    ]
    assert results[0]["article"]["id"] == existing.pk
    assert "same text" in results[0]["message"]
    assert results[1]["article"]["id"] == existing.pk
    assert "same URL" in results[1]["message"]
    # The second "Fresh." duplicates the first one of this very batch.
    assert results[3]["article"]["id"] == results[2]["article"]["id"]
    assert Article.objects.filter(text="Fresh.").count() == 1
    assert Article.objects.count() == 2


def test_all_or_nothing_refuses_the_batch_with_per_row_errors(lead_client):
    before = article_rows()
    body = "text,title\nGood one.,Fine\n,No text here\n"
    response = post_files(lead_client, [upload("bad.csv", body)])
    assert response.status_code == 400
    results = response.json()["results"]
    assert [(r["row"], r["status"]) for r in results] == [(1, "created"), (2, "error")]
    assert results[0]["article"]["id"] is None
    assert "Not imported" in results[0]["message"]
    assert results[1]["message"].startswith("text:")
    assert results[1]["article"] is None
    assert article_rows() == before


def test_partial_imports_the_good_ones(lead_client):
    body = "text,title\nGood one.,Fine\n,No text here\n"
    response = post_files(lead_client, [upload("bad.csv", body)], "partial=true")
    assert response.status_code == 201
    results = response.json()["results"]
    assert [r["status"] for r in results] == ["created", "error"]
    assert Article.objects.get(pk=results[0]["article"]["id"]).title == "Fine"
    assert Article.objects.count() == 1


def test_partial_with_nothing_good_is_400(lead_client):
    response = post_files(lead_client, [upload("x.pdf", b"%PDF")], "partial=true")
    assert response.status_code == 400
    assert response.json()["results"][0]["status"] == "error"


@pytest.mark.parametrize(
    "name,content,message",
    [
        ("report.pdf", b"%PDF-1.4", "Unknown file type"),
        ("latin1.txt", "café".encode("latin-1"), "not valid UTF-8"),
        ("latin1.csv", b"text\ncaf\xe9\n", "not valid UTF-8"),
        ("empty.txt", b"   \n", "text: empty"),
        ("nul.txt", b"a\x00b", "NUL"),
        ("noheader.csv", b"title,url\nA,https://x.example\n", "no `text` column"),
        ("badline.jsonl", b"{not json}\n", "not JSON"),
        ("list.jsonl", b"[1, 2]\n", "not a JSON object"),
        ("notext.jsonl", b'{"title": "x"}\n', "text:"),
        ("number.jsonl", b'{"text": "x", "title": 5}\n', "title: must be a string"),
        ("menu.html", None, "No article text could be extracted"),
        ("longid.jsonl", b'{"text": "x", "external_id": "a b"}\n', "external_id"),
        ("badurl.jsonl", b'{"text": "x", "url": "javascript:1"}\n', "url:"),
        (
            "longtitle.jsonl",
            json.dumps({"text": "x", "title": "t" * 501}).encode(),
            "title: longer than 500",
        ),
    ],
)
def test_bad_files_are_clear_per_file_errors(lead_client, name, content, message):
    if content is None:
        content = html_fixture("no_article.html")
    response = post_files(lead_client, [upload(name, content)])
    assert response.status_code == 400
    [result] = response.json()["results"]
    assert result["status"] == "error"
    assert result["file"] == name
    assert message in result["message"], result["message"]
    assert Article.objects.count() == 0


def test_oversize_file_is_a_per_file_error(lead_client, settings):
    settings.ARTICLE_IMPORT_MAX_FILE_BYTES = 100
    response = post_files(
        lead_client,
        [upload("big.txt", "x" * 101), upload("small.txt", "small")],
        "partial=true",
    )
    assert response.status_code == 201
    big, small = response.json()["results"]
    assert big["status"] == "error" and "limit is 100" in big["message"]
    assert small["status"] == "created"


def test_external_id_already_used_is_an_error(lead_client):
    ArticleFactory(external_id="taken", text="Other text.")
    response = post_files(
        lead_client, [upload("a.jsonl", b'{"text": "New.", "external_id": "taken"}\n')]
    )
    assert response.status_code == 400
    assert "already used" in response.json()["results"][0]["message"]


def test_text_is_stored_as_is_unless_nfc_is_asked(lead_client):
    decomposed = "Cafe\u0301 society."
    response = post_files(lead_client, [upload("a.txt", decomposed)])
    stored = Article.objects.get(pk=response.json()["results"][0]["article"]["id"])
    assert stored.text == decomposed
    response = post_files(
        lead_client, [upload("b.txt", "Re\u0301sume\u0301.")], "normalize=nfc"
    )
    stored = Article.objects.get(pk=response.json()["results"][0]["article"]["id"])
    assert stored.text == "R\u00e9sum\u00e9."
    assert stored.text_sha256 == text_sha256("R\u00e9sum\u00e9.")


def test_corrections_from_the_preview_are_applied(lead_client):
    corrections = [
        {"file": "t.html", "row": None, "byline": "Omar S. Siddiqui", "title": "Fixed"}
    ]
    response = post_files(
        lead_client,
        [upload("t.html", html_fixture("talks_jsonld.html"))],
        corrections=json.dumps(corrections),
    )
    assert response.status_code == 201, response.json()
    article = Article.objects.get(pk=response.json()["results"][0]["article"]["id"])
    assert (article.byline, article.title) == ("Omar S. Siddiqui", "Fixed")
    assert article.outlet.name == "Frontier Post"  # uncorrected fields as extracted


@pytest.mark.parametrize(
    "query,form,field",
    [
        ("normalize=nfd", {}, "normalize"),
        ("dry_run=maybe", {}, "dry_run"),
        ("partial=2", {}, "partial"),
        ("", {"corrections": "{"}, "corrections"),
        ("", {"corrections": '{"a": 1}'}, "corrections"),
        (
            "",
            {"corrections": '[{"file": "a.txt", "row": null, "text": "x"}]'},
            "corrections",
        ),
    ],
)
def test_bad_parameters_are_400_naming_the_field(lead_client, query, form, field):
    response = post_files(lead_client, [upload("a.txt", "x")], query, **form)
    assert response.status_code == 400
    assert field in response.json()
    assert Article.objects.count() == 0


def test_no_files_and_no_urls_is_400(lead_client):
    response = lead_client.post(IMPORT_URL, {}, format="multipart")
    assert response.status_code == 400
    assert "files" in response.json()
    response = lead_client.post(IMPORT_URL, {"urls": []}, format="json")
    assert response.status_code == 400
    assert "urls" in response.json()


@pytest.mark.parametrize("who", ["reviewer", "adjudicator", "outsider"])
def test_non_leads_are_403(who):
    reviewer, adjudicator = UserFactory(), UserFactory()
    session_with_team(
        articles=[ArticleFactory()], reviewers=[reviewer], adjudicators=[adjudicator]
    )
    user = {
        "reviewer": reviewer,
        "adjudicator": adjudicator,
        "outsider": UserFactory(),
    }[who]
    client = api_client_for(user)
    assert post_files(client, [upload("a.txt", "x")]).status_code == 403
    assert client.get("/api/articles/").status_code == 403
    assert client.get(f"/api/articles/{Article.objects.get().pk}/").status_code == 403
    assert Article.objects.count() == 1


def test_anonymous_is_401():
    client = api_client_for(None)
    assert post_files(client, [upload("a.txt", "x")]).status_code == 401
    assert client.get("/api/articles/").status_code == 401


def test_staff_is_a_lead(staff):
    response = post_files(api_client_for(staff), [upload("a.txt", "Staff text.")])
    assert response.status_code == 201


def test_an_error_in_a_later_batch_rolls_back_the_written_ones(
    lead_client, monkeypatch
):
    from annotations.services import intake

    monkeypatch.setattr(intake, "BATCH", 2)
    body = "text\nOne.\nTwo.\nOne.\nThree.\n\x00\n"
    response = post_files(lead_client, [upload("late.csv", body)])
    assert response.status_code == 400
    results = response.json()["results"]
    assert [r["status"] for r in results] == [
        "created",
        "created",
        "duplicate",
        "created",
        "error",
    ]
    assert all(r["article"]["id"] is None for r in results[:4])
    assert results[2]["message"].startswith("Duplicate of an earlier record")
    assert Article.objects.count() == 0 and Outlet.objects.count() == 0


def test_partial_keeps_every_batch_but_the_bad_rows(lead_client, monkeypatch):
    from annotations.services import intake

    monkeypatch.setattr(intake, "BATCH", 2)
    body = "text\nOne.\nTwo.\n\x00\nThree.\nFour.\n"
    response = post_files(lead_client, [upload("late.csv", body)], "partial=true")
    assert response.status_code == 201
    statuses = [r["status"] for r in response.json()["results"]]
    assert statuses == ["created", "created", "error", "created", "created"]
    assert sorted(Article.objects.values_list("text", flat=True)) == [
        "Four.",
        "One.",
        "Three.",
        "Two.",
    ]

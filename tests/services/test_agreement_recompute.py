"""Agreement recompute on the seed corpus: statuses, hand-worked alphas, idempotence."""

import pytest
from django.contrib.auth import get_user_model
from django.test import override_settings

from annotations.models import (
    AgreementMetric,
    AgreementReport,
    AgreementUnit,
    GoldSpan,
    SessionArticle,
    SpanAnnotation,
)
from annotations.services.agreement import agreement_recompute, agreement_recompute_run
from annotations.services.review import review_state_set
from annotations.services.seeds import demo_setup
from annotations.services.spans import annotation_create, annotation_update
from tests.factories import ArticleFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("few_draws")]

PHRASES = (
    "Zabihullah Mujahid",
    "unrealistic and excessive",
    "temporary ceasefire",
    "Khawaja Muhammad Asif",
)
# Claim type per unit (rows) and reviewer (columns reviewer1..3):
#   U1 quantity  quantity  quantity
#   U2 event     event     event
#   U3 quoted    quoted    causal
#   U4 quoted    event     quoted
CLAIMS = (
    ("quantity", "quantity", "quantity"),
    ("event_action", "event_action", "event_action"),
    ("quoted_statement", "quoted_statement", "causal"),
    ("quoted_statement", "event_action", "quoted_statement"),
)
# Nominal alpha by hand (coincidence matrix, m_u = 3, each ordered pair / 2):
#   o_qq = 3, o_ee = 3 (U1, U2); U3 adds o_ss 1, o_sc 1, o_cs 1; U4 adds
#   o_ss 1, o_se 1, o_es 1.  n_q 3, n_e 4, n_s 4, n_c 1, n = 12.
#   D_o = 4 / 12;  D_e = (144 - 9 - 16 - 16 - 1) / (12 * 11) = 102 / 132
#   alpha = 1 - (4/12) / (102/132) = 1 - 22/51 = 29/51
ALPHA_CLAIM = 29 / 51
# Fleiss by hand: P_i = 1, 1, 1/3, 1/3 -> P = 2/3; p = 3,4,4,1 / 12 -> P_e = 42/144
#   kappa = (2/3 - 7/24) / (1 - 7/24) = 9/17
FLEISS_CLAIM = 9 / 17
# Cohen reviewer1 vs reviewer2: (q,e,s,s) vs (q,e,s,e): p_o = 3/4,
#   p_e = (1*1 + 1*2 + 2*1) / 16 = 5/16 -> kappa = (12 - 5) / (16 - 5) = 7/11
COHEN_12 = 7 / 11
# After reviewer3 relabels U3 as quoted: o_qq 3, o_ee 3, o_ss 4, o_se = o_es = 1;
#   n_q 3, n_e 4, n_s 5: D_o = 2/12, D_e = (144 - 9 - 16 - 25) / 132 = 94/132
#   alpha = 1 - 264/1128 = 36/47
ALPHA_CLAIM_AFTER_EDIT = 36 / 47


@pytest.fixture
def few_draws():
    with override_settings(AGREEMENT_BOOTSTRAP_DRAWS=200):
        yield


@pytest.fixture
def scripted():
    """Demo session; three reviewers mark the same four phrases of one article."""
    session = demo_setup()
    article = session.articles.order_by("sessionarticle__position").first()
    users = [
        get_user_model().objects.get(username=name)
        for name in ("reviewer1", "reviewer2", "reviewer3")
    ]
    spans = {}
    for unit, phrase in enumerate(PHRASES):
        start = article.text.index(phrase)
        for column, user in enumerate(users):
            spans[unit, column] = annotation_create(
                session_id=session.pk,
                article_id=article.pk,
                reviewer=user,
                start=start,
                end=start + len(phrase),
                quote=phrase,
                claim_type=CLAIMS[unit][column],
                sourcing_quality="named_on_record",
                # Spelled differently, equal once normalised.
                cited_source=["Zabihullah Mujahid", "zabihullah  MUJAHID", "Mujahid"][
                    0 if column < 2 or unit != 0 else 1
                ],
            )
    return session, article, users, spans


def _statuses(session, article):
    """Unit statuses in PHRASES order (U1..U4)."""
    by_start = dict(
        AgreementUnit.objects.filter(session=session, article=article).values_list(
            "start", "status"
        )
    )
    return [by_start[article.text.index(phrase)] for phrase in PHRASES]


def _done(session, article, users):
    for user in users:
        review_state_set(
            session_id=session.pk, article_id=article.pk, reviewer=user, done=True
        )


def test_units_pending_until_every_required_reviewer_is_done(scripted):
    session, article, users, _ = scripted
    _done(session, article, users[:2])
    agreement_recompute(session_id=session.pk)
    assert _statuses(session, article) == ["pending"] * 4
    _done(session, article, users[2:])
    agreement_recompute(session_id=session.pk)
    assert _statuses(session, article) == ["agreed", "agreed", "disputed", "disputed"]
    assert list(
        AgreementUnit.objects.filter(session=session).values_list(
            "reviewer_count", flat=True
        )
    ) == [3, 3, 3, 3]


def test_label_agreement_matches_hand_worked_values(scripted):
    session, article, users, _ = scripted
    _done(session, article, users)
    report = agreement_recompute(session_id=session.pk)
    claim = report.payload["labels"]["claim_type"]
    assert claim["alpha"] == pytest.approx(ALPHA_CLAIM)
    assert claim["fleiss_kappa"] == pytest.approx(FLEISS_CLAIM)
    low, high = claim["ci"]
    assert low <= high
    pair = next(
        p
        for p in claim["pairs"]
        if (p["reviewer_a"], p["reviewer_b"]) == ("reviewer1", "reviewer2")
    )
    assert pair["cohen_kappa"] == pytest.approx(COHEN_12)
    assert pair["percent_agreement"] == pytest.approx(3 / 4)
    # Every reviewer chose the same sourcing level: no variation, alpha undefined.
    assert report.payload["labels"]["sourcing_quality"]["alpha"] is None
    assert report.payload["detection"]["exact"]["micro_f1"] == 1.0
    assert report.payload["counts"]["status"] == {
        "pending": 0,
        "agreed": 2,
        "disputed": 2,
        "adjudicated": 0,
    }
    stored = AgreementMetric.objects.get(
        report=report, dimension="claim_type", metric="alpha", label=""
    )
    assert stored.value == pytest.approx(ALPHA_CLAIM)
    assert stored.ci_low == pytest.approx(low)
    article_report = AgreementReport.objects.get(session=session, article=article)
    assert article_report.payload["labels"]["claim_type"]["alpha"] == pytest.approx(
        ALPHA_CLAIM
    )
    assert not report.stale and not article_report.stale


def _snapshot(session):
    units = list(
        AgreementUnit.objects.filter(session=session)
        .order_by("key")
        .values_list("id", "key", "start", "end", "status", "reviewer_count")
    )
    members = sorted(
        AgreementUnit.spans.through.objects.filter(
            agreementunit__session=session
        ).values_list("agreementunit_id", "spanannotation_id")
    )
    reports = list(
        AgreementReport.objects.filter(session=session)
        .with_staleness()
        .order_by("article_id")
        .values_list("id", "article_id", "fingerprint", "payload", "is_stale")
    )
    metrics = sorted(
        AgreementMetric.objects.filter(report__session=session).values_list(
            "id", "report_id", "dimension", "metric", "label", "reviewer_a", "value"
        ),
        key=repr,
    )
    return units, members, reports, metrics


def test_recompute_twice_keeps_the_same_rows_and_second_run_is_a_no_op(scripted):
    session, article, users, _ = scripted
    _done(session, article, users)
    first = agreement_recompute(session_id=session.pk)
    before = _snapshot(session)
    second = agreement_recompute(session_id=session.pk)
    assert second.computed_at == first.computed_at  # fingerprint unchanged: no work
    assert _snapshot(session) == before
    forced = agreement_recompute(session_id=session.pk, force=True)
    assert forced.computed_at > first.computed_at
    # Forced: rewritten in place (upserts), so even the row ids are the same.
    assert _snapshot(session) == before
    assert AgreementReport.objects.filter(session=session).count() == 1 + 5


def test_span_edit_changes_fingerprint_values_and_statuses(scripted):
    session, article, users, spans = scripted
    _done(session, article, users)
    first = agreement_recompute(session_id=session.pk)
    span = spans[2, 2]
    annotation_update(
        span_id=span.pk,
        actor=users[2],
        expected_version=span.version,
        claim_type="quoted_statement",
    )
    second = agreement_recompute(session_id=session.pk)
    assert second.fingerprint != first.fingerprint
    assert second.payload["labels"]["claim_type"]["alpha"] == pytest.approx(
        ALPHA_CLAIM_AFTER_EDIT
    )
    assert _statuses(session, article) == ["agreed", "agreed", "agreed", "disputed"]


def test_gold_decision_marks_its_unit_adjudicated_and_survives_unit_removal(
    scripted,
):
    session, article, users, spans = scripted
    _done(session, article, users)
    agreement_recompute(session_id=session.pk)
    unit = AgreementUnit.objects.filter(session=session, status="disputed").first()
    members = list(unit.spans.all())
    gold = GoldSpan.objects.create(
        session=session,
        article=article,
        unit=unit,
        unit_key=unit.key,
        decision=GoldSpan.Decision.ACCEPTED,
        start=unit.start,
        end=unit.end,
        quote=article.text[unit.start : unit.end],
        claim_type=members[0].claim_type,
        sourcing_quality=members[0].sourcing_quality,
        decided_by=get_user_model().objects.get(username="adjudicator"),
    )
    gold.source_spans.set(members)
    agreement_recompute(session_id=session.pk)
    unit.refresh_from_db()
    assert unit.status == "adjudicated"
    # Deleting a member changes the unit's key: the old unit goes, and the gold
    # decision follows its claim to the unit of its remaining source spans
    # (it used to keep the vanished key, unattached).
    SpanAnnotation.objects.filter(pk=members[-1].pk).delete()
    agreement_recompute(session_id=session.pk)
    gold.refresh_from_db()
    assert not AgreementUnit.objects.filter(pk=unit.pk).exists()
    survivor = AgreementUnit.objects.get(session=session, start=unit.start)
    assert survivor.status == "adjudicated"
    assert (gold.unit_id, gold.unit_key) == (survivor.pk, survivor.key)
    assert gold.unit_key != unit.key


def test_forcing_listed_articles_of_a_session_never_computed_stores_their_reports():
    """The dashboard's "force these articles" on a fresh session (no report yet).

    Every listed article gets its report, an article without spans included.
    """
    session = demo_setup()
    quiet = ArticleFactory()  # in the session, no spans
    SessionArticle.objects.create(session=session, article=quiet)
    article_ids = sorted(session.articles.values_list("pk", flat=True))
    assert quiet.pk in article_ids
    assert not AgreementReport.objects.filter(session=session).exists()
    result = agreement_recompute_run(
        session_id=session.pk, article_ids=article_ids, force=True
    )
    assert result["session_id"] == session.pk
    stored = set(
        AgreementReport.objects.filter(
            session=session, article__isnull=False
        ).values_list("article_id", flat=True)
    )
    assert stored == set(article_ids)
    assert AgreementReport.objects.filter(session=session, article=None).exists()

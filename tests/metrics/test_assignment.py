"""The balanced planner: k distinct reviewers per article, even loads, stable.

Random pools come from hypothesis; a few plans are checked against values
worked by hand.
"""

from hypothesis import given, settings
from hypothesis import strategies as st

from annotations.metrics.assignment import (
    PlanRequest,
    calibration_articles,
    plan_assignments,
    plan_loads,
)


def test_six_articles_three_reviewers_k2_by_hand():
    # Least-loaded first, ties to the lowest id: a round robin over pairs.
    plan = plan_assignments(
        PlanRequest(articles=[10, 11, 12, 13, 14, 15], reviewers=[7, 8, 9], k=2)
    )
    assert plan == {
        10: [7, 8],
        11: [7, 9],
        12: [8, 9],
        13: [7, 8],
        14: [7, 9],
        15: [8, 9],
    }
    assert plan_loads(plan, set()) == {7: 4, 8: 4, 9: 4}


def test_calibration_articles_go_to_everyone_and_do_not_count_as_load():
    plan = plan_assignments(
        PlanRequest(articles=[1, 2, 3, 4, 5], reviewers=[1, 2, 3], k=1, calibration=2)
    )
    assert plan[1] == plan[2] == [1, 2, 3]
    assert [plan[a] for a in (3, 4, 5)] == [[1], [2], [3]]
    assert calibration_articles([1, 2, 3, 4, 5], 2) == [1, 2]
    assert plan_loads(plan, {1, 2}) == {1: 1, 2: 1, 3: 1}


def test_k_larger_than_the_pool_takes_everyone_and_an_empty_pool_nobody():
    plan = plan_assignments(PlanRequest(articles=[1, 2], reviewers=[5, 6], k=3))
    assert plan == {1: [5, 6], 2: [5, 6]}
    assert plan_assignments(PlanRequest(articles=[1], reviewers=[], k=2)) == {1: []}


def test_a_new_reviewer_takes_unstarted_work_only():
    first = plan_assignments(
        PlanRequest(articles=list(range(8)), reviewers=[1, 2], k=1)
    )
    assert first == {a: [1 + a % 2] for a in range(8)}
    started = {(a, first[a][0]) for a in range(4)}
    second = plan_assignments(
        PlanRequest(
            articles=list(range(8)),
            reviewers=[1, 2, 3],
            k=1,
            current=first,
            started=started,
        )
    )
    for article, reviewer in started:
        assert second[article] == [reviewer]
    loads = plan_loads(second, set())
    assert sorted(loads.values()) == [2, 3, 3]
    assert loads[3] == 2


pools = st.integers(min_value=1, max_value=12).flatmap(
    lambda size: st.lists(
        st.integers(min_value=1, max_value=10_000),
        min_size=size,
        max_size=size,
        unique=True,
    )
)


def _check(plan, request):
    pool = set(request.reviewers)
    k = min(request.k, len(pool))
    shared = set(calibration_articles(request.articles, request.calibration))
    assert set(plan) == set(request.articles)
    for article, reviewers in plan.items():
        assert len(set(reviewers)) == len(reviewers)
        assert set(reviewers) <= pool
        if article in shared:
            assert set(reviewers) == pool
        else:
            assert len(reviewers) == k
    loads = plan_loads(plan, shared)
    values = [loads.get(r, 0) for r in pool]
    return max(values) - min(values) if values else 0


@settings(max_examples=150, deadline=None)
@given(
    reviewers=pools,
    n_articles=st.integers(min_value=0, max_value=80),
    k=st.integers(min_value=1, max_value=5),
    calibration=st.integers(min_value=0, max_value=5),
)
def test_fresh_plans_keep_the_invariants(reviewers, n_articles, k, calibration):
    request = PlanRequest(
        articles=list(range(100, 100 + n_articles)),
        reviewers=reviewers,
        k=k,
        calibration=calibration,
    )
    plan = plan_assignments(request)
    assert _check(plan, request) <= 1
    # Deterministic: the same inputs (in any order of the pool) give the same plan.
    assert (
        plan_assignments(
            PlanRequest(
                articles=request.articles,
                reviewers=list(reversed(reviewers)),
                k=k,
                calibration=calibration,
            )
        )
        == plan
    )


@settings(max_examples=100, deadline=None)
@given(
    reviewers=pools,
    joining=st.lists(st.integers(min_value=20_000, max_value=20_050), unique=True),
    n_articles=st.integers(min_value=1, max_value=60),
    extra_articles=st.integers(min_value=0, max_value=30),
    k=st.integers(min_value=1, max_value=4),
    started_share=st.floats(min_value=0, max_value=1),
    seed=st.integers(min_value=0, max_value=10**6),
)
def test_extending_keeps_started_work_and_the_invariants(
    reviewers, joining, n_articles, extra_articles, k, started_share, seed
):
    import random

    articles = list(range(n_articles))
    first = plan_assignments(PlanRequest(articles=articles, reviewers=reviewers, k=k))
    rng = random.Random(seed)
    pairs = sorted((a, r) for a, rs in first.items() for r in rs)
    started = {pair for pair in pairs if rng.random() < started_share}
    more = articles + list(range(1000, 1000 + extra_articles))
    request = PlanRequest(
        articles=more,
        reviewers=reviewers + joining,
        k=k,
        current=first,
        started=started,
    )
    second = plan_assignments(request)
    spread = _check(second, request)
    for article, reviewer in started:
        assert reviewer in second[article]
    if not started:
        assert spread <= 1
    assert plan_assignments(request) == second


@settings(max_examples=60, deadline=None)
@given(reviewers=pools, k=st.integers(min_value=1, max_value=4), seed=st.integers())
def test_a_lead_reassignment_then_a_sync_keeps_every_article_at_k(reviewers, k, seed):
    import random

    rng = random.Random(seed)
    articles = list(range(20))
    plan = plan_assignments(PlanRequest(articles=articles, reviewers=reviewers, k=k))
    kk = min(k, len(reviewers))
    article = rng.choice(articles)
    plan[article] = sorted(rng.sample(sorted(reviewers), kk))
    request = PlanRequest(
        articles=articles,
        reviewers=reviewers,
        k=k,
        current=plan,
        started={(article, r) for r in plan[article]},
    )
    again = plan_assignments(request)
    assert _check(again, request) <= 1
    assert again[article] == plan[article]

"""What a reliability recompute reads from the session's label scheme."""

from annotations.models import ClaimType, LabelScheme, SourcingLevel
from annotations.services.reliability_inputs import reliability_inputs_load
from tests.factories import SessionFactory


def test_default_scheme_rules_name_its_opinion_type_and_unsupported_rank(db):
    rules = reliability_inputs_load(session_id=SessionFactory().pk).rules
    assert rules.unscored_claim_types == frozenset({"opinion_not_claim"})
    assert rules.unsupported_rank == 6
    assert rules.level_scores == {rank: 1 - (rank - 1) / 5 for rank in range(1, 7)}


def test_an_edited_scheme_gives_its_own_rules(db):
    scheme = LabelScheme.objects.create(slug="short", name="Short")
    ClaimType.objects.create(scheme=scheme, code="fact", name="Fact")
    for code, rank in [("documented", 1), ("unsupported", 2), ("rumour", 3)]:
        SourcingLevel.objects.create(scheme=scheme, code=code, name=code, rank=rank)
    rules = reliability_inputs_load(session_id=SessionFactory(scheme=scheme).pk).rules
    # No opinion type in this scheme; "unsupported" is rank 2 here, not 6.
    assert rules.unscored_claim_types == frozenset()
    assert rules.unsupported_rank == 2
    assert rules.level_scores == {1: 1.0, 2: 0.5, 3: 0.0}

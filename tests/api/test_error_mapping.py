"""Service errors reach HTTP through the one exception handler, in one shape each."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from annotations.services.errors import Conflict, NotFound, StaleVersion
from annotations.services.gold_undo import NotCurrent
from annotations.services.span_undo import NothingToRestore


def answer(exc):
    # Loaded as a request loads it: the URL conf first (api.exceptions on its
    # own would meet DRF's settings importing api.parsers, which imports it).
    import annotations.api.urls  # noqa: F401
    from annotations.api.exceptions import api_exception_handler

    response = api_exception_handler(exc, {})
    return response.status_code, response.data


def test_not_found_keeps_its_message_and_a_bare_one_says_not_found():
    assert answer(NotFound("No such unit in this session.")) == (
        404,
        {"detail": "No such unit in this session."},
    )
    assert answer(NotFound()) == (404, {"detail": "Not found."})


def test_conflicts_are_409_with_the_reason():
    assert answer(Conflict("Revision 2 is no longer current.")) == (
        409,
        {"detail": "Revision 2 is no longer current."},
    )


@pytest.mark.parametrize(
    ("exc", "status"),
    [
        (NotCurrent("changed since"), 409),
        (NothingToRestore("gone"), 404),
    ],
)
def test_service_specific_errors_map_through_their_domain_class(exc, status):
    assert answer(exc)[0] == status


def test_stale_version_keeps_its_own_body():
    status, data = answer(StaleVersion(expected=1, current=2))
    assert status == 409
    assert data["field"] == "version" and data["current"] is None


def test_field_errors_name_the_field_and_permission_is_403():
    assert answer(ValidationError({"label": "Give the fact a label."})) == (
        400,
        {"label": ["Give the fact a label."]},
    )
    assert answer(PermissionDenied("Only adjudicators."))[0] == 403

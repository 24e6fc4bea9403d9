"""Every API route answers an anonymous caller 401 with a WWW-Authenticate header.

The routes are read from `annotations/api/urls.py`, so a new route cannot be
left out. Only obtaining a token, the schema and the docs are public.
"""

import pytest
from django.urls import URLPattern, reverse
from django.urls.converters import IntConverter, PathConverter, StringConverter
from rest_framework.test import APIClient

from annotations.api import urls as api_urls

pytestmark = pytest.mark.django_db

PUBLIC = {("token", "post")}
SAMPLE_VALUES = {IntConverter: 1, StringConverter: "x", PathConverter: "x/y"}


def route_methods():
    """(route name, path, method) for every method of every route under /api/."""
    for pattern in api_urls.urlpatterns:
        assert isinstance(pattern, URLPattern), pattern
        kwargs = {
            name: SAMPLE_VALUES[type(converter)]
            for name, converter in pattern.pattern.converters.items()
        }
        path = reverse(f"api:{pattern.name}", kwargs=kwargs)
        callback = pattern.callback
        actions = getattr(callback, "actions", None)
        if actions:  # a viewset: the methods routed to actions
            methods = list(actions)
        else:
            view = callback.view_class
            methods = [
                method
                for method in view.http_method_names
                if method not in {"options", "head"} and hasattr(view, method)
            ]
        for method in methods:
            yield pattern.name, path, method


ROUTES = list(route_methods())


def test_the_walk_covers_every_route():
    names = {name for name, _, _ in ROUTES}
    assert len(names) == len(api_urls.urlpatterns)
    # The routes of issue #12 that used to answer 403.
    assert {
        "session-export",
        "session-export-jobs",
        "adjudication-disputes",
        "adjudication-gold",
        "reliability-report",
        "agreement-session",
        "me",
    } <= names


PROTECTED = [
    (path, method, name)
    for name, path, method in ROUTES
    if (name, method) not in PUBLIC
]


@pytest.mark.parametrize(
    "path,method",
    [route[:2] for route in PROTECTED],
    ids=[f"{method}-{name}" for _, method, name in PROTECTED],
)
def test_anonymous_request_is_401_with_a_challenge(path, method):
    response = getattr(APIClient(), method)(path, {}, format="json")
    assert response.status_code == 401, (method, path, response.status_code)
    assert response["WWW-Authenticate"] == "Token", (method, path)
    assert response.json()["detail"]


def test_a_wrong_token_is_401_too(sessions):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    sid = sessions["blind"].pk
    for path in (f"/api/sessions/{sid}/export/", f"/api/sessions/{sid}/gold/"):
        response = client.get(path)
        assert response.status_code == 401, path
        assert response["WWW-Authenticate"] == "Token"


def test_the_public_endpoints_stay_public():
    client = APIClient()
    assert client.get("/api/schema/").status_code == 200
    assert client.get("/api/docs/").status_code == 200
    response = client.post(
        "/api/auth/token/", {"username": "nobody", "password": "x"}, format="json"
    )
    assert response.status_code == 400

"""Intake fixtures: a lead, upload helpers and the HTML fixture pages."""

from pathlib import Path

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile

from annotations.models import Article
from tests.conftest import api_client_for
from tests.factories import UserFactory

HTML_DIR = Path(__file__).resolve().parent.parent / "fixtures" / "html"
IMPORT_URL = "/api/articles/import/"


def html_fixture(name: str) -> bytes:
    return (HTML_DIR / name).read_bytes()


def upload(name: str, content: bytes | str) -> SimpleUploadedFile:
    if isinstance(content, str):
        content = content.encode("utf-8")
    return SimpleUploadedFile(name, content)


def article_rows():
    """Everything stored about every article: compare before and after."""
    return list(Article.objects.order_by("pk").values())


@pytest.fixture
def lead(db):
    user = UserFactory(username="lead")
    user.user_permissions.add(
        Permission.objects.get(
            codename="manage_sessions", content_type__app_label="annotations"
        )
    )
    return user


@pytest.fixture
def lead_client(lead):
    return api_client_for(lead)


def post_files(client, files, query: str = "", **form):
    """POST the files (a list of uploads) as multipart `files`, plus form fields."""
    return client.post(
        IMPORT_URL + (f"?{query}" if query else ""),
        {"files": files, **form},
        format="multipart",
    )

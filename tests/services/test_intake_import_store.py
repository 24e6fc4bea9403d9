"""The intake's database side: one duplicate query and one COPY per batch."""

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from annotations.models import Article, Outlet
from annotations.services import intake
from annotations.services.intake import ImportOptions, Upload, articles_import
from annotations.services.intake_store import COLUMNS
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db


def csv_upload(rows: int, start: int = 0, outlets: int = 3) -> Upload:
    lines = ["text,title,outlet,url"]
    for index in range(start, start + rows):
        text = f"Article {index}:\ta tab, a backslash \\ and\r\na new line."
        lines.append(
            f'"{text}",T{index},Outlet {index % outlets},https://x.example/{index}'
        )
    body = ("\n".join(lines) + "\n").encode()
    return Upload(name="rows.csv", stream=io.BytesIO(body))


def import_counting(upload: Upload, **options) -> tuple[int, intake.ImportOutcome]:
    with CaptureQueriesContext(connection) as queries:
        outcome = articles_import(uploads=[upload], options=ImportOptions(**options))
    return len(queries), outcome


def test_copy_writes_every_article_column():
    """COPY names the columns itself: a new Article column must be added there."""
    stored = {field.column for field in Article._meta.concrete_fields}
    assert set(COLUMNS) == stored


def test_queries_do_not_grow_with_the_rows_of_a_batch():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite's bulk insert is split by its parameter limit")
    import_counting(csv_upload(3, start=1000))  # the outlets exist from here on
    small, outcome = import_counting(csv_upload(5))
    assert outcome.created == 5
    large, outcome = import_counting(csv_upload(200, start=100))
    assert outcome.created == 200
    assert large == small


def test_copy_keeps_tabs_backslashes_and_line_ends_exactly():
    _, outcome = import_counting(csv_upload(2))
    assert outcome.written
    article = Article.objects.get(
        external_id=outcome.results[1]["article"]["external_id"]
    )
    assert article.text == "Article 1:\ta tab, a backslash \\ and\r\na new line."
    assert article.outlet.name == "Outlet 1"
    assert article.pk == outcome.results[1]["article"]["id"]
    assert article.url == "https://x.example/1"


def test_outlets_are_resolved_once_for_the_whole_import(monkeypatch):
    monkeypatch.setattr(intake, "BATCH", 4)
    Outlet.objects.create(name="Outlet 0", domain="zero.example")
    _, outcome = import_counting(csv_upload(12))
    assert outcome.created == 12
    assert sorted(Outlet.objects.values_list("name", flat=True)) == [
        "Outlet 0",
        "Outlet 1",
        "Outlet 2",
    ]
    assert Outlet.objects.get(name="Outlet 0").domain == "zero.example"
    per_outlet = {
        name: Article.objects.filter(outlet__name=name).count()
        for name in ("Outlet 0", "Outlet 1", "Outlet 2")
    }
    assert per_outlet == {"Outlet 0": 4, "Outlet 1": 4, "Outlet 2": 4}


def test_one_query_finds_duplicates_by_text_url_and_taken_external_id():
    ArticleFactory(text="Article 0:\ta tab, a backslash \\ and\r\na new line.")
    ArticleFactory(url="https://x.example/1")
    ArticleFactory(external_id="art-taken")
    lines = csv_upload(3).stream.read().decode()
    body = lines + '"Fresh text.",Fresh,Outlet 0,\n'
    body = body.replace("text,title,outlet,url", "text,title,outlet,url,external_id")
    body = body.replace("https://x.example/2", "https://x.example/2,art-taken")
    _, outcome = import_counting(
        Upload(name="d.csv", stream=io.BytesIO(body.encode())), partial=True
    )
    statuses = [result["status"] for result in outcome.results]
    assert statuses == ["duplicate", "duplicate", "error", "created"]
    assert "same text" in outcome.results[0]["message"]
    assert "same URL" in outcome.results[1]["message"]
    assert outcome.results[2]["message"].startswith("external_id: 'art-taken'")


def test_a_lone_surrogate_is_a_row_error_naming_the_field():
    """JSON can spell a lone surrogate ("\\ud800"); UTF-8, and so the COPY,
    cannot hold it: the row is refused, the good one written (partial)."""
    body = (
        b'{"text": "Bad \\ud800 text."}\n'
        b'{"text": "Fine text.", "title": "\\udfff"}\n'
        b'{"text": "Good text."}\n'
    )
    _, outcome = import_counting(
        Upload(name="s.jsonl", stream=io.BytesIO(body)), partial=True
    )
    statuses = [(result["status"], result["message"][:6]) for result in outcome.results]
    assert statuses == [("error", "text: "), ("error", "title:"), ("created", "")]
    assert list(Article.objects.values_list("text", flat=True)) == ["Good text."]

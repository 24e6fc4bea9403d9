"""Exports stream: the first line leaves before the rest of the corpus is read."""

import json

from django.http import StreamingHttpResponse

from annotations.exporters.base import ExportFilters
from annotations.exporters.jsonl import jsonl_lines
from annotations.models import SessionArticle
from tests.factories import ArticleFactory
from tests.helpers.exports import export_response


def test_response_streams_and_reads_the_corpus_lazily(staff, corpus, settings):
    settings.EXPORT_CHUNK_ARTICLES = 1
    session = corpus["session"]
    response = export_response(staff, session)
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "application/x-ndjson"
    assert 'filename="session-' in response["Content-Disposition"]
    chunks = iter(response.streaming_content)
    first = json.loads(next(chunks))
    assert first["external_id"] == "emoji-article"
    # Added after the first line went out, yet still exported: the rest of the
    # corpus is only read as the client consumes the stream.
    late = ArticleFactory(external_id="zz-late-article")
    SessionArticle.objects.create(session=session, article=late, position=9)
    rest = [json.loads(line) for line in b"".join(chunks).splitlines()]
    assert [r["external_id"] for r in rest] == ["plain-article", "zz-late-article"]


def test_keyset_chunks_cover_every_article_once(staff, corpus):
    session = corpus["session"]
    for index in range(5):
        article = ArticleFactory(external_id=f"extra-{index}")
        SessionArticle.objects.create(session=session, article=article, position=index)
    filters = ExportFilters(session_id=session.pk)
    seen = []
    lines = jsonl_lines(filters, chunk_size=2, on_chunk=seen.append)
    ids = [json.loads(line)["external_id"] for line in lines]
    assert ids == sorted(ids) and len(ids) == len(set(ids)) == 7
    assert seen == [2, 4, 6, 7]

"""Reads: querysets in, plain data out (visibility rules, progress, suggestions).

One module per sub-domain; `from annotations import selectors; selectors.x`
reaches every read of the modules below. Assignment, feedback, article
questions, adjudication and agreement reports are read from their own
submodules (`selectors.assignment`, `selectors.adjudication`, ...).
"""

from annotations.selectors.articles import (
    article_in_session,
    library_articles,
    library_outlets,
    offset_map_of,
    offset_maps_for,
    session_article,
    session_articles,
)
from annotations.selectors.dashboard import session_progress_matrix
from annotations.selectors.discussion import thread_comments, unread_comment_counts
from annotations.selectors.readings import (
    agreement_readings,
    article_alpha_readings,
    label_usage,
    scheme_names,
    session_export_jobs,
)
from annotations.selectors.sessions import (
    scheme_questions,
    session_for_user,
    session_get_for_user,
    session_progress,
    session_reviewers,
    session_scheme,
    sessions_for_user,
)
from annotations.selectors.spans import (
    SPAN_FIELDS,
    SPAN_ROW_FIELDS,
    article_with_spans,
    cited_source_suggestions,
    span_row,
    span_rows,
    spans_visible,
)

__all__ = [
    "sessions_for_user",
    "session_progress",
    "session_get_for_user",
    "session_for_user",
    "session_scheme",
    "scheme_questions",
    "session_reviewers",
    "session_articles",
    "session_article",
    "offset_maps_for",
    "offset_map_of",
    "article_in_session",
    "library_articles",
    "library_outlets",
    "SPAN_FIELDS",
    "spans_visible",
    "SPAN_ROW_FIELDS",
    "span_rows",
    "span_row",
    "article_with_spans",
    "cited_source_suggestions",
    "session_progress_matrix",
    "thread_comments",
    "unread_comment_counts",
    "label_usage",
    "scheme_names",
    "agreement_readings",
    "article_alpha_readings",
    "session_export_jobs",
]

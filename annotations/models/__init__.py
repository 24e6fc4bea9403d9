"""Data model: corpus, label scheme, sessions, spans, and the derived layers.

One module per sub-domain; every model is importable from here.
"""

from annotations.models.answers import ArticleAnswers, GoldAnswer
from annotations.models.corpus import (
    ARTICLE_CONTENT_FIELDS,
    Article,
    Outlet,
    SourceAlias,
)
from annotations.models.discussion import ArticleNote, CommentReadMarker, UnitComment
from annotations.models.fields import DocumentField
from annotations.models.gold import (
    AgreementStatus,
    AgreementUnit,
    Fact,
    FactLink,
    GoldSpan,
)
from annotations.models.jobs import ExportJob, ImportJob, ImportUpload, TaskRecord
from annotations.models.reliability import (
    ReliabilityArticle,
    ReliabilitySubjectArticle,
)
from annotations.models.reports import (
    METRIC_FIELDS,
    METRIC_KEY,
    AgreementArticleStats,
    AgreementMetric,
    AgreementReport,
    ReliabilityReport,
    ReliabilityScore,
    ReportQuerySet,
    StalenessMixin,
)
from annotations.models.schemes import (
    ArticleQuestion,
    ClaimType,
    LabelScheme,
    SourcingLevel,
)
from annotations.models.sessions import (
    AnnotationSession,
    Assignment,
    SessionArticle,
    SessionMembership,
)
from annotations.models.spans import (
    SPAN_READING_FIELDS,
    DeletedSpan,
    ReviewState,
    SpanAnnotation,
)

__all__ = [
    "ARTICLE_CONTENT_FIELDS",
    "METRIC_FIELDS",
    "METRIC_KEY",
    "SPAN_READING_FIELDS",
    "DocumentField",
    "Outlet",
    "Article",
    "SourceAlias",
    "LabelScheme",
    "ClaimType",
    "SourcingLevel",
    "ArticleQuestion",
    "AnnotationSession",
    "SessionArticle",
    "SessionMembership",
    "Assignment",
    "SpanAnnotation",
    "DeletedSpan",
    "ReviewState",
    "AgreementStatus",
    "AgreementUnit",
    "GoldSpan",
    "Fact",
    "FactLink",
    "ReportQuerySet",
    "StalenessMixin",
    "AgreementReport",
    "AgreementArticleStats",
    "AgreementMetric",
    "ReliabilityArticle",
    "ReliabilityReport",
    "ReliabilityScore",
    "ReliabilitySubjectArticle",
    "ExportJob",
    "TaskRecord",
    "ImportJob",
    "ImportUpload",
    "UnitComment",
    "CommentReadMarker",
    "ArticleNote",
    "ArticleAnswers",
    "GoldAnswer",
]

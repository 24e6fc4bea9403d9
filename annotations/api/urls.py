"""REST API routes (mounted under /api/)."""

from django.urls import path

from annotations.api import (
    adjudication_views,
    agreement_views,
    assignment_views,
    auth_views,
    discussion_views,
    export_views,
    feedback_views,
    intake_views,
    question_views,
    reliability_views,
    session_admin_views,
    span_views,
    undo_views,
)
from annotations.api import views as annotation_views

app_name = "api"

urlpatterns: list = [
    # Each sub-domain adds its routes in its own block below.
    # --- Annotation work: auth, sessions, articles, spans, review state --------
    path("auth/token/", auth_views.TokenView.as_view(), name="token"),
    path(
        "auth/token/rotate/", auth_views.TokenRotateView.as_view(), name="token-rotate"
    ),
    path(
        "auth/tokens/<int:user_id>/",
        auth_views.UserTokenView.as_view(),
        name="user-token",
    ),
    path("me/", annotation_views.MeView.as_view(), name="me"),
    path(
        "sessions/",
        session_admin_views.SessionManageViewSet.as_view(
            {"get": "list", "post": "create"}
        ),
        name="session-list",
    ),
    path(
        "sessions/<int:sid>/",
        session_admin_views.SessionManageViewSet.as_view(
            {"get": "retrieve", "patch": "partial_update"}
        ),
        name="session-detail",
    ),
    path(
        "sessions/<int:sid>/articles/",
        session_admin_views.SessionArticleManageViewSet.as_view(
            {"get": "list", "post": "add"}
        ),
        name="article-list",
    ),
    path(
        "sessions/<int:sid>/articles/<int:aid>/",
        session_admin_views.SessionArticleManageViewSet.as_view(
            {"get": "retrieve", "delete": "remove"}
        ),
        name="article-detail",
    ),
    path(
        "sessions/<int:sid>/articles/<int:aid>/review-state/",
        assignment_views.AssignedArticleViewSet.as_view({"put": "review_state"}),
        name="article-review-state",
    ),
    path(
        "sessions/<int:sid>/spans/",
        assignment_views.AssignedSpanViewSet.as_view({"get": "list", "post": "create"}),
        name="span-list",
    ),
    path(
        "sessions/<int:sid>/spans/bulk/",
        assignment_views.AssignedSpanViewSet.as_view({"post": "bulk"}),
        name="span-bulk",
    ),
    path(
        "sessions/<int:sid>/spans/<int:pk>/",
        assignment_views.AssignedSpanViewSet.as_view(
            {
                "get": "retrieve",
                "put": "update",
                "patch": "partial_update",
                "delete": "destroy",
            }
        ),
        name="span-detail",
    ),
    path(
        "sessions/<int:sid>/spans/<int:pk>/restore/",
        undo_views.SpanRestoreView.as_view(),
        name="span-restore",
    ),
    path(
        "sessions/<int:sid>/gold/<int:gold_id>/undo/",
        undo_views.GoldUndoView.as_view(),
        name="gold-undo",
    ),
    path(
        "sessions/<int:sid>/cited-sources/",
        span_views.CitedSourcesView.as_view(),
        name="cited-sources",
    ),
    # --- end annotation work ------------------------------------------------------
    # --- Session management and assignment (leads) --------------------------------
    path(
        "sessions/<int:sid>/members/",
        session_admin_views.MembersView.as_view(),
        name="session-members",
    ),
    path(
        "sessions/<int:sid>/members/<int:user_id>/",
        session_admin_views.MemberDetailView.as_view(),
        name="session-member",
    ),
    path(
        "sessions/<int:sid>/assignments/",
        assignment_views.AssignmentListView.as_view(),
        name="session-assignments",
    ),
    path(
        "sessions/<int:sid>/assignments/<int:aid>/",
        assignment_views.AssignmentDetailView.as_view(),
        name="session-assignment",
    ),
    path("users/", session_admin_views.UsersView.as_view(), name="users"),
    # --- end session management and assignment ----------------------------------
    # --- Adjudication: disputes, gold decisions, gold layer, facts ---------------
    path(
        "sessions/<int:sid>/disputes/",
        adjudication_views.DisputeListView.as_view(),
        name="adjudication-disputes",
    ),
    path(
        "sessions/<int:sid>/units/<int:unit_id>/",
        adjudication_views.UnitDetailView.as_view(),
        name="adjudication-unit",
    ),
    path(
        "sessions/<int:sid>/units/<int:unit_id>/decision/",
        adjudication_views.UnitDecisionView.as_view(),
        name="adjudication-decision",
    ),
    path(
        "sessions/<int:sid>/gold/",
        adjudication_views.GoldListView.as_view(),
        name="adjudication-gold",
    ),
    path(
        "sessions/<int:sid>/facts/",
        adjudication_views.FactListView.as_view(),
        name="adjudication-facts",
    ),
    path(
        "sessions/<int:sid>/facts/<int:fact_id>/links/",
        adjudication_views.FactLinkCreateView.as_view(),
        name="adjudication-fact-links",
    ),
    path(
        "sessions/<int:sid>/facts/<int:fact_id>/links/<int:gold_span_id>/",
        adjudication_views.FactLinkDeleteView.as_view(),
        name="adjudication-fact-link",
    ),
    # --- end adjudication ----------------------------------------------------------
    # --- Export: streamed corpus downloads and background export jobs ----------
    path(
        "sessions/<int:sid>/export/",
        export_views.SessionExportView.as_view(),
        name="session-export",
    ),
    path(
        "sessions/<int:sid>/exports/",
        export_views.SessionExportJobsView.as_view(),
        name="session-export-jobs",
    ),
    path(
        "exports/<int:job_id>/",
        export_views.ExportJobDetailView.as_view(),
        name="export-job-detail",
    ),
    path(
        "exports/<int:job_id>/download/",
        export_views.ExportJobDownloadView.as_view(),
        name="export-job-download",
    ),
    # --- end export ------------------------------------------------------------------
    # --- Agreement: reports, units, recompute, task state ------------------------
    path(
        "sessions/<int:sid>/agreement/",
        agreement_views.SessionAgreementView.as_view(),
        name="agreement-session",
    ),
    path(
        "sessions/<int:sid>/agreement/recompute/",
        agreement_views.AgreementRecomputeView.as_view(),
        name="agreement-recompute",
    ),
    path(
        "sessions/<int:sid>/articles/<int:aid>/agreement/",
        agreement_views.ArticleAgreementView.as_view(),
        name="agreement-article",
    ),
    path(
        "sessions/<int:sid>/articles/<int:aid>/feedback/",
        feedback_views.ArticleFeedbackView.as_view(),
        name="article-feedback",
    ),
    path(
        "sessions/<int:sid>/units/",
        agreement_views.UnitListView.as_view(),
        name="agreement-units",
    ),
    path(
        "tasks/<str:task_id>/",
        agreement_views.TaskStateView.as_view(),
        name="task-state",
    ),
    # --- end agreement -----------------------------------------------------------
    # --- Source reliability: report, evidence behind a score, recompute ----------
    path(
        "sessions/<int:sid>/reliability/",
        reliability_views.ReliabilityReportView.as_view(),
        name="reliability-report",
    ),
    path(
        "sessions/<int:sid>/reliability/recompute/",
        reliability_views.ReliabilityRecomputeView.as_view(),
        name="reliability-recompute",
    ),
    path(
        "sessions/<int:sid>/reliability/<str:kind>/<path:subject_key>/evidence/",
        reliability_views.ReliabilityEvidenceView.as_view(),
        name="reliability-evidence",
    ),
    # --- end source reliability ---------------------------------------------------
    # --- Discussion: unit comment threads, unread counts, article notes ---------
    path(
        "sessions/<int:sid>/units/<int:unit_id>/comments/",
        discussion_views.UnitCommentsView.as_view(),
        name="discussion-comments",
    ),
    path(
        "sessions/<int:sid>/units/<int:unit_id>/comments/read/",
        discussion_views.UnitCommentsReadView.as_view(),
        name="discussion-comments-read",
    ),
    path(
        "sessions/<int:sid>/comments/unread/",
        discussion_views.UnreadCommentsView.as_view(),
        name="discussion-unread",
    ),
    path(
        "sessions/<int:sid>/articles/<int:article_id>/note/",
        discussion_views.ArticleNoteView.as_view(),
        name="discussion-note",
    ),
    # --- end discussion -------------------------------------------------------------
    # --- Article library and intake (leads) ------------------------------------
    path(
        "articles/import/",
        intake_views.ArticleImportView.as_view(),
        name="article-import",
    ),
    path(
        "articles/imports/<int:job_id>/",
        intake_views.ImportJobView.as_view(),
        name="article-import-job",
    ),
    path(
        "articles/",
        intake_views.LibraryArticleListView.as_view(),
        name="library-article-list",
    ),
    path(
        "articles/<int:article_id>/",
        intake_views.LibraryArticleDetailView.as_view(),
        name="library-article-detail",
    ),
    # --- end article library and intake -------------------------------------------
    # --- Article questions: answers (blind), disputes, gold answers ------------
    path(
        "sessions/<int:sid>/articles/<int:aid>/answers/",
        question_views.ArticleAnswersView.as_view(),
        name="article-answers",
    ),
    path(
        "sessions/<int:sid>/articles/<int:aid>/gold-answers/",
        question_views.GoldAnswersView.as_view(),
        name="article-gold-answers",
    ),
    path(
        "sessions/<int:sid>/question-disputes/",
        question_views.QuestionDisputesView.as_view(),
        name="question-disputes",
    ),
    # --- end article questions ----------------------------------------------------
]

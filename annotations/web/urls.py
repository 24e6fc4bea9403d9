"""Web page routes: my sessions, a session's articles, the annotation page."""

from django.urls import path

from annotations.web import dashboard, library, views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("sessions/<int:session_id>/", views.session_detail, name="session"),
    path(
        "sessions/<int:session_id>/articles/<int:article_id>/",
        views.article_annotate,
        name="annotate",
    ),
    # --- Review dashboard and adjudication (adjudicators and staff) -------------
    path(
        "sessions/<int:session_id>/dashboard/",
        dashboard.dashboard,
        name="dashboard",
    ),
    path(
        "sessions/<int:session_id>/disputes/",
        dashboard.disputes,
        name="disputes",
    ),
    # --- end review dashboard and adjudication ----------------------------------
    # --- Article library and intake (leads) -------------------------------------
    path("library/", library.library, name="library"),
    # --- end article library ------------------------------------------------------
]

"""Web page routes: my sessions, a session's articles, the annotation page."""

from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from annotations.web import dashboard, library, manage, views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    # --- Running sessions: new session, management, my queue, accounts -------
    path("sessions/new/", manage.session_new, name="session-new"),
    path(
        "sessions/<int:sid>/manage/",
        manage.session_manage,
        name="session-manage",
    ),
    path("sessions/<int:sid>/queue/", views.queue, name="queue"),
    path(
        "accounts/welcome/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name="registration/set_password.html",
            success_url=reverse_lazy("web:set-password-done"),
            reset_url_token="choose",
        ),
        name="set-password",
    ),
    path(
        "accounts/welcome/done/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="registration/set_password_done.html"
        ),
        name="set-password-done",
    ),
    # --- end running sessions ---------------------------------------------------
    path("sessions/<int:sid>/", views.session_detail, name="session"),
    path(
        "sessions/<int:sid>/articles/<int:article_id>/",
        views.article_annotate,
        name="annotate",
    ),
    # --- Review dashboard and adjudication (adjudicators and staff) -------------
    path(
        "sessions/<int:sid>/dashboard/",
        dashboard.dashboard,
        name="dashboard",
    ),
    path(
        "sessions/<int:sid>/disputes/",
        dashboard.disputes,
        name="disputes",
    ),
    # --- end review dashboard and adjudication ----------------------------------
    # --- Article library and intake (leads) -------------------------------------
    path("library/", library.library, name="library"),
    # --- end article library ------------------------------------------------------
]

"""Top-level URLs: the web pages, the REST API, its schema and the admin."""

from csp.constants import SELF, UNSAFE_INLINE
from csp.decorators import csp_replace
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView

from annotations.web.auth import LogoutView

# Redoc (served from the app's static files) styles itself through <style>
# elements it creates at run time and builds its search index in a blob: worker.
REDOC_CSP = {"style-src": [SELF, UNSAFE_INLINE], "worker-src": [SELF, "blob:"]}

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", LogoutView.as_view(), name="logout"),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path(
        "api/docs/",
        csp_replace(REDOC_CSP)(
            SpectacularRedocView.as_view(
                url_name="api-schema", template_name="api/redoc.html"
            )
        ),
        name="api-docs",
    ),
    path("api/", include("annotations.api.urls")),
    path("", include("annotations.web.urls")),
]

# Under /api/ these answer JSON ({"detail"}); elsewhere Django's HTML pages.
handler400 = "annotations.api.exceptions.bad_request"
handler403 = "annotations.api.exceptions.permission_denied"
handler404 = "annotations.api.exceptions.page_not_found"
handler500 = "annotations.api.exceptions.server_error"

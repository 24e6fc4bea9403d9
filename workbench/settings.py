"""Settings for the workbench, read from the environment with safe dev defaults.

Every variable read here is listed, with its default, in `.env.example`.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item]


def env_proxy_ssl_header(name: str) -> tuple[str, str] | None:
    """`HTTP_X_FORWARDED_PROTO,https` -> the (META key, value) pair Django wants."""
    value = os.environ.get(name, "").strip()
    if not value:
        return None
    parts = [part.strip() for part in value.split(",")]
    if len(parts) != 2 or not all(parts) or not parts[0].startswith("HTTP_"):
        raise ImproperlyConfigured(
            f"{name} must be '<HTTP_ META key>,<value>', "
            f"e.g. HTTP_X_FORWARDED_PROTO,https (got {value!r})."
        )
    return parts[0], parts[1]


# --- Core -------------------------------------------------------------------
# The default key is for development only; production sets SECRET_KEY.
SECRET_KEY = os.environ.get(
    "SECRET_KEY", "dev-only-insecure-key-change-me-for-any-shared-deployment"
)
# Off unless asked for: `make run` (scripts/run.sh) turns it on for the demo.
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    "axes",
    "annotations",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Without a broker, a request's recomputes run after its response.
    "annotations.middleware.RecomputeAfterResponse",
    # Last, as django-axes asks: turns a lockout into its 429 page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "workbench.urls"
WSGI_APPLICATION = "workbench.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "annotations.web.library.lead_nav",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------
# SQLite file in the project by default (the embedded demo); PostgreSQL through
# the same variable, e.g. postgres://postgres@127.0.0.1:5432/test
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Auth ---------------------------------------------------------------------
_VALIDATION = "django.contrib.auth.password_validation"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": f"{_VALIDATION}.UserAttributeSimilarityValidator"},
    {"NAME": f"{_VALIDATION}.MinimumLengthValidator"},
    {"NAME": f"{_VALIDATION}.CommonPasswordValidator"},
    {"NAME": f"{_VALIDATION}.NumericPasswordValidator"},
]
# django-axes first: it refuses a locked-out login before any password check.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "login"

# Brute-force lockout (django-axes) on /accounts/login/, /admin/login/ and
# POST /api/auth/token/: AXES_FAILURE_LIMIT wrong passwords for one username
# from one address lock that pair out for AXES_COOLOFF_MINUTES (429); a wrong
# password during the lockout starts it again, a success clears the count.
AXES_ENABLED = env_bool("AXES_ENABLED", True)
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(
    minutes=float(os.environ.get("AXES_COOLOFF_MINUTES", "15"))
)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False  # no start-up banner in every management command
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"

# --- HTTPS and browser protections ----------------------------------------------
# All off by default (the demo is plain HTTP on loopback); a deployment behind
# TLS turns them on, and `manage.py check --deploy` then passes. Behind a proxy
# that terminates TLS, SECURE_PROXY_SSL_HEADER names the header it sets, e.g.
# HTTP_X_FORWARDED_PROTO,https; only set it if the proxy overwrites that header.
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SECURE_PROXY_SSL_HEADER = env_proxy_ssl_header("SECURE_PROXY_SSL_HEADER")
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", False)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", False)

# Content-Security-Policy on every response (django-csp). The pages load only
# their own scripts and styles (no inline code; a template that needs an inline
# script gets a nonce from request.csp_nonce). The Redoc page relaxes it for
# its own needs (workbench/urls.py), the browsable API for its style attributes
# (annotations/api/renderers.py).
_csp_report_uri = os.environ.get("CSP_REPORT_URI", "")
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        **({"report-uri": [_csp_report_uri]} if _csp_report_uri else {}),
    },
}

# --- Internationalisation -----------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static files -------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "var" / "static"  # filled by collectstatic
WHITENOISE_USE_FINDERS = DEBUG
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "var" / "media"))
MEDIA_URL = "media/"

# --- Request limits -----------------------------------------------------------
# Bodies above this size are refused with 400 before parsing (bulk uploads of a
# few thousand spans fit comfortably).
DATA_UPLOAD_MAX_MEMORY_SIZE = int(
    os.environ.get("MAX_REQUEST_BYTES", str(5 * 1024 * 1024))
)

# --- Celery -------------------------------------------------------------------
# With REDIS_URL unset, tasks run in-process (eager) so the demo needs no server.
REDIS_URL = os.environ.get("REDIS_URL", "")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or "cache+memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = int(os.environ.get("CELERY_TASK_SOFT_TIME_LIMIT", "300"))
CELERY_TASK_TIME_LIMIT = int(os.environ.get("CELERY_TASK_TIME_LIMIT", "360"))
CELERY_TASK_TRACK_STARTED = True
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CELERY_QUEUE", "workbench")
CELERY_RESULT_EXPIRES = 24 * 3600
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
# Fail fast when the broker is down: writes must not hang on enqueueing.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "max_retries": 1,
    "socket_timeout": 2,
    # An unacknowledged task of a killed worker is redelivered after this long.
    "visibility_timeout": int(os.environ.get("CELERY_VISIBILITY_TIMEOUT", "3600")),
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# The task-state endpoint asks the worker of a task STARTED this long ago
# whether it still runs it (a SIGKILLed worker leaves STARTED behind).
TASK_STARTED_GRACE_SECONDS = float(os.environ.get("TASK_STARTED_GRACE_SECONDS", "10"))
# The Redis result backend reconnects 20 times by default (about 19 s) before an
# enqueue gives up: one quick retry, then the caller answers 503.
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = 2
CELERY_REDIS_SOCKET_TIMEOUT = 5
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {
    "retry_policy": {
        "max_retries": 1,
        "interval_start": 0,
        "interval_step": 0.2,
        "interval_max": 0.2,
    }
}
CELERY_BEAT_SCHEDULE = {
    "sweep-stale-reports": {
        "task": "annotations.sweep_stale_reports",
        "schedule": float(os.environ.get("STALE_SWEEP_SECONDS", "60")),
    },
}

# --- Workbench ------------------------------------------------------------------
# Seconds a burst of span edits waits before its one agreement recompute runs.
AGREEMENT_DEBOUNCE_SECONDS = float(os.environ.get("AGREEMENT_DEBOUNCE_SECONDS", "2"))
AGREEMENT_BOOTSTRAP_DRAWS = int(os.environ.get("AGREEMENT_BOOTSTRAP_DRAWS", "1000"))
# Session confidence intervals (docs/agreement.md): "article" = cluster bootstrap
# over articles, "unit" = per-unit; sessions with fewer pairable articles than
# the minimum resample units (a bootstrap over a few clusters is degenerate).
AGREEMENT_BOOTSTRAP = os.environ.get("AGREEMENT_BOOTSTRAP", "article")
AGREEMENT_CLUSTER_MIN_ARTICLES = int(
    os.environ.get("AGREEMENT_CLUSTER_MIN_ARTICLES", "10")
)
# A cold or forced recompute over at least two chunks of this many articles is
# split across the workers (a chord of chunks, then one reduce).
AGREEMENT_FANOUT_CHUNK = int(os.environ.get("AGREEMENT_FANOUT_CHUNK", "500"))
# Decoded per-article statistics a worker keeps in memory (about 10 kB each).
AGREEMENT_STATS_CACHE_ARTICLES = int(
    os.environ.get("AGREEMENT_STATS_CACHE_ARTICLES", "50000")
)
# Sessions up to this many articles also compare every article's span "shape"
# on each run (catches writes that bypassed the services); larger ones trust the
# per-article change counters, and a forced recompute re-reads everything.
AGREEMENT_SHAPE_CHECK_ARTICLES = int(
    os.environ.get("AGREEMENT_SHAPE_CHECK_ARTICLES", "2000")
)
# A scheduled recompute that has not started this long after it was due was
# lost with its worker; the next write or sweep schedules it again.
AGREEMENT_SCHEDULE_LEASE_SECONDS = float(
    os.environ.get("AGREEMENT_SCHEDULE_LEASE_SECONDS", "30")
)
# A running export whose heartbeat (one per chunk) is older than this lost its
# worker: the sweep fails it and removes its partial file.
EXPORT_LEASE_SECONDS = float(os.environ.get("EXPORT_LEASE_SECONDS", "120"))
# Articles per chunk of an export: one query batch and one heartbeat each.
EXPORT_CHUNK_ARTICLES = int(os.environ.get("EXPORT_CHUNK_ARTICLES", "200"))
EXPORT_DIR = Path(os.environ.get("EXPORT_DIR", BASE_DIR / "var" / "exports"))
# Source reliability (docs/reliability.md): prior worth k pseudo-claims at the
# corpus mean, fewer than MIN_N claims = "insufficient evidence", bootstrap draws,
# and how long a burst of changes waits for its one reliability recompute.
RELIABILITY_PRIOR_STRENGTH = float(os.environ.get("RELIABILITY_PRIOR_STRENGTH", "5"))
RELIABILITY_MIN_N = int(os.environ.get("RELIABILITY_MIN_N", "5"))
RELIABILITY_BOOTSTRAP_DRAWS = int(os.environ.get("RELIABILITY_BOOTSTRAP_DRAWS", "2000"))
RELIABILITY_DEBOUNCE_SECONDS = float(
    os.environ.get("RELIABILITY_DEBOUNCE_SECONDS", "5")
)
# --- Workbench: ClaimReview export (docs/export.md) ---
# Who publishes the fact checks, and the permalink of each one: {session} is
# the session id, {unit} the agreement unit id, {gold} the gold revision id.
CLAIMREVIEW_AUTHOR_NAME = os.environ.get(
    "CLAIMREVIEW_AUTHOR_NAME", "Source-credibility workbench"
)
CLAIMREVIEW_AUTHOR_URL = os.environ.get("CLAIMREVIEW_AUTHOR_URL", "")
CLAIMREVIEW_URL_PATTERN = os.environ.get(
    "CLAIMREVIEW_URL_PATTERN",
    "http://127.0.0.1:8000/sessions/{session}/disputes/?unit={unit}",
)
# --- Workbench: article library and intake (docs/intake.md) ---
# An uploaded file larger than this is a per-file error; a whole import request
# may carry up to ARTICLE_IMPORT_MAX_REQUEST_BYTES. Past ASYNC_ITEMS (files,
# URLs and CSV/JSONL lines) an import runs as a background job.
ARTICLE_IMPORT_MAX_FILE_BYTES = int(
    os.environ.get("ARTICLE_IMPORT_MAX_FILE_BYTES", str(20 * 1024 * 1024))
)
ARTICLE_IMPORT_MAX_REQUEST_BYTES = int(
    os.environ.get("ARTICLE_IMPORT_MAX_REQUEST_BYTES", str(200 * 1024 * 1024))
)
ARTICLE_IMPORT_ASYNC_ITEMS = int(os.environ.get("ARTICLE_IMPORT_ASYNC_ITEMS", "500"))
# Server-side fetching of article URLs: off by default (closed newsroom
# networks); private, loopback and link-local addresses are always refused
# except for the host:port pairs in ARTICLE_FETCH_ALLOW_HOSTS (tests only).
ARTICLE_FETCH_ENABLED = env_bool("ARTICLE_FETCH_ENABLED", False)
ARTICLE_FETCH_ALLOW_HOSTS = env_list("ARTICLE_FETCH_ALLOW_HOSTS", "")
ARTICLE_FETCH_TIMEOUT_SECONDS = float(
    os.environ.get("ARTICLE_FETCH_TIMEOUT_SECONDS", "10")
)
ARTICLE_FETCH_MAX_BYTES = int(
    os.environ.get("ARTICLE_FETCH_MAX_BYTES", str(5 * 1024 * 1024))
)
ARTICLE_FETCH_MAX_REDIRECTS = int(os.environ.get("ARTICLE_FETCH_MAX_REDIRECTS", "3"))

# --- REST framework -------------------------------------------------------------
REST_FRAMEWORK = {
    # Token first: DRF answers an anonymous request with the first class's
    # WWW-Authenticate challenge, and only a 401 can carry one (Session has none,
    # so it made every anonymous refusal a bare 403).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    # Service errors (ValidationError, StaleVersion, …) become JSON 4xx here.
    "EXCEPTION_HANDLER": "annotations.api.exceptions.api_exception_handler",
    # Every body obeys DATA_UPLOAD_MAX_MEMORY_SIZE (413 beyond it, unread).
    "DEFAULT_PARSER_CLASSES": [
        "annotations.api.parsers.LimitedJSONParser",
        "annotations.api.parsers.LimitedFormParser",
        "annotations.api.parsers.LimitedMultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "annotations.api.pagination.ApiPagination",
    "PAGE_SIZE": 100,
    "DEFAULT_SCHEMA_CLASS": "annotations.api.schema.ApiAutoSchema",
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "annotations.api.renderers.BrowsableAPIRenderer",
    ],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Source-credibility annotation workbench API",
    "DESCRIPTION": (
        "Span annotation of news articles: sessions, articles, spans, review "
        "state, agreement and reliability reports, exports. Offsets are Unicode "
        "code points, end exclusive, unless offset_unit=utf16 is given."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Redoc and Swagger UI come from the app's static files (no CDN), pinned
    # by the drf-spectacular-sidecar version in requirements.txt.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Choice sets several components share get one name each.
    "ENUM_NAME_OVERRIDES": {
        "ExportJobStatusEnum": "annotations.models.ExportJob.Status",
    },
}

# --- Logging --------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # django-axes logs every sign-in at INFO; lockouts are WARNING.
    "loggers": {"axes": {"level": "WARNING"}},
}

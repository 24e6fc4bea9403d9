"""Deployment settings: read from the environment, `check --deploy` passes.

Each case runs manage.py in a subprocess with its own environment, as a
deployment would, since the settings are read once at start-up.
"""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# What a team deployment behind TLS sets (README, "Running for a team").
PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "k3Yq0-9vW_s8pLz!xT2mN7rB4cJ6hF1dG5eA0uI3oP8yR2wE9tQ7zX4vC6bM1nL5",
    "ALLOWED_HOSTS": "workbench.example.org",
    "SECURE_HSTS_SECONDS": "31536000",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": "true",
    "SECURE_HSTS_PRELOAD": "true",
    "SECURE_SSL_REDIRECT": "true",
    "SECURE_PROXY_SSL_HEADER": "HTTP_X_FORWARDED_PROTO,https",
    "SESSION_COOKIE_SECURE": "true",
    "CSRF_COOKIE_SECURE": "true",
}

# Variables that must not leak in from the caller's environment: this file's,
# and the browser tests' async-safety switch (which check --deploy refuses).
OURS = [
    *PRODUCTION,
    "AXES_FAILURE_LIMIT",
    "AXES_COOLOFF_MINUTES",
    "CSP_REPORT_URI",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
]

SHOW_SETTINGS = """
import json
from django.conf import settings as s
print(json.dumps({
    "DEBUG": s.DEBUG,
    "SECURE_HSTS_SECONDS": s.SECURE_HSTS_SECONDS,
    "SECURE_SSL_REDIRECT": s.SECURE_SSL_REDIRECT,
    "SECURE_PROXY_SSL_HEADER": s.SECURE_PROXY_SSL_HEADER,
    "SESSION_COOKIE_SECURE": s.SESSION_COOKIE_SECURE,
    "CSRF_COOKIE_SECURE": s.CSRF_COOKIE_SECURE,
    "AXES_FAILURE_LIMIT": s.AXES_FAILURE_LIMIT,
    "AXES_COOLOFF_SECONDS": s.AXES_COOLOFF_TIME.total_seconds(),
    "CSP": s.CONTENT_SECURITY_POLICY["DIRECTIVES"].get("report-uri"),
}))
"""


def manage(args, extra_env, check=False):
    env = {k: v for k, v in os.environ.items() if k not in OURS}
    env.update(extra_env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=check,
    )


def settings_with(extra_env) -> dict:
    output = manage(["shell", "-c", SHOW_SETTINGS], extra_env, check=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def test_check_deploy_passes_with_the_production_variables():
    result = manage(["check", "--deploy", "--fail-level", "WARNING"], PRODUCTION)
    assert result.returncode == 0, result.stderr + result.stdout


def test_check_deploy_names_what_is_missing_without_them():
    bare = {k: PRODUCTION[k] for k in ("DEBUG", "SECRET_KEY", "ALLOWED_HOSTS")}
    result = manage(["check", "--deploy", "--fail-level", "WARNING"], bare)
    assert result.returncode != 0
    for warning in ("W004", "W008", "W012", "W016"):
        assert f"security.{warning}" in result.stderr, warning


def test_debug_is_off_unless_asked_for():
    assert settings_with({})["DEBUG"] is False
    assert settings_with({"DEBUG": "true"})["DEBUG"] is True


def test_security_and_lockout_variables_are_read():
    values = settings_with(
        {
            **PRODUCTION,
            "AXES_FAILURE_LIMIT": "7",
            "AXES_COOLOFF_MINUTES": "30",
            "CSP_REPORT_URI": "/csp-report/",
        }
    )
    assert values == {
        "DEBUG": False,
        "SECURE_HSTS_SECONDS": 31536000,
        "SECURE_SSL_REDIRECT": True,
        "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"],
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "AXES_FAILURE_LIMIT": 7,
        "AXES_COOLOFF_SECONDS": 1800.0,
        "CSP": ["/csp-report/"],
    }


def test_a_malformed_proxy_header_is_refused_at_start_up():
    result = manage(["check"], {"SECURE_PROXY_SSL_HEADER": "X-Forwarded-Proto"})
    assert result.returncode != 0
    assert "SECURE_PROXY_SSL_HEADER" in result.stderr


def test_the_demo_script_turns_debug_on():
    script = (ROOT / "scripts" / "run.sh").read_text()
    assert "export DEBUG=${DEBUG:-true}" in script


def test_env_example_lists_every_variable_the_settings_read():
    settings_text = (ROOT / "workbench" / "settings.py").read_text()
    reader = r"(?:os\.environ\.get|env_bool|env_list|env_proxy_ssl_header)"
    read = set(re.findall(reader + r'\(\s*"([A-Z_]+)"', settings_text))
    example = (ROOT / ".env.example").read_text()
    listed = set(re.findall(r"^#? ?([A-Z_]+)=", example, flags=re.MULTILINE))
    assert read - listed == set()
    assert {"SECURE_HSTS_SECONDS", "AXES_FAILURE_LIMIT", "CSP_REPORT_URI"} <= read

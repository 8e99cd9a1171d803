"""Settings for certiflow. Everything that differs between machines comes from the environment.

- ``DATABASE_URL``: the database (default: the embedded SQLite file ``var/certiflow.sqlite3``, WAL).
- ``CERTIFLOW_VAR_DIR``: where the embedded database and uploads live (default: ``./var``).
- ``DJANGO_SECRET_KEY``: required when ``DJANGO_DEBUG`` is off; else a key kept in ``var/secret_key``.
- ``DJANGO_DEBUG``: ``1`` for development (the default for ``make run``), ``0`` in production.
- ``DJANGO_ALLOWED_HOSTS``: comma-separated host names.
- ``CERTIFLOW_DB_CONN_MAX_AGE``: seconds a database connection is kept between requests (default 60).
- ``CERTIFLOW_PUBLIC_URL``: the address the world reaches the app at; printed in credentials, their QR
  codes and status lists (default ``http://127.0.0.1:8000``, what ``make run`` serves).
- ``CERTIFLOW_KEY_PASSPHRASE``: encrypts the certifiers' signing keys; required when ``DJANGO_DEBUG=0``,
  else kept in ``var/key_passphrase``. Losing it means losing the keys (issued credentials stay valid).
- ``CERTIFLOW_TASK_BACKEND``: ``immediate`` (default: background work runs inline, in the request or
  command) or ``database`` (a queue in the database, run by ``certiflow db_worker``).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

PACKAGE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("CERTIFLOW_VAR_DIR", Path.cwd() / "var")).resolve()

DEBUG = os.environ.get("DJANGO_DEBUG", "1") == "1"


def _local_secret(variable: str, file_name: str) -> str:
    """The secret in ``variable``; in development only, one generated once and kept in ``var/``."""
    if value := os.environ.get(variable):
        return value
    if not DEBUG:
        raise RuntimeError(f"{variable} must be set when DJANGO_DEBUG=0.")
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    path = VAR_DIR / file_name
    if not path.exists():
        # Written whole under a private name, then linked into place: two processes starting together
        # (test workers, server and worker) never read a half-written secret, and the first one wins.
        draft = VAR_DIR / f".{file_name}.{os.getpid()}"
        draft.touch(mode=0o600)
        draft.write_text(secrets.token_urlsafe(50))
        try:
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return path.read_text().strip()


SECRET_KEY = _local_secret("DJANGO_SECRET_KEY", "secret_key")
CERTIFLOW_KEY_PASSPHRASE = _local_secret("CERTIFLOW_KEY_PASSPHRASE", "key_passphrase")
CERTIFLOW_PUBLIC_URL = os.environ.get("CERTIFLOW_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/")
ALLOWED_HOSTS = [h for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "rules.apps.AutodiscoverRulesConfig",
    "certiflow.common",
    "certiflow.frameworks",
    "certiflow.candidates",
    "certiflow.assessment",
    "certiflow.jury",
    "certiflow.credentials",
    "certiflow.api",
    "certiflow.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "certiflow.common.middleware.FrenchFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "certiflow.urls"
WSGI_APPLICATION = "certiflow.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "certiflow.web.context_processors.roles",
            ],
        },
    },
]

_default_db = f"sqlite:///{VAR_DIR / 'certiflow.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", _default_db),
        # Reusing a server connection saves a connect per request (~5 ms on PostgreSQL); health checks
        # drop a connection the server has closed. ``CERTIFLOW_DB_CONN_MAX_AGE=0`` turns it off.
        conn_max_age=int(os.environ.get("CERTIFLOW_DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers go on while an import writes; IMMEDIATE takes the write lock at BEGIN so two
    # writers queue instead of failing half-way; synchronous=NORMAL is durable at each commit in WAL.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
    }
    DATABASES["default"]["TEST"] = {"NAME": os.environ.get("CERTIFLOW_TEST_DB") or None}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

_TASK_BACKENDS = {
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
    "database": "django_tasks_db.DatabaseBackend",
}
TASKS = {"default": {"BACKEND": _TASK_BACKENDS[os.environ.get("CERTIFLOW_TASK_BACKEND", "immediate")]}}

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("French")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
#: Uploaded evidence. Never served as public files: a view checks permissions on every download.
MEDIA_ROOT = VAR_DIR / "media"

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "login"

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = True

#: An upload above this is refused before it is read (DESIGN: a référentiel is a small document).
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}

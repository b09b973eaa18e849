"""Env-driven Django settings for Bots: 4.x on Django 5.2, or 3.3.1 on Django 2.2 (end of life).

The config dir's settings.py (rendered by the Pulumi program into /etc/bots, copied by the
entrypoint to /run/bots/config) is just::

    from bots_runtime.settings import *  # noqa: F403

and may override names after the import. Environment variables read here:

BOTSENV, BOTS_DB_ENGINE (sqlite|postgresql|mysql), DB_NAME, DB_HOST, DB_PORT, DB_USER, DB_PASSWORD,
DB_CONNECT_TIMEOUT, DJANGO_SECRET_KEY (required), TIME_ZONE, ALLOWED_HOSTS, CSRF_TRUSTED_ORIGINS,
DEBUG, LOG_LEVEL, LOG_FORMAT, EMAIL_HOST, EMAIL_PORT, EMAIL_USE_TLS, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD,
SERVER_EMAIL, ADMIN_EMAIL. DJANGO_SECRET_KEY, DB_PASSWORD and EMAIL_HOST_PASSWORD may instead be
given as files: DJANGO_SECRET_KEY_FILE etc. (bots_runtime.envsecrets).
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit

import bots
from django.core.exceptions import ImproperlyConfigured

from . import envsecrets
from .logs import LOG_FORMATS
from .paths import bots_major, botsenv, botssys_dir, env_dir


def _env(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def _bool(name: str, default: bool = False) -> bool:
    value = _env(name)
    if not value:
        return default
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name}={value!r}: expected true or false")


def _secret(name: str) -> str:
    try:
        return envsecrets.get(name)
    except envsecrets.SecretEnvError as exc:
        raise ImproperlyConfigured(str(exc)) from exc


def _list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in _env(name, default).split(",") if item.strip()]


BOTS_MAJOR = bots_major()
PROJECT_PATH = os.path.abspath(os.path.dirname(bots.__file__))
BOTSENV = botsenv()
BOTSENV_PATH = env_dir()
BOTSSYS = botssys_dir()

# ---- database ---------------------------------------------------------------------------------
# Bots' engine does not use Django's connection: it opens its own (bots/botsinit.py connect()) and
# only knows the ENGINE strings below, passing OPTIONS straight to the driver's connect().
_ENGINES = {
    "sqlite": "django.db.backends.sqlite3",
    # Bots 4: psycopg (3) for "postgresql" (Django 5.2 has no psycopg2 alias any more).
    # Bots 3.3.1 compares ENGINE with exactly the psycopg2 alias (still valid in Django 2.2).
    "postgresql": (
        "django.db.backends.postgresql" if BOTS_MAJOR >= 4 else "django.db.backends.postgresql_psycopg2"
    ),
    "mysql": "django.db.backends.mysql",
}
DB_ENGINE = _env("BOTS_DB_ENGINE", "sqlite").lower()
if DB_ENGINE not in _ENGINES:
    raise ImproperlyConfigured(f"BOTS_DB_ENGINE={DB_ENGINE!r}: expected one of sqlite, postgresql, mysql")
# Below the readiness probe's timeout (3 s): an unreachable database shows as a 503 with its
# reason, not as a probe timeout.
_connect_timeout = int(_env("DB_CONNECT_TIMEOUT", "2"))

if DB_ENGINE == "sqlite":
    _name = _env("DB_NAME", "botsdb")
    DATABASES = {
        "default": {
            "ENGINE": _ENGINES["sqlite"],
            # A relative DB_NAME lives in <botssys>/sqlitedb/ on the data volume.
            "NAME": _name if os.path.isabs(_name) else os.path.join(BOTSSYS, "sqlitedb", _name),
            "USER": "",
            "PASSWORD": "",
            "HOST": "",
            "PORT": "",
            "OPTIONS": {},
        }
    }
else:
    DATABASES = {
        "default": {
            "ENGINE": _ENGINES[DB_ENGINE],
            "NAME": _env("DB_NAME", "botsdb"),
            "USER": _env("DB_USER", "bots"),
            "PASSWORD": _secret("DB_PASSWORD"),
            "HOST": _env("DB_HOST", "127.0.0.1"),
            "PORT": _env("DB_PORT", "5432" if DB_ENGINE == "postgresql" else "3306"),
            # Only keys MySQLdb.connect()/psycopg(2).connect() accept (the engine passes them on).
            "OPTIONS": (
                {"connect_timeout": _connect_timeout}
                if DB_ENGINE == "postgresql"
                else {"charset": "utf8mb4", "connect_timeout": _connect_timeout}
            ),
        }
    }

# ---- time -------------------------------------------------------------------------------------
TIME_ZONE = _env("TIME_ZONE", "UTC")
# Bots stores naive local times (raw SQL in the engine); upstream keeps USE_TZ off (3.3.1 and 4).
USE_TZ = False
LANGUAGE_CODE = "en-us"
USE_I18N = True
LOCALE_PATHS = (os.path.join(PROJECT_PATH, "locale"),)

# ---- security ---------------------------------------------------------------------------------
SECRET_KEY = _secret("DJANGO_SECRET_KEY")
if not SECRET_KEY:
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY (or DJANGO_SECRET_KEY_FILE) is not set (required; there is no built-in default)"
    )
DEBUG = _bool("DEBUG", False)
ALLOWED_HOSTS = _list("ALLOWED_HOSTS", "*")
# Django 2.2 wants host names here, Django >= 4 scheme://host: accept both forms (a bare host
# means https://host on Django >= 4).
if BOTS_MAJOR >= 4:
    CSRF_TRUSTED_ORIGINS = [o if "://" in o else f"https://{o}" for o in _list("CSRF_TRUSTED_ORIGINS")]
else:
    CSRF_TRUSTED_ORIGINS = [urlsplit(o).netloc if "://" in o else o for o in _list("CSRF_TRUSTED_ORIGINS")]
SESSION_COOKIE_NAME = f"sessionid_{BOTSENV}"
CSRF_COOKIE_NAME = f"csrftoken_{BOTSENV}"
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_AGE = 3600
SESSION_SAVE_EVERY_REQUEST = True

# ---- mail (Bots error reports go to MANAGERS) ------------------------------------------------
EMAIL_HOST = _env("EMAIL_HOST", "localhost")
EMAIL_PORT = int(_env("EMAIL_PORT", "25"))
EMAIL_USE_TLS = _bool("EMAIL_USE_TLS", False)
EMAIL_HOST_USER = _env("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = _secret("EMAIL_HOST_PASSWORD")
SERVER_EMAIL = _env("SERVER_EMAIL", f"bots-{BOTSENV}@localhost")
_admin_email = _env("ADMIN_EMAIL")
MANAGERS = [("admin", _admin_email)] if _admin_email else []
ADMINS = MANAGERS

# ---- paths and URLs ---------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = os.path.join(BOTSSYS, "static")
MEDIA_ROOT = os.path.join(BOTSSYS, "media")
# Our health endpoints first, then Bots' own URLconf (bots.urls).
ROOT_URLCONF = "bots_runtime.urls"
LOGIN_URL = "/login/"
# Bots 4 serves its pages under /bots/ (bots/urls.py), 3.3.1 at the root.
LOGIN_REDIRECT_URL = "/bots/home" if BOTS_MAJOR >= 4 else "/home"
LOGOUT_URL = "/logout/"
SITE_ID = 1
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
FILE_UPLOAD_HANDLERS = ("django.core.files.uploadhandler.TemporaryFileUploadHandler",)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "bots",
]
MIDDLEWARE = [
    # Answers /health/* before host validation, sessions and CSRF, so kubelet probes (Host: <pod IP>)
    # work whatever ALLOWED_HOSTS says.
    "bots_runtime.health.HealthProbeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [os.path.join(PROJECT_PATH, "templates")],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "bots.bots_context.set_context",
            ],
        },
    },
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# ---- logging: Django to the console (Bots' own loggers add files under <botssys>/logging) -------
# LOG_FORMAT: text (default) or json (bots_runtime.logs). Requests Django refuses as suspicious (a
# foreign Host header) are the client's error: one line each, without a traceback.
LOG_LEVEL = _env("LOG_LEVEL", "INFO").upper()
LOG_FORMAT = _env("LOG_FORMAT", "text").lower()
if LOG_FORMAT not in LOG_FORMATS:
    raise ImproperlyConfigured(f"LOG_FORMAT={LOG_FORMAT!r}: expected one of {', '.join(LOG_FORMATS)}")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"one_line": {"()": "bots_runtime.logs.OneLine"}},
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)-8s %(name)s: %(message)s"},
        "json": {"()": "bots_runtime.logs.JsonFormatter"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT},
        "console_one_line": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["one_line"],
        },
    },
    "loggers": {
        "django": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False},
        "django.security": {"handlers": ["console_one_line"], "level": LOG_LEVEL, "propagate": False},
        "bots_runtime": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False},
    },
}

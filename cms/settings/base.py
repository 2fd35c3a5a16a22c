"""Settings shared by every environment.

Every behaviour that differs between machines is switched by an environment
variable read here, so production.py only sets safer defaults and never holds
a setting that base.py lacks.
"""

import datetime as dt
import json
import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY", "insecure-dev-key-change-me-" + "x" * 32)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

#: Our domain apps, in dependency order (seed_demo runs their demo.py in this order).
DOMAIN_APPS = [
    "enterprises",
    "blocks",
    "sites",
    "cms.products",
    "cms.files",
    "cms.scripts",
    "cms.leadforms",
    "cms.articles",
    "cms.cards",
    "cms.posters",
    "trackers",
    "crm",
    "wechat",
    "mall",
    "api",
    "h5",
]

INSTALLED_APPS = [
    *DOMAIN_APPS,
    # Wagtail
    "wagtail_headless_preview",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "graphene_django",
    # Django
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",  # login lockout (enterprises/login_lockout.py)
]

# The lockout backend goes first: it refuses a locked-out login before a password is checked.
AUTHENTICATION_BACKENDS = [
    "enterprises.login_lockout.LoginLockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]

MIDDLEWARE = [
    # First: an oversized request body is refused (413) before anything reads it (issue 18).
    "cms.upload_limits.RequestBodyLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Language per request: H5 pages and GraphQL follow the browser's Accept-Language
    # (简体中文 when absent); Wagtail's admin then applies the user's own preference.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "enterprises.rls.RowLevelSecurityMiddleware",  # SET LOCAL app.enterprise_id per request (PostgreSQL)
    "enterprises.admin_core.CoreAdminTenancyMiddleware",  # Wagtail core admin views per enterprise
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    "axes.middleware.AxesMiddleware",  # answers a locked-out login with lockout_response
]

ROOT_URLCONF = "cms.urls"
WSGI_APPLICATION = "cms.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
            ],
        },
    },
]

# Database: PostgreSQL only (row-level security, partitioned tracking tables, COPY ingest), from
# DATABASE_URL. Unset: settings still load (commands that never query keep working) and the
# first query fails saying what to set (cms/settings/no_database). `make run` and `make test`
# start a local PostgreSQL and set it.
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL, conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "0"))
        )
    }
    if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(
            f"DATABASE_URL must point at PostgreSQL (postgres://…), not {DATABASE_URL.split(':', 1)[0]}:"
        )
else:
    DATABASES = {"default": {"ENGINE": "cms.settings.no_database"}}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# 简体中文 by default (operators, salespeople and WeChat visitors are Chinese); English stays
# available: per admin user (Wagtail account preference) and on H5 by the browser's language.
LANGUAGE_CODE = os.environ.get("LANGUAGE_CODE", "zh-hans")
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
WAGTAILADMIN_PERMITTED_LANGUAGES = LANGUAGES
TIME_ZONE = os.environ.get("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True
# Dates/times as Chinese users write them (2026年12月3日 15:30); amounts and phones: cms/formats.
FORMAT_MODULE_PATH = ["cms.formats"]

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "static"))
STATICFILES_DIRS = [d for d in [BASE_DIR / "assets"] if d.exists()]
MEDIA_URL = os.environ.get("MEDIA_URL", "/media/")
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
STORAGES = {
    # documents/ and crm/ go to PRIVATE_MEDIA_ROOT, which has no URL (cms/storage.py, issue 18)
    "default": {"BACKEND": "cms.storage.MediaStorage"},
    "staticfiles": {
        "BACKEND": os.environ.get(
            "STATICFILES_STORAGE", "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Serve uploaded media from Django itself (whitenoise only serves static files);
# production puts a CDN or object storage in front, see docs/deploy.md.
SERVE_MEDIA = env_bool("SERVE_MEDIA", True)
# Private uploads (Wagtail documents, CRM imports): never under MEDIA_URL; empty = private_media
# beside MEDIA_ROOT. Served only by views that check who asks (docs/security.md).
PRIVATE_MEDIA_ROOT = os.environ.get("PRIVATE_MEDIA_ROOT", "")
# Documents go through Wagtail's serve view (its before_serve_document hooks check access).
WAGTAILDOCS_SERVE_METHOD = "serve_view"
# How long a personal file's signed URL (given to a visitor of its salesperson's share) works.
PRIVATE_FILE_URL_MAX_AGE = int(os.environ.get("PRIVATE_FILE_URL_MAX_AGE", "3600"))

# Redis: shared cache, rate-limit counters, WeChat token cache and Celery broker.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "sce"),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Celery: eager (tasks run in-process) when there is no Redis to queue on.
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = int(os.environ.get("CELERY_TASK_SOFT_TIME_LIMIT", "60"))
CELERY_TASK_TIME_LIMIT = int(os.environ.get("CELERY_TASK_TIME_LIMIT", "90"))
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE: dict = {
    # Tracking (trackers/): drain the event queue, summarize idle microsite sessions, partitions.
    "trackers-events-drain": {"task": "trackers.tasks.events_drain", "schedule": 5.0},
    "trackers-browse-sessions-expire": {"task": "trackers.tasks.browse_sessions_expire", "schedule": 60.0},
    "trackers-event-partitions": {"task": "trackers.tasks.event_partitions_ensure_task", "schedule": 86400.0},
    "trackers-event-keys-prune": {"task": "trackers.tasks.event_keys_prune_task", "schedule": 86400.0},
    # CRM (crm/): safety net for follow-up reminders whose eta message was lost.
    "crm-followups-due-scan": {"task": "crm.tasks.followups_due_scan", "schedule": 60.0},
    # CRM: automatic tag rules (CRM-5) for visitors active in the last 15 minutes.
    "crm-tag-rules-scan": {"task": "crm.tasks.tag_rules_scan", "schedule": 600.0},
}

# Wagtail
WAGTAIL_SITE_NAME = "Sales content engine"
WAGTAILADMIN_BASE_URL = os.environ.get("WAGTAILADMIN_BASE_URL", "http://127.0.0.1:8000")
WAGTAIL_GRAVATAR_PROVIDER_URL = None
# Chinese-aware on PostgreSQL (character pairs in the full-text index, cms/zh_search.py).
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "cms.zh_search"}}
WAGTAILDOCS_EXTENSIONS = ["pdf", "doc", "docx", "xls", "xlsx", "ppt", "pptx", "txt", "csv", "zip", "mp4"]
WAGTAILIMAGES_MAX_UPLOAD_SIZE = int(os.environ.get("MAX_IMAGE_UPLOAD_BYTES", str(10 * 1024 * 1024)))
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
# Upload limits (cms/upload_limits.py): images over this many pixels are refused on every path
# (a 140 KB PNG can declare 12000×12000); a request body over MAX_REQUEST_BODY_BYTES answers 413
# before it is read (the largest upload is a 100 MB video; nginx client_max_body_size matches).
WAGTAILIMAGES_MAX_IMAGE_PIXELS = int(os.environ.get("MAX_IMAGE_PIXELS", str(40_000_000)))
MAX_REQUEST_BODY_BYTES = int(os.environ.get("MAX_REQUEST_BODY_BYTES", str(110 * 1024 * 1024)))
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440  # Django's default, explicit: larger uploads stream to a temp file
WAGTAIL_HEADLESS_PREVIEW = {
    "CLIENT_URLS": {"default": os.environ.get("HEADLESS_PREVIEW_URL", "/h5/preview/")},
    "SERVE_BASE_URL": None,
    "REDIRECT_ON_PREVIEW": False,
    "ENFORCE_TRAILING_SLASH": True,
}

# GraphQL
GRAPHENE = {"SCHEMA": "api.schema.schema"}
GRAPHQL_INTROSPECTION = env_bool("GRAPHQL_INTROSPECTION", DEBUG)
GRAPHQL_GRAPHIQL = env_bool("GRAPHQL_GRAPHIQL", DEBUG)
GRAPHQL_PERSISTED_ONLY = env_bool("GRAPHQL_PERSISTED_ONLY", False)

# Share links: the public base URL of the H5 client (share links and QR codes point here).
PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:8000")

# Tracking endpoint rate limit per visitor and per IP (shared Redis counter); 0 requests = off.
TRACKING_RATE_LIMIT = {
    "requests": int(os.environ.get("TRACKING_RATE_LIMIT_REQUESTS", "120")),
    "ip_requests": int(os.environ.get("TRACKING_RATE_LIMIT_IP_REQUESTS", "1200")),
    "window": int(os.environ.get("TRACKING_RATE_LIMIT_WINDOW", "60")),
}

# A visitor token (visitorSession, mini-program login) works this long after it was issued;
# clients renew it by asking again, an expired one is treated like a new device.
VISITOR_TOKEN_MAX_AGE = int(os.environ.get("VISITOR_TOKEN_MAX_AGE_DAYS", "180")) * 86400

# Public (anonymous) writes per action: "device" counts per device id or signed visitor,
# "ip" per client address (TRUSTED_PROXIES), both per "window" seconds; 0 = no limit.
# PUBLIC_WRITE_LIMITS (JSON) overrides per action, e.g. '{"submit_form": {"device": 3}}'.
PUBLIC_WRITE_LIMITS = {
    "default": {"device": 30, "ip": 300, "window": 60},
    "visitor_session": {"device": 10, "ip": 120, "window": 60},
    "submit_form": {"device": 5, "ip": 60, "window": 600},
    "login": {"device": 10, "ip": 60, "window": 60},
    "sidebar_oauth": {"ip": 60, "window": 60},
}
for _action, _rule in json.loads(os.environ.get("PUBLIC_WRITE_LIMITS", "") or "{}").items():
    PUBLIC_WRITE_LIMITS[_action] = {**PUBLIC_WRITE_LIMITS.get(_action, {}), **_rule}

# Login lockout (django-axes): after LOGIN_FAILURE_LIMIT wrong passwords for one username,
# or from one client address, logins are refused for LOGIN_COOLOFF_MINUTES; each further
# failure during the lockout starts the wait again. Failures are rows of axes_accessattempt.
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "10"))
AXES_COOLOFF_TIME = dt.timedelta(minutes=int(os.environ.get("LOGIN_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "enterprises.client_address.client_address"
AXES_LOCKOUT_CALLABLE = "enterprises.login_lockout.lockout_response"
AXES_ENABLE_ADMIN = False

# Outbound fetches (article import, mall feeds): private addresses are refused;
# tests may allow loopback explicitly.
SAFE_FETCH_ALLOW_LOOPBACK = env_bool("SAFE_FETCH_ALLOW_LOOPBACK", False)

# WeChat / WeCom API base URLs; empty: demo-mode accounts use the in-process fake server,
# accounts with real credentials the real hosts (docs/wechat.md).
WECHAT_API_BASE = os.environ.get("WECHAT_API_BASE", "")
WECOM_API_BASE = os.environ.get("WECOM_API_BASE", "")

# Security headers, switched on by production.py defaults or the environment.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", False)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", False)
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_TLS_PROXY", False) else None
SECURE_CONTENT_TYPE_NOSNIFF = True
# Reverse proxies whose X-Forwarded-For is believed (CIDRs or addresses, comma-separated);
# empty: no proxy, the client address is REMOTE_ADDR (enterprises/client_address.py).
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", [])
# SAMEORIGIN, not DENY: Wagtail's live preview panel shows the page in a same-origin iframe.
X_FRAME_OPTIONS = "SAMEORIGIN"
SILENCED_SYSTEM_CHECKS = ["security.W019"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # Wagtail's background tasks log every run at INFO; keep the console readable.
        "django.tasks": {"level": "WARNING"},
        "django_tasks": {"level": "WARNING"},
        "wagtail": {"level": "WARNING"},
    },
}

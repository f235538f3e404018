"""riskdesk settings: one module, every value from the environment.

With nothing set, riskdesk runs embedded (SQLite, a filesystem Celery broker,
the console e-mail backend) so a fresh clone works with only Python.
`DATABASE_URL` and `REDIS_URL` switch to PostgreSQL and Redis.
`RISKDESK_ENV=production` refuses to start without a real `SECRET_KEY` and
`ALLOWED_HOSTS` and turns on every deployment safeguard.
"""

import base64
import hashlib
from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env")  # optional; real environment variables win


def env_secret(name: str, default: str = "") -> str:
    """Read `name`, or the contents of the file named by `name_FILE` (Docker secrets)."""
    file_name = env.str(f"{name}_FILE", default="")
    if file_name:
        try:
            return Path(file_name).read_text().strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"{name}_FILE: cannot read {file_name}: {exc}") from exc
    return env.str(name, default=default)


RISKDESK_ENV = env.str("RISKDESK_ENV", default="development")
if RISKDESK_ENV not in {"development", "test", "production"}:
    raise ImproperlyConfigured(
        f"RISKDESK_ENV must be development, test or production, not {RISKDESK_ENV!r}"
    )
PRODUCTION = RISKDESK_ENV == "production"

# --- Core -------------------------------------------------------------------

INSECURE_DEV_KEY = "django-insecure-riskdesk-development-key-never-use-in-production"
SECRET_KEY = env_secret("SECRET_KEY", default="" if PRODUCTION else INSECURE_DEV_KEY)
DEBUG = env.bool("DEBUG", default=not PRODUCTION)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[] if PRODUCTION else ["*"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# Used in links that leave the browser (e-mails, notifications).
RISKDESK_BASE_URL = env.str("RISKDESK_BASE_URL", default="http://127.0.0.1:8000").rstrip("/")
# The apps riskdesk signs in to networks with (OAuth): client id and secret per network.
# Mastodon needs none: riskdesk registers itself on each instance.
RISKDESK_OAUTH = {
    network: {
        "client_id": env.str(f"RISKDESK_OAUTH_{network.upper()}_CLIENT_ID", default=""),
        "client_secret": env.str(f"RISKDESK_OAUTH_{network.upper()}_CLIENT_SECRET", default=""),
    }
    for network in ("x", "meta", "google", "reddit")
}
RISKDESK_BRAND_NAME = env.str("RISKDESK_BRAND_NAME", default="Lumora")  # in reply templates
# How often an open inbox asks for new and changed mentions.
RISKDESK_INBOX_POLL_SECONDS = env.int("RISKDESK_INBOX_POLL_SECONDS", default=10)
# Offboarding: access must be gone this long after the departure; reminders, then escalation.
OFFBOARDING_WINDOW_HOURS = env.int("OFFBOARDING_WINDOW_HOURS", default=24)
OFFBOARDING_REMINDER_HOURS = env.int("OFFBOARDING_REMINDER_HOURS", default=8)
OFFBOARDING_ESCALATION_HOURS = env.int("OFFBOARDING_ESCALATION_HOURS", default=2)

# Fernet keys for secrets at rest, newest first (riskdesk.crypto). Development derives one.
RISKDESK_ENCRYPTION_KEYS = [
    k for k in env_secret("RISKDESK_ENCRYPTION_KEYS", default="").replace(" ", "").split(",") if k
]

if PRODUCTION:
    if not RISKDESK_ENCRYPTION_KEYS:
        raise ImproperlyConfigured(
            "RISKDESK_ENCRYPTION_KEYS (or RISKDESK_ENCRYPTION_KEYS_FILE) must hold at least one "
            "Fernet key in production: connector credentials are encrypted with it"
        )
    if not SECRET_KEY or SECRET_KEY == INSECURE_DEV_KEY or "insecure" in SECRET_KEY:
        raise ImproperlyConfigured(
            "SECRET_KEY (or SECRET_KEY_FILE) must be set to a long random value in production"
        )
    if len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5:
        raise ImproperlyConfigured("SECRET_KEY must have at least 50 varied characters")
    if not ALLOWED_HOSTS or "*" in ALLOWED_HOSTS:
        raise ImproperlyConfigured(
            "ALLOWED_HOSTS must list the host names riskdesk is served on in production"
        )
    if DEBUG:
        raise ImproperlyConfigured("DEBUG must be off in production")

if not RISKDESK_ENCRYPTION_KEYS:  # development and tests: a key derived from SECRET_KEY
    RISKDESK_ENCRYPTION_KEYS = [
        base64.urlsafe_b64encode(
            hashlib.sha256(b"riskdesk:" + SECRET_KEY.encode()).digest()
        ).decode()
    ]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "django_celery_beat",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "csp",
    # riskdesk's own apps
    "riskdesk", "accounts", "offboarding", "connections", "policies", "compliance", "monitoring",
    "inbox", "respond", "publishing", "alerting", "incidents", "advocacy", "workspace",
    "notifications", "reports",
]  # fmt: skip

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "riskdesk.middleware.RequestContextMiddleware",
    "riskdesk.middleware.TwoFactorRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes requires
]

ROOT_URLCONF = "riskdesk.urls"
WSGI_APPLICATION = "riskdesk.wsgi.application"
ASGI_APPLICATION = "riskdesk.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "riskdesk.context_processors.navigation",
                "incidents.selectors.context.publishing_freeze",
                "workspace.selectors.workspace_context",
            ],
        },
    },
]

# --- Data -------------------------------------------------------------------

VAR_DIR = Path(env.str("RISKDESK_VAR_DIR", default=str(BASE_DIR / "var")))

DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'riskdesk.sqlite3'}")
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        # WAL and IMMEDIATE let the web server, the worker and beat share one file.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
else:
    # Ten minutes: a connection's plans (riskdesk.db) and catalog caches live as long.
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DATABASE_CONN_MAX_AGE", default=600))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# On PostgreSQL, a SELECT sent again this many times keeps its plan (riskdesk.db); "off": never.
_prepare = env.str("DATABASE_PREPARE_THRESHOLD", default="1")
DATABASE_PREPARE_THRESHOLD = None if _prepare == "off" else int(_prepare)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "riskdesk.cache.KeptClientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "riskdesk",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- People, sign-in and sessions ------------------------------------------

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "accounts.backends.RoleBackend",
    "accounts.backends.BaselinePermissionBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Roles whose members must confirm a TOTP device before they can use riskdesk.
RISKDESK_REQUIRE_2FA = env.bool("RISKDESK_REQUIRE_2FA", default=PRODUCTION)
RISKDESK_2FA_ROLES = ("admin", "legal", "hr")
OTP_TOTP_ISSUER = env.str("RISKDESK_OTP_ISSUER", default="riskdesk")

SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=int(timedelta(hours=10).total_seconds()))
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True  # our pages read the token from the form or a <meta> tag
CSRF_FAILURE_VIEW = "riskdesk.views.csrf_failure"

AXES_FAILURE_LIMIT = env.int("RISKDESK_LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("RISKDESK_LOGIN_COOLOFF_MINUTES", default=15))
# Locking the pair (not the account alone) keeps an attacker from locking out a colleague.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_LOCKOUT_CALLABLE = "riskdesk.views.locked_out"  # that template, or JSON under /api/
AXES_USERNAME_FORM_FIELD = "username"
# People are found whatever the letter case, so axes counts the lowercased, stripped username.
AXES_USERNAME_CALLABLE = "riskdesk.login_guard.axes_username"
# Beside the (username, address) lockout: an address failing this often, whatever the
# usernames, is locked for the cool-off time too (riskdesk.login_guard).
RISKDESK_LOGIN_FAILURE_LIMIT_PER_ADDRESS = env.int(
    "RISKDESK_LOGIN_FAILURE_LIMIT_PER_ADDRESS", default=50
)
# Posts of the sign-in and password-reset forms per client address and per target e-mail.
RISKDESK_FORM_THROTTLES = {
    "sign_in": {"per_address": 60, "per_target": 20, "minutes": 15},
    "password_reset": {"per_address": 20, "per_target": 3, "minutes": 60},
}
AXES_VERBOSE = False
AXES_IPWARE_PROXY_COUNT = env.int("RISKDESK_PROXY_COUNT", default=0) or None
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"] if AXES_IPWARE_PROXY_COUNT else ["REMOTE_ADDR"]
)

RISKDESK_DEMO_PASSWORD = env.str("RISKDESK_DEMO_PASSWORD", default="riskdesk-demo")

# --- E-mail -----------------------------------------------------------------

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="riskdesk <riskdesk@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Internationalisation ---------------------------------------------------

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("fr", _("French"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

# --- Static files -----------------------------------------------------------

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
# Uploaded evidence (sponsored-post media, offboarding screenshots): web and worker must
# share it, so docker-compose.yml keeps it in a volume of its own.
MEDIA_ROOT = Path(env.str("RISKDESK_MEDIA_ROOT", default=str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# --- API --------------------------------------------------------------------

REST_FRAMEWORK = {
    # Token first, so an anonymous call is answered 401 with a WWW-Authenticate header.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "riskdesk.rest.TokenAuthentication",
        "riskdesk.rest.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "riskdesk.rest.CursorPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_RATES": {"auth": env.str("RISKDESK_AUTH_THROTTLE", default="20/min")},
    "EXCEPTION_HANDLER": "riskdesk.rest.exception_handler",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

# API tokens (accounts.ApiToken) stop working this many days after they were made.
RISKDESK_API_TOKEN_DAYS = env.int("RISKDESK_API_TOKEN_DAYS", default=90)

SPECTACULAR_SETTINGS = {
    "TITLE": "riskdesk API",
    "DESCRIPTION": "Social media risk management: people, teams, audit trail and more.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Several apps name a field "status" or "severity"; give each choice set its own name.
    "ENUM_NAME_OVERRIDES": {
        "RoleEnum": "accounts.roles.Role",
        "MentionStatusEnum": "monitoring.models.MentionStatus",
        "ReplyStateEnum": "inbox.models.ReplyState",
        "ModerationActionEnum": "respond.models.ModerationAction.Action",
        "ModerationOutcomeEnum": "respond.models.ModerationAction.Outcome",
        "StreamStatusEnum": "monitoring.models.StreamStatus",
        "OffboardingCaseStatusEnum": "offboarding.models.CaseStatus",
        "OffboardingCaseSourceEnum": "offboarding.models.CaseSource",
        "OffboardingTaskStatusEnum": "offboarding.models.TaskStatus",
        "SponsoredPostStatusEnum": "compliance.models.PostStatus",
        "SponsoredPostApprovalRuleEnum": "compliance.models.ApprovalRule",
        "IncidentStatusEnum": "incidents.models.Status",
        "IncidentSeverityEnum": "incidents.models.Severity",
        "IncidentSourceEnum": "incidents.models.Source",
        "RevisionStatusEnum": "policies.models.RevisionStatus",
        "RevisionApprovalRuleEnum": "policies.models.ApprovalRule",
        "MarketEnum": "compliance.models.Market",
        "NotificationKindEnum": "notifications.models.NotificationKind",
    },
}

# --- People's notifications (notifications/) --------------------------------

# An SLA warning goes this many minutes before a mention's deadline.
NOTIFICATIONS_SLA_WARNING_MINUTES = env.int("NOTIFICATIONS_SLA_WARNING_MINUTES", default=15)
# The daily digest leaves at this hour of the organisation's time zone (TIME_ZONE).
NOTIFICATIONS_DIGEST_HOUR = env.int("NOTIFICATIONS_DIGEST_HOUR", default=8)
# How often the top bar's bell asks for the unread count.
NOTIFICATIONS_POLL_SECONDS = env.int("NOTIFICATIONS_POLL_SECONDS", default=30)

# --- Background work --------------------------------------------------------

if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
else:
    CELERY_BROKER_URL = "filesystem://"
    _broker_dir = VAR_DIR / "celery-broker"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir),
        "data_folder_out": str(_broker_dir),
        "control_folder": str(VAR_DIR / "celery-control"),
        "processed_folder": str(VAR_DIR / "celery-processed"),
        "store_processed": False,
        "polling_interval": 0.25,
    }
    for _folder in (_broker_dir, VAR_DIR / "celery-control"):
        _folder.mkdir(parents=True, exist_ok=True)  # kombu's filesystem transport needs them
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=60)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=90)
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
HEARTBEAT_INTERVAL = timedelta(seconds=30)
CELERY_BEAT_SCHEDULE = {
    "worker-heartbeat": {
        "task": "riskdesk.tasks.worker_heartbeat",
        "schedule": HEARTBEAT_INTERVAL.total_seconds(),
        "options": {"expires": HEARTBEAT_INTERVAL.total_seconds()},
    },
    "send-due-replies": {  # the outbox: replies due for a retry, or held by a dead worker
        "task": "respond.tasks.send_due_replies",
        "schedule": 30.0,
        "options": {"expires": 30.0},
    },
    "send-due-posts": {  # scheduled posts whose time has come, retries, the freeze's hold
        "task": "publishing.tasks.send_due_posts",
        "schedule": 30.0,
        "options": {"expires": 30.0},
    },
    "sync-advocacy-library": {  # Legal's decisions on advocacy posts reach the library
        "task": "advocacy.tasks.sync_library",
        "schedule": 60.0,
        "options": {"expires": 60.0},
    },
    "send-due-notifications": {
        "task": "alerting.tasks.send_due_notifications",
        "schedule": 10.0,
        "options": {"expires": 10.0},
    },
    "detect-spikes": {  # every minute: a storm is seen within a minute of being loud enough
        "task": "alerting.tasks.detect_spikes",
        "schedule": env.float("MONITORING_SPIKE_CHECK_SECONDS", default=60.0),
        "options": {"expires": env.float("MONITORING_SPIKE_CHECK_SECONDS", default=60.0)},
    },
    "mention-partitions": {  # months made ahead, then the retention (when set) drops old ones
        "task": "monitoring.tasks.maintain_partitions",
        "schedule": crontab(hour=2, minute=15),
    },
    "poll-due-streams": {
        "task": "monitoring.tasks.poll_due_streams",
        "schedule": env.float("MONITORING_TICK_SECONDS", default=5.0),
        "options": {"expires": env.float("MONITORING_TICK_SECONDS", default=5.0)},
    },
    "remind-overdue-incident-tasks": {
        "task": "incidents.tasks.remind_overdue_tasks",
        "schedule": 300.0,
        "options": {"expires": 240.0},
    },
    "offboarding-sweep": {
        "task": "offboarding.tasks.offboarding_sweep",
        "schedule": 60.0,
        "options": {"expires": 60.0},
    },
    "access-review": {
        "task": "offboarding.tasks.access_review_notify",
        "schedule": crontab(hour=6, minute=0),
    },
    "sponsored-post-review-sweep": {
        "task": "compliance.tasks.review_sweep",
        "schedule": 900.0,
        "options": {"expires": 900.0},
    },
    # Signed-in tokens that expire within 15 minutes are refreshed.
    "refresh-connected-accounts": {
        "task": "connections.tasks.refresh_due_connected_accounts",
        "schedule": 300.0,
        "options": {"expires": 300.0},
    },
    "policy-cadence": {
        "task": "policies.tasks.daily_cadence",
        "schedule": crontab(hour=7, minute=0),
    },
    # People's notifications: SLA deadlines close (every minute), the daily digest.
    "notifications-sla-warnings": {
        "task": "notifications.tasks.sla_warnings",
        "schedule": 60.0,
        "options": {"expires": 60.0},
    },
    "notifications-daily-digest": {
        "task": "notifications.tasks.send_digests",
        "schedule": crontab(hour=NOTIFICATIONS_DIGEST_HOUR, minute=0),
    },
    "refresh-report-rollups": {  # closed days, and the days changed since the last run
        "task": "reports.tasks.refresh_rollups",
        "schedule": 300.0,
        "options": {"expires": 300.0},
    },
    # Last week's report to its subscribers, once each (reports.models.ReportDelivery).
    "weekly-reports": {
        "task": "reports.tasks.weekly_reports",
        "schedule": crontab(day_of_week="mon", hour=7, minute=30),
        "options": {"expires": 6 * 3600},
    },
}
# /healthz calls workers unhealthy when the last heartbeat is older than this.
HEARTBEAT_MAX_AGE = HEARTBEAT_INTERVAL * 4

# --- Security headers -------------------------------------------------------

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SILENCED_SYSTEM_CHECKS = env.list("SILENCED_SYSTEM_CHECKS", default=[])

# --- Logging ----------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}

if RISKDESK_ENV == "test":
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# --- Monitoring -------------------------------------------------------------

# Outbound calls (riskdesk.outbound) reach only public addresses, plus these networks
# ("127.0.0.1/32") and host names: outside production, the local demo network, the
# notification sink and the tests' fake servers on 127.0.0.1. Comma-separated in the
# environment. Numeric host forms and every redirect are checked whatever this says.
RISKDESK_OUTBOUND_ALLOW = env.list(
    "RISKDESK_OUTBOUND_ALLOW", default=[] if PRODUCTION else ["127.0.0.1/32"]
)

# How connectors talk to the networks (monitoring.connectors.base.Connector.request).
MONITORING_HTTP = {
    "timeout": env.float("MONITORING_HTTP_TIMEOUT", default=10.0),
    "attempts": env.int("MONITORING_HTTP_ATTEMPTS", default=3),  # per request, within one poll
    "backoff_base": env.float("MONITORING_BACKOFF_BASE", default=0.5),  # seconds
    "backoff_cap": 8.0,
    # A Retry-After longer than this ends the poll instead of sleeping in the worker.
    "max_wait": 10.0,
    # How long to wait after a 429 that says nothing of when to come back.
    "default_rate_wait": 60,
    "user_agent": env.str(
        "MONITORING_USER_AGENT", default="server:riskdesk:0.1 (self-hosted social media monitoring)"
    ),
}
# Pages fetched in one poll before the stream waits for its next turn.
MONITORING_MAX_PAGES_PER_POLL = env.int("MONITORING_MAX_PAGES_PER_POLL", default=10)
# How long a claimed poll holds its stream; longer than a task's hard time limit.
MONITORING_CLAIM_SECONDS = CELERY_TASK_TIME_LIMIT + 30
# Longest wait between retries of a failing stream.
MONITORING_MAX_BACKOFF_SECONDS = env.int("MONITORING_MAX_BACKOFF_SECONDS", default=3600)
# Mention text longer than this is cut (the raw payload keeps the rest).
MONITORING_MAX_TEXT = 20_000
# PostgreSQL (monitoring.partitions): monthly partitions of mentions made ahead; months kept,
# older ones exported to VAR_DIR/archive/mentions then dropped but for open incidents' (0: all).
MONITORING_PARTITIONS_AHEAD = env.int("MONITORING_PARTITIONS_AHEAD", default=3)
MONITORING_RETENTION_MONTHS = env.int("MONITORING_RETENTION_MONTHS", default=0)
# The local demo network that `make run` starts (monitoring.demo.network).
MONITORING_DEMO_NETWORK_URL = env.str(
    "MONITORING_DEMO_NETWORK_URL", default="http://127.0.0.1:8765"
)
# The local notification sink `make run` starts for the demo's channels.
MONITORING_DEMO_SINK_URL = env.str("MONITORING_DEMO_SINK_URL", default="http://127.0.0.1:8766")
# Spike detection (alerting): the window, and how far above its usual a count must be.
MONITORING_SPIKE_WINDOW = env.int("MONITORING_SPIKE_WINDOW", default=60)  # minutes
# The fewest mentions in a window that can be a spike, whatever the z-score.
MONITORING_SPIKE_MIN_COUNT = env.int("MONITORING_SPIKE_MIN_COUNT", default=10)
# Windows of its own history a stream or tag needs before it can raise a spike (6 hours).
MONITORING_SPIKE_MIN_BASELINE_WINDOWS = env.int("MONITORING_SPIKE_MIN_BASELINE_WINDOWS", default=6)
MONITORING_SPIKE_Z = env.float("MONITORING_SPIKE_Z", default=3.0)
MONITORING_SPIKE_COOLDOWN = env.int("MONITORING_SPIKE_COOLDOWN", default=180)  # minutes
# Routing: risky mentions no rule gave a team go to this team's queue.
MONITORING_CATCH_ALL_TEAM = env.str("MONITORING_CATCH_ALL_TEAM", default="social")
MONITORING_CATCH_ALL_RISK = env.int("MONITORING_CATCH_ALL_RISK", default=60)
# A channel that got this many notifications in ten minutes gets digests instead.
MONITORING_NOTIFY_MAX_PER_WINDOW = env.int("MONITORING_NOTIFY_MAX_PER_WINDOW", default=5)
# A thread with this many replies in the last hour raises its root's risk (0: never).
MONITORING_THREAD_FAST_REPLIES = env.int("MONITORING_THREAD_FAST_REPLIES", default=20)

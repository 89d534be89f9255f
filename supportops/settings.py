"""SupportOps settings, read from the environment (django-environ).

Defaults give a one-command developer setup: SQLite, Celery in eager mode, console e-mail.
Production is switched on with ``SUPPORTOPS_ENV=production`` (see docs/deployment.md); it
then requires ``SECRET_KEY`` and ``ALLOWED_HOSTS`` and turns on every secure default so that
``manage.py check --deploy --fail-level WARNING`` passes.
"""

from pathlib import Path

import environ
from celery.schedules import crontab

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
env.read_env(BASE_DIR / ".env", overwrite=False)

SUPPORTOPS_ENV = env.str("SUPPORTOPS_ENV", default="development")
if SUPPORTOPS_ENV not in {"development", "production"}:
    raise environ.ImproperlyConfigured("SUPPORTOPS_ENV must be 'development' or 'production'.")
IS_PRODUCTION = SUPPORTOPS_ENV == "production"

DEBUG = env.bool("DEBUG", default=not IS_PRODUCTION)
if IS_PRODUCTION:
    SECRET_KEY = env.str("SECRET_KEY")
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
else:
    SECRET_KEY = env.str("SECRET_KEY", default="django-insecure-supportops-development-only-key")
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

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
    "simple_history",
    "supportops",
    "scheduling",
    "onboarding",
    "performance",
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
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "supportops.urls"
WSGI_APPLICATION = "supportops.wsgi.application"

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
                "supportops.context_processors.navigation",
            ],
        },
    },
]

# --- Database: SQLite by default, PostgreSQL (psycopg 3) through DATABASE_URL -----------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# Uploaded files (practical-task evidence). Served by the application behind its access checks, never as static.
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "var" / "media")))
MEDIA_URL = "/media/"
# Largest file an agent may hand in as evidence for a practical task.
ONBOARDING_EVIDENCE_MAX_MB = env.int("ONBOARDING_EVIDENCE_MAX_MB", default=20)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if IS_PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# --- E-mail --------------------------------------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
globals().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="SupportOps <supportops@localhost>")

# --- Celery: eager unless a broker is configured ------------------------------------------------
_BROKER_FROM_ENVIRONMENT = env.str("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not _BROKER_FROM_ENVIRONMENT
# In eager mode nothing is sent; the in-memory transport keeps Celery from looking for a broker.
CELERY_BROKER_URL = _BROKER_FROM_ENVIRONMENT or "memory://"
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=_BROKER_FROM_ENVIRONMENT or None)
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE = {
    "supportops-heartbeat": {
        "task": "supportops.tasks.heartbeat",
        "schedule": crontab(minute="*/5"),
    },
    "scheduling-rebuild-recent-volume-history": {
        "task": "scheduling.tasks.rebuild_recent_volume_history",
        "schedule": crontab(minute=20, hour="*/6"),
    },
    "scheduling-record-recent-adherence": {
        "task": "scheduling.tasks.record_recent_adherence",
        # Four times a day: each team's and agent's day ends at its own local midnight; recomputing is idempotent.
        "schedule": crontab(minute=10, hour="*/6"),
    },
    "onboarding-start-recertifications": {
        "task": "onboarding.tasks.start_recertifications",
        "schedule": crontab(minute=30, hour=0),
    },
    "onboarding-send-reminders": {
        "task": "onboarding.tasks.send_reminders",
        "schedule": crontab(minute=0, hour=1),
    },
    "performance-open-sampling-cycles": {
        "task": "performance.tasks.open_sampling_cycles",
        # Hourly: each team's period ends at its own local midnight; opening a cycle twice changes nothing.
        "schedule": crontab(minute=45),
    },
    "performance-weekly-snapshots": {
        "task": "performance.tasks.build_weekly_snapshots",
        # Hourly: a recipient's week is over once it has ended in all of their teams' zones; building twice is a no-op.
        "schedule": crontab(minute=5),
    },
}

# --- REST framework and OpenAPI ------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "supportops.api.pagination.StandardPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "supportops.api.exceptions.exception_handler",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    # Password guessing against the token endpoint is slowed to this many tries per client address.
    "DEFAULT_THROTTLE_RATES": {"auth-token": env.str("AUTH_TOKEN_RATE", default="20/minute")},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "SupportOps API",
    "DESCRIPTION": "Org model, roles and helpdesk conversations; capacity planning; shift planning of a "
    "customer-support organisation.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "PlanningIntervalMinutesEnum": "supportops.choices.PLANNING_INTERVAL_CHOICES",
        "AgentStatusEnum": "supportops.choices.AgentStatus",
        "ChannelEnum": "supportops.choices.Channel",
        "ConversationSourceEnum": "supportops.choices.ConversationSource",
        "TierEnum": "supportops.choices.Tier",
        "EmploymentTypeEnum": "supportops.choices.EmploymentType",
        "SkillKindEnum": "supportops.choices.SkillKind",
        "AuthorRoleEnum": "supportops.choices.AuthorRole",
        "ActivityKindEnum": "scheduling.models.shifts.ActivityKind",
        "BookedActivityKindEnum": "scheduling.models.shifts.FIXED_KIND_CHOICES",
        "BreakKindEnum": "scheduling.models.shifts.BreakKind",
        "AvailabilityKindEnum": "scheduling.models.shifts.AvailabilityKind",
        "TimeOffKindEnum": "scheduling.models.shifts.TimeOffKind",
        "RequestStatusEnum": "scheduling.models.shifts.RequestStatus",
        "SwapStatusEnum": "scheduling.models.shifts.SwapStatus",
        "ScheduleStatusEnum": "scheduling.models.shifts.ScheduleStatus",
        "AgentStateEnum": "scheduling.models.shifts.AgentState",
        "ModuleKindEnum": "onboarding.models.ModuleKind",
        "QuestionKindEnum": "onboarding.models.QuestionKind",
        "VersionStatusEnum": "onboarding.models.VersionStatus",
        "CalibrationStatusEnum": "performance.models.CalibrationStatus",
        "DisputeStatusEnum": "performance.models.DisputeStatus",
        "AssignmentStatusEnum": "performance.models.AssignmentStatus",
        "CadenceEnum": "performance.models.Cadence",
        "SamplingMethodEnum": "performance.models.SamplingMethod",
        "ReviewKindEnum": "performance.models.ReviewKind",
        "ReviewStatusEnum": "performance.models.ReviewStatus",
        "SectionKindEnum": "performance.models.SectionKind",
        "ScaleKindEnum": "performance.models.ScaleKind",
        "ScoringModeEnum": "performance.models.ScoringMode",
        "CycleStatusEnum": "performance.people_models.CycleStatus",
        "PerformanceReviewStatusEnum": "performance.people_models.PerformanceReviewStatus",
        "PlanStatusEnum": "performance.people_models.PlanStatus",
    },
}

# --- Security: strict in production -------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if IS_PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}

# Demo data refuses to load where it could overwrite a real organisation.
SUPPORTOPS_DEMO_ALLOWED = not IS_PRODUCTION

"""Settings shared by every mode. Environment values come from config.env only."""

from __future__ import annotations

from datetime import timedelta

from celery.schedules import crontab  # noqa: F401  (used by modes that add beat entries)

from config import env as envmod
from config.env import BASE_DIR

DEBUG = False

INSTALLED_APPS = [
    # ours
    "config.apps.ConfigAppConfig",
    "cms",
    "landing",
    "channels",
    "funnel",
    # wagtail
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.sitemaps",
    "wagtail.contrib.settings",
    "wagtail.contrib.table_block",
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
    # background work
    "django_celery_beat",
    # the lead API's docs: with the app installed django-ninja serves Swagger UI from our
    # static files instead of a foreign CDN (unreachable from much of mainland China)
    "ninja",
    # admin login throttling (issue 13 point 21)
    "axes",
    # django
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Outside the landing page cache (inserted after WhiteNoise below): cached pages get the
    # same framing headers as fresh ones (issue 13).
    "config.middleware.FrameAncestorsMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "config.middleware.BodySizeLimitMiddleware",
    "config.middleware.OutboundBudgetMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # first after login is known, before CSRF or any view reads a body: see the limit below
    "config.middleware.AdminBodyLimitMiddleware",
    # a posted JSON escape of a lone surrogate reads as U+FFFD (a 500 otherwise)
    "config.middleware.AdminLoneSurrogateMiddleware",
    "config.middleware.AdminFormErrorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # a workflow decision posted with the page editor's form (cms/middleware.py)
    "cms.middleware.WorkflowActionPostMiddleware",
    # Wagtail's document view writes `Content-Encoding: None` (cms/media_range.py)
    "cms.media_range.DocumentHeadersMiddleware",
    # the request's Wagtail Site from a cached list instead of a query per request (cms/sites.py)
    "cms.sites.SiteMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    # last, as django-axes asks: turns a locked-out login into its lockout page
    "axes.middleware.AxesMiddleware",
]

# An anonymous request to the admin (the login form, or any admin URL it is sent to) whose
# declared body is larger than this answers 413 before the body is read; the login form needs
# a few hundred bytes. Logged-in staff upload under Django's limits (config.middleware).
ADMIN_ANONYMOUS_MAX_BYTES = 64 * 1024
# A StreamField posts several fields a block (type, id, order, deleted, then its values): a
# long article or FAQ passes Django's default of 1000 (a 300-question FAQ answered a bare
# 400). Wagtail's own project template sets 10 000; bodies stay bounded by the size limits.
# Beyond it the admin answers `too_many_fields` (config.middleware.AdminFormErrorMiddleware).
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000

# --- admin login throttling (django-axes) --------------------------------------------------
# Guessing staff passwords opens patients' records: after AXES_FAILURE_LIMIT wrong passwords
# for one username from one address, that pair is locked out for the cool-off time (429 and a
# Chinese page); a success resets the count. Locking by username alone would let anyone lock
# the clinic's staff out; by address alone would lock a whole clinic behind one NAT.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = envmod.integer("ADMIN_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=envmod.integer("ADMIN_LOGIN_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "admin_lockout.html"
AXES_CLIENT_IP_CALLABLE = "config.client_address.client_ip_or_none"
AXES_VERBOSE = False

SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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

# --- database -----------------------------------------------------------------------------
DATABASES = {"default": envmod.env.db_url_config(envmod.database_url())}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    (BASE_DIR / "var").mkdir(exist_ok=True)
    # SQLite serialises writers; a busy timeout turns "database is locked" into a short wait
    # for the demo's web process and its in-process tasks.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )
else:
    DATABASES["default"]["CONN_MAX_AGE"] = envmod.integer("DB_CONN_MAX_AGE", 60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # libpq waits forever for a server that accepts and never answers (a wedged PostgreSQL or
    # a dead one behind a proxy): every request would hang with it. connect_timeout bounds the
    # connection attempt (seconds; libpq "Parameter Key Words", PostgreSQL docs §32.1.2).
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "connect_timeout", envmod.integer("DB_CONNECT_TIMEOUT", 5)
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- cache and broker ---------------------------------------------------------------------
REDIS_URL = envmod.redis_url()


def redis_caches(url: str) -> dict:
    """A Redis outage must not take a page down: django-redis answers a failed call as a miss
    (logged, `DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS`), so pages render uncached and rate limits
    fail open while /healthz says the cache is down. Short socket timeouts keep a dead Redis
    from holding a request."""
    return {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": "yinliu",
            "OPTIONS": {
                "IGNORE_EXCEPTIONS": True,
                "SOCKET_CONNECT_TIMEOUT": 0.5,
                "SOCKET_TIMEOUT": 0.5,
            },
        }
    }


DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
DJANGO_REDIS_LOGGER = "yinliu.cache"
if REDIS_URL:
    CACHES = redis_caches(REDIS_URL)
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or "cache+memory://"
# Without a broker the embedded default runs every task in-process, right after commit.
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
# What one web request may spend calling outside platforms, in seconds (funnel.outbound): with
# no broker its enqueued work runs inside it, and WeCom waits 5 s for a callback's answer.
OUTBOUND_REQUEST_BUDGET_SECONDS = envmod.env.float("OUTBOUND_REQUEST_BUDGET_SECONDS", default=3.0)
CELERY_TASK_EAGER_PROPAGATES = True
# At-least-once delivery: a task is acknowledged after it ran, so a killed worker's task is
# redelivered. Every task is idempotent, which is what makes this safe.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Redis redelivers unacknowledged messages after the visibility timeout; it must exceed the
# longest task (spend imports: minutes) and we never schedule long ETA tasks.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 2 * 60 * 60,
    # A broker outage must not hold a request: a stored record is acknowledged at once and
    # the sweeps enqueue it when the broker is back (funnel intake, outbox).
    "socket_connect_timeout": 1,
    "socket_timeout": 2,
}
CELERY_BROKER_CONNECTION_TIMEOUT = 1
# Nothing reads our tasks' results (they record their outcome in the database); not asking
# for them also keeps a Redis outage from holding each enqueue on the result backend's
# reconnect loop (19 s a push, measured).
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
CELERY_RESULT_EXPIRES = 24 * 60 * 60
CELERY_TASK_TIME_LIMIT = 30 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 25 * 60
CELERY_TIMEZONE = "Asia/Shanghai"
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]

# --- i18n ---------------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
WAGTAILADMIN_PERMITTED_LANGUAGES = LANGUAGES
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "locale"]

# --- static and media ---------------------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "var" / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns on a missing root
MEDIA_URL = "/media/"
# A picture a published page shows is never swapped in place (cms/image_forms.py).
WAGTAILIMAGES_IMAGE_FORM_BASE = "cms.image_forms.GatedImageForm"
WAGTAILDOCS_DOCUMENT_FORM_BASE = "cms.image_forms.GatedDocumentForm"
MEDIA_ROOT = BASE_DIR / "var" / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# --- wagtail ------------------------------------------------------------------------------
WAGTAIL_SITE_NAME = "引流 Yinliu"
WAGTAILADMIN_BASE_URL = envmod.optional("WAGTAILADMIN_BASE_URL", "http://127.0.0.1:8000")
# Wagtail's database backend with every query's words made safe (cms.search_backend).
# Draftail with the posted contentstate's entity references checked (cms.rich_text).
WAGTAILADMIN_RICH_TEXT_EDITORS = {
    "default": {"WIDGET": "cms.rich_text.CheckedDraftailRichTextArea"},
}
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "cms.search_backend"}}
WAGTAIL_I18N_ENABLED = False
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "mp4", "pdf", "pptx", "txt", "xlsx", "zip"]
# A video's file is played in the page and opened by crawlers, not downloaded.
WAGTAILDOCS_INLINE_CONTENT_TYPES = ["application/pdf", "text/plain", "video/mp4"]
# Wagtail 8 runs its own background work through django-tasks; immediate keeps it in-process.
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

# --- dev/demo tools ------------------------------------------------------------------------
# seed_demo, demo_admin, sandbox_platforms and generate_funnel_data create data and logins
# with public demo passwords: only the dev settings (and so the demo and tests) allow them.
DEMO_COMMANDS_ENABLED = False
# Ad-account API base URLs may point at loopback (the sandbox look-alikes) only where this is
# true: dev, demo and tests. Production accepts each platform's own hosts only.
CHANNELS_SANDBOX_URLS_ALLOWED = False

# --- secrets and PII keys (filled per mode) -----------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

BAIDU_PUSH_TOKEN = envmod.optional("BAIDU_PUSH_TOKEN")
# The site as verified in Baidu's 搜索资源平台 (e.g. https://www.example.com); unset: the
# Wagtail Site's root URL of the published page.
BAIDU_PUSH_SITE = envmod.optional("BAIDU_PUSH_SITE")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "loggers": {
        "yinliu": {"handlers": ["console"], "level": "INFO"},
        "celery": {"handlers": ["console"], "level": "INFO"},
    },
}

# --- notifications ------------------------------------------------------------------------
# Mail (Wagtail's moderation and workflow notices to editors and reviewers, password resets):
# production sends through EMAIL_URL's server; dev keeps each message as a file (dev.py).
globals().update(envmod.email("smtp://localhost:25"))
DEFAULT_FROM_EMAIL = envmod.optional("DEFAULT_FROM_EMAIL", "引流 <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
WAGTAILADMIN_NOTIFICATION_FROM_EMAIL = DEFAULT_FROM_EMAIL

NOTIFIER = envmod.optional("NOTIFIER", "console")  # console | wecom_robot
WECOM_ROBOT_WEBHOOK = envmod.optional("WECOM_ROBOT_WEBHOOK")

# --- funnel -------------------------------------------------------------------------------
# Leads untouched for this many days are anonymized by the daily retention purge (PIPL).
FUNNEL_RETENTION_DAYS = envmod.integer("FUNNEL_RETENTION_DAYS", 730)
# How long an API Idempotency-Key (and a staff form's one-time token) is remembered.
IDEMPOTENCY_KEY_DAYS = envmod.integer("IDEMPOTENCY_KEY_DAYS", 30)
REFERRAL_REWARD_PERCENT = envmod.optional("REFERRAL_REWARD_PERCENT", "10")
REFERRAL_REWARD_POINTS_PER_YUAN = envmod.integer("REFERRAL_REWARD_POINTS_PER_YUAN", 1)

# --- channels -----------------------------------------------------------------------------
# Platform push bodies above this size are refused with 413 payload_too_large.
CHANNELS_WEBHOOK_MAX_BYTES = envmod.integer("CHANNELS_WEBHOOK_MAX_BYTES", 64 * 1024)

# Growth reports: tasks living outside an app's tasks.py, imported by every worker.
CELERY_IMPORTS = ["funnel.reports.tasks"]
# The admin must work from mainland China and load nothing from abroad: no Gravatar avatars,
# no release check against wagtail.org (the dashboard is opened in a test browser too).
WAGTAIL_GRAVATAR_PROVIDER_URL = None
WAGTAIL_ENABLE_UPDATE_CHECK = False
# Doctors approve medical content without holding publish permission (docs/cms.md).
WAGTAIL_FINISH_WORKFLOW_ACTION = "cms.workflows_finish.publish_workflow_state"

# --- landing ------------------------------------------------------------------------------
# Cached anonymous landing/package pages are answered before sessions, CSRF and page routing.
MIDDLEWARE.insert(
    MIDDLEWARE.index("whitenoise.middleware.WhiteNoiseMiddleware") + 1,
    "landing.middleware.LandingCacheMiddleware",
)
LANDING_CACHE_SECONDS = envmod.integer("LANDING_CACHE_SECONDS", 600)
LANDING_MIN_SUBMIT_SECONDS = envmod.integer("LANDING_MIN_SUBMIT_SECONDS", 3)
LANDING_TICKET_MAX_AGE = 2 * 60 * 60
# How many reverse proxies (each appending to X-Forwarded-For) stand in front of the app:
# the client address for rate limits is taken from that position (config.client_address.client_ip).
# 0 (the default): the socket's peer, X-Forwarded-For ignored.
TRUSTED_PROXY_COUNT = envmod.integer("TRUSTED_PROXY_COUNT", 0)
# (attempts, window seconds) per client IP and per phone number
LANDING_RATE_LIMIT_IP = (envmod.integer("LANDING_RATE_LIMIT_IP", 20), 3600)
LANDING_RATE_LIMIT_PHONE = (envmod.integer("LANDING_RATE_LIMIT_PHONE", 5), 3600)
# New A/B visitors one client address may add to one test per day (offices and mobile
# carriers share addresses, so not 1; a script minting cookies gets no further).
LANDING_AB_VISITORS_PER_ADDRESS_DAY = envmod.integer("LANDING_AB_VISITORS_PER_ADDRESS_DAY", 20)
LANDING_CAREPLAN_LINK_SECONDS = envmod.integer("LANDING_CAREPLAN_LINK_DAYS", 90) * 24 * 3600
# Per-process copy of cached pages in front of the shared cache; other processes see a purge
# within this many seconds (0 disables the local copy).
LANDING_CACHE_LOCAL_SECONDS = float(envmod.optional("LANDING_CACHE_LOCAL_SECONDS", "1.0"))

# The report's covering index (funnel.Lead, INCLUDE columns) is a PostgreSQL optimisation;
# SQLite builds it without them, as intended, so its warning is noise on every command.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

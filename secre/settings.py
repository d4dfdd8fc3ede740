"""Django settings for Secre, read from the environment (django-environ); see .env.example."""

import warnings
from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

from secre import devdb

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

INSECURE_DEFAULT_SECRET_KEY = "django-insecure-secre-development-key-do-not-use-in-production"

DEBUG = env.bool("DEBUG", default=False)
# Without DATABASE_URL (development on the embedded database) the make targets' keys in .secre/ are
# the defaults, so `python manage.py shell` works as Django users expect; production sets its own.
SECRET_KEY = env.str("SECRET_KEY", default=devdb.development_value("SECRET_KEY") or INSECURE_DEFAULT_SECRET_KEY)
if not DEBUG and SECRET_KEY == INSECURE_DEFAULT_SECRET_KEY:
    raise ImproperlyConfigured(
        "SECRET_KEY is the insecure default and DEBUG is off: set SECRET_KEY (or DEBUG=true for development)."
    )

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# Proxies whose X-Forwarded-For is believed (tenants/client_ip.py): the same variable, and syntax,
# as gunicorn's (addresses or networks, comma-separated; '*' trusts every peer).
FORWARDED_ALLOW_IPS = env.list("FORWARDED_ALLOW_IPS", default=["127.0.0.1"])
# Behind a load balancer: trust X-Forwarded-Proto/-Host so absolute links (`next`) come out as https.
# Off unless set: a client reaching the app directly could otherwise forge them.
USE_PROXY_HEADERS = env.bool("USE_PROXY_HEADERS", default=False)
if USE_PROXY_HEADERS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    USE_X_FORWARDED_HOST = True

INSTALLED_APPS = [
    # First: its createsuperuser and changepassword replace Django's (they run through the operator
    # path), and its sign-in receiver takes the place of Django's last_login one (tenants/apps.py).
    "tenants",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "axes",
    "corsheaders",
    "import_export",
    "phonenumber_field",
    "rest_framework",
    "rest_framework_api_key",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "patients",
    "appointments",
    "auditlog",
    "audit",
    "webhooks",
    # The HL7 FHIR R4 facade at /fhir/R4 (fhir_api/): on top of the apps it serves.
    "fhir_api",
    # The MCP server at /mcp for AI agents (agents/): on top of the apps it serves, beside fhir_api.
    "agents",
]

MIDDLEWARE = [
    # Outermost: one JSON "request" line per request, with ids and the route template.
    "secre.observability.RequestLogMiddleware",
    # Oversize bodies are a 413, bodies that are not JSON a 415, before anything reads them.
    "secre.limits.RequestBodyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Static files (admin, Swagger UI and Redoc from drf-spectacular-sidecar) without internet or a proxy.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "tenants.middleware.TenancyMiddleware",
    "tenants.idempotency.IdempotencyMiddleware",
    # Last, as django-axes asks: locks out a staff login after repeated failures.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "secre.urls"
WSGI_APPLICATION = "secre.wsgi.application"
AUTH_USER_MODEL = "tenants.User"
# Trailing slashes are optional on API routes (routers match `/?`); never redirect a POST.
APPEND_SLASH = False

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
            ],
        },
    },
]

# Two connections to one database:
#   default: the runtime role (secre_app): RLS applies; used by the app, ops commands and tests.
#   owner:   the owner role (secre_owner): used only by `manage.py migrate` and test-database setup.
#   console: the console login (secre_console): only inside tenants.bypass.operator_access().
# Without DATABASE_URL the embedded development server is used (secre/devdb.py).
if env.str("DATABASE_URL", default=""):
    DATABASES = {
        "default": env.db("DATABASE_URL"),
        "owner": env.db("DATABASE_OWNER_URL", default=env.str("DATABASE_URL")),
        "console": env.db("DATABASE_CONSOLE_URL", default=env.str("DATABASE_URL")),
    }
else:
    DATABASES = {
        "default": devdb.connection_settings(devdb.RUNTIME_ROLE),
        "owner": devdb.connection_settings(devdb.OWNER_ROLE),
        "console": devdb.connection_settings(devdb.CONSOLE_ROLE),
    }
# signin: the console login as the sign-in role for the whole session (libpq's `-c role=`): django-axes'
# tables of failed sign-ins (usernames, addresses) live there, out of the runtime role's reach
# (tenants/routers.py). Behind PgBouncer, which passes no startup options to the server,
# DATABASE_SIGNIN_URL names a pooler database whose server connections take that role once, when
# PgBouncer opens them (connect_query; secre/pgbouncer.py).
if env.str("DATABASE_SIGNIN_URL", default=""):
    DATABASES["signin"] = env.db("DATABASE_SIGNIN_URL")
else:
    DATABASES["signin"] = {**DATABASES["console"]}
    DATABASES["signin"]["OPTIONS"] = {**DATABASES["console"].get("OPTIONS", {}), "options": "-c role=secre_auth"}
DATABASE_ROUTERS = ["tenants.routers.SignInRouter"]
# Behind PgBouncer in transaction pooling mode (docs/scaling.md) consecutive transactions of one
# connection may run on different server sessions: no server-side cursors (a cursor lives in one
# session), and no prepared statements (psycopg 3 binds parameters client-side under Django and
# never prepares; PgBouncer before 1.21 could not route them). Session state is never used: the
# tenant (set_config(..., true)) and the console's roles (SET LOCAL ROLE) last one transaction.
_no_server_side_cursors = env.bool("DATABASE_DISABLE_SERVER_SIDE_CURSORS", default=False)
for _alias in DATABASES.values():
    _alias["ENGINE"] = "django.db.backends.postgresql"
    _alias.setdefault("TEST", {})["NAME"] = env.str("TEST_DATABASE_NAME", default="test_secre")
    _alias["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    # On for every alias; API requests skip its per-request SELECT 1 and find a dead connection with
    # their first statement instead (tenants/middleware.py, docs/scaling.md).
    _alias["CONN_HEALTH_CHECKS"] = True
    _alias["DISABLE_SERVER_SIDE_CURSORS"] = _no_server_side_cursors
    _alias.setdefault("OPTIONS", {})["prepare_threshold"] = None

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend, reading staff rows through the sign-in role (tenants/auth.py).
    "tenants.auth.StaffBackend",
]
# Console sessions keyed by a hash of the session key, data signed with it (tenants/sessions.py).
SESSION_ENGINE = "tenants.sessions"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
# Console sign-in: 5 failed logins from an address, or for a username, lock it for 30 minutes (django-axes).
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=30))
# Locked per username *and* address together: one address cannot lock out every staff member, and
# nobody can lock a known username from elsewhere. The address is the trusted proxy chain's client.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "tenants.client_ip.client_ip"
AXES_RESET_ON_SUCCESS = True
# Successful sign-ins are not kept (usernames and addresses); failed attempts expire with the cool-off.
AXES_DISABLE_ACCESS_LOG = True
AXES_VERBOSE = False
# Messages live in the server-side session, never in a cookie.
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"
# Exports (django-import-export) need the model's "export" permission (Owners have it).
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "export"
# Browser clients from these origins may call the API (django-cors-headers); none by default.
CORS_ALLOWED_ORIGINS = env.list("CORS_ALLOWED_ORIGINS", default=[])
CORS_ALLOW_HEADERS = ("accept", "authorization", "content-type", "x-api-key", "x-request-id", "idempotency-key")
CORS_EXPOSE_HEADERS = ("x-request-id", "retry-after")

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# Serve straight from the apps when `collectstatic` has not run (make run); the image collects them.
WHITENOISE_USE_FINDERS = True
warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)

# Secure cookies outside DEBUG; `make run` turns them off for plain http://127.0.0.1 only.
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SESSION_COOKIE_HTTPONLY = True
# A console session lasts a working day (hours); staff sign in again the next morning.
SESSION_COOKIE_AGE = env.int("CONSOLE_SESSION_HOURS", default=9) * 60 * 60
# HSTS outside DEBUG (sent on https responses only; browsers ignore it on plain http).
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 365 * 24 * 60 * 60)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["tenants.authentication.TenantAPIKeyAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["tenants.permissions.TenantKeyScopes"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["secre.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "tenants.openapi.ScopedAutoSchema",
    "EXCEPTION_HANDLER": "drf_standardized_errors.handler.exception_handler",
    "UNAUTHENTICATED_USER": None,
}
DRF_STANDARDIZED_ERRORS = {
    "EXCEPTION_FORMATTER_CLASS": "secre.problem_handlers.ProblemDetailsFormatter",
    "EXCEPTION_HANDLER_CLASS": "secre.problem_handlers.ProblemDetailsExceptionHandler",
    "ENABLE_IN_DEBUG_FOR_UNHANDLED_EXCEPTIONS": True,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Secre API",
    "DESCRIPTION": (
        "Multi-tenant medical integration API between clinics' chatbots (n8n) and their patients, "
        "doctors and appointments. Authenticate with the `X-Api-Key` header, or send the same key as "
        "`Authorization: Bearer <key>`. Errors are RFC 9457 "
        "problem details (`application/problem+json`)."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "secre.openapi.paths_without_trailing_slash",
        "secre.openapi.resource_tags",
        "secre.openapi.problem_media_type",
    ],
}

# The MCP server at /mcp (agents/): browser origins allowed to call it (scheme://host[:port], comma-separated).
# A request with an Origin header not listed is a 403 (the MCP specification's DNS-rebinding guard);
# server-side clients such as n8n send none and are not affected. None by default.
MCP_ALLOWED_ORIGINS = env.list("MCP_ALLOWED_ORIGINS", default=[])

# Rate limits (tenants/rate_limits.py): django-ratelimit counting in Redis. Off unless enabled (on in
# compose and production). Redis errors are ignored and logged; requests then go through.
RATELIMIT_ENABLED = env.bool("RATELIMIT_ENABLED", default=False)
REDIS_URL = env.str("REDIS_URL", default="redis://127.0.0.1:6379/0")
RATE_LIMIT_TENANT = env.str("RATE_LIMIT_TENANT", default="600/m")
RATE_LIMIT_AUTH_FAILURES = env.str("RATE_LIMIT_AUTH_FAILURES", default="30/m")
RATELIMIT_USE_CACHE = "ratelimit"
RATELIMIT_FAIL_OPEN = True
DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "ratelimit": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "secre",
        "OPTIONS": {"IGNORE_EXCEPTIONS": True, "SOCKET_CONNECT_TIMEOUT": 0.5, "SOCKET_TIMEOUT": 0.5},
    },
}
if RATELIMIT_ENABLED:
    # Its system check refuses non-Redis caches, so it is installed only when it is used.
    INSTALLED_APPS.append("django_ratelimit")

# Webhooks (webhooks/): signing secrets are encrypted with these Fernet keys (the first encrypts, all
# decrypt; required by `check --deploy`; make targets generate one in .secre/). Private addresses are
# refused unless allowed (tests, a local n8n).
WEBHOOK_SECRETS_KEYS = env.list(
    "WEBHOOK_SECRETS_KEYS", default=[key for key in [devdb.development_value("WEBHOOK_SECRETS_KEYS")] if key]
)
OUTBOUND_ALLOW_PRIVATE_ADDRESSES = env.bool("OUTBOUND_ALLOW_PRIVATE_ADDRESSES", default=False)
# A CA bundle (PEM file) for outbound TLS instead of the system's, e.g. a private CA; empty: the system's.
OUTBOUND_CA_CERTS = env.str("OUTBOUND_CA_CERTS", default="")
WEBHOOK_DISABLE_AFTER_FAILURES = env.int("WEBHOOK_DISABLE_AFTER_FAILURES", default=50)
WEBHOOK_DELIVERY_RETENTION_DAYS = env.int("WEBHOOK_DELIVERY_RETENTION_DAYS", default=30)
# Days an event keeps its payload (a snapshot of the patient or appointment); then it is redacted.
# Never less than WEBHOOK_DELIVERY_RETENTION_DAYS.
EVENT_RETENTION_DAYS = env.int("EVENT_RETENTION_DAYS", default=30)
# How often the worker runs housekeeping (the purge steps), and scans for due reminders, in seconds.
HOUSEKEEPING_SECONDS = env.int("HOUSEKEEPING_SECONDS", default=3600)
REMINDER_SCAN_SECONDS = env.int("REMINDER_SCAN_SECONDS", default=60)
# Slot holds expired longer than this are deleted by the worker (a live or just-expired hold is kept).
HOLD_RETENTION_HOURS = env.int("HOLD_RETENTION_HOURS", default=24)
# Optional AWS transport: events also go to this SQS queue (boto3; AWS_* credentials as usual).
EVENTS_SQS_QUEUE_URL = env.str("EVENTS_SQS_QUEUE_URL", default="")
AWS_REGION = env.str("AWS_REGION", default="us-east-1")
AWS_ENDPOINT_URL = env.str("AWS_ENDPOINT_URL", default="")
# The worker (webhooks/worker.py): a claimed delivery's lease, renewed every third of it while the
# attempt runs (a killed worker's deliveries are taken again once it passes); the deadline of one
# request; deliveries taken per claim; sending threads per worker process; and
# requests in flight to one endpoint at once, across every worker process.
WEBHOOK_LEASE_SECONDS = env.int("WEBHOOK_LEASE_SECONDS", default=60)
WEBHOOK_TIMEOUT_SECONDS = env.float("WEBHOOK_TIMEOUT_SECONDS", default=15.0)
WEBHOOK_CLAIM_BATCH = env.int("WEBHOOK_CLAIM_BATCH", default=20)
WEBHOOK_WORKER_THREADS = env.int("WEBHOOK_WORKER_THREADS", default=8)
WEBHOOK_ENDPOINT_CONCURRENCY = env.int("WEBHOOK_ENDPOINT_CONCURRENCY", default=2)

# The audit trail (django-auditlog) with Secre's own entry model, masking and correlation id.
AUDITLOG_LOGENTRY_MODEL = "audit.AuditEvent"
AUDITLOG_MASK_CALLABLE = "audit.masking.mask"
AUDITLOG_STORE_JSON_CHANGES = True
AUDITLOG_DISABLE_REMOTE_ADDR = False

# Personal free text, event payloads and stored responses are encrypted at rest with these Fernet keys
# (secre/encryption.py; the first encrypts, all decrypt; required: make targets generate one in .secre/).
FIELD_ENCRYPTION_KEYS = env.list(
    "FIELD_ENCRYPTION_KEYS", default=[key for key in [devdb.development_value("FIELD_ENCRYPTION_KEYS")] if key]
)

# Phone numbers are stored in E.164; national numbers are read in this region (ISO 3166 alpha-2).
PHONENUMBER_DEFAULT_REGION = env.str("PHONE_DEFAULT_REGION", default="CO")
PHONENUMBER_DB_FORMAT = "E164"
PHONENUMBER_DEFAULT_FORMAT = "E164"
# A tenant's default IANA time zone.
DEFAULT_TENANT_TIMEZONE = env.str("DEFAULT_TENANT_TIMEZONE", default="America/Bogota")
# Where `seed_demo` keeps the demo key's plaintext between runs (development only; git-ignored).
DEMO_API_KEY_FILE = env.path("DEMO_API_KEY_FILE", default=str(BASE_DIR / ".secre" / "demo-api-key"))

# JSON lines on stdout (LOG_FORMAT=plain for a console-friendly format). Every line carries
# request_id, tenant_id and api_key_id; no line carries personal data.
LOG_FORMAT = env.str("LOG_FORMAT", default="json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "secre.observability.json_formatter"},
        "plain": {
            "()": "secre.log_filters.PlainFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s request_id=%(request_id)s",
        },
    },
    "filters": {
        "request_context": {"()": "secre.observability.RequestContextFilter"},
        "redact_path": {"()": "secre.log_filters.RedactRequestPath"},
    },
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": LOG_FORMAT,
            "filters": ["request_context", "redact_path"],
        },
    },
    "root": {"handlers": ["stdout"], "level": env.str("LOG_LEVEL", default="INFO")},
    # Django logs every 4xx/5xx with the raw path (documents!): only 5xx, and with the route instead.
    # SQL with its parameters (django.db.backends, DEBUG level) is never logged.
    "loggers": {
        "django.request": {"level": "ERROR"},
        "django.db.backends": {"level": "INFO"},
        "axes": {"level": "WARNING"},
        # django-mcpz's per-call records carry the tool's arguments (personal data): agents/mcp_server.py
        # logs its own line per call, with ids and codes only.
        "django_mcpz.calls": {"level": "WARNING"},
    },
}

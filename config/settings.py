"""Foyer's settings, read from the environment in this one place.

With nothing set, Foyer runs in development mode: SQLite, a local-memory cache, console
email and the built-in sandbox standing in for ButterflyMX and Butlr. Production sets
DEBUG=false and must then provide SECRET_KEY, ALLOWED_HOSTS, SITE_URL, EMAIL_URL and
TOKEN_ENCRYPTION_KEYS.
"""

import base64
import hashlib
import json
from pathlib import Path
from urllib.parse import urlsplit

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from config.checks import upstream_url_is_safe
from config.logging import REDACT_FILTER, formatter_config

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

DEBUG = env.bool("DEBUG", default=True)

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "django-insecure-development-only-key-do-not-use-in-production"

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[] if not DEBUG else ["*"])
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DEBUG is off.")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# The public address of this site; the sandbox upstreams are reached under it. Production
# names it: a default of plain HTTP would carry tokens and client secrets unencrypted. In
# development it follows PORT, the port the demo is served on (`make run PORT=8123`).
SITE_URL = env.str(
    "SITE_URL", default=f"http://127.0.0.1:{env.int('PORT', default=8000)}" if DEBUG else ""
).rstrip("/")
if not SITE_URL:
    raise ImproperlyConfigured("SITE_URL must be set when DEBUG is off.")

INSTALLED_APPS = [
    "config.apps.FoyerAdminConfig",  # the admin, signed in through allauth
    "config.apps.FoyerConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "csp",
    "template_partials",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.mfa",
    "django_tasks",
    "django_tasks_db",
    "residents",
    "residents.butterflymx",
    "occupancy",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "config.htmx.HtmxErrorMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "config.context_processors.roles",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")
# Seconds a request waits for Redis to connect or answer before the cache call fails.
REDIS_SOCKET_TIMEOUT = env.float("REDIS_SOCKET_TIMEOUT", default=2.0)
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "config.cache.SharedClientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "foyer",
            "TIMEOUT": 300,
            "OPTIONS": {
                "socket_connect_timeout": REDIS_SOCKET_TIMEOUT,
                "socket_timeout": REDIS_SOCKET_TIMEOUT,
            },
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "foyer",
            "TIMEOUT": 300,
        }
    }

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

AUTHENTICATION_BACKENDS = [
    # Django's and allauth's, each loading a session's user from the cache (config/auth.py).
    "config.auth.ModelBackend",
    "config.auth.AllauthBackend",
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("TIME_ZONE", default="America/New_York")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "config.storage.StaticFilesStorage"
        )
    },
}

# Sessions are read from the cache on every request and written through to the database.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

AUTH_USER_MODEL = "residents.User"

LOGIN_URL = "account_login"
CSRF_FAILURE_VIEW = "config.htmx.csrf_failure"
LOGIN_REDIRECT_URL = "home"

# Email: the console in development, SMTP (EMAIL_URL, e.g. smtp+tls://user:pw@host:587)
# otherwise.
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Foyer <no-reply@foyer.example>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
if env.str("EMAIL_URL", default=""):
    vars().update(env.email_url("EMAIL_URL"))
elif DEBUG:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
else:
    raise ImproperlyConfigured("EMAIL_URL must be set when DEBUG is off.")

# Accounts (django-allauth).
# Email-only accounts: residents.User has no username.
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
# Sign-up never tells whether an email has an account: with an address already taken it
# answers "verify your email" as for a new one, and the address gets an "account already
# exists" email instead. allauth can only do that when every email must be verified.
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_PREVENT_ENUMERATION = True
# The link signs in only the browser that signed up (allauth checks the pending sign-up).
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_RATE_LIMITS_ENABLED = True
ACCOUNT_SESSION_REMEMBER = None
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
ALLAUTH_TRUSTED_CLIENT_IP_HEADER = env.str("TRUSTED_CLIENT_IP_HEADER", default="") or None

ACCOUNT_ADAPTER = "config.adapters.AccountAdapter"
ACCOUNT_FORMS = {"login": "config.forms.LoginForm", "signup": "config.forms.SignupForm"}
SOCIALACCOUNT_ADAPTER = "residents.adapters.SocialAccountAdapter"
# allauth would store tokens in plaintext: Foyer stores them encrypted itself.
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_AUTO_SIGNUP = True
# Signing up with ButterflyMX still takes one step; the email is verified afterwards.
SOCIALACCOUNT_EMAIL_VERIFICATION = "optional"
# A ButterflyMX identity signs in only to the account it is connected to, never to an account
# that merely has the same email (residents.adapters refuses it even if these were turned on).
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = False

# Roles: every user is a resident; property managers belong to this group.
PROPERTY_MANAGERS_GROUP = "Property managers"

# Second factors (allauth.mfa): passkeys, authenticator apps (TOTP) and recovery codes.
# A passkey signs in on its own, in one tap. WebAuthn needs a secure origin: HTTPS, or
# http://localhost in development and tests (never an IP address such as 127.0.0.1).
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_TOTP_ISSUER = "Foyer"
# A code is accepted for one 30-second step either side of now (RFC 6238's allowance for
# a code typed as its step ends, and for a phone's clock a little off).
MFA_TOTP_TOLERANCE = 1
MFA_PASSKEY_LOGIN_ENABLED = True
# allauth allows signing up with a passkey alone only with mandatory email verification by
# code; Foyer's sign-up keeps its password.
MFA_PASSKEY_SIGNUP_ENABLED = False
# Property managers and staff must have a second factor before the dashboard or the admin
# opens; off in development so that the demo manager works without enrolling.
MFA_REQUIRED_FOR_MANAGERS = env.bool("MFA_REQUIRED_FOR_MANAGERS", default=not DEBUG)

# ButterflyMX. Every host is a setting: the public sources disagree on the sandbox hosts.
# With no client configured, the built-in sandbox at SITE_URL stands in.
BUTTERFLYMX_CLIENT_ID = env.str("BUTTERFLYMX_CLIENT_ID", default="")
BUTTERFLYMX_CLIENT_SECRET = env.str("BUTTERFLYMX_CLIENT_SECRET", default="")
BUTTERFLYMX_SANDBOX = not BUTTERFLYMX_CLIENT_ID
if BUTTERFLYMX_SANDBOX:
    BUTTERFLYMX_CLIENT_ID = "foyer-sandbox-client"
    BUTTERFLYMX_CLIENT_SECRET = "foyer-sandbox-secret"
BUTTERFLYMX_ACCOUNTS_URL = env.str(
    "BUTTERFLYMX_ACCOUNTS_URL",
    default=f"{SITE_URL}/sandbox/butterflymx/accounts"
    if BUTTERFLYMX_SANDBOX
    else "https://accounts.butterflymx.com",
).rstrip("/")
BUTTERFLYMX_API_URL = env.str(
    "BUTTERFLYMX_API_URL",
    default=f"{SITE_URL}/sandbox/butterflymx/api"
    if BUTTERFLYMX_SANDBOX
    else "https://api.butterflymx.com",
).rstrip("/")
BUTTERFLYMX_CONNECT_TIMEOUT = env.float("BUTTERFLYMX_CONNECT_TIMEOUT", default=3.05)
BUTTERFLYMX_READ_TIMEOUT = env.float("BUTTERFLYMX_READ_TIMEOUT", default=10.0)
# A resident stands at the door while a release is waited for: give up sooner than on a list.
BUTTERFLYMX_RELEASE_READ_TIMEOUT = env.float("BUTTERFLYMX_RELEASE_READ_TIMEOUT", default=5.0)
# ButterflyMX rotates the refresh token when it answers: an answer given up on loses the new
# pair, so the token endpoint is waited for longer than the API.
BUTTERFLYMX_TOKEN_READ_TIMEOUT = env.float("BUTTERFLYMX_TOKEN_READ_TIMEOUT", default=15.0)
SOCIALACCOUNT_REQUESTS_TIMEOUT = BUTTERFLYMX_TOKEN_READ_TIMEOUT
SOCIALACCOUNT_PROVIDERS = {
    "butterflymx": {
        "APPS": [{"client_id": BUTTERFLYMX_CLIENT_ID, "secret": BUTTERFLYMX_CLIENT_SECRET}],
        "SCOPE": ["public"],
        "OAUTH_PKCE_ENABLED": True,
    }
}

# Unlocking: a second tap on the same door within the cooldown sends nothing; each resident
# may ask for this many releases a minute.
DOOR_COOLDOWN_SECONDS = env.int("DOOR_COOLDOWN_SECONDS", default=3)
UNLOCK_RATE_LIMIT_PER_MINUTE = env.int("UNLOCK_RATE_LIMIT_PER_MINUTE", default=12)

# Background work (django-tasks): stored in the database and run by `manage.py db_worker`,
# so that a restart loses nothing. Tests run tasks at once with the immediate backend.
TASKS = {
    "default": {
        "BACKEND": env.str("TASKS_BACKEND", default="django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

# Doorbell notifications (Web Push with VAPID). Production gives the three from the
# environment; in development `make run` writes a key pair to .vapid.json (gitignored) and it
# is read from there. Without keys, push is off (a deploy check says so) and residents still
# get the doors page's "ringing now" banner.
VAPID_PUBLIC_KEY = env.str("VAPID_PUBLIC_KEY", default="")
VAPID_PRIVATE_KEY = env.str("VAPID_PRIVATE_KEY", default="")
VAPID_SUBJECT = env.str("VAPID_SUBJECT", default="")
VAPID_DEVELOPMENT_FILE = BASE_DIR / ".vapid.json"
if DEBUG and not VAPID_PRIVATE_KEY and VAPID_DEVELOPMENT_FILE.exists():
    _vapid = json.loads(VAPID_DEVELOPMENT_FILE.read_text())
    VAPID_PUBLIC_KEY, VAPID_PRIVATE_KEY = _vapid["public_key"], _vapid["private_key"]
    VAPID_SUBJECT = VAPID_SUBJECT or _vapid["subject"]
PUSH_ENABLED = bool(VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY and VAPID_SUBJECT)
# A doorbell is worthless once the call stops ringing (ButterflyMX rings for 40 s).
PUSH_TTL_SECONDS = env.int("PUSH_TTL_SECONDS", default=60)
PUSH_TIMEOUT = env.float("PUSH_TIMEOUT", default=5.0)
# The browsers' push services (and their subdomains): Foyer sends to no other address.
PUSH_SERVICE_HOSTS = env.list(
    "PUSH_SERVICE_HOSTS",
    default=[
        "fcm.googleapis.com",
        "push.services.mozilla.com",
        "push.apple.com",
        "notify.windows.com",
    ],
)
# The resource ButterflyMX's webhook integrations are bound to for a ring.
BUTTERFLYMX_WEBHOOK_RESOURCE_TYPE = env.str("BUTTERFLYMX_WEBHOOK_RESOURCE_TYPE", default="call")
# How long a notification's Open stays good: a call rings for 40 s.
DOORBELL_OPEN_SECONDS = env.int("DOORBELL_OPEN_SECONDS", default=40)
# After an Open lets a ringing caller in, tell the panel the call was handled so that it
# stops ringing, through ButterflyMX's undocumented v3 call. Off by default.
BUTTERFLYMX_CALL_HANDLED_ENABLED = env.bool("BUTTERFLYMX_CALL_HANDLED_ENABLED", default=False)

# Butlr. With no client configured, the built-in sandbox at SITE_URL stands in.
BUTLR_CLIENT_ID = env.str("BUTLR_CLIENT_ID", default="")
BUTLR_CLIENT_SECRET = env.str("BUTLR_CLIENT_SECRET", default="")
BUTLR_SANDBOX = not BUTLR_CLIENT_ID
if BUTLR_SANDBOX:
    BUTLR_CLIENT_ID = "foyer-sandbox-butlr"
    BUTLR_CLIENT_SECRET = "foyer-sandbox-butlr-secret"
BUTLR_API_URL = env.str(
    "BUTLR_API_URL",
    default=f"{SITE_URL}/sandbox/butlr" if BUTLR_SANDBOX else "https://api.butlr.io",
).rstrip("/")
BUTLR_CONNECT_TIMEOUT = env.float("BUTLR_CONNECT_TIMEOUT", default=3.05)
BUTLR_READ_TIMEOUT = env.float("BUTLR_READ_TIMEOUT", default=15.0)
BUTLR_AUDIENCE = env.str("BUTLR_AUDIENCE", default="https://butlrauth/")
# Retries of Butlr's read-only POSTs (connection errors, 502/503/504, short 429s).
BUTLR_RETRIES = env.int("BUTLR_RETRIES", default=2)
BUTLR_RETRY_BACKOFF = env.float("BUTLR_RETRY_BACKOFF", default=0.5)
BUTLR_RETRY_AFTER_MAX = env.float("BUTLR_RETRY_AFTER_MAX", default=5.0)
# Butlr's own client renews its token five minutes before it expires.
BUTLR_TOKEN_RENEW_MARGIN = env.int("BUTLR_TOKEN_RENEW_MARGIN", default=300)
# The dashboard: topology cached for minutes, the last good figures kept for a week, and
# after a failure Butlr is left alone for a short while (the last good figures show).
OCCUPANCY_TOPOLOGY_SECONDS = env.int("OCCUPANCY_TOPOLOGY_SECONDS", default=600)
OCCUPANCY_LAST_GOOD_SECONDS = env.int("OCCUPANCY_LAST_GOOD_SECONDS", default=7 * 86400)
OCCUPANCY_OUTAGE_SECONDS = env.int("OCCUPANCY_OUTAGE_SECONDS", default=30)
# Amenities residents see: busyness is quiet below AMENITY_QUIET_BELOW of the capacity, busy
# from AMENITY_BUSY_FROM (Butlr's own thresholds); counts of 1 to AMENITY_FEW_THRESHOLD
# people read "a few" so that no one is singled out (0 shows every count); the best time to
# go is looked for between AMENITY_DAY_START and AMENITY_DAY_END (hours, local time).
AMENITY_QUIET_BELOW = env.float("AMENITY_QUIET_BELOW", default=0.30)
AMENITY_BUSY_FROM = env.float("AMENITY_BUSY_FROM", default=0.70)
AMENITY_FEW_THRESHOLD = env.int("AMENITY_FEW_THRESHOLD", default=2)
AMENITY_DAY_START = env.int("AMENITY_DAY_START", default=6)
AMENITY_DAY_END = env.int("AMENITY_DAY_END", default=22)

# The sandbox is served only when some upstream is the sandbox, and never in production
# unless asked for explicitly (the benchmark runs it as its own process).
SANDBOX_ENABLED = env.bool(
    "SANDBOX_ENABLED", default=DEBUG and (BUTTERFLYMX_SANDBOX or BUTLR_SANDBOX)
)
# Faults injected at start-up, e.g. for benchmarks: a JSON list of fault objects
# (see sandbox/faults.py), such as [{"endpoint": "*", "latency_ms": 50}].
SANDBOX_FAULTS = env.json("SANDBOX_FAULTS", default=[])
if SANDBOX_ENABLED:
    INSTALLED_APPS += ["sandbox", "sandbox.butterflymx", "sandbox.butlr"]
    # The sandbox keeps its world in a database of its own, as a stranger would.
    DATABASES["sandbox"] = env.db(
        "SANDBOX_DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'sandbox.sqlite3'}"
    )
    DATABASE_ROUTERS = ["sandbox.routers.SandboxRouter"]
# The OAuth client the sandbox's accounts host knows, and where it may send residents back.
SANDBOX_BUTTERFLYMX_CLIENT_ID = "foyer-sandbox-client"
SANDBOX_BUTTERFLYMX_CLIENT_SECRET = "foyer-sandbox-secret"
# A site on the loopback is also reached as localhost (passkeys need a name, not an IP
# address), on the same port.
_site = urlsplit(SITE_URL)
_site_urls = [SITE_URL]
if _site.hostname in ("127.0.0.1", "localhost"):
    _site_urls = [
        f"{_site.scheme}://{host}{f':{_site.port}' if _site.port else ''}"
        for host in ("127.0.0.1", "localhost")
    ]
SANDBOX_BUTTERFLYMX_REDIRECT_URIS = env.list(
    "SANDBOX_BUTTERFLYMX_REDIRECT_URIS",
    default=[f"{url}/accounts/butterflymx/login/callback/" for url in _site_urls],
)
SANDBOX_BUTTERFLYMX_TOKEN_LIFETIME = env.int("SANDBOX_BUTTERFLYMX_TOKEN_LIFETIME", default=86400)
SANDBOX_BUTLR_CLIENT_ID = "foyer-sandbox-butlr"
SANDBOX_BUTLR_CLIENT_SECRET = "foyer-sandbox-butlr-secret"
SANDBOX_BUTLR_TOKEN_LIFETIME = env.int("SANDBOX_BUTLR_TOKEN_LIFETIME", default=86400)

# Upstreams are reached over HTTPS in production: the client secrets and residents' tokens
# travel in these requests. Plain HTTP is accepted only for a sandbox on this machine.
if not DEBUG:
    for _name in ("BUTTERFLYMX_ACCOUNTS_URL", "BUTTERFLYMX_API_URL", "BUTLR_API_URL"):
        if not upstream_url_is_safe(vars()[_name]):
            raise ImproperlyConfigured(
                f"{_name} must be an https:// URL when DEBUG is off (plain HTTP only for the "
                "sandbox on the loopback, http://127.0.0.1:<port>/sandbox/...)."
            )

# What bounds a request's time on PostgreSQL (gunicorn's gthread workers never cut a request
# short): a statement is cancelled after DATABASE_STATEMENT_TIMEOUT seconds (0: never, e.g.
# for a long migration) and a connection attempt given up after DATABASE_CONNECT_TIMEOUT.
DATABASE_STATEMENT_TIMEOUT = env.float("DATABASE_STATEMENT_TIMEOUT", default=10.0)
DATABASE_CONNECT_TIMEOUT = env.int("DATABASE_CONNECT_TIMEOUT", default=5)

for _database in DATABASES.values():
    if _database["ENGINE"] == "django.db.backends.postgresql":
        _database["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
        _database["CONN_HEALTH_CHECKS"] = True
        _options = _database.setdefault("OPTIONS", {})
        _options.setdefault("connect_timeout", DATABASE_CONNECT_TIMEOUT)
        _statement_timeout = f"-c statement_timeout={round(DATABASE_STATEMENT_TIMEOUT * 1000)}"
        _options["options"] = f"{_options.get('options', '')} {_statement_timeout}".strip()
    elif _database["ENGINE"] == "django.db.backends.sqlite3":
        # WAL lets the demo server read while it answers its own sandbox requests.
        _database.setdefault("OPTIONS", {}).update(
            {
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL;",
                # Refreshes lock their row; on SQLite that means taking the write lock.
                "transaction_mode": "IMMEDIATE",
            }
        )

# Token encryption: a comma-separated list of Fernet keys, newest first (MultiFernet);
# derived from SECRET_KEY in development.
TOKEN_ENCRYPTION_KEYS = env.list("TOKEN_ENCRYPTION_KEYS", default=[])
if not TOKEN_ENCRYPTION_KEYS:
    if not DEBUG:
        raise ImproperlyConfigured("TOKEN_ENCRYPTION_KEYS must be set when DEBUG is off.")
    TOKEN_ENCRYPTION_KEYS = [
        base64.urlsafe_b64encode(hashlib.sha256(SECRET_KEY.encode()).digest()).decode()
    ]

# Logs go to stdout, one JSON object a line in production (LOG_FORMAT=json|plain), with
# tokens and secrets redacted by the handler's filter. Django's own handlers are replaced so
# that nothing bypasses it.
LOG_FORMAT = env.str("LOG_FORMAT", default="plain" if DEBUG else "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"foyer": formatter_config(LOG_FORMAT)},
    "filters": {"redact": REDACT_FILTER},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "foyer",
            "filters": ["redact"],
            "stream": "ext://sys.stdout",
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "django.server": {"handlers": [], "level": "WARNING", "propagate": True},
    },
}

# Production security, switched on whenever DEBUG is off.
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True

# Content-Security-Policy (django-csp): scripts, styles and everything else from this
# origin only. The connect button's POST redirects to ButterflyMX's accounts host, and
# browsers check redirects after a form submission against form-action.
_butterflymx_accounts = urlsplit(BUTTERFLYMX_ACCOUNTS_URL)
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "connect-src": [SELF],
        "font-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [
            SELF,
            f"{_butterflymx_accounts.scheme}://{_butterflymx_accounts.netloc}",
        ],
        "frame-ancestors": [NONE],
    }
}

# Permissions-Policy: Foyer uses none of the browser's powerful features.
PERMISSIONS_POLICY: dict[str, list[str]] = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "browsing-topics",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "usb",
    )
}

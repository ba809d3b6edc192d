"""Configuration classes; every setting that differs between machines comes from the environment."""
import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit


def _bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _list(name: str) -> list[str] | None:
    value = os.environ.get(name)
    return [item.strip() for item in value.split(",") if item.strip()] if value else None


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


class Config:
    ENV_NAME = "development"
    SECRET_KEY = os.environ.get("SECRET_KEY")
    # Fernet keys for secrets stored encrypted (two-factor secrets; smartsociety/secretbox.py),
    # comma-separated, newest first; empty: derived from SECRET_KEY.
    DATA_ENCRYPTION_KEYS = os.environ.get("DATA_ENCRYPTION_KEYS", "")
    # Filled in by the factory with a path inside the instance folder when unset.
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL")
    SEARCH_INDEX_DIR = os.environ.get("SEARCH_INDEX_DIR")
    UPLOAD_DIR = os.environ.get("UPLOAD_DIR")
    # "inline": the web process applies the search change log after each commit (embedded
    # default); "worker": only `flask search worker` writes the index (production).
    SEARCH_MODE = os.environ.get("SEARCH_MODE", "inline")
    # /healthz reports failure when the oldest unapplied search change is older than this.
    SEARCH_MAX_LAG_SECONDS = _int("SEARCH_MAX_LAG_SECONDS", 60)
    # How long a change-log id that was skipped (a transaction still running) is looked for.
    SEARCH_GAP_SECONDS = _int("SEARCH_GAP_SECONDS", 600)
    SEARCH_BATCH_SIZE = _int("SEARCH_BATCH_SIZE", 2000)
    SEARCH_WORKER_INTERVAL = float(os.environ.get("SEARCH_WORKER_INTERVAL", "0.2"))
    # One run of the search.index job polls that often for this long (smartsociety/search/jobs.py).
    SEARCH_INDEX_RUN_SECONDS = _int("SEARCH_INDEX_RUN_SECONDS", 30)
    # Applied change-log rows older than this are deleted by the worker.
    SEARCH_LOG_RETENTION_DAYS = _int("SEARCH_LOG_RETENTION_DAYS", 7)
    SEARCH_PER_PAGE = 20
    # After start-up, the app's objects are left out of garbage collections (gc.freeze).
    GC_FREEZE = _bool("GC_FREEZE", True)
    # Search pages say where their time went (Server-Timing header, with the process id).
    SEARCH_SERVER_TIMING = _bool("SEARCH_SERVER_TIMING", False)
    # Load the Dutch lemma and word data when the app is made (else on the first search).
    SEARCH_PRELOAD = _bool("SEARCH_PRELOAD", True)
    # Builder processes of `flask search rebuild` (used from 5,000 documents on).
    SEARCH_REBUILD_PROCS = _int("SEARCH_REBUILD_PROCS", min(4, os.cpu_count() or 1))

    # On PostgreSQL (psycopg) the pre-ping is replaced by smartsociety/pgconnections.py: a look at
    # the socket on every checkout, a ping only after this many idle seconds or when it shows news.
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    SQLALCHEMY_PING_AFTER_SECONDS = float(os.environ.get("SQLALCHEMY_PING_AFTER_SECONDS", "1"))
    MAX_CONTENT_LENGTH = _int("MAX_CONTENT_LENGTH", 16 * 1024 * 1024)
    MAX_FORM_MEMORY_SIZE = 2 * 1024 * 1024

    BABEL_DEFAULT_LOCALE = "nl"
    BABEL_DEFAULT_TIMEZONE = "Europe/Amsterdam"
    LANGUAGES = ("nl", "en")

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = False
    REMEMBER_COOKIE_DURATION = 60 * 60 * 24 * 30
    WTF_CSRF_TIME_LIMIT = None  # tied to the session instead of a clock

    # "argon2" (argon2id, argon2-cffi); PBKDF2 hashes still verify and are rehashed on login.
    PASSWORD_HASH_METHOD = os.environ.get("PASSWORD_HASH_METHOD", "argon2")
    PASSWORD_MIN_LENGTH = 12

    REDIS_URL = os.environ.get("REDIS_URL")
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI") or REDIS_URL or "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    RATELIMIT_ENABLED = True
    LOGIN_LIMIT_PER_ADDRESS = os.environ.get("LOGIN_LIMIT_PER_ADDRESS", "30 per 15 minutes")

    # Account security (issue 15): registrations per client address; notices to the owner of an
    # address someone registers with again; "send the link again"; e-mail changes; password
    # reset mails per typed address, per account and per client address.
    REGISTER_LIMIT = os.environ.get("REGISTER_LIMIT", "5 per hour")
    REGISTER_OWNER_MAIL_LIMIT = os.environ.get("REGISTER_OWNER_MAIL_LIMIT", "3 per day")
    VERIFY_RESEND_LIMIT = os.environ.get("VERIFY_RESEND_LIMIT", "3 per hour")
    CHANGE_EMAIL_LIMIT = os.environ.get("CHANGE_EMAIL_LIMIT", "5 per hour")
    RESET_LIMIT_PER_EMAIL = os.environ.get("RESET_LIMIT_PER_EMAIL", "3 per hour")
    RESET_LIMIT_PER_ACCOUNT = os.environ.get("RESET_LIMIT_PER_ACCOUNT", "5 per day")
    RESET_LIMIT_PER_ADDRESS = os.environ.get("RESET_LIMIT_PER_ADDRESS", "20 per hour")
    TOTP_LIMIT = os.environ.get("TOTP_LIMIT", "5 per 5 minutes")
    # Moderators and administrators use moderation and administration pages only with
    # two-factor sign-in switched on (off only in the testing config; tests of it switch it on).
    TWO_FACTOR_REQUIRED_FOR_STAFF = _bool("TWO_FACTOR_REQUIRED_FOR_STAFF", True)
    # "background": account mail is sent by a worker thread right after the response;
    # "inline": during the request; "outbox": only by `flask notify sender`.
    ACCOUNT_MAIL_DELIVERY = os.environ.get("ACCOUNT_MAIL_DELIVERY", "background")
    # The development mail catcher (`flask devmail serve`, started by `make run`).
    DEV_MAIL_DIR = os.environ.get("DEV_MAIL_DIR")

    MAIL_SERVER = os.environ.get("MAIL_SERVER", "localhost")
    MAIL_PORT = _int("MAIL_PORT", 25)
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_USE_TLS = _bool("MAIL_USE_TLS")
    MAIL_USE_SSL = _bool("MAIL_USE_SSL")
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "Smart Society <noreply@localhost>")
    MAIL_SUPPRESS_SEND = _bool("MAIL_SUPPRESS_SEND")
    # Base of absolute links in mail sent from the command line (digests, the sender loop).
    SITE_URL = os.environ.get("SITE_URL", "http://localhost:5000")
    # Seconds the `flask notify sender` loop waits between passes over the mail outbox.
    NOTIFY_SENDER_INTERVAL = _int("NOTIFY_SENDER_INTERVAL", 30)

    # Whole-page cache for public pages (smartsociety/pagecache.py): "redis" shares its
    # invalidation between processes and is the default when REDIS_URL is set; "memory" is for
    # a single process; "off".
    PAGE_CACHE = os.environ.get("PAGE_CACHE") or ("redis" if REDIS_URL else "off")
    PAGE_CACHE_SECONDS = _int("PAGE_CACHE_SECONDS", 60)
    PAGE_CACHE_MAX_BYTES = _int("PAGE_CACHE_MAX_BYTES", 32 * 1024 * 1024)
    # Benchmarks: a file to note each move of a page-cache scope in (who wrote what, which scopes).
    PAGE_CACHE_MOVES_LOG = os.environ.get("PAGE_CACHE_MOVES_LOG", "")

    # Page views: a viewer counts once per window per page; `flask views flush --loop` adds
    # them to the database this often. Without REDIS_URL they wait in VIEWS_DIR.
    VIEWS_WINDOW_SECONDS = _int("VIEWS_WINDOW_SECONDS", 3600)
    VIEWS_FLUSH_SECONDS = _int("VIEWS_FLUSH_SECONDS", 60)
    VIEWS_DIR = os.environ.get("VIEWS_DIR")

    FORCE_HTTPS = False
    PER_PAGE = 20
    # One JSON line per request on stderr (production); off elsewhere to keep output readable.
    REQUEST_LOG = _bool("REQUEST_LOG", False)

    # Cases and discussion threads.
    CASE_BODY_MAX_LENGTH = _int("CASE_BODY_MAX_LENGTH", 50_000)
    COMMENT_BODY_MAX_LENGTH = _int("COMMENT_BODY_MAX_LENGTH", 10_000)
    ATTACHMENT_MAX_BYTES = _int("ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024)
    # Replies deeper than this are shown at this depth with a "reply to <name>" link.
    COMMENT_MAX_DEPTH = 3
    # Posting cases and comments, per account; tighter for accounts younger than a day.
    POSTING_LIMIT = os.environ.get("POSTING_LIMIT", "30 per hour")
    POSTING_LIMIT_NEW_ACCOUNT = os.environ.get("POSTING_LIMIT_NEW_ACCOUNT", "10 per hour")
    # Marketplace contact messages (each one e-mails a whole organisation), per account.
    CONTACT_LIMIT = os.environ.get("CONTACT_LIMIT", "5 per hour")
    # Sensor register: map tiles (the CSP allows exactly this host for images), reports of
    # missing sensors per address, days an unanswered "still there?" waits before expiry.
    SENSOR_TILE_URL = os.environ.get(
        "SENSOR_TILE_URL",
        "https://service.pdok.nl/brt/achtergrondkaart/wmts/v2_0/standaard/EPSG:3857/{z}/{x}/{y}.png",
    )
    SENSOR_TILE_ATTRIBUTION = os.environ.get(
        "SENSOR_TILE_ATTRIBUTION", "Kaartgegevens © Kadaster (PDOK, BRT-Achtergrondkaart)"
    )
    SENSOR_REPORT_LIMIT = os.environ.get("SENSOR_REPORT_LIMIT", "10 per hour")
    SENSOR_EXPIRY_DAYS = _int("SENSOR_EXPIRY_DAYS", 30)
    # Open reports weighing this much together hide an item until a moderator decides: three
    # established members; reporters are weighed (moderation/weights.py).
    MODERATION_AUTOHIDE_THRESHOLD = float(os.environ.get("MODERATION_AUTOHIDE_THRESHOLD", "3"))

    # Hostile input and sessions (issue 16; docs/security.md).
    # Reverse proxies in front of the web nodes that set X-Forwarded-For/-Proto (nginx,
    # HAProxy): the client address is taken from that many hops back. 0: no proxy.
    PROXY_COUNT = _int("PROXY_COUNT", 0)
    # Host names this site answers to (comma-separated; ".example.org" allows subdomains).
    # Unset: any in development and tests; in production the host of SITE_URL (plus loopback
    # when it runs over plain http on loopback).
    TRUSTED_HOSTS = _list("TRUSTED_HOSTS")
    # Consultation comments, amendments and reports, per account.
    CONSULTATION_LIMIT = os.environ.get("CONSULTATION_LIMIT", "20 per hour")
    REPORT_LIMIT = os.environ.get("REPORT_LIMIT", "20 per hour")
    # Failed logins: per account and address together (stops one attacker without touching
    # the owner), per address over all accounts, and per account over all addresses as a
    # ladder of growing waits. A device where the account logged in before is not held by the
    # per-account ladder, so the owner keeps getting in.
    LOGIN_LIMIT_PER_PAIR = os.environ.get("LOGIN_LIMIT_PER_PAIR", "10 per 15 minutes")
    LOGIN_LIMIT_PER_ACCOUNT = os.environ.get(
        "LOGIN_LIMIT_PER_ACCOUNT", "20 per 15 minutes; 50 per hour; 200 per day"
    )
    # A "your account is being attacked" mail after this many failures within 15 minutes.
    LOGIN_ATTACK_MAIL_AFTER = _int("LOGIN_ATTACK_MAIL_AFTER", 20)
    # A login session ends after this long, whatever the cookie says (seconds).
    SESSION_MAX_AGE = _int("SESSION_MAX_AGE", 60 * 60 * 24 * 30)
    # Open data and personal-data exports (issue 21); directories default beside UPLOAD_DIR.
    OPENDATA_DIR = os.environ.get("OPENDATA_DIR")
    EXPORT_DIR = os.environ.get("EXPORT_DIR")
    EXPORT_DAYS = _int("EXPORT_DAYS", 7)
    # Accounts with more rows than this get their export from `flask privacy prepare-exports`.
    EXPORT_INLINE_LIMIT = _int("EXPORT_INLINE_LIMIT", 2000)
    # Jobs (smartsociety/jobs/, docs/jobs.md): how often `flask jobs run` looks for due jobs,
    # and how long a job may be due without running before /healthz reports failure.
    JOBS_TICK_SECONDS = float(os.environ.get("JOBS_TICK_SECONDS", "1"))
    JOBS_OVERDUE_SECONDS = _int("JOBS_OVERDUE_SECONDS", 300)
    # Sign-in history (time, result, browser family, network) is kept this many days.
    SIGN_IN_HISTORY_DAYS = _int("SIGN_IN_HISTORY_DAYS", 90)

    @classmethod
    def init_app(cls, app) -> None:
        """Hook for checks that need the finished configuration."""


class DevelopmentConfig(Config):
    # Mail goes to the local catcher that `make run` starts (shown at /dev/mail).
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "127.0.0.1")
    MAIL_PORT = _int("MAIL_PORT", 8025)

    @classmethod
    def init_app(cls, app) -> None:
        if not app.config.get("SECRET_KEY"):
            app.config["SECRET_KEY"] = _instance_secret(Path(app.instance_path))


class TestingConfig(Config):
    ENV_NAME = "testing"
    TESTING = True
    WTF_CSRF_ENABLED = False
    # A cheap hash keeps the suite fast; tests check the production setting separately.
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"
    RATELIMIT_STORAGE_URI = "memory://"
    # On in tests, so every test that writes and then reads a page checks the invalidation.
    # "memory" serves one process: tests that start several set it off (or to redis).
    PAGE_CACHE = os.environ.get("PAGE_CACHE", "memory")
    SECRET_KEY = "testing-secret-key-not-for-production"
    # Off: every test makes an app, and frozen objects are never collected.
    GC_FREEZE = _bool("GC_FREEZE", False)
    # The `login` fixture puts a bare session token in the session (no login row).
    SESSION_ACCEPT_TOKEN_ONLY = True
    MAIL_SUPPRESS_SEND = True
    ACCOUNT_MAIL_DELIVERY = "inline"
    TWO_FACTOR_REQUIRED_FOR_STAFF = False


class ProductionConfig(Config):
    ENV_NAME = "production"
    # Only `make serve` on loopback turns these off, to be tried over plain http.
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", True)
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    # HTTPS only, with HSTS, unless explicitly run over plain http on loopback (`make serve`
    # sets SESSION_COOKIE_SECURE=false there, which turns this off too).
    FORCE_HTTPS = _bool("FORCE_HTTPS", SESSION_COOKIE_SECURE)
    SEARCH_MODE = os.environ.get("SEARCH_MODE", "worker")
    REQUEST_LOG = _bool("REQUEST_LOG", True)

    @classmethod
    def init_app(cls, app) -> None:
        key = app.config.get("SECRET_KEY") or ""
        if len(key) < 32 or key.lower() in {"changeme", "secret", "dev", "development"}:
            raise RuntimeError(
                "SECRET_KEY must be set to a random value of at least 32 characters in "
                "production, for example: python -c 'import secrets; print(secrets.token_hex(32))'"
            )
        if app.config.get("TRUSTED_HOSTS") is None:
            # Links and redirects are built from the Host header: answer only to our own.
            hosts = [urlsplit(app.config["SITE_URL"]).hostname or "localhost"]
            if not app.config["SESSION_COOKIE_SECURE"]:
                hosts += ["localhost", "127.0.0.1"]
            app.config["TRUSTED_HOSTS"] = hosts


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def config_for(name: str | None):
    name = name or os.environ.get("SMARTSOCIETY_CONFIG", "development")
    try:
        return CONFIGS[name]
    except KeyError:
        raise RuntimeError(f"Unknown SMARTSOCIETY_CONFIG {name!r}; use one of {sorted(CONFIGS)}") from None


def _instance_secret(instance: Path) -> str:
    """A development key kept in the instance folder so sessions survive restarts."""
    instance.mkdir(parents=True, exist_ok=True)
    path = instance / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()

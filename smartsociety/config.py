"""Configuration classes; every setting that differs between machines comes from the environment."""
import os
import secrets
from pathlib import Path


def _bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


class Config:
    ENV_NAME = "development"
    SECRET_KEY = os.environ.get("SECRET_KEY")
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
    # Applied change-log rows older than this are deleted by the worker.
    SEARCH_LOG_RETENTION_DAYS = _int("SEARCH_LOG_RETENTION_DAYS", 7)
    SEARCH_PER_PAGE = 20
    # After start-up, the app's objects are left out of garbage collections (gc.freeze).
    GC_FREEZE = _bool("GC_FREEZE", True)
    # Search pages say where their time went (Server-Timing header, with the process id).
    SEARCH_SERVER_TIMING = _bool("SEARCH_SERVER_TIMING", False)
    # Builder processes of `flask search rebuild` (used from 5,000 documents on).
    SEARCH_REBUILD_PROCS = _int("SEARCH_REBUILD_PROCS", min(4, os.cpu_count() or 1))

    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
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

    # werkzeug method string; PBKDF2-SHA256 at 600,000 iterations (OWASP 2023 minimum).
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:600000"
    PASSWORD_MIN_LENGTH = 12

    REDIS_URL = os.environ.get("REDIS_URL")
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI") or REDIS_URL or "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    RATELIMIT_ENABLED = True
    LOGIN_LIMIT_PER_ACCOUNT = os.environ.get("LOGIN_LIMIT_PER_ACCOUNT", "10 per 15 minutes")
    LOGIN_LIMIT_PER_ADDRESS = os.environ.get("LOGIN_LIMIT_PER_ADDRESS", "30 per 15 minutes")

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
    # Open reports from this many different members hide an item until a moderator decides.
    MODERATION_AUTOHIDE_THRESHOLD = int(os.environ.get("MODERATION_AUTOHIDE_THRESHOLD", "3"))
    # Open data and personal-data exports (issue 21); directories default beside UPLOAD_DIR.
    OPENDATA_DIR = os.environ.get("OPENDATA_DIR")
    EXPORT_DIR = os.environ.get("EXPORT_DIR")
    EXPORT_DAYS = _int("EXPORT_DAYS", 7)
    # Accounts with more rows than this get their export from `flask privacy prepare-exports`.
    EXPORT_INLINE_LIMIT = _int("EXPORT_INLINE_LIMIT", 2000)

    @classmethod
    def init_app(cls, app) -> None:
        """Hook for checks that need the finished configuration."""


class DevelopmentConfig(Config):
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
    MAIL_SUPPRESS_SEND = True


class ProductionConfig(Config):
    ENV_NAME = "production"
    # Only `make serve` on loopback turns these off, to be tried over plain http.
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", True)
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    FORCE_HTTPS = _bool("FORCE_HTTPS", False)
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
        raise RuntimeError(f"Unknown SMARTSOCIETY_CONFIG {name!r}; use one of {sorted(CONFIGS)}")


def _instance_secret(instance: Path) -> str:
    """A development key kept in the instance folder so sessions survive restarts."""
    instance.mkdir(parents=True, exist_ok=True)
    path = instance / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()

"""Charla settings, read from the environment with safe development defaults.

DATABASE_URL  SQLAlchemy URL; default an SQLite file under instance/.
              mysql:// and mariadb:// URLs are served by PyMySQL with utf8mb4.
REDIS_URL     optional; rate-limit counters and the live broker.
STORAGE_BACKEND  "local" (default) or "s3" for attachments; see Config.
SECRET_KEY    required in production; in development generated once and
              kept in instance/secret_key.
CHARLA_ENV    "production" (or FLASK_ENV=production) turns on the strict checks.
HOST, PORT    where `python run.py` listens (127.0.0.1:5000).
"""
import os
import secrets
from pathlib import Path

from sqlalchemy.engine import make_url

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("CHARLA_INSTANCE_DIR", BASE_DIR / "instance"))


def is_production() -> bool:
    """True when the environment declares a production deployment."""
    flags = (os.environ.get("CHARLA_ENV", ""), os.environ.get("FLASK_ENV", ""))
    return "production" in {flag.strip().lower() for flag in flags}


def database_url(url: str | None = None) -> str:
    """Normalise a database URL: PyMySQL driver and utf8mb4 for MySQL/MariaDB."""
    url = url or os.environ.get("DATABASE_URL") or f"sqlite:///{INSTANCE_DIR / 'charla.db'}"
    for prefix in ("mysql://", "mariadb://", "mysql+pymysql://", "mariadb+pymysql://"):
        if url.startswith(prefix):
            url = "mysql+pymysql://" + url[len(prefix):]
            if "charset=" not in url:
                url += ("&" if "?" in url else "?") + "charset=utf8mb4"
            break
    return url


def secret_key() -> str:
    """The SECRET_KEY from the environment, or a development key kept on disk."""
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    if is_production():
        raise RuntimeError("SECRET_KEY must be set in production")
    path = INSTANCE_DIR / "secret_key"
    if not path.exists():
        INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    return path.read_text().strip()


LOOPBACK_HOSTS = {None, "", "localhost", "127.0.0.1", "::1"}


def engine_options(url: str) -> dict:
    """Pool settings: pre-ping so a restarted database is survived.

    An open stream holds no connection while it waits, so the pool is sized
    for the requests doing database work at one moment, not for the open
    tabs: DATABASE_POOL_SIZE (10) plus DATABASE_MAX_OVERFLOW (20) per process.
    A request that cannot get one within DATABASE_POOL_TIMEOUT seconds (10)
    gets the 503 page.
    """
    if url.startswith("sqlite"):
        return {"connect_args": {"timeout": 15}}
    options = {"pool_pre_ping": True, "pool_recycle": 1800,
               "pool_size": int(os.environ.get("DATABASE_POOL_SIZE", "10")),
               "max_overflow": int(os.environ.get("DATABASE_MAX_OVERFLOW", "20")),
               "pool_timeout": float(os.environ.get("DATABASE_POOL_TIMEOUT", "10"))}
    parsed = make_url(url)
    if parsed.host in LOOPBACK_HOSTS and not any(key.startswith("ssl") for key in parsed.query):
        # PyMySQL otherwise tries TLS on every new connection, loading the system's
        # CA certificates each time (a quarter of the CPU of a reconnect storm,
        # measured by bench/live_load.py): on loopback it protects nothing.
        options["connect_args"] = {"ssl_disabled": True}
    return options


def env_flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


class Config:
    SECRET_KEY = None  # filled by create_app() through secret_key()
    SQLALCHEMY_DATABASE_URI = None  # filled by create_app() through database_url()
    REDIS_URL = os.environ.get("REDIS_URL") or None
    HOST = os.environ.get("HOST", "127.0.0.1")
    PORT = int(os.environ.get("PORT", "5000"))

    # Sessions: HttpOnly, SameSite=Lax; Secure when served over HTTPS.
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = env_flag("COOKIE_SECURE", is_production())
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    REMEMBER_COOKIE_DURATION = 60 * 60 * 24 * 30
    PERMANENT_SESSION_LIFETIME = 60 * 60 * 24 * 30

    # A chat tab stays open for days: the CSRF token lives as long as the session.
    WTF_CSRF_TIME_LIMIT = None
    WTF_CSRF_ENABLED = True

    MAX_CONTENT_LENGTH = 1024 * 1024

    RATELIMIT_STORAGE_URI = REDIS_URL or "memory://"
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_SWALLOW_ERRORS = True
    RATELIMIT_HEADERS_ENABLED = True
    RATELIMIT_ENABLED = env_flag("RATELIMIT_ENABLED", True)

    BABEL_DEFAULT_LOCALE = "en"
    BABEL_TRANSLATION_DIRECTORIES = str(BASE_DIR / "translations")
    LANGUAGES = ("en", "es")

    MESSAGES_PAGE_SIZE = 50
    UPLOAD_FOLDER = os.environ.get("UPLOAD_FOLDER", str(INSTANCE_DIR / "uploads"))
    AVATAR_MAX_BYTES = 5 * 1024 * 1024
    # Attachments (app/services/attachments.py). Sizes in bytes; the quota counts what a user has stored.
    ATTACHMENT_MAX_BYTES = int(os.environ.get("ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024))
    MESSAGE_ATTACHMENTS_MAX_BYTES = int(os.environ.get("MESSAGE_ATTACHMENTS_MAX_BYTES", 25 * 1024 * 1024))
    ATTACHMENTS_PER_MESSAGE = int(os.environ.get("ATTACHMENTS_PER_MESSAGE", "10"))
    USER_STORAGE_QUOTA_BYTES = int(os.environ.get("USER_STORAGE_QUOTA_BYTES", 1024 * 1024 * 1024))
    UPLOAD_RATE_LIMIT = os.environ.get("UPLOAD_RATE_LIMIT", "30/10 minutes;300/day")
    # Where attachment files live: "local" (UPLOAD_FOLDER/attachments) or "s3" (app/services/storage_s3.py).
    STORAGE_BACKEND = os.environ.get("STORAGE_BACKEND", "local")
    # Local files served by the reverse proxy: the internal location that maps to UPLOAD_FOLDER/attachments
    # (nginx `internal;`, see deploy/nginx.conf); empty: the app sends them itself.
    STORAGE_X_ACCEL_PREFIX = os.environ.get("STORAGE_X_ACCEL_PREFIX", "")
    S3_BUCKET = os.environ.get("S3_BUCKET", "charla")
    S3_ENDPOINT_URL = os.environ.get("S3_ENDPOINT_URL") or None
    S3_REGION = os.environ.get("S3_REGION", "us-east-1")
    S3_ACCESS_KEY_ID = os.environ.get("S3_ACCESS_KEY_ID") or None
    S3_SECRET_ACCESS_KEY = os.environ.get("S3_SECRET_ACCESS_KEY") or None
    # How long a presigned download link works (the app checks membership before handing one out).
    S3_URL_SECONDS = int(os.environ.get("S3_URL_SECONDS", "300"))
    # How often each process reads the events log even without news from the
    # broker: the safety net when Redis is down.
    LIVE_POLL_SECONDS = float(os.environ.get("LIVE_POLL_SECONDS", "1"))
    # A comment this often keeps proxies from closing idle streams and lets
    # the server notice tabs that went away.
    LIVE_HEARTBEAT_SECONDS = float(os.environ.get("LIVE_HEARTBEAT_SECONDS", "20"))
    # Frames a stream may fall behind before it is dropped (it resyncs on reconnect).
    LIVE_QUEUE_SIZE = int(os.environ.get("LIVE_QUEUE_SIZE", "1000"))
    LIVE_MAX_STREAMS_PER_USER = int(os.environ.get("LIVE_MAX_STREAMS_PER_USER", "20"))
    # A user with tabs open but none used for this long shows as idle (app/realtime/presence.py).
    PRESENCE_IDLE_SECONDS = float(os.environ.get("PRESENCE_IDLE_SECONDS", "300"))
    # With Redis: each process rewrites its part of everyone's presence this often, and a process that
    # stops (killed, crashed) stops counting after the TTL.
    PRESENCE_REFRESH_SECONDS = float(os.environ.get("PRESENCE_REFRESH_SECONDS", "15"))
    PRESENCE_TTL_SECONDS = float(os.environ.get("PRESENCE_TTL_SECONDS", "45"))
    # Streams being set up at once per process (the rest wait, holding no connection): app/realtime/openings.py.
    LIVE_CONCURRENT_OPENINGS = int(os.environ.get("LIVE_CONCURRENT_OPENINGS", "8"))
    PROXY_FIX = env_flag("PROXY_FIX", False)

    # Compression (Flask-Compress) of what the browser accepts it for: brotli, else gzip
    # (deflate for streamed bodies such as static files). Not the live stream
    # (text/event-stream is deliberately absent): a compressor holds bytes back
    # until it has enough, and every frame must go out at once.
    COMPRESS_MIMETYPES = ["text/html", "text/css", "text/javascript", "application/javascript",
                          "application/json", "image/svg+xml", "text/plain"]
    COMPRESS_ALGORITHM = ["br", "gzip"]
    COMPRESS_ALGORITHM_STREAMING = ["br", "deflate"]
    COMPRESS_MIN_SIZE = 500
    # Brotli 5 rather than Flask-Compress's 4: 7% smaller CSS and JS for 35% more time (about 3 ms for
    # all of them); past 5 the time grows far faster than the savings.
    COMPRESS_BR_LEVEL = 5


class TestingConfig(Config):
    TESTING = True
    SECRET_KEY = "testing-secret-key"
    WTF_CSRF_ENABLED = False
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False

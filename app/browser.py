"""What a request says about the browser: its session's name, and where it may be sent next."""
import secrets
from urllib.parse import urlsplit

from flask import session


def browser_session_id() -> str:
    """A random name for this browser's session (not a credential): lets a
    password change close every stream but this browser's."""
    return session.setdefault("sid", secrets.token_hex(8))


def safe_next(target: str | None) -> str:
    """`target` if it is a local path, else '/'."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return "/"
    return target.rstrip("?") or "/"

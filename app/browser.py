"""What a request says about the browser: its session's name, and where it may be sent next."""
import secrets
from urllib.parse import urlsplit

from flask import session


def browser_session_id() -> str:
    """A random name for this browser's session (not a credential): lets a
    password change close every stream but this browser's."""
    return session.setdefault("sid", secrets.token_hex(8))


# Longer than any page's address; a Location header past a proxy's limit would be lost.
NEXT_MAX = 2048


def safe_next(target: str | None) -> str:
    """`target` if it is a local path (printable, of sensible length), else '/'."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    if len(target) > NEXT_MAX or any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in target):
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return "/"
    return target.rstrip("?") or "/"

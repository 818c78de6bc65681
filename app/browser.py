"""Where a browser may be sent next: only to a path of this site."""
from urllib.parse import urlsplit


def safe_next(target: str | None) -> str:
    """`target` if it is a local path, else '/'."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return "/"
    return target.rstrip("?") or "/"

"""Where a browser may be sent next: only to a path of this site."""
from urllib.parse import urlsplit

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

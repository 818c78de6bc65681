"""Choosing what a request gets back: a full page or the fragment htmx targets,
and where to go after a write."""
from urllib.parse import urlsplit

from flask import current_app, redirect, render_template, request
from werkzeug.exceptions import HTTPException

from app.extensions import htmx

CHAT_PAGES = {"chat.home", "chat.server", "chat.channel", "chat.direct_home"}
VARY = {"Vary": "HX-Request, HX-Request-Type, HX-Target"}


def wants_fragment() -> bool:
    """True for an htmx request that swaps a region (not history restore or a body swap)."""
    return (bool(htmx) and not htmx.history_restore_request
            and request.headers.get("HX-Request-Type") != "full")


def htmx_target() -> str:
    """The id of the element an htmx request targets ('' if none)."""
    target = request.headers.get("HX-Target", "")
    return target.rpartition("#")[2] if "#" in target else target


def render_page_or_fragment(page: str, fragment: str, status: int = 200, **context):
    """Render the full page for a plain request, the fragment for htmx."""
    body = render_template(fragment if wants_fragment() else page, **context)
    return body, status, VARY


def is_chat_page(url: str) -> bool:
    """Whether `url` is a page of the three-column layout."""
    try:
        endpoint, _args = current_app.url_map.bind("localhost").match(urlsplit(url).path, method="GET")
    except HTTPException:
        return False
    return endpoint in CHAT_PAGES


def redirect_to(url: str):
    """After a write: a plain form gets 303; htmx loads the page in place
    (HX-Location) when it stays in the chat layout, and navigates otherwise:
    an in-place load swaps the body's content but not its layout class."""
    if not wants_fragment():
        return redirect(url, code=303)
    if is_chat_page(url) and is_chat_page(request.headers.get("HX-Current-URL", "")):
        return "", 200, {"HX-Location": url}
    return "", 200, {"HX-Redirect": url}

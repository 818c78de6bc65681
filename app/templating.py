"""Choosing page or fragment, and what every template may use."""
import uuid

from flask import Flask, render_template, request
from flask_babel import format_date, format_datetime, format_time, get_locale
from flask_wtf.csrf import generate_csrf

from app.extensions import htmx
from app.services.mentions import highlight
from app.services.messages import continues_group


def wants_fragment() -> bool:
    """True for an htmx request that swaps a region (not history restore or a body swap)."""
    return (bool(htmx) and not htmx.history_restore_request
            and request.headers.get("HX-Request-Type") != "full")


def htmx_target() -> str:
    """The id of the element an htmx request targets ('' if none)."""
    target = request.headers.get("HX-Target", "")
    return target.rpartition("#")[2] if "#" in target else target


def render_page_or_fragment(page: str, fragment: str, **context):
    """Render the full page for a plain request, the fragment for htmx."""
    body = render_template(fragment if wants_fragment() else page, **context)
    return body, 200, {"Vary": "HX-Request, HX-Request-Type, HX-Target"}


def register(app: Flask) -> None:
    app.jinja_env.globals.update(csrf_token=generate_csrf, continues_group=continues_group,
                                 format_datetime=format_datetime, format_time=format_time, format_date=format_date,
                                 get_locale=get_locale, new_nonce=lambda: uuid.uuid4().hex)
    app.jinja_env.filters["with_mentions"] = lambda message: highlight(
        message.content, {m.username_key for m in message.mentions})
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

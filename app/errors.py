"""Error pages: a full styled page for a plain request, a toast for htmx."""
from flask import Flask, g, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException, InternalServerError

from app.extensions import db
from app.responses import wants_fragment

HANDLED = (400, 403, 404, 405, 413, 429, 500, 503)
# The database does not answer (or no connection is free): a 503, not a bug.
DATABASE_ERRORS = (OperationalError, InterfaceError, DisconnectionError, PoolTimeout)
RETRY_AFTER_SECONDS = 30


def describe(code: int, error: HTTPException | None = None) -> tuple[str, str]:
    """Title and explanation shown to the user for an HTTP status."""
    if isinstance(error, CSRFError):
        return _("Page expired"), _("This form was open too long or came from elsewhere. "
                                     "Reload the page and try again.")
    texts = {
        400: (_("Bad request"), _("The request could not be understood.")),
        403: (_("Not allowed"), _("You do not have permission to do that.")),
        404: (_("Not found"), _("There is nothing here, or you do not have access to it.")),
        405: (_("Not allowed"), _("That action is not available here.")),
        413: (_("Too large"), _("What you sent is larger than we accept.")),
        429: (_("Slow down"), _("Too many attempts. Wait a moment and try again.")),
        500: (_("Something went wrong"), _("An error on our side stopped this. "
                                            "It has been logged; please try again.")),
        503: (_("Charla is temporarily unavailable"), _("It cannot reach its database right now. "
                                                        "Please try again in a moment.")),
    }
    title, text = texts.get(code, texts[400] if code < 500 else texts[500])
    # A service that says why (abort with its own description) is heard: e.g. an edit window closed.
    if error is not None and code < 500 and error.description and error.description != type(error).description:
        text = error.description
    return title, text


def render_error(code: int, error: HTTPException | None = None, *, title: str | None = None,
                 text: str | None = None):
    """The error page, or for htmx a toast fragment retargeted to #toasts."""
    if title is None or text is None:
        title, text = describe(code, error)
    headers = {}
    if error is not None and getattr(error, "valid_methods", None):
        headers["Allow"] = ", ".join(error.valid_methods)
    if wants_fragment():
        headers.update({"HX-Retarget": "#toasts", "HX-Reswap": "beforeend"})
        return render_template("partials/error_toast.html", code=code, title=title, text=text), code, headers
    return render_template("pages/error.html", code=code, title=title, text=text), code, headers


def database_is_down() -> bool:
    """Whether this request met a database that does not answer (then nothing may query it)."""
    return g.get("database_down", False)


def database_error_reason(error: Exception) -> str:
    """One line saying why the database failed, from the driver's message when there is one."""
    original = getattr(error, "orig", None) or error
    args = getattr(original, "args", ())
    reason = str(args[-1] if args else original).strip()
    return reason.splitlines()[0] if reason else type(original).__name__


def register(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code not in HANDLED and error.code < 500:
            return error
        return render_error(error.code if error.code in HANDLED else 500, error)

    def database_unavailable(error: Exception):
        """The styled 503, rendered without the database: not even the user's language is loaded."""
        g.database_down = True
        app.logger.error("Database unavailable on %s %s: %s: %s", request.method, request.path,
                         type(error).__name__, database_error_reason(error))
        body, code, headers = render_error(503)
        headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return body, code, headers

    for database_error in DATABASE_ERRORS:
        app.register_error_handler(database_error, database_unavailable)

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        if isinstance(error, HTTPException):
            return http_error(error)
        db.session.rollback()
        app.logger.error("Unhandled error on %s %s (user agent %r)", request.method, request.path,
                         request.user_agent.string, exc_info=error)
        return render_error(500, InternalServerError())

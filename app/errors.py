"""Error pages: a full styled page for a plain request, a toast for htmx."""
from flask import Flask, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from app.extensions import db
from app.responses import wants_fragment

HANDLED = (400, 403, 404, 405, 413, 429, 500)


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
    }
    return texts.get(code, texts[400] if code < 500 else texts[500])


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


def register(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code not in HANDLED and error.code < 500:
            return error
        return render_error(error.code if error.code in HANDLED else 500, error)

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        if isinstance(error, HTTPException):
            return http_error(error)
        db.session.rollback()
        app.logger.exception("Unhandled error on %s %s (user agent %r)", request.method, request.path,
                             request.user_agent.string)
        return render_error(500, InternalServerError())

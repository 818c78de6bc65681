"""Pages behind the keyboard shortcuts: each a real URL that works without
JavaScript; with it, keys.js shows the same fragment in a dialog."""
from flask import Blueprint, render_template, request
from flask_login import current_user

from app.responses import htmx_target, render_page_or_fragment
from app.services import switcher

bp = Blueprint("switcher", __name__)


@bp.get("/switch")
def index():
    """Find one of your servers or channels by name (?q=)."""
    query = request.args.get("q", "")
    results = switcher.find_destinations(current_user, query)
    if htmx_target() == "switcher-results":
        return render_template("partials/switcher/results.html", query=query, results=results)
    return render_page_or_fragment("pages/switcher.html", "partials/switcher/panel.html",
                                   query=query, results=results)


@bp.get("/keyboard")
def shortcuts():
    """The keyboard shortcuts."""
    return render_page_or_fragment("pages/keyboard.html", "partials/switcher/shortcuts.html")

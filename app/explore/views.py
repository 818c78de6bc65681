"""Server search (a page that also answers as you type) and joining."""
from flask import Blueprint, render_template, request, url_for
from flask_login import current_user

from app.params import int_arg
from app.responses import htmx_target, redirect_to, render_page_or_fragment
from app.services import search
from app.services import servers as server_service

bp = Blueprint("explore", __name__)


@bp.get("/explore")
def explore():
    """Search servers by name; ?q= in the URL, results as you type."""
    results = search.search_servers(current_user, request.args.get("q", ""),
                                    int_arg("page", maximum=search.PAGE_MAX) or 1)
    if htmx_target().startswith("search-more"):
        return render_template("partials/search_page.html", results=results)
    return render_page_or_fragment("pages/explore.html", "partials/search_results.html", results=results)


@bp.post("/servers/<int:server_id>/join")
def join(server_id: int):
    """Join a public server and open it."""
    server = server_service.join_server(current_user, server_id)
    return redirect_to(url_for("chat.server", server_id=server.id))

"""The instance admin area (instance admins only; everyone else gets 403).

Plain forms that POST and redirect; lists page by key (?after=, ?before=).
"""
from urllib.parse import urlsplit

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user

from app.errors import render_error
from app.params import int_arg
from app.services import instance
from app.services.errors import ValidationFailed

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.route("", methods=["GET", "POST"])
def index():
    """The instance's name and registration policy."""
    instance.require_admin(current_user)
    settings = instance.get_settings()
    errors, values = {}, {"name": settings.name, "registration": settings.registration}
    if request.method == "POST":
        try:
            instance.update_settings(current_user, request.form)
        except ValidationFailed as failed:
            errors, values = failed.errors, request.form
        else:
            return redirect(url_for("admin.index", saved=1), code=303)
    return render_template("pages/admin/index.html", errors=errors, values=values,
                           saved=bool(request.args.get("saved"))), 422 if errors else 200


@bp.get("/users")
def users():
    """Accounts, searchable by the start of a username or email."""
    query = request.args.get("q", "")
    rows, next_after = instance.search_users(current_user, query, int_arg("after"))
    return render_template("pages/admin/users.html", users=rows, next_after=next_after, query=query)


@bp.post("/users/<int:user_id>/deactivate")
def deactivate(user_id: int):
    try:
        instance.deactivate(current_user, user_id)
    except ValidationFailed as failed:
        return render_error(failed.status, text=failed.errors["account"])
    return redirect(request.referrer if is_admin_page(request.referrer) else url_for("admin.users"), code=303)


@bp.post("/users/<int:user_id>/reactivate")
def reactivate(user_id: int):
    instance.reactivate(current_user, user_id)
    return redirect(request.referrer if is_admin_page(request.referrer) else url_for("admin.users"), code=303)


@bp.get("/servers")
def servers(error: str | None = None, status: int = 200):
    """Servers, searchable by the start of their name."""
    query = request.args.get("q", "")
    rows, next_after = instance.search_servers(current_user, query, int_arg("after"))
    return render_template("pages/admin/servers.html", servers=rows, next_after=next_after, query=query,
                           error=error), status


@bp.post("/servers/<int:server_id>/delete")
def delete_server(server_id: int):
    """Delete a server; its name typed again confirms it."""
    try:
        instance.delete_server(current_user, server_id, request.form.get("confirm"))
    except ValidationFailed as failed:
        return servers(failed.errors["confirm"], failed.status)
    return redirect(url_for("admin.servers"), code=303)


@bp.get("/log")
def log():
    """What instance admins did, newest first."""
    entries, next_before = instance.get_log(current_user, int_arg("before"))
    return render_template("pages/admin/log.html", entries=entries, next_before=next_before,
                           labels=instance.LABELS)


def is_admin_page(url: str | None) -> bool:
    """Back to the list the admin acted from (its search kept), never to another site."""
    parts = urlsplit(url or "")
    return parts.path.startswith("/admin/users") and parts.netloc in ("", request.host)

"""Views for registration, login and logout."""
import re
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import LoginManager, current_user, login_required, login_user, logout_user

from app import rate_limits
from app.browser import safe_next
from app.errors import database_is_down, render_error
from app.extensions import htmx, limiter
from app.services import accounts, instance, invitations, sessions
from app.services.errors import ValidationFailed

bp = Blueprint("auth", __name__)

PUBLIC_ENDPOINTS = {"auth.login", "auth.register", "static", "health.healthz", "invites.preview"}


def init_login(manager: LoginManager) -> None:
    manager.login_view = "auth.login"
    manager.login_message = None
    manager.session_protection = "basic"
    manager.user_loader(load_user)
    manager.unauthorized_handler(unauthorized)


def load_user(cookie_id: str):
    """The logged-in user; nobody while the database is down, so the error page never asks it."""
    if database_is_down():
        return None
    return sessions.load_user(cookie_id)


def unauthorized():
    """Plain requests go to the login page; htmx requests are told to go there."""
    if htmx:
        target = urlsplit(request.headers.get("HX-Current-URL", "/")).path
    elif request.method == "GET":
        target = request.full_path
    else:
        target = urlsplit(request.referrer or "/").path
    login_url = url_for("auth.login", next=safe_next(target))
    if htmx:
        return "", 401, {"HX-Redirect": login_url}
    return redirect(login_url)


@bp.before_app_request
def require_login():
    """Every endpoint but login, register, static files and health needs a user."""
    if request.endpoint in PUBLIC_ENDPOINTS or request.endpoint is None:
        return None
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    return None


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(rate_limits.LOGIN_PER_ADDRESS, methods=["POST"])
@limiter.limit(rate_limits.LOGIN_PER_ACCOUNT_AND_ADDRESS, methods=["POST"],
               key_func=rate_limits.login_account_and_address, deduct_when=rate_limits.failed_login)
@limiter.limit(rate_limits.LOGIN_PER_ACCOUNT, methods=["POST"], key_func=rate_limits.login_account,
               deduct_when=rate_limits.failed_login)
def login():
    """Log in by username or email."""
    next_url = safe_next(request.values.get("next"))
    if current_user.is_authenticated:
        return redirect(next_url)
    error = None
    if request.method == "POST":
        user = accounts.authenticate(request.form.get("login", ""), request.form.get("password", ""))
        if user is not None and user.deactivated_at is not None:
            return render_template("pages/login.html", next_url=next_url, login=request.form.get("login", ""),
                                   error=_("This account is deactivated. Ask the people who run this site.")), 403
        if user is not None:
            sessions.start_session(user, request.user_agent.string, request.remote_addr)
            login_user(user, remember=bool(request.form.get("remember")))
            return redirect(next_url, code=303)
        error = _("Wrong username, email or password.")
    status = 401 if error else 200
    return render_template("pages/login.html", error=error, next_url=next_url,
                           login=request.form.get("login", "")), status


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit("10/hour", methods=["POST"])
def register():
    """Create an account, log in, then choose an avatar."""
    next_url = safe_next(request.values.get("next"))
    if current_user.is_authenticated:
        return redirect(next_url)
    refused = registration_refused(next_url)
    if refused is not None:
        return render_error(403, title=_("Registration is closed"), text=refused)
    errors, values = {}, {}
    if request.method == "POST":
        values = request.form
        try:
            user = accounts.register_user(request.form)
        except ValidationFailed as failed:
            errors = failed.errors
        else:
            sessions.start_session(user, request.user_agent.string, request.remote_addr)
            login_user(user)
            return redirect(url_for("auth.welcome", next=next_url if next_url != "/" else None), code=303)
    return (render_template("pages/register.html", errors=errors, values=values, next_url=next_url),
            422 if errors else 200)


INVITE_PATH = re.compile(r"/invite/([^/?#]{1,64})")


def registration_refused(next_url: str) -> str | None:
    """Why this visitor may not register under the instance's policy (None: they may)."""
    policy = instance.get_settings().registration
    if policy == instance.REGISTRATION_CLOSED:
        return _("This site takes no new accounts. Ask the people who run it.")
    if policy == instance.REGISTRATION_INVITE:
        found = INVITE_PATH.fullmatch(urlsplit(next_url).path)
        invitation = invitations.get_link(found.group(1)) if found else None
        if invitation is None or invitations.status(invitation) != invitations.OK:
            return _("New accounts need an invite link: open the link you were given.")
    return None


@bp.get("/welcome")
@login_required
def welcome():
    """The avatar step after registration."""
    return render_template("pages/welcome.html", next_url=safe_next(request.args.get("next")))


@bp.post("/logout")
def logout():
    """Log out this browser: its session ends on the server, its cookies stop working and its tabs close."""
    sessions.log_out(current_user)
    logout_user()
    flash(_("You have logged out."))
    return redirect(url_for("auth.login"), code=303)

"""The profile page (one form per section), avatars, and profile cards."""
import re

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_from_directory, url_for
from flask_babel import gettext as _
from flask_babel import refresh
from flask_login import current_user, logout_user

from app.browser import safe_next
from app.errors import render_error
from app.extensions import limiter
from app.realtime.live import get_live
from app.responses import redirect_to, render_page_or_fragment, wants_fragment
from app.services import avatars, blocks, offload, profiles, sessions
from app.services import preferences as preference_service
from app.services import status as status_service
from app.services.errors import ValidationFailed

bp = Blueprint("profile", __name__)

AVATAR_NAME = re.compile(r"^[0-9a-f]{32}-(256|64)\.webp$")


def render_section(section: str, errors: dict | None = None, saved: bool = False, status: int = 200, **extra):
    """The section alone for htmx; for a plain form, the whole page or back to it."""
    errors = errors or {}
    if not errors and not wants_fragment() and saved:
        flash(_("Saved."))
        return redirect(safe_next(request.form.get("next")) if request.form.get("next") else url_for("profile.edit"),
                        code=303)
    context = {"errors": {section: errors}, "saved": {section: saved}, "values": request.form, **extra}
    return render_page_or_fragment("pages/profile.html", f"partials/profile/{section}.html", status,
                                   **profile_context(), **context)


def profile_context() -> dict:
    """What the profile page shows besides the forms."""
    return {"owned": profiles.owned_servers(current_user), "sessions": sessions.get_sessions(current_user),
            "describe_device": sessions.describe_device, "is_current": sessions.is_current,
            "seen_recently": sessions.seen_recently, "blocked_users": blocks.get_blocked(current_user)}


@bp.get("/profile")
def edit():
    """Your profile: personal data, avatar, email, password, account."""
    return render_template("pages/profile.html", errors={}, saved={}, values={}, **profile_context())


@bp.post("/profile/personal")
def personal():
    """Save display name, names, birth date, bio and language."""
    language_before = current_user.locale
    try:
        profiles.update_personal(current_user, request.form)
    except ValidationFailed as failed:
        return render_section("personal", failed.errors, status=422)
    if current_user.locale != language_before and wants_fragment():
        # A new language changes every text on the page, not only this section's: load it whole.
        refresh()
        flash(_("Saved."))
        return redirect_to(url_for("profile.edit"))
    return render_section("personal", saved=True)


@bp.post("/profile/preferences")
def preferences():
    """Save the theme, desktop notifications and who may start a direct message."""
    preference_service.update_preferences(current_user, request.form)
    return render_section("preferences", saved=True)


@bp.post("/profile/status")
def status():
    """Invisible or not, and a custom status: others' tabs are told at once."""
    try:
        status_service.set_status(current_user, request.form)
    except ValidationFailed as failed:
        return render_section("status", failed.errors, status=422)
    get_live().presence.set_invisible(current_user.id, current_user.invisible,
                                      set(profiles.get_user_servers_ids(current_user.id)))
    return render_section("status", saved=True)


@bp.post("/profile/avatar")
@limiter.limit("20/hour", key_func=lambda: f"avatar:{current_user.id}")
def avatar():
    """Upload a new avatar (JPEG, PNG, WebP or GIF up to 5 MB)."""
    upload = request.files.get("avatar")
    data = upload.read(current_app.config["AVATAR_MAX_BYTES"] + 1) if upload else b""
    on_avatar_step = "next" in request.form  # the step after registering (welcome.html)
    try:
        profiles.set_avatar(current_user, data)
    except ValidationFailed as failed:
        if on_avatar_step and not wants_fragment():
            return render_template("pages/welcome.html", errors={"avatar": failed.errors},
                                   next_url=safe_next(request.form["next"])), 422
        return render_section("avatar", failed.errors, status=422)
    except offload.Busy:
        return render_error(503, title=_("Busy"), text=_("Many images are being processed right now. "
                                                         "Try again in a moment."))
    if request.form.get("continue") and wants_fragment():  # "Continue" with a picture chosen: saved, on to the chat
        flash(_("Saved."))
        return redirect_to(safe_next(request.form["next"]))
    return render_section("avatar", saved=True)


@bp.post("/profile/avatar/remove")
def remove_avatar():
    """Back to the generated avatar."""
    profiles.remove_avatar(current_user)
    return render_section("avatar", saved=True)


@bp.post("/profile/email")
@limiter.limit("10/hour", key_func=lambda: f"email:{current_user.id}")
def email():
    """Change the email address (needs the current password)."""
    try:
        profiles.change_email(current_user, request.form)
    except ValidationFailed as failed:
        return render_section("email", failed.errors, status=422)
    return render_section("email", saved=True)


@bp.post("/profile/password")
@limiter.limit("10/hour", key_func=lambda: f"password:{current_user.id}")
def password():
    """Change the password; every other session is signed out."""
    try:
        profiles.change_password(current_user, request.form)
    except ValidationFailed as failed:
        return render_section("password", failed.errors, status=422)
    return render_section("password", saved=True)


@bp.post("/profile/delete")
@limiter.limit("10/hour", key_func=lambda: f"delete:{current_user.id}")
def delete():
    """Delete the account (needs the password)."""
    try:
        profiles.delete_account(current_user, request.form)
    except ValidationFailed as failed:
        return render_section("delete", failed.errors, status=422)
    return signed_out(_("Your account has been deleted."))


def signed_out(notice: str):
    """This browser's session has ended: to the login page."""
    logout_user()
    flash(notice)
    if wants_fragment():
        return "", 200, {"HX-Redirect": url_for("auth.login")}
    return redirect(url_for("auth.login"), code=303)


@bp.post("/profile/sessions/<int:session_id>/revoke")
def revoke_session(session_id: int):
    """Sign out one of your sessions (this one too, if you choose it)."""
    ending_this_one = current_user.current_session.id == session_id
    sessions.revoke_session(current_user, session_id)
    if ending_this_one:
        return signed_out(_("You have logged out."))
    return render_section("sessions", saved=True)


@bp.post("/profile/sessions/end-all")
def end_all_sessions():
    """Log out everywhere: every session of yours ends, this one included."""
    sessions.log_out_everywhere(current_user)
    return signed_out(_("You have logged out everywhere."))


@bp.get("/avatars/<name>")
def avatar_file(name: str):
    """An avatar image: fixed type, never sniffed, cached for a year (names change with the image)."""
    if not AVATAR_NAME.match(name):
        abort(404)
    response = send_from_directory(avatars.upload_folder(), name, mimetype="image/webp", max_age=31536000)
    response.headers["Cache-Control"] = "private, max-age=31536000, immutable"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.get("/users/<int:user_id>/card")
def card(user_id: int):
    """A profile card: who this is and which servers you share."""
    user, shared = profiles.access_profile_card(current_user, user_id)
    return render_page_or_fragment("pages/profile_card.html", "partials/profile/card.html",
                                   user=user, shared=shared, blocked=blocks.has_blocked(current_user.id, user.id))


@bp.post("/users/<int:user_id>/block")
def block(user_id: int):
    """Block someone: their messages fold away for you; they cannot invite, mention or message you."""
    try:
        blocks.block(current_user, user_id)
    except ValidationFailed as failed:
        return render_error(failed.status, text=failed.errors["block"], title=_("Not blocked"))
    return after_block(user_id)


@bp.post("/users/<int:user_id>/unblock")
def unblock(user_id: int):
    blocks.unblock(current_user, user_id)
    return after_block(user_id)


def after_block(user_id: int):
    """The page reloads for htmx (the card's button changed, messages fold or unfold), else back where asked."""
    if wants_fragment():
        return "", 200, {"HX-Refresh": "true"}
    return redirect(safe_next(request.form.get("next")) if request.form.get("next")
                    else url_for("profile.card", user_id=user_id), code=303)

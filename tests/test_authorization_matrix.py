"""Every endpoint x {anonymous, outsider, member, author, admin, owner} and the moderated roles
{banned, timed_out, instance_admin, deactivated}.

A new endpoint that is not listed here fails `test_every_endpoint_is_in_the_matrix`. The moderated
roles are read as another role unless a row says otherwise (`LIKE`): a deactivated account's old
session is an anonymous visitor's, a user banned from {server} and an instance admin (who moderates
no server) are outsiders, a timed-out member is a member.
"""
import io
from datetime import timedelta

import pytest
from werkzeug.datastructures import FileStorage

from app.extensions import db
from app.models import Channel, Message, Server, utcnow
from app.services import messages as message_service
from tests.attachment_files import png
from tests.conftest import log_in

ROLES = ("anonymous", "outsider", "member", "author", "admin", "owner", "banned", "timed_out", "instance_admin",
         "deactivated")
LIKE = {"deactivated": "anonymous", "banned": "outsider", "instance_admin": "outsider", "timed_out": "member"}
LOGIN = "login"  # 302 to the login page

# (endpoint, method, url template, {role: expected status}); "author" is the
# author of {message}, a plain member otherwise.
MATRIX = [
    ("auth.login", "GET", "/login", dict(anonymous=200, outsider=302, member=302, author=302, admin=302, owner=302)),
    ("auth.login", "POST", "/login", dict(anonymous=401, outsider=302, member=302, author=302, admin=302, owner=302)),
    ("auth.register", "GET", "/register", dict(anonymous=200, outsider=302, member=302, author=302, admin=302, owner=302)),
    ("auth.register", "POST", "/register", dict(anonymous=422, outsider=302, member=302, author=302, admin=302, owner=302)),
    ("auth.welcome", "GET", "/welcome", dict(anonymous=LOGIN, outsider=200, member=200, author=200, admin=200, owner=200)),
    ("auth.logout", "POST", "/logout", dict(anonymous=LOGIN, outsider=303, member=303, author=303, admin=303, owner=303)),
    ("health.healthz", "GET", "/healthz", dict(anonymous=200, outsider=200, member=200, author=200, admin=200, owner=200)),
    ("static", "GET", "/static/css/app.css", dict(anonymous=200, outsider=200, member=200, author=200, admin=200, owner=200)),
    ("live.stream", "GET", "/events/stream", dict(anonymous=LOGIN, outsider=200, member=200, author=200, admin=200, owner=200)),
    ("chat.home", "GET", "/", dict(anonymous=LOGIN, outsider=200, member=200, author=200, admin=200, owner=200)),
    ("chat.new_server", "GET", "/servers/new", dict(anonymous=LOGIN, outsider=200, member=200, author=200, admin=200, owner=200)),
    ("chat.create_server", "POST", "/servers", dict(anonymous=LOGIN, outsider=422, member=422, author=422, admin=422, owner=422)),
    # A public server shows outsiders its preview (and Join); a private one does not exist for them.
    ("chat.server", "GET", "/servers/{server}", dict(anonymous=LOGIN, outsider=200, member=200, author=200, admin=200, owner=200)),
    ("chat.server", "GET", "/servers/{private}", dict(anonymous=LOGIN, outsider=404, member=404, author=404, admin=404, owner=200)),
    ("chat.leave_server", "POST", "/servers/{server}/leave", dict(anonymous=LOGIN, outsider=404, member=303, author=303, admin=303, owner=409)),
    ("chat.delete_server", "POST", "/servers/{server}/delete", dict(anonymous=LOGIN, outsider=404, member=403, author=403, admin=403, owner=303)),
    ("chat.new_channel", "GET", "/servers/{server}/channels/new", dict(anonymous=LOGIN, outsider=404, member=403, author=403, admin=200, owner=200)),
    ("chat.create_channel", "POST", "/servers/{server}/channels", dict(anonymous=LOGIN, outsider=404, member=403, author=403, admin=422, owner=422)),
    ("chat.channel", "GET", "/servers/{server}/channels/{channel}", dict(anonymous=LOGIN, outsider=404, member=200, author=200, admin=200, owner=200)),
    ("chat.older_messages", "GET", "/servers/{server}/channels/{channel}/messages?before={message}", dict(anonymous=LOGIN, outsider=404, member=302, author=302, admin=302, owner=302)),
    ("chat.server_settings", "GET", "/servers/{server}/settings", dict(anonymous=LOGIN, outsider=404, member=403, author=403, admin=200, owner=200)),
    ("chat.server_settings", "POST", "/servers/{server}/settings", dict(anonymous=LOGIN, outsider=404, member=403, author=403, admin=422, owner=422)),
    ("chat.edit_channel", "GET", "/servers/{server}/channels/{channel}/edit", dict(anonymous=LOGIN, outsider=404, member=403, author=403, admin=200, owner=200)),
    ("chat.edit_channel", "POST", "/servers/{server}/channels/{channel}/edit", dict(anonymous=LOGIN, outsider=404, member=403, author=403, admin=422, owner=422)),
    ("chat.delete_channel", "POST", "/servers/{server}/channels/{channel}/delete", dict(anonymous=LOGIN, outsider=404, member=403, author=403, admin=303, owner=303)),
    ("chat.post_message", "POST", "/servers/{server}/channels/{channel}/messages", dict(anonymous=LOGIN, outsider=404, member=422, author=422, admin=422, owner=422, timed_out=403)),
    ("chat.mark_channel_read", "POST", "/servers/{server}/channels/{channel}/read", dict(anonymous=LOGIN, outsider=404, member=303, author=303, admin=303, owner=303)),
    ("chat.message", "GET", "/messages/{message}", dict(anonymous=LOGIN, outsider=404, member=302, author=302, admin=302, owner=302)),
    ("chat.edit_message", "GET", "/messages/{message}/edit", dict(anonymous=LOGIN, outsider=404, member=403, author=200, admin=403, owner=403)),
    ("chat.edit_message", "POST", "/messages/{message}/edit", dict(anonymous=LOGIN, outsider=404, member=403, author=422, admin=403, owner=403)),
    ("chat.delete_message", "GET", "/messages/{message}/delete", dict(anonymous=LOGIN, outsider=404, member=403, author=200, admin=403, owner=403)),
    ("chat.delete_message", "POST", "/messages/{message}/delete", dict(anonymous=LOGIN, outsider=404, member=403, author=303, admin=403, owner=403)),
    ("chat.reply_to_message", "GET", "/messages/{message}/reply", dict(anonymous=LOGIN, outsider=404, member=200, author=200, admin=200, owner=200)),
    ("chat.message_history", "GET", "/messages/{message}/history", dict(anonymous=LOGIN, outsider=404, member=200, author=200, admin=200, owner=200)),
    ("chat.emoji_suggestions", "GET", "/emoji/suggest?q=tad", dict(anonymous=LOGIN, outsider=200, member=200, author=200, admin=200, owner=200)),
    ("chat.formatting_help", "GET", "/help/formatting", dict(anonymous=LOGIN, outsider=200, member=200, author=200, admin=200, owner=200)),
    ("chat.attachment", "GET", "/attachments/{attachment}/notes.txt", dict(anonymous=LOGIN, outsider=404, member=200, author=200, admin=200, owner=200)),
    ("chat.attachment_preview", "GET", "/attachments/{image}/preview", dict(anonymous=LOGIN, outsider=404, member=200, author=200, admin=200, owner=200)),
    ("chat.attachment_preview", "GET", "/attachments/{attachment}/preview", dict(anonymous=LOGIN, outsider=404, member=404, author=404, admin=404, owner=404)),
    ("live.typing", "POST", "/servers/{server}/channels/{channel}/typing", dict(anonymous=LOGIN, outsider=404, member=204, author=204, admin=204, owner=204)),
    ("live.active", "POST", "/presence/active", dict(anonymous=LOGIN, outsider=204, member=204, author=204, admin=204, owner=204)),
    ("chat.server_files", "GET", "/servers/{server}/files", dict(anonymous=LOGIN, outsider=404, member=200, author=200, admin=200, owner=200)),
    ("chat.reaction_picker", "GET", "/messages/{message}/react", dict(anonymous=LOGIN, outsider=404, member=200, author=200, admin=200, owner=200)),
    ("chat.react", "POST", "/messages/{message}/reactions", dict(anonymous=LOGIN, outsider=404, member=422, author=422, admin=422, owner=422)),
    ("explore.explore", "GET", "/explore?q=book", dict(anonymous=LOGIN, outsider=200, member=200, author=200, admin=200, owner=200)),
    ("explore.join", "POST", "/servers/{server}/join", dict(anonymous=LOGIN, outsider=303, member=303, author=303, admin=303, owner=303, banned=403)),
    ("invites.manage", "GET", "/servers/{server}/invites", dict(anonymous=LOGIN, outsider=404, member=200, author=200, admin=200, owner=200)),
    ("invites.create", "POST", "/servers/{server}/invites", dict(anonymous=LOGIN, outsider=404, member=200, author=200, admin=200, owner=200)),
    ("invites.revoke", "POST", "/invites/{invite}/revoke", dict(anonymous=LOGIN, outsider=404, member=403, author=403, admin=200, owner=200)),
    ("invites.preview", "GET", "/invite/{code}", dict(anonymous=200, outsider=200, member=200, author=200, admin=200, owner=200, banned=403)),
    ("invites.preview", "POST", "/invite/{code}", dict(anonymous=303, outsider=303, member=303, author=303, admin=303, owner=303, banned=403)),
    ("invites.invite", "POST", "/servers/{server}/invitations", dict(anonymous=LOGIN, outsider=404, member=422, author=422, admin=422, owner=422)),
    ("invites.cancel", "POST", "/invitations/{direct}/cancel", dict(anonymous=LOGIN, outsider=404, member=403, author=403, admin=200, owner=200)),
    ("invites.accept", "POST", "/invitations/{direct}/accept", dict(anonymous=LOGIN, outsider=303, member=404, author=404, admin=404, owner=404, banned=404, instance_admin=404)),
    ("invites.decline", "POST", "/invitations/{direct}/decline", dict(anonymous=LOGIN, outsider=303, member=404, author=404, admin=404, owner=404, banned=404, instance_admin=404)),
    ("members.role", "POST", "/servers/{server}/members/{author_id}/role", dict(anonymous=LOGIN, outsider=404, member=403, author=403, admin=403, owner=422)),
    ("members.suggest", "GET", "/servers/{server}/members/suggest?q=a", dict(anonymous=LOGIN, outsider=404, member=200, author=200, admin=200, owner=200)),
    ("members.sidebar", "GET", "/servers/{server}/members/sidebar", dict(anonymous=LOGIN, outsider=404, member=302, author=302, admin=302, owner=302)),
    ("members.index", "GET", "/servers/{server}/members", dict(anonymous=LOGIN, outsider=404, member=200, author=200, admin=200, owner=200)),
    # Removing the author: admins and the owner may, members may not; outsiders do not see the server.
    ("members.remove", "POST", "/servers/{server}/members/{author_id}/remove", dict(anonymous=LOGIN, outsider=404, member=403, author=403, admin=303, owner=303)),
    ("notifications.index", "GET", "/notifications", dict(anonymous=LOGIN, outsider=200, member=200, author=200, admin=200, owner=200)),
    ("notifications.bell", "GET", "/notifications/bell", dict(anonymous=LOGIN, outsider=200, member=200, author=200, admin=200, owner=200)),
    ("notifications.read", "POST", "/notifications/{notification}/read", dict(anonymous=LOGIN, outsider=303, member=404, author=404, admin=404, owner=404, banned=404, instance_admin=404)),
    ("notifications.read_all", "POST", "/notifications/read", dict(anonymous=LOGIN, outsider=303, member=303, author=303, admin=303, owner=303)),
    ("notifications.server_level", "GET", "/servers/{server}/notifications", dict(anonymous=LOGIN, outsider=404, member=200, author=200, admin=200, owner=200)),
    ("notifications.set_server_level", "POST", "/servers/{server}/notifications", dict(anonymous=LOGIN, outsider=404, member=400, author=400, admin=400, owner=400)),
    ("profile.preferences", "POST", "/profile/preferences", dict(anonymous=LOGIN, outsider=400, member=400, author=400, admin=400, owner=400)),
    ("profile.edit", "GET", "/profile", dict(anonymous=LOGIN, outsider=200, member=200, author=200, admin=200, owner=200)),
    ("profile.personal", "POST", "/profile/personal", dict(anonymous=LOGIN, outsider=422, member=422, author=422, admin=422, owner=422)),
    ("profile.status", "POST", "/profile/status", dict(anonymous=LOGIN, outsider=303, member=303, author=303, admin=303, owner=303)),
    ("profile.avatar", "POST", "/profile/avatar", dict(anonymous=LOGIN, outsider=422, member=422, author=422, admin=422, owner=422)),
    ("profile.remove_avatar", "POST", "/profile/avatar/remove", dict(anonymous=LOGIN, outsider=303, member=303, author=303, admin=303, owner=303)),
    ("profile.email", "POST", "/profile/email", dict(anonymous=LOGIN, outsider=422, member=422, author=422, admin=422, owner=422)),
    ("profile.password", "POST", "/profile/password", dict(anonymous=LOGIN, outsider=422, member=422, author=422, admin=422, owner=422)),
    ("profile.delete", "POST", "/profile/delete", dict(anonymous=LOGIN, outsider=422, member=422, author=422, admin=422, owner=422)),
    ("profile.avatar_file", "GET", "/avatars/{avatar}", dict(anonymous=LOGIN, outsider=404, member=404, author=404, admin=404, owner=404)),
    # A session of the owner's other browser: only the owner may end it.
    ("profile.revoke_session", "POST", "/profile/sessions/{session}/revoke", dict(anonymous=LOGIN, outsider=404, member=404, author=404, admin=404, owner=303)),
    ("profile.end_all_sessions", "POST", "/profile/sessions/end-all", dict(anonymous=LOGIN, outsider=303, member=303, author=303, admin=303, owner=303)),
    ("profile.card", "GET", "/users/{author_id}/card", dict(anonymous=LOGIN, outsider=404, member=200, author=200, admin=200, owner=200)),
    # The switcher searches only the user's own servers: an outsider gets a page with no results.
    ("switcher.index", "GET", "/switch?q=book", dict(anonymous=LOGIN, outsider=200, member=200, author=200, admin=200, owner=200)),
    ("switcher.shortcuts", "GET", "/keyboard", dict(anonymous=LOGIN, outsider=200, member=200, author=200, admin=200, owner=200)),
    # The author's message from before the server's one-hour edit window: editing it is refused, deleting it is not.
    # Moderation: the author is a plain member, so admins and the owner may act on them, members may not.
    ("members.ban", "POST", "/servers/{server}/members/{author_id}/ban", dict(anonymous=LOGIN, outsider=404, member=403, author=403, admin=303, owner=303)),
    ("members.timeout", "POST", "/servers/{server}/members/{author_id}/timeout", dict(anonymous=LOGIN, outsider=404, member=403, author=403, admin=422, owner=422)),
    ("members.end_timeout", "POST", "/servers/{server}/members/{author_id}/timeout/end", dict(anonymous=LOGIN, outsider=404, member=403, author=403, admin=303, owner=303)),
    ("members.bans", "GET", "/servers/{server}/bans", dict(anonymous=LOGIN, outsider=404, member=403, author=403, admin=200, owner=200)),
    ("members.ban_by_name", "POST", "/servers/{server}/bans", dict(anonymous=LOGIN, outsider=404, member=403, author=403, admin=422, owner=422)),
    ("members.ban_by_name", "POST", "/servers/{dm}/bans", dict(anonymous=LOGIN, outsider=404, member=404, author=404, admin=404, owner=404)),
    ("members.unban", "POST", "/servers/{server}/bans/{banned_id}/lift", dict(anonymous=LOGIN, outsider=404, member=403, author=403, admin=303, owner=303)),
    ("members.audit_log", "GET", "/servers/{server}/audit", dict(anonymous=LOGIN, outsider=404, member=403, author=403, admin=200, owner=200)),
    ("members.audit_log", "GET", "/servers/{server}/audit?action=nonsense", dict(anonymous=LOGIN, outsider=404, member=403, author=403, admin=400, owner=400)),
    # The instance admin area: only the instance admin runs it (tests/test_instance_admin.py has what it does).
    ("admin.index", "GET", "/admin", dict(anonymous=LOGIN, outsider=403, member=403, author=403, admin=403, owner=403, instance_admin=200)),
    ("admin.index", "POST", "/admin", dict(anonymous=LOGIN, outsider=403, member=403, author=403, admin=403, owner=403, instance_admin=422)),
    ("admin.users", "GET", "/admin/users", dict(anonymous=LOGIN, outsider=403, member=403, author=403, admin=403, owner=403, instance_admin=200)),
    ("admin.deactivate", "POST", "/admin/users/{author_id}/deactivate", dict(anonymous=LOGIN, outsider=403, member=403, author=403, admin=403, owner=403, instance_admin=303)),
    ("admin.reactivate", "POST", "/admin/users/{author_id}/reactivate", dict(anonymous=LOGIN, outsider=403, member=403, author=403, admin=403, owner=403, instance_admin=303)),
    ("admin.servers", "GET", "/admin/servers", dict(anonymous=LOGIN, outsider=403, member=403, author=403, admin=403, owner=403, instance_admin=200)),
    ("admin.delete_server", "POST", "/admin/servers/{server}/delete", dict(anonymous=LOGIN, outsider=403, member=403, author=403, admin=403, owner=403, instance_admin=422)),
    ("admin.log", "GET", "/admin/log", dict(anonymous=LOGIN, outsider=403, member=403, author=403, admin=403, owner=403, instance_admin=200)),
    # Blocking the author: anyone who shares a server with them; not themselves; strangers do not see them.
    ("profile.block", "POST", "/users/{author_id}/block", dict(anonymous=LOGIN, outsider=404, member=303, author=400, admin=303, owner=303)),
    ("profile.unblock", "POST", "/users/{author_id}/unblock", dict(anonymous=LOGIN, outsider=404, member=404, author=404, admin=404, owner=404)),
    ("chat.transfer_ownership", "POST", "/servers/{server}/transfer", dict(anonymous=LOGIN, outsider=404, member=403, author=403, admin=403, owner=422)),
    ("chat.transfer_ownership", "POST", "/servers/{dm}/transfer", dict(anonymous=LOGIN, outsider=404, member=404, author=404, admin=404, owner=404)),
    ("members.ban", "POST", "/servers/{dm}/members/{author_id}/ban", dict(anonymous=LOGIN, outsider=404, member=404, author=404, admin=404, owner=404)),
    ("members.audit_log", "GET", "/servers/{dm}/audit", dict(anonymous=LOGIN, outsider=404, member=404, author=404, admin=404, owner=404)),
    # Direct messages: {dm} is a group of the member, the author and the owner (not the admin); {pair} is the
    # member and the author alone. A conversation has no administration: those endpoints do not know it.
    ("chat.direct_home", "GET", "/dms", dict(anonymous=LOGIN, outsider=200, member=200, author=200, admin=200, owner=200)),
    ("chat.direct_people", "GET", "/dms/people?q=a", dict(anonymous=LOGIN, outsider=302, member=302, author=302, admin=302, owner=302)),
    ("chat.open_direct", "POST", "/dms", dict(anonymous=LOGIN, outsider=422, member=422, author=422, admin=422, owner=422)),
    ("chat.add_direct_people", "POST", "/dms/{dm}/people", dict(anonymous=LOGIN, outsider=404, member=422, author=422, admin=404, owner=422)),
    ("chat.add_direct_people", "POST", "/dms/{server}/people", dict(anonymous=LOGIN, outsider=404, member=404, author=404, admin=404, owner=404)),
    ("chat.close_direct", "POST", "/dms/{dm}/close", dict(anonymous=LOGIN, outsider=404, member=303, author=303, admin=404, owner=303)),
    ("chat.close_direct", "POST", "/dms/{pair}/close", dict(anonymous=LOGIN, outsider=404, member=303, author=303, admin=404, owner=404)),
    ("chat.close_direct", "POST", "/dms/{server}/close", dict(anonymous=LOGIN, outsider=404, member=404, author=404, admin=404, owner=404)),
    ("chat.leave_direct", "POST", "/dms/{dm}/leave", dict(anonymous=LOGIN, outsider=404, member=303, author=303, admin=404, owner=303)),
    ("chat.leave_direct", "POST", "/dms/{pair}/leave", dict(anonymous=LOGIN, outsider=404, member=409, author=409, admin=404, owner=404)),
    ("chat.leave_direct", "POST", "/dms/{server}/leave", dict(anonymous=LOGIN, outsider=404, member=404, author=404, admin=404, owner=404)),
    ("chat.server", "GET", "/servers/{dm}", dict(anonymous=LOGIN, outsider=404, member=200, author=200, admin=404, owner=200)),
    ("chat.channel", "GET", "/servers/{dm}/channels/{dm_channel}", dict(anonymous=LOGIN, outsider=404, member=200, author=200, admin=404, owner=200)),
    ("chat.post_message", "POST", "/servers/{dm}/channels/{dm_channel}/messages", dict(anonymous=LOGIN, outsider=404, member=422, author=422, admin=404, owner=422)),
    ("live.typing", "POST", "/servers/{dm}/channels/{dm_channel}/typing", dict(anonymous=LOGIN, outsider=404, member=204, author=204, admin=404, owner=204)),
    ("members.sidebar", "GET", "/servers/{dm}/members/sidebar", dict(anonymous=LOGIN, outsider=404, member=302, author=302, admin=404, owner=302)),
    ("chat.leave_server", "POST", "/servers/{dm}/leave", dict(anonymous=LOGIN, outsider=404, member=404, author=404, admin=404, owner=404)),
    ("chat.delete_server", "POST", "/servers/{dm}/delete", dict(anonymous=LOGIN, outsider=404, member=404, author=404, admin=404, owner=404)),
    ("chat.server_settings", "GET", "/servers/{dm}/settings", dict(anonymous=LOGIN, outsider=404, member=404, author=404, admin=404, owner=404)),
    ("chat.server_settings", "POST", "/servers/{dm}/settings", dict(anonymous=LOGIN, outsider=404, member=404, author=404, admin=404, owner=404)),
    ("chat.new_channel", "GET", "/servers/{dm}/channels/new", dict(anonymous=LOGIN, outsider=404, member=404, author=404, admin=404, owner=404)),
    ("chat.create_channel", "POST", "/servers/{dm}/channels", dict(anonymous=LOGIN, outsider=404, member=404, author=404, admin=404, owner=404)),
    ("chat.edit_channel", "POST", "/servers/{dm}/channels/{dm_channel}/edit", dict(anonymous=LOGIN, outsider=404, member=404, author=404, admin=404, owner=404)),
    ("chat.delete_channel", "POST", "/servers/{dm}/channels/{dm_channel}/delete", dict(anonymous=LOGIN, outsider=404, member=404, author=404, admin=404, owner=404)),
    ("invites.manage", "GET", "/servers/{dm}/invites", dict(anonymous=LOGIN, outsider=404, member=404, author=404, admin=404, owner=404)),
    ("invites.create", "POST", "/servers/{dm}/invites", dict(anonymous=LOGIN, outsider=404, member=404, author=404, admin=404, owner=404)),
    ("invites.invite", "POST", "/servers/{dm}/invitations", dict(anonymous=LOGIN, outsider=404, member=404, author=404, admin=404, owner=404)),
    ("members.remove", "POST", "/servers/{dm}/members/{author_id}/remove", dict(anonymous=LOGIN, outsider=404, member=404, author=404, admin=404, owner=404)),
    ("members.role", "POST", "/servers/{dm}/members/{author_id}/role", dict(anonymous=LOGIN, outsider=404, member=404, author=404, admin=404, owner=404)),
    ("explore.join", "POST", "/servers/{dm}/join", dict(anonymous=LOGIN, outsider=404, member=303, author=303, admin=404, owner=303)),
    ("chat.edit_message", "GET", "/messages/{late_message}/edit", dict(anonymous=LOGIN, outsider=404, member=403, author=403, admin=403, owner=403)),
    ("chat.edit_message", "POST", "/messages/{late_message}/edit", dict(anonymous=LOGIN, outsider=404, member=403, author=403, admin=403, owner=403)),
    ("chat.delete_message", "POST", "/messages/{late_message}/delete", dict(anonymous=LOGIN, outsider=404, member=403, author=303, admin=403, owner=403)),
]


@pytest.fixture
def setting(cast, local_storage):
    """The cast plus a second member who wrote a message (and one with a file and an image)."""
    from app.models import ROLE_MEMBER
    from app.services import invitations, sessions
    from app.services import servers as server_service
    from tests.conftest import make_user

    author = make_user("aurora")
    server_service.add_member(author, cast.server, role=ROLE_MEMBER)
    db.session.commit()
    message = cast.post(author, "written by the author")
    late_message = cast.post(author, "written before the edit window closed")
    db.session.execute(db.update(Message).where(Message.id == late_message.id)
                       .values(created_at=utcnow() - timedelta(hours=2)))
    db.session.execute(db.update(Server).where(Server.id == cast.server.id).values(edit_window_seconds=3600))
    db.session.commit()
    from app.services import attachments
    files = attachments.receive(author, [FileStorage(io.BytesIO(b"notes"), "notes.txt"),
                                         FileStorage(io.BytesIO(png(20, 20)), "red.png")], [])
    with_files = message_service.send_message(author, cast.server.id, cast.channel.id, "", files=files)
    attachment, image = with_files.attachments
    invitation = invitations.create_link(cast.owner, cast.server.id, {})
    direct = invitations.invite_user(cast.owner, cast.server.id, cast.outsider.username)
    from app.models import Notification
    notification = db.session.scalar(db.select(Notification).where(Notification.user_id == cast.outsider.id))
    private = server_service.create_server(cast.owner, {"name": "Back Room", "visibility": "private"})
    banned = make_user("barred")
    timed_out = make_user("tacit")
    deactivated = make_user("gone")
    for user in (banned, timed_out, deactivated):
        server_service.add_member(user, cast.server)
    db.session.commit()
    from app.services import moderation
    moderation.ban(cast.owner, cast.server.id, banned.id, {"reason": "spam"})
    moderation.time_out(cast.owner, cast.server.id, timed_out.id, {"duration": "86400"})
    instance_admin = make_user("warden", is_instance_admin=True)
    from app.services import direct as direct_service
    group = direct_service.open_conversation(cast.member, f"{author.username}, {cast.owner.username}")
    pair = direct_service.open_conversation(cast.member, author.username)
    dm_channel = db.session.scalar(db.select(Channel.id).where(Channel.server_id == group.id))
    users = {"outsider": cast.outsider, "member": cast.member, "author": author, "admin": cast.admin,
             "owner": cast.owner, "banned": banned, "timed_out": timed_out, "instance_admin": instance_admin,
             "deactivated": deactivated}
    ids = {"server": cast.server.id, "channel": cast.channel.id, "message": message.id, "author_id": author.id,
           "avatar": "0" * 32 + "-64.webp", "invite": invitation.id, "code": invitation.code,
           "direct": direct.id, "late_message": late_message.id, "notification": notification.id,
           "session": sessions.start_session(cast.owner, "another browser", "127.0.0.2").id,
           "attachment": attachment.id, "image": image.id, "dm": group.id, "pair": pair.id,
           "dm_channel": dm_channel, "private": private.id, "banned_id": banned.id}
    return users, ids


def like(role: str, template: str) -> str:
    """The role a moderated one is read as; the timed-out member is in {server}, not in the conversations."""
    if role == "timed_out" and ("{dm}" in template or "{pair}" in template):
        return "outsider"
    return LIKE.get(role, role)


@pytest.mark.parametrize("endpoint, method, template, expected", MATRIX,
                         ids=[f"{m} {t}" for _e, m, t, _x in MATRIX])
@pytest.mark.parametrize("role", ROLES)
def test_authorization(client, setting, endpoint, method, template, expected, role):
    users, ids = setting
    if role != "anonymous":
        log_in(client, users[role])
    if role == "deactivated":  # signed in, then deactivated: the session in the cookie is over
        from app.services import instance
        instance.deactivate(users["instance_admin"], users[role].id)
    url = template.format(**ids)
    response = client.open(url, method=method, data={} if method == "POST" else None)
    response.close()
    want = expected.get(role, expected[like(role, template)])
    if want == LOGIN:
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login?next=")
    else:
        assert response.status_code == want, response.get_data(as_text=True)[:300]


def test_every_endpoint_is_in_the_matrix(app):
    listed = {(endpoint, method) for endpoint, method, _t, _x in MATRIX}
    routes = {(rule.endpoint, method) for rule in app.url_map.iter_rules()
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert routes - listed == set(), "add these endpoints to the authorization matrix"

"""Moderation: private by default, public previews, bans through every way in, timeouts through every write,
slow mode, and the audit log (one entry per action, in its transaction)."""
import io
from datetime import timedelta

import pytest
from werkzeug.datastructures import FileStorage

from app.extensions import db
from app.models import (
    Attachment,
    AuditEntry,
    Ban,
    Channel,
    Invitation,
    Membership,
    Message,
    MessageReaction,
    Notification,
    Server,
    utcnow,
)
from app.services import attachments, audit, direct, invitations, moderation, reactions
from app.services import messages as message_service
from app.services import servers as server_service
from app.services.errors import ValidationFailed
from tests.conftest import PASSWORD, fresh, htmx_headers, make_user, soup


def entries(server_id: int) -> list[AuditEntry]:
    return list(db.session.scalars(db.select(AuditEntry).where(AuditEntry.server_id == server_id)
                                   .order_by(AuditEntry.id)))


def messages_of(user_id: int) -> list[str]:
    return list(db.session.scalars(db.select(Message.content).where(Message.author_id == user_id)
                                   .order_by(Message.id)))


# ---- Private by default, and what outsiders see ---------------------------------------------------------


def test_a_new_server_is_private_unless_its_creator_says_public(client, as_user, cast):
    client = as_user(cast.member)
    form = soup(client.get("/servers/new"))
    assert form.select_one("#server-visibility option[selected]")["value"] == "private"
    client.post("/servers", data={"name": "Quiet Corner"})
    client.post("/servers", data={"name": "Open House", "visibility": "public"})
    fresh()
    owned = db.session.scalars(db.select(Server).where(Server.owner_id == cast.member.id))
    by_name = {server.name: server.is_public for server in owned}
    assert by_name == {"Quiet Corner": False, "Open House": True}
    found = soup(as_user(cast.outsider).get("/explore?q=o"))
    assert [n.get_text(strip=True) for n in found.select("#search-results .result-name")] == ["Open House"]


def test_a_forged_visibility_is_refused_and_nothing_is_created(client, as_user, cast):
    response = as_user(cast.member).post("/servers", data={"name": "Odd", "visibility": "everyone"})
    assert response.status_code == 422
    assert "Choose public or private." in response.get_data(as_text=True)
    fresh()
    assert db.session.scalar(db.select(Server.id).where(Server.name == "Odd")) is None


def test_an_outsider_sees_a_public_servers_preview_and_joins_from_it(client, as_user, cast):
    client = as_user(cast.outsider)
    page = soup(client.get(f"/servers/{cast.server.id}"))
    assert page.select_one("#server-preview h1").get_text() == "Book Club"
    assert "3 members" in page.select_one(".member-count").get_text()
    form = page.select_one(f"form[action='/servers/{cast.server.id}/join']")
    assert form is not None
    assert client.post(form["action"]).status_code == 303
    assert client.get(f"/servers/{cast.server.id}").status_code == 200
    fresh()
    assert db.session.scalar(db.select(Membership.id).where(Membership.user_id == cast.outsider.id,
                                                            Membership.server_id == cast.server.id))
    private = server_service.create_server(cast.owner, {"name": "Back Room"})
    assert client.get(f"/servers/{private.id}").status_code == 404


# ---- Bans -----------------------------------------------------------------------------------------------


def test_a_ban_puts_the_member_out_tells_them_and_goes_on_the_record(client, as_user, cast):
    moderation.ban(cast.admin, cast.server.id, cast.member.id, {"reason": "  spam  "})
    fresh()
    assert db.session.scalar(db.select(Membership.id).where(Membership.user_id == cast.member.id,
                                                            Membership.server_id == cast.server.id)) is None
    assert db.session.get(Server, cast.server.id).member_count == 2
    ban = db.session.get(Ban, (cast.server.id, cast.member.id))
    assert (ban.actor_id, ban.reason) == (cast.admin.id, "spam")
    told = db.session.scalar(db.select(Notification).where(Notification.user_id == cast.member.id))
    assert (told.kind, told.server_name) == ("banned", "Book Club")
    panel = soup(as_user(cast.member).get("/notifications"))
    assert panel.select_one(f"#notification-{told.id} p").get_text() == "Adam banned you from Book Club."
    [entry] = [e for e in entries(cast.server.id) if e.action == audit.MEMBER_BANNED]
    assert (entry.actor_id, entry.target_user_id, entry.details["reason"]) == (cast.admin.id, cast.member.id, "spam")


def test_a_banned_user_is_kept_out_by_every_way_in(client, as_user, cast):
    link = invitations.create_link(cast.owner, cast.server.id, {})
    pending = invitations.invite_user(cast.owner, cast.server.id, cast.outsider.username)
    server_service.add_member(cast.outsider, cast.server)  # in, for now
    db.session.commit()
    moderation.ban(cast.owner, cast.server.id, cast.outsider.id, {"reason": "trolling"})
    client = as_user(cast.outsider)
    why = "You are banned from Book Club: trolling"
    for response in (client.post(f"/servers/{cast.server.id}/join"),
                     client.get(f"/invite/{link.code}"),
                     client.post(f"/invite/{link.code}"),
                     client.post(f"/invitations/{pending.id}/accept")):
        assert response.status_code == 403
        assert why in response.get_data(as_text=True)
    # The public page says so instead of offering Join.
    page = soup(client.get(f"/servers/{cast.server.id}"))
    assert why in page.select_one("#server-preview .form-error").get_text()
    assert page.select_one(f"form[action='/servers/{cast.server.id}/join']") is None
    fresh()
    assert db.session.get(Invitation, link.id).uses == 0  # the failed join took no use
    assert cast.server.id not in {m.server_id for m in db.session.scalars(
        db.select(Membership).where(Membership.user_id == cast.outsider.id))}
    with pytest.raises(ValidationFailed) as refused:
        invitations.invite_user(cast.admin, cast.server.id, cast.outsider.username)
    assert refused.value.errors["username"] == "oscar is banned from this server."


def test_someone_who_left_is_banned_by_name_and_cannot_come_back(client, as_user, cast):
    said = cast.post(cast.member, "spam before leaving").id
    server_service.leave_server(cast.member, cast.server.id)
    admin = as_user(cast.admin)
    form = soup(admin.get(f"/servers/{cast.server.id}/bans")).select_one("details.ban-by-name form")
    response = admin.post(form["action"], data={"username": "@" + cast.member.username.upper(), "reason": "spam",
                                                "delete_messages": "3600"}, headers=htmx_headers())
    assert response.status_code == 200
    panel = soup(response)
    assert panel.select_one("[role=status]").get_text() == f"{cast.member.display_name} was banned from the server."
    assert panel.select_one(f"#ban-{cast.member.id}") is not None
    fresh()
    assert db.session.get(Message, said) is None
    assert db.session.get(Server, cast.server.id).member_count == 2  # counted out once, when they left
    [entry] = [e for e in entries(cast.server.id) if e.action == audit.MEMBER_BANNED]
    assert (entry.actor_id, entry.target_user_id) == (cast.admin.id, cast.member.id)
    assert entry.details["deleted_messages"] == 1
    back = as_user(cast.member).post(f"/servers/{cast.server.id}/join")
    assert back.status_code == 403 and "You are banned from Book Club: spam" in back.get_data(as_text=True)


@pytest.mark.parametrize("who, username, status, error", [
    ("admin", "nobody-here", 422, "There is no user with that name."),
    ("admin", "", 422, "There is no user with that name."),
    ("admin", "adam", 422, "You cannot ban yourself."),
    ("admin", "olivia", 403, None),  # the owner, a member: banned only as the member list allows
    ("member", "oscar", 403, None),  # members do not ban
])
def test_who_cannot_be_banned_by_name(client, as_user, cast, who, username, status, error):
    response = as_user(getattr(cast, who)).post(f"/servers/{cast.server.id}/bans", data={"username": username})
    assert response.status_code == status
    if error:
        assert soup(response).select_one(".field-error").get_text() == error
    fresh()
    assert db.session.scalar(db.select(db.func.count()).select_from(Ban)) == 0
    assert entries(cast.server.id) == []


def test_banning_by_name_twice_says_so(client, as_user, cast):
    moderation.ban_by_name(cast.owner, cast.server.id, {"username": cast.outsider.username})
    response = as_user(cast.admin).post(f"/servers/{cast.server.id}/bans", data={"username": cast.outsider.username})
    assert response.status_code == 409
    assert soup(response).select_one(".field-error").get_text() == "oscar is already banned."


def test_a_ban_may_delete_the_members_recent_messages_with_their_files(cast, local_storage):
    old = cast.post(cast.member, "last month")
    db.session.execute(db.update(Message).where(Message.id == old.id).values(created_at=utcnow() - timedelta(days=30)))
    db.session.commit()
    cast.post(cast.member, "spam 1")
    files = attachments.receive(cast.member, [FileStorage(io.BytesIO(b"junk"), "junk.txt")], [])
    message_service.send_message(cast.member, cast.server.id, cast.channel.id, "spam 2", files=files)
    cast.post(cast.owner, "the owner stays")
    moderation.ban(cast.owner, cast.server.id, cast.member.id, {"delete_messages": "86400"})
    fresh()
    assert messages_of(cast.member.id) == ["last month"]
    assert messages_of(cast.owner.id) == ["the owner stays"]
    assert db.session.scalar(db.select(db.func.count(Attachment.id))) == 0
    [entry] = [e for e in entries(cast.server.id) if e.action == audit.MEMBER_BANNED]
    assert entry.details["deleted_messages"] == 2


@pytest.mark.parametrize("actor, target, status", [("member", "admin", 403), ("admin", "owner", 403),
                                                   ("admin", "admin", 403), ("owner", "outsider", 404)])
def test_who_may_not_ban_whom(client, as_user, cast, actor, target, status):
    response = as_user(getattr(cast, actor)).post(f"/servers/{cast.server.id}/members/{getattr(cast, target).id}/ban")
    assert response.status_code == status
    fresh()
    assert db.session.scalar(db.select(db.func.count()).select_from(Ban)) == 0
    assert entries(cast.server.id) == []


def test_a_refused_ban_changes_nothing(client, as_user, cast):
    response = as_user(cast.owner).post(f"/servers/{cast.server.id}/members/{cast.member.id}/ban",
                                        data={"reason": "x" * 301, "delete_messages": "86400"})
    assert response.status_code == 422
    assert "At most 300 characters." in response.get_data(as_text=True)
    fresh()
    assert db.session.scalar(db.select(Membership.id).where(Membership.user_id == cast.member.id,
                                                            Membership.server_id == cast.server.id))
    assert entries(cast.server.id) == []


def test_lifting_a_ban_lets_them_back_and_is_recorded(client, as_user, cast):
    moderation.ban(cast.owner, cast.server.id, cast.member.id, {})
    page = soup(as_user(cast.admin).get(f"/servers/{cast.server.id}/bans"))
    assert "Mia" in page.select_one(f"#ban-{cast.member.id}").get_text()
    assert as_user(cast.admin).post(f"/servers/{cast.server.id}/bans/{cast.member.id}/lift").status_code == 303
    assert as_user(cast.member).post(f"/servers/{cast.server.id}/join").status_code == 303
    fresh()
    assert [e.action for e in entries(cast.server.id)] == [audit.MEMBER_BANNED, audit.MEMBER_UNBANNED]


# ---- Timeouts -------------------------------------------------------------------------------------------


def test_a_timed_out_member_reads_but_cannot_post_react_or_upload(client, as_user, cast, local_storage):
    message = cast.post(cast.owner, "read me")
    moderation.time_out(cast.admin, cast.server.id, cast.member.id, {"duration": "600"})
    client = as_user(cast.member)
    page = soup(client.get(f"/servers/{cast.server.id}/channels/{cast.channel.id}"))
    assert "read me" in page.select_one("#message-list").get_text()
    assert page.select_one("#composer-input").has_attr("disabled")
    assert "You are timed out in this server until" in page.select_one("#composer-notice").get_text()

    url = f"/servers/{cast.server.id}/channels/{cast.channel.id}/messages"
    posted = client.post(url, data={"content": "let me speak"}, headers=htmx_headers())
    assert posted.status_code == 403
    assert "You are timed out in this server until" in posted.get_data(as_text=True)
    uploaded = client.post(url, data={"content": "", "files": (io.BytesIO(b"x"), "x.txt")},
                           content_type="multipart/form-data")
    assert uploaded.status_code == 403
    reacted = client.post(f"/messages/{message.id}/reactions", data={"emoji": "👍", "state": "on"},
                          headers=htmx_headers())
    assert reacted.status_code == 403
    fresh()
    assert messages_of(cast.member.id) == []
    assert db.session.scalar(db.select(db.func.count(Attachment.id))) == 0
    assert db.session.scalar(db.select(db.func.count()).select_from(MessageReaction)) == 0
    assert [e.action for e in entries(cast.server.id)] == [audit.MEMBER_TIMED_OUT]
    assert entries(cast.server.id)[0].details["seconds"] == 600
    told = db.session.scalar(db.select(Notification).where(Notification.user_id == cast.member.id))
    assert (told.kind, told.actor_id, told.server_name) == ("timed_out", cast.admin.id, "Book Club")


def test_the_services_refuse_a_timed_out_member_whatever_the_caller(cast):
    """Not only the forms: the services themselves refuse, in this server only."""
    message = cast.post(cast.owner, "read me")
    moderation.time_out(cast.admin, cast.server.id, cast.member.id, {"duration": "60"})
    with pytest.raises(ValidationFailed) as posting:
        message_service.send_message(cast.member, cast.server.id, cast.channel.id, "let me speak")
    with pytest.raises(ValidationFailed) as reacting:
        reactions.react(cast.member, message.id, "👍", on=True)
    assert (posting.value.status, reacting.value.status) == (403, 403)
    assert "timed out" in posting.value.errors["content"] and "timed out" in reacting.value.errors["emoji"]
    conversation = direct.open_conversation(cast.member, cast.owner.username)  # elsewhere they still talk
    channel_id = db.session.scalar(db.select(Channel.id).where(Channel.server_id == conversation.id))
    assert message_service.send_message(cast.member, conversation.id, channel_id, "hello").id
    fresh()
    assert messages_of(cast.member.id) == ["hello"]


def test_a_timeout_ends_by_itself_or_early(client, as_user, cast):
    moderation.time_out(cast.owner, cast.server.id, cast.member.id, {"duration": "60"})
    db.session.execute(db.update(Membership).where(Membership.user_id == cast.member.id)
                       .values(timed_out_until=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    cast.post(cast.member, "I am back")
    moderation.time_out(cast.owner, cast.server.id, cast.member.id, {"duration": "604800"})
    ended = as_user(cast.owner).post(f"/servers/{cast.server.id}/members/{cast.member.id}/timeout/end")
    assert ended.status_code == 303
    fresh()
    cast.post(cast.member, "and again")
    assert messages_of(cast.member.id) == ["I am back", "and again"]
    assert [e.action for e in entries(cast.server.id)] == [audit.MEMBER_TIMED_OUT, audit.MEMBER_TIMED_OUT,
                                                            audit.TIMEOUT_ENDED]


def test_a_forged_timeout_length_is_refused(cast):
    with pytest.raises(ValidationFailed):
        moderation.time_out(cast.owner, cast.server.id, cast.member.id, {"duration": "31536000"})
    fresh()
    assert db.session.scalar(db.select(Membership.timed_out_until).where(Membership.user_id == cast.member.id)) is None
    assert entries(cast.server.id) == []


# ---- Slow mode ------------------------------------------------------------------------------------------


def test_slow_mode_spaces_members_posts_but_not_admins(client, as_user, cast):
    url = f"/servers/{cast.server.id}/channels/{cast.channel.id}"
    response = as_user(cast.admin).post(url + "/edit", data={"name": "general", "topic": "", "slow_mode": "30"})
    assert response.status_code == 303
    client = as_user(cast.member)
    hint = soup(client.get(url)).select_one("#composer-slow-mode").get_text()
    assert "Slow mode: one message every 30 seconds." in hint
    assert client.post(url + "/messages", data={"content": "first"}, headers=htmx_headers()).status_code == 200
    second = client.post(url + "/messages", data={"content": "second"}, headers=htmx_headers())
    assert second.status_code == 429
    assert "Slow mode is on: you can post again in" in second.get_data(as_text=True)
    cast.post(cast.admin, "admins are exempt")
    cast.post(cast.admin, "twice")
    fresh()
    db.session.execute(db.update(Message).where(Message.author_id == cast.member.id)
                       .values(created_at=utcnow() - timedelta(seconds=31)))
    db.session.commit()
    assert client.post(url + "/messages", data={"content": "later"}, headers=htmx_headers()).status_code == 200
    fresh()
    assert messages_of(cast.member.id) == ["first", "later"]
    [entry] = [e for e in entries(cast.server.id) if e.action == audit.CHANNEL_UPDATED]
    assert entry.details["before"] == {"slow_mode": 0} and entry.details["after"] == {"slow_mode": 30}


# ---- Ownership ------------------------------------------------------------------------------------------


def test_ownership_moves_only_with_the_owners_password(client, as_user, cast):
    client = as_user(cast.owner)
    url = f"/servers/{cast.server.id}/transfer"
    wrong = client.post(url, data={"username": cast.member.username, "password": "not-it"})
    assert wrong.status_code == 422
    assert "That is not your password." in soup(wrong).select_one("#transfer-e-password").get_text()
    stranger = client.post(url, data={"username": cast.outsider.username, "password": PASSWORD})
    assert "Name another member of this server." in soup(stranger).select_one("#transfer-e-username").get_text()
    fresh()
    assert db.session.get(Server, cast.server.id).owner_id == cast.owner.id
    assert entries(cast.server.id) == []
    assert client.post(url, data={"username": "@" + cast.member.username, "password": PASSWORD}).status_code == 303
    fresh()
    roles = dict(db.session.execute(db.select(Membership.user_id, Membership.role)
                                    .where(Membership.server_id == cast.server.id)).all())
    assert (roles[cast.member.id], roles[cast.owner.id]) == ("owner", "admin")
    assert db.session.get(Server, cast.server.id).owner_id == cast.member.id
    [entry] = entries(cast.server.id)
    assert (entry.action, entry.actor_id, entry.target_user_id) == (audit.OWNERSHIP_TRANSFERRED, cast.owner.id,
                                                                    cast.member.id)


# ---- The audit log --------------------------------------------------------------------------------------


def test_every_settings_action_writes_one_entry_with_actor_target_and_change(cast):
    channel = server_service.create_channel(cast.admin, cast.server.id, {"name": "News"})
    server_service.update_channel(cast.admin, cast.server.id, channel.id, {"name": "announcements", "topic": "Hi"})
    server_service.delete_channel(cast.owner, cast.server.id, channel.id)
    server_service.update_server(cast.admin, cast.server.id, {"name": "Book Club", "description": "We read a lot.",
                                                               "visibility": "private"})
    server_service.set_role(cast.owner, cast.server.id, cast.member.id, "admin")
    link = invitations.create_link(cast.member, cast.server.id, {})
    invitations.revoke_link(cast.owner, link.id)
    server_service.remove_member(cast.owner, cast.server.id, cast.admin.id)
    fresh()
    rows = [(e.action, e.actor_id, e.target_user_id) for e in entries(cast.server.id)]
    assert rows == [
        (audit.CHANNEL_CREATED, cast.admin.id, None), (audit.CHANNEL_UPDATED, cast.admin.id, None),
        (audit.CHANNEL_DELETED, cast.owner.id, None), (audit.SERVER_UPDATED, cast.admin.id, None),
        (audit.ROLE_CHANGED, cast.owner.id, cast.member.id), (audit.INVITE_CREATED, cast.member.id, None),
        (audit.INVITE_REVOKED, cast.owner.id, None), (audit.MEMBER_REMOVED, cast.owner.id, cast.admin.id)]
    by_action = {e.action: e.details for e in entries(cast.server.id)}
    assert by_action[audit.CHANNEL_UPDATED]["before"] == {"name": "news", "topic": ""}
    assert by_action[audit.CHANNEL_UPDATED]["after"] == {"name": "announcements", "topic": "Hi"}
    assert by_action[audit.CHANNEL_DELETED]["channel"] == "announcements"
    assert by_action[audit.SERVER_UPDATED] == {"before": {"description": "We read.", "public": True},
                                               "after": {"description": "We read a lot.", "public": False}}
    assert by_action[audit.ROLE_CHANGED] == {"before": {"role": "member"}, "after": {"role": "admin"}}


def test_an_action_that_fails_writes_no_entry(cast):
    with pytest.raises(ValidationFailed):
        server_service.create_channel(cast.admin, cast.server.id, {"name": "general"})  # taken
    with pytest.raises(ValidationFailed):
        server_service.update_server(cast.admin, cast.server.id, {"name": ""})
    fresh()
    assert entries(cast.server.id) == []


def test_the_log_page_filters_and_pages_by_key(client, as_user, cast):
    for i in range(audit.PAGE_SIZE + 5):
        audit.record(cast.server.id, cast.admin.id if i % 2 else cast.owner.id, audit.INVITE_CREATED, invite=i)
    audit.record(cast.server.id, cast.owner.id, audit.MEMBER_REMOVED, cast.member.id, member="mia")
    db.session.commit()
    client = as_user(cast.admin)
    page = soup(client.get(f"/servers/{cast.server.id}/audit"))
    shown = page.select(".audit-entry")
    assert len(shown) == audit.PAGE_SIZE
    assert shown[0].select_one(".audit-action").get_text() == "Removed a member"
    assert shown[0].select_one(".audit-target").get_text() == "Mia"
    more = page.select_one(".audit-more a")["href"]
    rest = soup(client.get(more, headers=htmx_headers()))
    assert len(rest.select(".audit-entry")) == 6 and rest.select_one(".audit-more") is None
    only = soup(client.get(f"/servers/{cast.server.id}/audit?action={audit.MEMBER_REMOVED}"))
    assert [e["data-action"] for e in only.select(".audit-entry")] == [audit.MEMBER_REMOVED]
    by_admin = soup(client.get(f"/servers/{cast.server.id}/audit?actor={cast.admin.id}"))
    assert {e.select_one(".audit-actor").get_text() for e in by_admin.select(".audit-entry")} == {"Adam"}
    assert [o.get_text() for o in page.select("#audit-actor option")] == ["Anyone", "Adam", "Olivia"]


def test_the_log_page_costs_the_same_with_more_entries(client, as_user, cast, query_counter):
    client = as_user(cast.owner)
    audit.record(cast.server.id, cast.owner.id, audit.MEMBER_REMOVED, cast.member.id, member="mia")
    db.session.commit()
    with query_counter as few:
        client.get(f"/servers/{cast.server.id}/audit")
    for user in (make_user(f"extra{i}") for i in range(5)):
        audit.record(cast.server.id, user.id, audit.MEMBER_REMOVED, cast.member.id, member="mia")
    db.session.commit()
    with query_counter as many:
        client.get(f"/servers/{cast.server.id}/audit")
    assert many.count == few.count

"""Blocking: the blocked person's messages fold away for the blocker; they cannot mention the blocker into a
notification, invite them, or message them directly."""
import pytest

from app.extensions import db
from app.models import Block, Channel, Message, Notification
from app.services import blocks, direct, invitations
from app.services import messages as message_service
from app.services import servers as server_service
from app.services.errors import ValidationFailed
from tests.conftest import fresh, htmx_headers, soup


def notifications_of(user) -> list[str]:
    return list(db.session.scalars(db.select(Notification.kind).where(Notification.user_id == user.id)))


def test_blocking_from_the_card_folds_their_messages_on_the_page(client, as_user, cast):
    client = as_user(cast.member)
    card = soup(client.get(f"/users/{cast.admin.id}/card"))
    assert card.select_one(f"form[action='/users/{cast.admin.id}/block'] button").get_text() == "Block"
    assert client.post(f"/users/{cast.admin.id}/block", headers=htmx_headers()).headers["HX-Refresh"] == "true"
    page = soup(client.get(f"/servers/{cast.server.id}/channels/{cast.channel.id}"))
    assert page.select_one("#live")["data-blocked"] == str(cast.admin.id)
    card = soup(client.get(f"/users/{cast.admin.id}/card"))
    assert card.select_one(f"form[action='/users/{cast.admin.id}/unblock'] button").get_text() == "Unblock"
    assert client.post(f"/users/{cast.admin.id}/unblock").status_code == 303
    fresh()
    assert blocks.blocked_ids(cast.member.id) == set()


def test_the_profile_lists_the_blocked_to_unblock_even_after_they_left(client, as_user, cast):
    client = as_user(cast.member)
    assert soup(client.get("/profile")).select_one("#blocked-empty") is not None
    assert client.post(f"/users/{cast.admin.id}/block").status_code == 303
    server_service.leave_server(cast.admin, cast.server.id)
    assert client.get(f"/users/{cast.admin.id}/card").status_code == 404  # no card to unblock from any more
    row = soup(client.get("/profile")).select_one(f"#blocked-{cast.admin.id}")
    assert "@" + cast.admin.username in row.get_text()
    form = row.select_one("form")
    response = client.post(form["action"], data={"next": form.select_one("[name=next]")["value"]})
    assert response.status_code == 303 and response.headers["Location"] == "/profile#profile-blocked"
    fresh()
    assert blocks.blocked_ids(cast.member.id) == set()
    assert soup(client.get("/profile")).select_one("#blocked-empty") is not None


def test_strangers_and_oneself_cannot_be_blocked(client, as_user, cast):
    client = as_user(cast.member)
    assert client.post(f"/users/{cast.outsider.id}/block").status_code == 404
    assert client.post(f"/users/{cast.member.id}/block").status_code == 400
    fresh()
    assert db.session.scalar(db.select(db.func.count()).select_from(Block)) == 0


def test_a_blocked_author_mentions_and_answers_nobody_who_blocked_them(cast):
    blocks.block(cast.member, cast.admin.id)
    first = cast.post(cast.member, "my question")
    message_service.send_message(cast.admin, cast.server.id, cast.channel.id, "@mia @olivia hello", reply_to=first.id)
    fresh()
    assert notifications_of(cast.member) == []
    assert notifications_of(cast.owner) == ["mention"]
    # The mention itself is still in the message (highlighting, unread counts): only the notification is not.
    assert db.session.scalar(db.select(Message).order_by(Message.id.desc()).limit(1)).mentions


def test_a_blocked_user_cannot_invite_the_blocker(cast):
    other = server_service.create_server(cast.admin, {"name": "Elsewhere"})
    blocks.block(cast.member, cast.admin.id)
    with pytest.raises(ValidationFailed) as refused:
        invitations.invite_user(cast.admin, other.id, cast.member.username)
    assert refused.value.errors["username"] == "mia does not accept invitations from you."
    fresh()
    assert notifications_of(cast.member) == []


def test_blocks_close_direct_conversations_both_ways(cast):
    pair = direct.open_conversation(cast.member, cast.admin.username)
    channel = db.session.scalar(db.select(Channel).where(Channel.server_id == pair.id))
    blocks.block(cast.admin, cast.member.id)
    for writer in (cast.member, cast.admin):
        with pytest.raises(ValidationFailed) as refused:
            message_service.send_message(writer, pair.id, channel.id, "hello?")
        assert refused.value.status == 403
        fresh()
    assert db.session.scalar(db.select(db.func.count(Message.id)).where(Message.channel_id == channel.id)) == 0
    with pytest.raises(ValidationFailed) as refused:
        direct.open_conversation(cast.member, f"{cast.admin.username}, {cast.owner.username}")
    assert refused.value.errors["to"] == "adam does not accept direct messages from you."
    blocks.unblock(cast.admin, cast.member.id)
    message_service.send_message(cast.member, pair.id, channel.id, "friends again")

"""Replies: stored with the message they answer, a preview that jumps to it,
the answered author told (unless asked not to), and bad targets refused."""
import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Message, Notification
from app.services import messages as message_service
from app.services import notifications, preferences, replies
from app.services import servers as server_service
from tests.conftest import fresh, htmx_headers, soup
from tests.test_messages import channel_url


def reply(client, cast, original_id, content="agreed", notify=True, **headers):
    data = {"content": content, "reply_to": str(original_id)} | ({"notify_reply": "1"} if notify else {})
    return client.post(channel_url(cast) + "/messages", data=data, headers=headers)


def replies_notified(user) -> list[Notification]:
    return list(db.session.scalars(select(Notification).where(Notification.user_id == user.id,
                                                              Notification.kind == notifications.REPLY)))


def test_a_reply_shows_a_preview_of_the_original_that_links_to_it(client, as_user, cast):
    original = cast.post(cast.owner, "**Meeting** moved to\nThursday at `18:00`")
    as_user(cast.member)
    response = reply(client, cast, original.id)
    assert response.status_code == 303
    answer = db.session.scalar(select(Message).order_by(Message.id.desc()).limit(1))
    assert answer.reply_to_id == original.id
    preview = soup(client.get(channel_url(cast))).select_one(f"#message-{answer.id} .reply-preview")
    link = preview.select_one("a.reply-link")
    assert link["href"] == f"/messages/{original.id}"
    assert link.select_one(".reply-author").text == cast.owner.display_name
    assert link.select_one(".reply-excerpt").text == "Meeting moved to Thursday at 18:00"  # one line, no markup


def test_a_long_original_is_cut_to_one_line_of_about_a_hundred_characters(client, as_user, cast):
    original = cast.post(cast.owner, "> quoted\n" + "word " * 60)
    answer = message_service.send_message(cast.member, cast.server.id, cast.channel.id, "tl;dr?",
                                          reply_to=original.id)
    as_user(cast.member)
    shown = soup(client.get(channel_url(cast))).select_one(f"#message-{answer.id} .reply-excerpt").text
    assert shown.startswith("quoted word word") and shown.endswith("…") and "\n" not in shown
    assert len(shown) == replies.EXCERPT_MAX


def test_the_htmx_answer_carries_the_preview_too(client, as_user, cast):
    original = cast.post(cast.owner, "question?")
    as_user(cast.member)
    response = reply(client, cast, original.id, **htmx_headers("div#message-list"))
    assert response.status_code == 200
    assert soup(response).select_one(".reply-preview .reply-excerpt").text == "question?"


def test_a_deleted_original_leaves_a_note_in_its_place(client, as_user, cast):
    original = cast.post(cast.owner, "soon gone")
    answer = message_service.send_message(cast.member, cast.server.id, cast.channel.id, "replying",
                                          reply_to=original.id)
    message_service.delete_message(cast.owner, original.id)
    as_user(cast.member)
    preview = soup(client.get(channel_url(cast))).select_one(f"#message-{answer.id} .reply-preview")
    assert preview.get_text(" ", strip=True) == "↳ Original message was deleted"
    assert preview.select("a") == []


@pytest.mark.parametrize("target", ["elsewhere", "unknown", "garbage", "huge"])
def test_a_reply_to_a_message_outside_the_channel_is_refused_and_nothing_is_written(client, as_user, cast, target):
    side = server_service.create_channel(cast.owner, cast.server.id, {"name": "side"})
    elsewhere = cast.post(cast.owner, "in another channel", channel=side)
    value = {"elsewhere": elsewhere.id, "unknown": 999999, "garbage": "abc", "huge": 2 ** 70}[target]
    before = db.session.scalar(select(func.count(Message.id)))
    as_user(cast.member)
    response = reply(client, cast, value)
    assert response.status_code == 422
    assert "The message you are replying to is not in this channel any more." in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Message.id))) == before


def test_an_outsider_cannot_open_the_reply_page(client, as_user, cast):
    original = cast.post(cast.owner, "members only")
    as_user(cast.outsider)
    assert client.get(f"/messages/{original.id}/reply").status_code == 404


def test_the_reply_page_works_without_javascript(client, as_user, cast):
    original = cast.post(cast.owner, "plain forms")
    as_user(cast.member)
    page = soup(client.get(f"/messages/{original.id}/reply"))
    form = page.select_one("form#composer")
    assert form["action"] == channel_url(cast) + "/messages"
    assert form.select_one("input[name=reply_to]")["value"] == str(original.id)
    assert form.select_one("input[name=notify_reply]").has_attr("checked")
    assert page.select_one("#reply-bar").has_attr("hidden") is False
    assert page.select_one("blockquote").get_text(strip=True) == "plain forms"


def test_the_answered_author_is_told_once_and_not_when_notify_is_off(client, as_user, cast):
    original = cast.post(cast.owner, "ping me")
    as_user(cast.member)
    reply(client, cast, original.id)
    [told] = replies_notified(cast.owner)
    assert told.actor_id == cast.member.id and told.channel_name == cast.channel.name
    panel = soup(as_user(cast.owner).get("/notifications")).get_text(" ", strip=True)
    assert f"{cast.member.display_name} replied to you in #{cast.channel.name}" in panel
    as_user(cast.member)
    reply(client, cast, original.id, "quietly", notify=False)
    assert len(replies_notified(cast.owner)) == 1
    # Mentioned as well: one notification (the mention), not two.
    reply(client, cast, original.id, f"@{cast.owner.username} both")
    fresh()
    assert len(replies_notified(cast.owner)) == 1
    mentions = db.session.scalar(select(func.count(Notification.id)).where(
        Notification.user_id == cast.owner.id, Notification.kind == notifications.MENTION))
    assert mentions == 1


def test_replying_to_yourself_or_in_a_muted_server_tells_no_one(client, as_user, cast):
    mine = cast.post(cast.member, "note to self")
    as_user(cast.member)
    reply(client, cast, mine.id)
    assert replies_notified(cast.member) == []
    original = cast.post(cast.owner, "muted")
    preferences.set_notify_level(cast.owner, cast.server.id, {"level": preferences.LEVEL_NOTHING})
    reply(client, cast, original.id)
    assert replies_notified(cast.owner) == []

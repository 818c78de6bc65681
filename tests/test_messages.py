"""Posting, history pages, editing and deleting messages."""
from datetime import timedelta

import pytest
from sqlalchemy import func, insert, select

from app.extensions import db
from app.models import Event, Message, utcnow
from app.services import events
from app.services import servers as server_service
from tests.conftest import fresh, htmx_headers, soup


def channel_url(cast) -> str:
    return f"/servers/{cast.server.id}/channels/{cast.channel.id}"


def message_count() -> int:
    return db.session.scalar(select(func.count(Message.id)))


def test_htmx_post_returns_the_message_for_the_list(client, as_user, cast):
    as_user(cast.member)
    response = client.post(channel_url(cast) + "/messages", data={"content": "  line one\nline two  "},
                           headers=htmx_headers("div#message-list"))
    assert response.status_code == 200
    upsert = soup(response).select_one("hx-upsert")
    assert upsert["hx-target"] == f"#message-list[data-channel-id='{cast.channel.id}']"
    article = upsert.select_one("article.message")
    fresh()
    message = db.session.scalar(select(Message))
    assert article["id"] == f"message-{message.id}"
    assert article.select_one(".author").text == "Mia"
    assert article.select_one(".content").text == "line one\nline two"
    assert article.select_one("time")["datetime"].startswith(str(message.created_at.date()))
    assert [a.text for a in article.select(".message-actions a")] == ["Reply", "React", "Edit", "Delete"]


def test_plain_post_redirects_back_to_the_channel(client, as_user, cast):
    as_user(cast.member)
    response = client.post(channel_url(cast) + "/messages", data={"content": "no js here"})
    assert response.status_code == 303
    fresh()
    message_id = db.session.scalar(select(Message.id))
    assert response.headers["Location"] == f"{channel_url(cast)}#message-{message_id}"
    page = soup(client.get(channel_url(cast)))
    assert page.select_one(f"#message-{message_id} .content").text == "no js here"


@pytest.mark.parametrize("content, error", [
    ("", "Write something first."),
    ("   \n  ", "Write something first."),
    ("x" * 4001, "at most 4000 characters"),
])
def test_invalid_post_shows_error_at_composer_and_writes_nothing(client, as_user, cast, content, error):
    as_user(cast.member)
    response = client.post(channel_url(cast) + "/messages", data={"content": content},
                           headers=htmx_headers("div#message-list"))
    assert response.status_code == 422
    assert response.headers["HX-Retarget"] == "#composer"
    assert response.headers["HX-Reswap"] == "outerHTML"
    composer = soup(response).select_one("form#composer")
    assert error in composer.select_one("#composer-error").text
    assert composer.select_one("textarea")["aria-invalid"] == "true"
    plain = client.post(channel_url(cast) + "/messages", data={"content": content})
    assert plain.status_code == 422
    assert error in soup(plain).select_one("main #composer #composer-error").text
    fresh()
    assert message_count() == 0
    assert db.session.scalar(select(func.count(Event.id)).where(Event.kind == events.MESSAGE_CREATED)) == 0


def test_exactly_4000_characters_are_accepted(client, as_user, cast):
    as_user(cast.member)
    response = client.post(channel_url(cast) + "/messages", data={"content": "é" * 4000})
    assert response.status_code == 303


def test_user_text_is_escaped_everywhere(client, as_user, cast):
    typed = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    cast.post(cast.member, typed)
    as_user(cast.owner)
    response = client.get(channel_url(cast))
    html = response.get_data(as_text=True)
    assert "<script>alert" not in html and "<img src=x" not in html
    content = soup(response).select_one(".content")
    assert content.get_text() == typed  # shown as typed, as text
    assert content.select("script, img") == []


def test_emoji_and_accents_round_trip(client, as_user, cast):
    cast.post(cast.member, "¡Hola! 👋🏽 ñandú")
    as_user(cast.owner)
    assert soup(client.get(channel_url(cast))).select_one(".content").text == "¡Hola! 👋🏽 ñandú"


def test_consecutive_messages_of_one_author_are_grouped(client, as_user, cast):
    for author, text in ((cast.member, "a"), (cast.member, "b"), (cast.owner, "c"), (cast.member, "d")):
        cast.post(author, text)
    as_user(cast.owner)
    articles = soup(client.get(channel_url(cast))).select("#message-list article.message")
    assert ["grouped" in a["class"] for a in articles] == [False, True, False, False]
    assert articles[1].select_one(".author") is None


def test_only_the_author_sees_edit_and_delete(client, as_user, cast):
    message = cast.post(cast.member, "mine")
    as_user(cast.owner)
    article = soup(client.get(channel_url(cast))).select_one(f"#message-{message.id}")
    assert article.select_one(".message-actions .action.edit") is None
    assert article.select_one(".message-actions .action.danger") is None
    as_user(cast.member)
    article = soup(client.get(channel_url(cast))).select_one(f"#message-{message.id}")
    assert article.select_one(".message-actions .action.edit") is not None
    assert article.select_one(".message-actions .action.danger") is not None


def seed_history(cast, count: int) -> list[int]:
    start = utcnow() - timedelta(days=1)
    db.session.execute(insert(Message), [
        {"channel_id": cast.channel.id, "author_id": cast.member.id, "content": f"m{i}",
         "created_at": start + timedelta(seconds=i)} for i in range(count)])
    db.session.commit()
    return list(db.session.scalars(select(Message.id).order_by(Message.id)))


def test_history_loads_older_pages_by_keyset(client, as_user, cast):
    ids = seed_history(cast, 120)
    as_user(cast.owner)
    page = soup(client.get(channel_url(cast)))
    shown = [int(a["id"].split("-")[1]) for a in page.select("#message-list article.message")]
    assert shown == ids[-50:]
    more = page.select_one(f"#history-before-{ids[-50]} a")
    assert more["hx-trigger"] == "intersect once, click"
    assert more["href"] == f"{channel_url(cast)}?before={ids[-50]}"

    older = client.get(more["hx-get"], headers=htmx_headers(f"div#history-before-{ids[-50]}"))
    fragment = soup(older)
    assert [int(a["id"].split("-")[1]) for a in fragment.select("article.message")] == ids[-100:-50]
    last = fragment.select_one(f"#history-before-{ids[-100]} a")
    oldest = soup(client.get(last["hx-get"], headers=htmx_headers("div")))
    assert [int(a["id"].split("-")[1]) for a in oldest.select("article.message")] == ids[:20]
    assert oldest.select_one(".history-more") is None


def test_older_history_without_javascript_is_a_page(client, as_user, cast):
    ids = seed_history(cast, 60)
    as_user(cast.owner)
    response = client.get(f"{channel_url(cast)}/messages?before={ids[10]}")
    assert response.status_code == 302
    page = soup(client.get(response.headers["Location"]))
    assert [a.select_one(".content").text for a in page.select("article.message")] == [f"m{i}" for i in range(10)]


def test_edit_form_then_save_marks_edited(client, as_user, cast):
    message = cast.post(cast.member, "first")
    as_user(cast.member)
    form = soup(client.get(f"/messages/{message.id}/edit", headers=htmx_headers(f"article#message-{message.id}")))
    edit = form.select_one(f"form#message-{message.id}.editing")
    assert edit["hx-post"] == f"/messages/{message.id}/edit" and edit["hx-swap"] == "outerHTML"
    assert edit.select_one("textarea[data-escape-cancels][data-enter-submits]").text == "first"
    assert edit.select_one("a[data-cancel]")["hx-get"] == f"/messages/{message.id}"

    saved = client.post(f"/messages/{message.id}/edit", data={"content": "second"},
                        headers=htmx_headers(f"form#message-{message.id}"))
    article = soup(saved).select_one(f"article#message-{message.id}")
    assert article.select_one(".content").text == "second"
    assert article.select_one(".edited").text == "(edited)"
    fresh()
    assert db.session.scalar(select(Message.edited_at).where(Message.id == message.id)) is not None


def test_cancel_edit_returns_the_message(client, as_user, cast):
    message = cast.post(cast.member, "keep me")
    as_user(cast.member)
    response = client.get(f"/messages/{message.id}", headers=htmx_headers(f"form#message-{message.id}"))
    assert soup(response).select_one(f"article#message-{message.id} .content").text == "keep me"
    plain = client.get(f"/messages/{message.id}")
    assert plain.headers["Location"] == f"{channel_url(cast)}#message-{message.id}"


def test_invalid_edit_keeps_the_form_and_the_old_content(client, as_user, cast):
    message = cast.post(cast.member, "original")
    as_user(cast.member)
    response = client.post(f"/messages/{message.id}/edit", data={"content": " "},
                           headers=htmx_headers(f"form#message-{message.id}"))
    assert response.status_code == 422
    assert "Write something first." in soup(response).select_one(f"#edit-error-{message.id}").text
    fresh()
    assert db.session.scalar(select(Message.content).where(Message.id == message.id)) == "original"


def test_edit_and_delete_without_javascript(client, as_user, cast):
    message = cast.post(cast.member, "plain")
    as_user(cast.member)
    page = soup(client.get(f"/messages/{message.id}/edit"))
    assert page.select_one("html main form.editing")["action"] == f"/messages/{message.id}/edit"
    saved = client.post(f"/messages/{message.id}/edit", data={"content": "plain edited"})
    assert saved.status_code == 303
    confirm = soup(client.get(f"/messages/{message.id}/delete"))
    assert confirm.select_one("blockquote").text == "plain edited"
    assert confirm.select_one(f"form[action='/messages/{message.id}/delete'] button").text == "Delete"
    deleted = client.post(f"/messages/{message.id}/delete")
    assert deleted.status_code == 303 and deleted.headers["Location"] == channel_url(cast)
    fresh()
    assert message_count() == 0


def test_htmx_delete_removes_the_element(client, as_user, cast):
    message = cast.post(cast.member, "gone soon")
    as_user(cast.member)
    response = client.post(f"/messages/{message.id}/delete", headers=htmx_headers(f"article#message-{message.id}"))
    assert response.status_code == 200 and response.headers["HX-Reswap"] == "delete"
    fresh()
    assert message_count() == 0


@pytest.mark.parametrize("method, path", [
    ("get", "/messages/{id}/edit"), ("post", "/messages/{id}/edit"),
    ("get", "/messages/{id}/delete"), ("post", "/messages/{id}/delete"),
])
def test_someone_elses_message_is_403_and_unchanged(client, as_user, cast, method, path):
    message = cast.post(cast.member, "not yours")
    as_user(cast.owner)
    response = getattr(client, method)(path.format(id=message.id), data={"content": "hijacked"})
    assert response.status_code == 403
    assert soup(response).select_one("h1").text == "Not allowed"
    fresh()
    assert db.session.scalar(select(Message.content).where(Message.id == message.id)) == "not yours"
    assert db.session.scalar(select(func.count(Event.id)).where(Event.kind != events.MESSAGE_CREATED,
                                                                 Event.channel_id.is_not(None))) == 0


def test_a_retried_post_with_the_same_nonce_creates_one_message(client, as_user, cast):
    as_user(cast.member)
    url = channel_url(cast) + "/messages"
    first = client.post(url, data={"content": "only once", "nonce": "abc123"}, headers=htmx_headers("form"))
    retry = client.post(url, data={"content": "only once", "nonce": "abc123"}, headers=htmx_headers("form"))
    assert first.status_code == retry.status_code == 200
    assert soup(first).select_one("article")["id"] == soup(retry).select_one("article")["id"]
    other = client.post(url, data={"content": "only once", "nonce": "def456"}, headers=htmx_headers("form"))
    assert soup(other).select_one("article")["id"] != soup(first).select_one("article")["id"]
    fresh()
    assert message_count() == 2
    assert db.session.scalar(select(func.count(Event.id)).where(Event.kind == events.MESSAGE_CREATED)) == 2


def test_a_nonce_reused_in_another_channel_is_another_message(client, as_user, cast):
    news = server_service.create_channel(cast.owner, cast.server.id, {"name": "news"})
    as_user(cast.member)
    first = client.post(channel_url(cast) + "/messages", data={"content": "in general", "nonce": "same1"},
                        headers=htmx_headers("form"))
    elsewhere = client.post(f"/servers/{cast.server.id}/channels/{news.id}/messages",
                            data={"content": "in news", "nonce": "same1"}, headers=htmx_headers("form"))
    assert first.status_code == elsewhere.status_code == 200
    assert soup(elsewhere).select_one("article .content").text == "in news"
    fresh()
    rows = db.session.execute(select(Message.channel_id, Message.content).order_by(Message.id)).all()
    assert rows == [(cast.channel.id, "in general"), (news.id, "in news")]


def test_the_composer_carries_a_fresh_nonce(client, as_user, cast):
    as_user(cast.member)
    nonces = {soup(client.get(channel_url(cast))).select_one("#composer input[name=nonce]")["value"]
              for _ in range(3)}
    assert len(nonces) == 3 and all(len(n) == 32 for n in nonces)

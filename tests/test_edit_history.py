"""Edit history and the edit window: earlier versions kept and shown to members,
and a server's window enforced by the service, not just hidden in the page."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Message, MessageRevision, Server
from app.services import messages as message_service
from tests.conftest import fresh, soup
from tests.test_messages import channel_url


def edit(client, message_id, content):
    return client.post(f"/messages/{message_id}/edit", data={"content": content})


def revisions() -> int:
    return db.session.scalar(select(func.count()).select_from(MessageRevision))


def test_every_real_edit_keeps_the_earlier_version_and_members_see_them_all(client, as_user, cast, query_counter):
    message = cast.post(cast.member, "first **draft**")
    as_user(cast.member)
    assert edit(client, message.id, "second draft").status_code == 303
    assert edit(client, message.id, "second draft").status_code == 303  # no change: no version
    assert edit(client, message.id, "final").status_code == 303
    assert revisions() == 2

    as_user(cast.admin)  # any member may look, as in Zulip
    link = soup(client.get(channel_url(cast))).select_one(f"#message-{message.id} a.edited")
    assert link["href"] == f"/messages/{message.id}/history"
    assert link["aria-label"] == "Earlier versions of this message"
    with query_counter as counter:
        page = soup(client.get(link["href"]))
    versions = page.select(".versions .version")
    assert [v.select_one(".content").get_text().strip() for v in versions] == ["final", "second draft", "first draft"]
    assert versions[0].select_one(".version-current").text == "current"
    assert versions[2].select_one(".content strong").text == "draft"  # shown formatted
    times = [v.select_one("time")["datetime"] for v in versions]
    assert times == sorted(times, reverse=True)
    few = counter.count
    for i in range(5):
        edit(as_user(cast.member), message.id, f"again {i}")
    as_user(cast.admin)
    with query_counter as counter:
        client.get(link["href"])
    assert counter.count == few  # constant however many versions


def test_an_outsider_gets_404_and_a_deleted_message_takes_its_history_along(client, as_user, cast):
    message = cast.post(cast.member, "v1")
    message_service.edit_message(cast.member, message.id, "v2")
    as_user(cast.outsider)
    assert client.get(f"/messages/{message.id}/history").status_code == 404
    message_service.delete_message(cast.member, message.id)
    as_user(cast.member)
    assert client.get(f"/messages/{message.id}/history").status_code == 404
    assert revisions() == 0


def set_window(server: Server, seconds: int | None) -> None:
    db.session.get(Server, server.id).edit_window_seconds = seconds
    db.session.commit()


def age(message: Message, seconds: int) -> None:
    db.session.get(Message, message.id).created_at = message.created_at - timedelta(seconds=seconds)
    db.session.commit()


def test_the_edit_window_is_enforced_by_the_service(client, as_user, cast):
    set_window(cast.server, 300)
    inside, outside = cast.post(cast.member, "young"), cast.post(cast.member, "old")
    age(inside, 290)
    age(outside, 310)
    as_user(cast.member)
    assert edit(client, inside.id, "changed in time").status_code == 303
    response = edit(client, outside.id, "too late")
    assert response.status_code == 403
    assert "Messages in this server can be edited for 5 minutes after sending." in response.get_data(as_text=True)
    fresh()
    assert db.session.get(Message, outside.id).content == "old"
    assert client.get(f"/messages/{outside.id}/edit").status_code == 403
    page = soup(client.get(channel_url(cast)))
    assert page.select_one(f"#message-{outside.id} .action.edit") is None  # not offered
    assert page.select_one(f"#message-{outside.id} .action.danger") is not None  # deleting stays allowed
    assert client.post(f"/messages/{outside.id}/delete").status_code == 303


def test_no_window_means_always(client, as_user, cast):
    message = cast.post(cast.member, "ancient")
    age(message, 10 * 365 * 86400)
    as_user(cast.member)
    assert edit(client, message.id, "still mine").status_code == 303


def settings(client, cast, **fields):
    data = {"name": cast.server.name, "description": "", "visibility": "public"} | fields
    return client.post(f"/servers/{cast.server.id}/settings", data=data)


@pytest.mark.parametrize(("choice", "stored"), [("900", 900), ("604800", 604800), ("", None)])
def test_the_owner_chooses_the_window_from_the_list(client, as_user, cast, choice, stored):
    as_user(cast.owner)
    assert settings(client, cast, edit_window=choice).status_code == 303
    fresh()
    assert db.session.get(Server, cast.server.id).edit_window_seconds == stored
    page = soup(client.get(f"/servers/{cast.server.id}/settings"))
    assert page.select_one("#settings-edit-window option[selected]")["value"] == choice


@pytest.mark.parametrize("bad", ["1", "-300", "abc", "9" * 40])
def test_a_window_not_in_the_list_is_refused_and_nothing_changes(client, as_user, cast, bad):
    as_user(cast.owner)
    response = settings(client, cast, edit_window=bad, description="new words")
    assert response.status_code == 422
    assert "Choose one of the listed times." in response.get_data(as_text=True)
    fresh()
    server = db.session.get(Server, cast.server.id)
    assert server.edit_window_seconds is None and server.description == "We read."


def test_a_member_cannot_change_the_window(client, as_user, cast):
    as_user(cast.member)
    assert settings(client, cast, edit_window="300").status_code == 403
    fresh()
    assert db.session.get(Server, cast.server.id).edit_window_seconds is None

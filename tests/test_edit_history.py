"""Edit history ("(edited)" opens every version) and the server's edit window."""
import threading
from datetime import timedelta

import pytest
from sqlalchemy import event, func, select

from app.extensions import db
from app.models import Event, Message, MessageRevision, Server, utcnow
from app.services import edit_window, events
from app.services import messages as message_service
from tests.conftest import fresh, htmx_headers, soup


def channel_url(cast) -> str:
    return f"/servers/{cast.server.id}/channels/{cast.channel.id}"


def revisions_of(message_id: int) -> list[MessageRevision]:
    fresh()
    return list(db.session.scalars(select(MessageRevision).where(MessageRevision.message_id == message_id)
                                   .order_by(MessageRevision.id)))


def set_created_at(message: Message, when) -> None:
    db.session.execute(db.update(Message).where(Message.id == message.id).values(created_at=when))
    db.session.commit()
    fresh()


def set_window(server_id: int, seconds: int | None) -> None:
    db.session.execute(db.update(Server).where(Server.id == server_id).values(edit_window_seconds=seconds))
    db.session.commit()
    fresh()


def edit(client, message_id: int, content: str, **headers):
    return client.post(f"/messages/{message_id}/edit", data={"content": content}, headers=headers)


# ---- Revisions -----------------------------------------------------------------------------


def test_a_real_change_keeps_the_previous_version_with_its_time(client, as_user, cast):
    message = cast.post(cast.member, "first **draft**")
    created_at, first_html = message.created_at, message.content_html
    as_user(cast.member)
    assert edit(client, message.id, "second").status_code == 303
    [first] = revisions_of(message.id)
    assert (first.content, first.written_at) == ("first **draft**", created_at)
    edited_at = db.session.get(Message, message.id).edited_at
    assert edited_at >= created_at and first_html is not None

    assert edit(client, message.id, "third").status_code == 303
    older, newer = revisions_of(message.id)
    assert (older.content, newer.content) == ("first **draft**", "second")
    assert newer.written_at == edited_at  # the second version was written when it was edited in


def test_saving_the_same_text_writes_no_revision(client, as_user, cast):
    message = cast.post(cast.member, "same")
    as_user(cast.member)
    assert edit(client, message.id, "  same  ").status_code == 303
    assert revisions_of(message.id) == []
    assert db.session.get(Message, message.id).edited_at is None


def test_an_invalid_edit_writes_no_revision(client, as_user, cast):
    message = cast.post(cast.member, "keep")
    as_user(cast.member)
    assert edit(client, message.id, "   ").status_code == 422
    assert revisions_of(message.id) == []


# ---- The history: link, page, popover --------------------------------------------------------


def edited_twice(cast):
    message = cast.post(cast.member, "one")
    message_service.edit_message(cast.member, message.id, "two")
    message_service.edit_message(cast.member, message.id, "three *now*")
    return message


def test_edited_links_to_the_history_with_an_accessible_name(client, as_user, cast):
    message = edited_twice(cast)
    as_user(cast.admin)
    page = soup(client.get(channel_url(cast)))
    link = page.select_one(f"#message-{message.id} .edited a")
    assert link.text == "(edited)"
    assert link["href"] == link["hx-get"] == f"/messages/{message.id}/history"
    assert link["aria-label"] == "Edited: show earlier versions"
    assert link["hx-target"] == "#profile-card"
    assert page.select_one("#profile-card") is not None
    unedited = cast.post(cast.member, "never edited")
    assert soup(client.get(channel_url(cast))).select_one(f"#message-{unedited.id} .edited") is None


def test_any_member_sees_every_version_newest_first(client, as_user, cast):
    message = edited_twice(cast)
    versions = db.session.scalars(select(MessageRevision).where(MessageRevision.message_id == message.id)
                                  .order_by(MessageRevision.id)).all()
    as_user(cast.admin)  # not the author
    response = client.get(f"/messages/{message.id}/history")
    assert response.status_code == 200
    page = soup(response)
    items = page.select("main .edit-history-versions > li")
    assert [li.select_one(".content").get_text() for li in items] == ["three now", "two", "one"]
    # Shown as messages are: the current version's formatting comes through.
    assert items[0].select_one(".content em").text == "now"
    assert [li.select_one(".edit-history-current") is not None for li in items] == [True, False, False]
    assert items[0].select_one(".edit-history-current").text == "current"
    fresh()
    current = db.session.get(Message, message.id)
    times = [li.select_one("time")["datetime"] for li in items]
    assert times == [current.edited_at.isoformat(), versions[1].written_at.isoformat(),
                     current.created_at.isoformat()]
    assert page.select_one("main h1").text == "Edit history"
    back = page.select_one(f"main a[href='{channel_url(cast)}#message-{message.id}']")
    assert back.text.strip().endswith("#general")


def test_htmx_gets_the_popover_that_focuses_its_heading(client, as_user, cast):
    message = edited_twice(cast)
    as_user(cast.member)
    response = client.get(f"/messages/{message.id}/history", headers=htmx_headers("div#profile-card"))
    fragment = soup(response)
    assert fragment.select_one("html") is None
    aside = fragment.select_one(f"aside#edit-history-{message.id}")
    assert aside["aria-labelledby"] == f"edit-history-{message.id}-title"
    assert fragment.select_one(f"h2#edit-history-{message.id}-title").has_attr("autofocus")
    assert fragment.select_one("button[data-close-card]")["aria-label"] == "Close"
    assert len(fragment.select("li.edit-history-version")) == 3


def test_outsiders_get_404_and_anonymous_the_login(client, as_user, cast):
    message = edited_twice(cast)
    assert client.get(f"/messages/{message.id}/history").headers["Location"].startswith("/login?next=")
    as_user(cast.outsider)
    assert client.get(f"/messages/{message.id}/history").status_code == 404
    assert client.get("/messages/999999/history").status_code == 404


def test_a_deleted_message_has_no_history_and_its_revisions_go(client, as_user, cast):
    message = edited_twice(cast)
    as_user(cast.member)
    assert client.post(f"/messages/{message.id}/delete").status_code == 303
    assert client.get(f"/messages/{message.id}/history").status_code == 404
    assert revisions_of(message.id) == []


def test_a_deleted_channel_takes_the_revisions_with_it(client, as_user, cast):
    message = edited_twice(cast)
    assert len(revisions_of(message.id)) == 2
    as_user(cast.owner)
    assert client.post(f"{channel_url(cast)}/delete").status_code == 303
    assert db.session.scalar(select(func.count(MessageRevision.id))) == 0


# ---- Queries ---------------------------------------------------------------------------------


@pytest.fixture
def statements(app):
    """The SQL statements this thread runs inside the block."""
    class Recorder(list):
        def __enter__(self):
            self.clear()
            self.thread = threading.get_ident()
            event.listen(db.engine, "before_cursor_execute", self.record)
            return self

        def __exit__(self, *exc):
            event.remove(db.engine, "before_cursor_execute", self.record)

        def record(self, _conn, _cursor, statement, *args):
            if threading.get_ident() == self.thread:
                self.append(statement)
    return Recorder()


def test_the_history_loads_in_constant_queries(client, as_user, cast, statements):
    message = cast.post(cast.member, "v0")
    as_user(cast.admin)
    counts = []
    for edits in (1, 12):
        while len(revisions_of(message.id)) < edits:
            message_service.edit_message(cast.member, message.id, f"v{len(revisions_of(message.id)) + 1}")
        with statements:
            page = client.get(f"/messages/{message.id}/history")
        assert len(soup(page).select("li.edit-history-version")) == edits + 1
        counts.append(len(statements))
    assert counts[0] == counts[1], counts


def test_the_channel_page_reads_no_revisions(client, as_user, cast, statements):
    message = edited_twice(cast)
    as_user(cast.admin)
    with statements:
        page = client.get(channel_url(cast))
    assert soup(page).select_one(f"#message-{message.id} .edited a") is not None
    assert statements and not [s for s in statements if "message_revisions" in s]


# ---- The edit window -------------------------------------------------------------------------


def test_no_limit_by_default(client, as_user, cast):
    message = cast.post(cast.member, "old")
    set_created_at(message, utcnow() - timedelta(days=400))
    assert db.session.get(Server, cast.server.id).edit_window_seconds is None
    as_user(cast.member)
    assert edit(client, message.id, "still editable").status_code == 303


def test_the_window_is_enforced_by_the_service_at_its_boundary(cast, monkeypatch):
    set_window(cast.server.id, 300)
    message = cast.post(cast.member, "quick")
    created = db.session.get(Message, message.id).created_at
    monkeypatch.setattr(edit_window, "utcnow", lambda: created + timedelta(seconds=300))
    message_service.edit_message(cast.member, message.id, "at the last second")
    monkeypatch.setattr(edit_window, "utcnow", lambda: created + timedelta(seconds=300, microseconds=1))
    with pytest.raises(edit_window.EditWindowClosed) as closed:
        message_service.edit_message(cast.member, message.id, "too late")
    assert closed.value.code == 403
    assert closed.value.description == "Messages in this server can be edited for 5 minutes after sending."
    fresh()
    assert db.session.get(Message, message.id).content == "at the last second"
    assert [r.content for r in revisions_of(message.id)] == ["quick"]


def test_outside_the_window_edits_are_refused_and_deleting_stays(client, as_user, cast):
    set_window(cast.server.id, 3600)
    message = cast.post(cast.member, "from yesterday")
    message_id = message.id
    set_created_at(message, utcnow() - timedelta(hours=1, seconds=1))
    last_event = db.session.scalar(select(func.max(Event.id)))
    as_user(cast.member)
    response = edit(client, message.id, "changed")
    assert response.status_code == 403
    assert "Messages in this server can be edited for 1 hour after sending." in response.get_data(as_text=True)
    toast = edit(client, message.id, "changed", **htmx_headers(f"form#message-{message.id}"))
    assert toast.status_code == 403 and toast.headers["HX-Retarget"] == "#toasts"
    assert "1 hour" in soup(toast).get_text()
    assert client.get(f"/messages/{message.id}/edit").status_code == 403
    fresh()
    assert db.session.get(Message, message.id).content == "from yesterday"
    assert db.session.get(Message, message.id).edited_at is None
    assert revisions_of(message.id) == []
    assert db.session.scalar(select(func.max(Event.id))) == last_event
    assert client.post(f"/messages/{message_id}/delete").status_code == 303
    fresh()
    assert db.session.get(Message, message_id) is None


def test_edit_is_hidden_outside_the_window_on_the_page(client, as_user, cast):
    set_window(cast.server.id, 300)
    old = cast.post(cast.member, "old one")
    set_created_at(old, utcnow() - timedelta(minutes=6))
    new = cast.post(cast.member, "new one")
    as_user(cast.member)
    page = soup(client.get(channel_url(cast)))
    assert page.select_one(f"#message-{old.id} .action.edit") is None
    assert page.select_one(f"#message-{old.id} .action.danger") is not None
    assert page.select_one(f"#message-{new.id} .action.edit") is not None


# ---- Setting the window ----------------------------------------------------------------------


def test_the_owner_sees_the_choices_on_the_settings_page(client, as_user, cast):
    as_user(cast.owner)
    page = soup(client.get(f"/servers/{cast.server.id}/settings"))
    form = page.select_one("form#edit-window-form")
    assert form["action"] == f"/servers/{cast.server.id}/edit-window"
    assert form.select_one("input[name=csrf_token]") is not None
    select_ = form.select_one("select#settings-edit-window[name=edit_window]")
    assert page.select_one("label[for=settings-edit-window]").text == "Edit window"
    options = [(o["value"], o.text) for o in select_.select("option")]
    assert options == [("", "No limit"), ("300", "5 minutes"), ("900", "15 minutes"), ("3600", "1 hour"),
                       ("86400", "1 day"), ("604800", "1 week")]
    assert select_.select_one("option[selected]")["value"] == ""


def test_the_owner_sets_the_window_and_other_tabs_hear_of_it(client, as_user, cast):
    as_user(cast.owner)
    last_event = db.session.scalar(select(func.max(Event.id)))
    response = client.post(f"/servers/{cast.server.id}/edit-window", data={"edit_window": "900"})
    assert response.status_code == 303
    assert response.headers["Location"] == f"/servers/{cast.server.id}/settings"
    fresh()
    assert db.session.get(Server, cast.server.id).edit_window_seconds == 900
    [changed] = db.session.scalars(select(Event).where(Event.id > last_event)).all()
    assert (changed.kind, changed.server_id) == (events.SERVER_UPDATED, cast.server.id)
    page = soup(client.get(f"/servers/{cast.server.id}/settings"))
    assert page.select_one("#settings-edit-window option[selected]")["value"] == "900"

    assert client.post(f"/servers/{cast.server.id}/edit-window", data={"edit_window": ""}).status_code == 303
    fresh()
    assert db.session.get(Server, cast.server.id).edit_window_seconds is None


@pytest.mark.parametrize("value", ["120", "abc", "-300", "3600.0", " 9e9"])
def test_a_choice_not_offered_is_400_with_a_message_and_changes_nothing(client, as_user, cast, value):
    set_window(cast.server.id, 3600)
    as_user(cast.owner)
    last_event = db.session.scalar(select(func.max(Event.id)))
    response = client.post(f"/servers/{cast.server.id}/edit-window", data={"edit_window": value})
    assert response.status_code == 400
    page = soup(response)
    assert page.select_one("#settings-e-edit-window").text == "Choose one of the edit windows offered."
    assert page.select_one("#settings-edit-window")["aria-invalid"] == "true"
    fresh()
    assert db.session.get(Server, cast.server.id).edit_window_seconds == 3600
    assert db.session.scalar(select(func.max(Event.id))) == last_event


def test_a_missing_choice_is_400(client, as_user, cast):
    as_user(cast.owner)
    assert client.post(f"/servers/{cast.server.id}/edit-window", data={}).status_code == 400


@pytest.mark.parametrize("role", ["admin", "member"])
def test_only_the_owner_may_set_it(client, as_user, cast, role):
    as_user(getattr(cast, role))
    response = client.post(f"/servers/{cast.server.id}/edit-window", data={"edit_window": "300"})
    assert response.status_code == 403
    fresh()
    assert db.session.get(Server, cast.server.id).edit_window_seconds is None
    if role == "admin":
        assert soup(client.get(f"/servers/{cast.server.id}/settings")).select_one("#edit-window-form") is None


def test_outsiders_cannot_set_it(client, as_user, cast):
    as_user(cast.outsider)
    assert client.post(f"/servers/{cast.server.id}/edit-window", data={"edit_window": "300"}).status_code == 404

"""A POST that fails validation writes nothing: no row, no read mark, no event."""
import pytest
from sqlalchemy import event, func, select

from app.extensions import db
from app.models import ChannelRead, Event, Notification
from tests.conftest import htmx_headers, soup


@pytest.fixture
def writes(app):
    """The INSERT, UPDATE and DELETE statements run while the fixture is open."""
    seen = []

    def record(conn, cursor, statement, *args):
        if statement.lstrip().split(None, 1)[0].upper() in {"INSERT", "UPDATE", "DELETE", "REPLACE"}:
            seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    yield seen
    event.remove(db.engine, "before_cursor_execute", record)


def failing_posts(cast, message_id):
    base = f"/servers/{cast.server.id}"
    channel = f"{base}/channels/{cast.channel.id}"
    return [
        (f"{channel}/messages", {"content": "\u200b "}, "Write something first."),
        (f"/messages/{message_id}/edit", {"content": ""}, "Write something first."),
        ("/servers", {"name": ""}, "Give the server a name."),
        (f"{base}/channels", {"name": "!!!"}, "Give the channel a name (letters or digits)."),
        (f"{channel}/edit", {"name": "", "topic": ""}, "Give the channel a name (letters or digits)."),
        (f"{base}/settings", {"name": "", "description": ""}, "Give the server a name."),
        (f"{base}/invitations", {"username": "nobody-here"}, "There is no user with that name."),
        ("/profile/personal", {"display_name": ""}, "Display name is required."),
    ]


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_failed_posts_write_nothing(client, as_user, cast, writes, htmx):
    own = cast.post(cast.owner, "the owner's message to edit")
    cast.post(cast.member, "@olivia unread for the owner, with a mention")
    as_user(cast.owner)
    events_before = db.session.scalar(select(func.count(Event.id)))
    marks_before = db.session.execute(select(ChannelRead.user_id, ChannelRead.last_read_id)).all()
    writes.clear()
    for path, data, error in failing_posts(cast, own.id):
        response = client.post(path, data=data, headers=htmx_headers() if htmx else {})
        assert response.status_code == 422, path
        assert error in soup(response).text, path
        assert writes == [], path
    assert db.session.scalar(select(func.count(Event.id))) == events_before
    assert db.session.execute(select(ChannelRead.user_id, ChannelRead.last_read_id)).all() == marks_before
    assert db.session.scalar(select(func.count(Notification.id)).where(Notification.read_at.is_(None))) == 1

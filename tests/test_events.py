"""Each change other tabs must see writes an events row in its own transaction."""
import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Event, Message
from app.services import events
from app.services import messages as message_service
from app.services import servers as server_service
from app.services.errors import ValidationFailed
from tests.conftest import fresh


def new_events(after: int) -> list[tuple]:
    fresh()
    return [(e.kind, e.server_id, e.channel_id, e.payload) for e in
            db.session.scalars(select(Event).where(Event.id > after).order_by(Event.id))]


def last_event_id() -> int:
    return db.session.scalar(select(db.func.max(Event.id))) or 0


def test_message_lifecycle_events(cast):
    start = last_event_id()
    message = cast.post(cast.member, "hello")
    message_service.edit_message(cast.member, message.id, "hello again")
    message_service.delete_message(cast.member, message.id)
    sid, cid = cast.server.id, cast.channel.id
    assert new_events(start) == [
        (events.MESSAGE_CREATED, sid, cid, {"message_id": message.id}),
        (events.MESSAGE_EDITED, sid, cid, {"message_id": message.id}),
        (events.MESSAGE_DELETED, sid, cid, {"message_id": message.id}),
    ]


def test_event_ids_increase_in_commit_order(cast):
    ids = []
    for i in range(5):
        cast.post(cast.member, f"m{i}")
        ids.append(last_event_id())
    assert ids == sorted(ids) and len(set(ids)) == 5


def test_unchanged_edit_records_nothing(cast):
    message = cast.post(cast.member, "same")
    start = last_event_id()
    message_service.edit_message(cast.member, message.id, "same")
    assert new_events(start) == []


def test_membership_and_channel_events(cast):
    start = last_event_id()
    channel = server_service.create_channel(cast.owner, cast.server.id, {"name": "News"})
    server_service.leave_server(cast.member, cast.server.id)
    server_service.delete_server(cast.owner, cast.server.id)
    sid = cast.server.id
    kinds = [(kind, server, chan) for kind, server, chan, _payload in new_events(start)]
    # The admin, still a member, is told the server is gone.
    assert kinds == [(events.CHANNEL_CREATED, sid, channel.id), (events.MEMBER_LEFT, sid, None),
                     (events.SERVER_DELETED, sid, None), (events.NOTIFICATIONS_CHANGED, None, None)]


def test_a_rejected_change_writes_no_event_and_no_row(cast):
    start = last_event_id()
    with pytest.raises(ValidationFailed):
        cast.post(cast.member, "x" * 4001)
    assert new_events(start) == []
    assert db.session.scalar(select(Message.id)) is None

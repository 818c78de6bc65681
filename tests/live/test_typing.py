"""Typing signals: from a member to the other members' open tabs, never to outsiders or back to the
typist, with no event id (nothing replayed, Last-Event-ID untouched), and nothing written."""
import json

from sqlalchemy import func, select

from app.extensions import db
from app.models import Event


def typing(user, channel) -> int:
    response = user.http.post(f"/servers/{channel.server_id}/channels/{channel.id}/typing", headers=user.htmx())
    return response.status_code


def events_in_log(world) -> int:
    with world.app.app_context():
        count = db.session.scalar(select(func.count()).select_from(Event))
        db.session.remove()
    return count


def test_typing_reaches_members_only_and_is_never_logged_or_replayed(server, users, world):
    ana, bruno, oscar = users["ana"], users["bruno"], users["oscar"]
    before = events_in_log(world)
    with bruno.stream() as bruno_source, ana.stream() as ana_source, oscar.stream() as oscar_source:
        assert typing(ana, world.book) == 204
        frame = bruno_source.next()
        assert frame.event == "charla:typing" and frame.id in ("", None)
        data = json.loads(frame.data)
        assert data["channel"] == world.book.id and data["name"] == "Ana" and data["seconds"] > 0
        # A message after it: the typist's and the outsider's streams see the message, never the signal.
        message_id = bruno.post(world.book, "you were typing")
        assert f"message-{message_id}" in ana_source.next().data
        assert oscar_source.response is not None
        last_id = int(bruno_source.next().id)
    assert events_in_log(world) == before + 1  # the message's event alone
    assert typing(oscar, world.book) == 404  # not a member
    with bruno.stream(last_event_id=last_id, timeout=3) as source:
        assert typing(ana, world.book) == 204
        assert source.next().event == "charla:typing"  # live, and nothing older replayed before it

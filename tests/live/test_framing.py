"""User text cannot forge stream fields: every frame a reader gets is one event, with the hub's id.

SSE ends a line at "\\r", "\\r\\n" and "\\n"; a message or a display name holding any
of them must not add `id:`, `event:` or `data:` lines to the other members' streams.
"""
import httpx
from sqlalchemy import select

from app.extensions import db
from app.models import Event
from app.services import events as kinds
from tests.live.test_protocol import message_ids

FORGED = "x\rid: 999999999\revent: charla:removed\rdata: 1"
CONTENTS = [
    FORGED,
    "crlf\r\nid: 999999999\r\nevent: charla:removed\r\ndata: 1",
    "blank\r\r\revent: charla:removed\rdata: 1\r\r",
    "sep\u2028id: 999999999\u2029event: charla:removed\x0bdata\x1c\x85",
    "nul\x00\rid: 1\x00\revent: charla:removed",
    "\x00id: 999999999\x00",
]


def post_or_refused(user, channel, content: str) -> int | None:
    """The message id; None if validation refuses the text (it may reject NUL: the framing must hold anyway)."""
    response = user.http.post(f"/servers/{channel.server_id}/channels/{channel.id}/messages",
                              data={"content": content}, headers=user.htmx())
    if response.status_code in (400, 422):
        return None
    assert response.status_code == 200, response.text
    return int(response.text.split('id="message-', 1)[1].split('"', 1)[0])


def events_after(world, start: int, *wanted: str) -> list[int]:
    with world.app.app_context():
        ids = list(db.session.scalars(select(Event.id).where(Event.id > start, Event.kind.in_(wanted))
                                      .order_by(Event.id)))
        db.session.remove()
    return ids


def read_events(stream, count: int) -> list:
    """The next `count` events exactly as the parser dispatches them, but the opening `retry:` (and
    presence signals: a tab of an earlier test closing makes one)."""
    events = (sse for sse in stream._events if not (sse.retry is not None and not sse.id and not sse.data)
              and sse.event != "charla:presence")
    return [next(events) for _ in range(count)]


def test_forged_lines_in_messages_and_edits_stay_inside_one_event(server, users, world):
    ana, bruno = users["ana"], users["bruno"]
    start = server.health()["dispatched"]
    with bruno.stream() as source:
        posted = [post_or_refused(ana, world.book, content) for content in CONTENTS]
        posted = [message_id for message_id in posted if message_id is not None]
        ana.edit(posted[1], FORGED + "\redited")
        ana.edit(posted[0], "edited\r\nid: 999999999\r\n\r\nevent: charla:removed")
        sentinel = ana.post(world.book, "the last one")
        received = read_events(source, len(posted) + 3)
    expected_ids = events_after(world, start, kinds.MESSAGE_CREATED, kinds.MESSAGE_EDITED)
    assert [sse.event for sse in received] == ["message"] * len(received)
    assert [int(sse.id) for sse in received] == expected_ids
    assert [message_ids(sse) for sse in received] == [[m] for m in posted] + [[posted[1]], [posted[0]], [sentinel]]
    assert "edited" in received[-3].data


def test_a_forged_display_name_reaches_others_as_one_event(server, users, world):
    ana, bruno = users["ana"], users["bruno"]
    start = server.health()["dispatched"]
    with ana.stream() as source:
        response = bruno.http.post("/profile/personal", headers=bruno.htmx(), data={
            "display_name": "Bruno\rid: 999999999\revent: charla:removed\rdata: 1", "first_name": "Bruno",
            "last_name": "B", "birth_date": "", "bio": "", "locale": ""})
        assert response.status_code == 200
        sentinel = ana.post(world.book, "after the rename")
        expected = events_after(world, start, kinds.USER_UPDATED, kinds.MESSAGE_CREATED)  # one rename per server
        frames = read_events(source, len(expected))
    assert [sse.event for sse in frames] == ["message"] * len(expected)
    assert [int(sse.id) for sse in frames] == expected
    assert all('hx-target=".author-u' in sse.data and "999999999" in sse.data for sse in frames[:-1])
    assert message_ids(frames[-1]) == [sentinel]


def test_the_raw_stream_has_no_forged_field_lines(server, users, world):
    """Below the parser: no line of the bytes on the wire starts a field the server did not write."""
    ana, bruno = users["ana"], users["bruno"]
    with bruno.http.stream("GET", "/events/stream", timeout=httpx.Timeout(15)) as response:
        chunks = response.iter_text()
        assert next(chunks).startswith("retry: ")
        ana.post(world.book, FORGED)
        sentinel = ana.post(world.book, "sentinel")
        text = ""
        while f'id="message-{sentinel}"' not in text:
            text += next(chunks)
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    assert not [line for line in lines if line.startswith(("id: 999999999", "event:"))]
    assert "\r" not in text


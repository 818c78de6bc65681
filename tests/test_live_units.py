"""The live machinery without a network: frames, bounded queues, stream caps, fan-out."""
import re

import pytest

from app.extensions import db
from app.models import Event
from app.services import events
from app.realtime.hub import Subscriber
from app.realtime.live import get_live
from app.realtime.render import sse_frame
from tests.conftest import soup


def test_sse_frame_splits_lines_and_names_events():
    assert sse_frame(7, "<p>\nhi</p>") == "id: 7\ndata: <p>\ndata: hi</p>\n\n"
    assert sse_frame(8, "3", "charla:removed") == "id: 8\nevent: charla:removed\ndata: 3\n\n"


def parse_sse(text: str) -> list[dict]:
    """The WHATWG event-stream algorithm: what a browser dispatches from `text`."""
    events, fields, data = [], {}, []
    for line in re.split(r"\r\n|\r|\n", text):
        if not line:
            if data or fields:
                events.append({"event": fields.get("event", "message"), "id": fields.get("id"),
                               "data": "\n".join(data)})
            fields, data = {}, []
        elif not line.startswith(":"):
            name, _, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            if name == "data":
                data.append(value)
            elif name in ("event", "retry") or (name == "id" and "\0" not in value):
                fields[name] = value
    return events


FORGED = ["x\rid: 999999999\revent: charla:removed\rdata: 1", "x\r\nevent: charla:removed\r\ndata: 1",
          "x\r\revent: charla:removed\rdata: 1\r\r", "x\n\nid: 5\n\n", "line\u2028sep\u2029para\x0bvt\x1cfs\x85nel",
          "nul\x00\rid: 1\x00\revent: charla:removed", "\r", ""]


@pytest.mark.parametrize("data", FORGED)
def test_sse_frame_data_is_one_event_whatever_its_line_endings(data):
    events = parse_sse(sse_frame(42, data))
    assert len(events) == 1
    assert events[0]["event"] == "message" and events[0]["id"] == "42"
    assert events[0]["data"] == re.sub(r"\r\n|\r", "\n", data)


def test_sse_frame_names_and_ids_cannot_carry_fields():
    with pytest.raises(ValueError):
        sse_frame(1, "", "charla:removed\rid: 9")
    with pytest.raises(ValueError):
        sse_frame("1\nevent: x", "")
    assert parse_sse(sse_frame(7, "a\rb", "charla:removed")) == [
        {"event": "charla:removed", "id": "7", "data": "a\nb"}]


def test_a_slow_reader_is_dropped_not_buffered_forever():
    subscriber = Subscriber(1, {1}, "en", maxsize=2)
    for i in range(5):
        subscriber.offer(f"frame {i}")
    assert subscriber.dropped
    assert subscriber.take(0) == ["frame 0", "frame 1"]
    assert subscriber.take(0) == []


def test_streams_per_user_are_capped(app, client, as_user, cast):
    as_user(cast.member)
    limit = app.config["LIVE_MAX_STREAMS_PER_USER"]
    open_streams = [client.get("/events/stream") for _ in range(limit)]
    try:
        assert all(r.status_code == 200 for r in open_streams)
        refused = client.get("/events/stream", headers={"HX-Request": "true"})
        assert refused.status_code == 429
        assert soup(refused).select_one(".toast")["data-status"] == "429"
    finally:
        for response in open_streams:
            response.close()
    assert get_live().hub.stream_count(cast.member.id) == 0


def test_fan_out_renders_once_per_audience(app, cast):
    hub = get_live().hub
    message = cast.post(cast.owner, "rendered once per audience")
    event = db.session.scalar(db.select(Event).where(Event.kind == events.MESSAGE_CREATED))
    frames = hub.renderer.frames(event)
    readers = [Subscriber(user.id, {cast.server.id}, "en", 10) for user in (cast.admin, cast.member)]
    author = Subscriber(cast.owner.id, {cast.server.id}, "en", 10)
    texts = [frames.for_subscriber(sub) for sub in readers + [author]]
    assert len(frames.cache) == 2
    assert texts[0] is texts[1] and texts[0] != texts[2]
    assert f'id="message-{message.id}"' in texts[2] and "message-actions" in texts[2]
    spanish = frames.for_subscriber(Subscriber(cast.member.id, {cast.server.id}, "es", 10))
    assert len(frames.cache) == 3 and spanish != texts[0]


def test_a_waiting_stream_wakes_for_a_frame_and_times_out_without_one():
    import threading
    import time

    subscriber = Subscriber(1, {1}, "en", maxsize=10)
    started = time.monotonic()
    assert subscriber.take(0.05) == []
    assert time.monotonic() - started >= 0.04
    threading.Timer(0.05, subscriber.offer, args=("late frame",)).start()
    started = time.monotonic()
    assert subscriber.take(5) == ["late frame"]
    assert time.monotonic() - started < 2


def test_every_event_kind_has_its_handler():
    """One handler per kind holds its loading and its rendering: a new kind without one fails here."""
    from app.realtime.render import HANDLERS

    declared = {value for name, value in vars(events).items() if name.isupper() and isinstance(value, str)}
    assert declared == set(HANDLERS)

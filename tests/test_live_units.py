"""The live machinery without a network: frames, bounded queues, stream caps, fan-out."""
import re

import pytest
from sqlalchemy.exc import OperationalError

from app.extensions import db
from app.models import Event
from app.realtime.hub import Hub, Subscriber
from app.realtime.live import get_live
from app.realtime.render import HANDLERS, RESYNC, sse_frame
from app.services import events
from app.services import servers as server_service
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
    assert f'id="message-{message.id}"' in texts[2] and 'class="action edit"' in texts[2]
    assert 'class="action edit"' not in texts[0]
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


@pytest.fixture
def idle_hub(app, monkeypatch):
    """A hub without its dispatcher: the test delivers events itself."""
    hub = Hub(app)
    monkeypatch.setattr(hub, "start", lambda: None)
    hub.RENDER_BACKOFF_SECONDS = 0.01
    return hub


def newest_event(kind: str) -> Event:
    return db.session.scalar(db.select(Event).where(Event.kind == kind).order_by(Event.id.desc()).limit(1))


def break_loading(monkeypatch, hub: Hub, kind: str, failures: int) -> list[int]:
    """The handler's database read fails `failures` times; returns the hub's cursor at each attempt."""
    handler = HANDLERS[kind]
    real, cursors = handler.load, []

    def load(event):
        cursors.append(hub.cursor)
        if len(cursors) <= failures:
            raise OperationalError("SELECT ...", {}, Exception("Lost connection to server during query"))
        return real(event)

    monkeypatch.setattr(handler, "load", load)
    return cursors


def test_a_failed_read_is_retried_and_the_cursor_waits_for_the_frames(idle_hub, cast, monkeypatch):
    reader, _ = idle_hub.subscribe(cast.member.id, lambda: {cast.server.id}, "en", 10)
    message = cast.post(cast.owner, "survives a dropped connection")
    event = newest_event(events.MESSAGE_CREATED)
    cursors = break_loading(monkeypatch, idle_hub, events.MESSAGE_CREATED, failures=2)
    idle_hub.deliver(event)
    assert len(cursors) == 3 and all(cursor < event.id for cursor in cursors)
    [frame] = reader.take(0)
    assert f'id="message-{message.id}"' in frame and frame.startswith(f"id: {event.id}\n")
    assert idle_hub.cursor == event.id


def test_an_event_that_cannot_be_read_resyncs_its_streams_and_the_hub_moves_on(idle_hub, cast, monkeypatch):
    reader, _ = idle_hub.subscribe(cast.member.id, lambda: {cast.server.id}, "en", 10)
    outsider, _ = idle_hub.subscribe(cast.outsider.id, set, "en", 10)
    cast.post(cast.owner, "never rendered")
    event = newest_event(events.MESSAGE_CREATED)
    cursors = break_loading(monkeypatch, idle_hub, events.MESSAGE_CREATED, failures=Hub.RENDER_ATTEMPTS)
    idle_hub.deliver(event)
    assert len(cursors) == Hub.RENDER_ATTEMPTS
    assert reader.take(0) == [sse_frame(event.id, "", RESYNC)]
    assert outsider.take(0) == []
    assert idle_hub.cursor == event.id
    later = cast.post(cast.owner, "the next one arrives")
    idle_hub.deliver(newest_event(events.MESSAGE_CREATED))
    assert f'id="message-{later.id}"' in reader.take(0)[0]


def test_a_leave_retried_still_tells_the_leaver_and_unsubscribes_once(idle_hub, cast, monkeypatch):
    leaver, _ = idle_hub.subscribe(cast.member.id, lambda: {cast.server.id}, "en", 10)
    stayer, _ = idle_hub.subscribe(cast.admin.id, lambda: {cast.server.id}, "en", 10)
    server_service.leave_server(cast.member, cast.server.id)
    event = newest_event(events.MEMBER_LEFT)
    cursors = break_loading(monkeypatch, idle_hub, events.MEMBER_LEFT, failures=1)
    idle_hub.deliver(event)
    assert len(cursors) == 2
    [removed] = leaver.take(0)
    assert "event: charla:removed" in removed
    assert "member-count" in stayer.take(0)[0]
    assert leaver.server_ids == set() and leaver not in idle_hub.by_server.get(cast.server.id, set())


@pytest.mark.timeout(20)  # reading under the hub's lock, as before, deadlocks here
def test_a_leave_dispatched_while_a_stream_reads_its_servers_is_not_missed(idle_hub, cast):
    """Servers are read with no lock held; a membership change dispatched meanwhile makes it read again."""
    server_service.leave_server(cast.member, cast.server.id)
    leave = newest_event(events.MEMBER_LEFT)
    reads = []

    def load_server_ids():
        reads.append(idle_hub.cursor)
        if len(reads) == 1:
            stale = {cast.server.id}  # read just before the leave committed...
            idle_hub.deliver(leave)  # ...which the dispatcher handles before this stream registers
            return stale
        return set()

    subscriber, cursor = idle_hub.subscribe(cast.member.id, load_server_ids, "en", 10)
    assert len(reads) == 2 and cursor == leave.id
    assert subscriber.server_ids == set()
    assert subscriber not in idle_hub.by_server.get(cast.server.id, set())


def test_streams_wait_for_no_lock_while_the_hub_reads_its_start(app, monkeypatch):
    """A cold start reads the newest event under a lock of its own, not the one every stream takes."""
    hub = Hub(app)
    held_during_read = []
    real_remove = db.session.remove

    def remove():
        held_during_read.append(hub.lock.locked())
        real_remove()

    monkeypatch.setattr(hub, "_run", lambda: None)
    monkeypatch.setattr(db.session, "remove", remove)
    hub.start()
    assert held_during_read and True not in held_during_read

"""The live machinery without a network: frames, bounded queues, stream caps, fan-out."""
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

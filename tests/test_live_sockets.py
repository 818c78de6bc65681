"""Streams that write to their own socket (app/realtime/sockets.py), over a socket pair and gevent's loop."""
import socket

import gevent
import pytest

from app.realtime.sockets import HEARTBEAT, LAST_CHUNK, SocketSubscriber, chunk

STARTED: list[SocketSubscriber] = []


@pytest.fixture
def pair():
    ours, theirs = socket.socketpair()
    ours.setblocking(False)
    theirs.setblocking(False)
    yield ours, theirs
    while STARTED:
        STARTED.pop().close()  # stops its watchers before the descriptor goes, as the hub always does
    ours.close()
    theirs.close()


def attached(ours, maxsize: int = 10, before: tuple[str, ...] = ()) -> tuple[SocketSubscriber, list]:
    closed = []
    subscriber = SocketSubscriber(1, {1}, "en", maxsize)
    STARTED.append(subscriber)
    for frame in before:
        subscriber.offer(frame, {})
    subscriber.attach(ours, b"HEAD", closed.append)
    return subscriber, closed


def read_until_closed(theirs, seconds: float = 2) -> bytes:
    received = bytearray()
    with gevent.Timeout(seconds):
        while True:
            try:
                data = theirs.recv(65536)
            except BlockingIOError:
                gevent.sleep(0.005)  # the loop runs the stream's watchers meanwhile
                continue
            except ConnectionResetError:
                break
            if not data:
                break
            received += data
    return bytes(received)


def test_frames_offered_before_the_socket_follow_the_opening_and_end_closes_cleanly(pair):
    ours, theirs = pair
    subscriber, closed = attached(ours, before=("id: 1\n\n",))
    subscriber.offer("id: 2\n\n", {})
    subscriber.end()
    assert read_until_closed(theirs) == b"HEAD" + chunk("id: 1\n\n") + chunk("id: 2\n\n") + LAST_CHUNK
    gevent.sleep(0)
    assert closed == [subscriber]


def test_one_encoding_per_frame_is_shared_across_streams(pair):
    ours, _theirs = pair
    subscriber, _ = attached(ours)
    encoded = {}
    subscriber.offer("id: 3\n\n", encoded)
    assert encoded == {"id: 3\n\n": chunk("id: 3\n\n")}


def test_a_reader_that_stops_reading_keeps_what_is_pending_then_is_dropped(pair):
    ours, theirs = pair
    ours.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
    subscriber, closed = attached(ours, maxsize=5)
    frame = "data: " + "x" * 20_000 + "\n\n"
    for _ in range(5):
        subscriber.offer(frame, {})
    assert subscriber.pending and not subscriber.dropped
    for _ in range(5):
        subscriber.offer(frame, {})
    assert subscriber.dropped and subscriber.sock is None
    gevent.sleep(0)
    assert closed == [subscriber]
    received = read_until_closed(theirs)
    assert received.startswith(b"HEAD") and not received.endswith(LAST_CHUNK)


def test_pending_bytes_go_out_once_the_reader_catches_up(pair):
    ours, theirs = pair
    ours.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
    subscriber, _ = attached(ours, maxsize=100)
    frames = [f"id: {i}\ndata: " + "y" * 10_000 + "\n\n" for i in range(20)]
    for frame in frames:
        subscriber.offer(frame, {})
    assert subscriber.pending
    subscriber.end()
    assert read_until_closed(theirs) == b"HEAD" + b"".join(map(chunk, frames)) + LAST_CHUNK


def test_a_client_that_leaves_closes_its_stream(pair):
    ours, theirs = pair
    subscriber, closed = attached(ours)
    theirs.close()
    with gevent.Timeout(2):
        while not closed:
            gevent.sleep(0.005)
    assert closed == [subscriber] and subscriber.dropped


def test_heartbeats_only_for_idle_streams(pair):
    ours, theirs = pair
    subscriber, _ = attached(ours)
    subscriber.beat()  # the opening was just written: not idle yet
    subscriber.beat()
    subscriber.offer("id: 4\n\n", {})
    subscriber.beat()
    assert theirs.recv(65536) == b"HEAD" + HEARTBEAT + chunk("id: 4\n\n")

"""Streams written straight to their sockets: no greenlet, no WSGI iterator per open stream.

Under gevent's WSGI server (run.py; gunicorn's gevent_pywsgi worker is built on it too)
a stream takes its connection over once its response is ready: the response head and
the opening frames are written here, pywsgi lets go of the socket, and from then on
the hub's dispatcher writes each event's frame, chunk-encoded once per audience, to
every socket itself without blocking. A libev watcher per socket notices the client
leaving; a socket that would block keeps the rest pending and is flushed when it is
writable again; one that falls `maxsize` frames behind is dropped, and the tab
resyncs on reconnect. One greenlet per process sends the heartbeats.

Where the socket cannot be had (gunicorn's `-k gevent`, whose parser is not pywsgi;
Flask's test client) the stream stays a generator read by its own greenlet
(views.py, hub.Subscriber).
"""
import _socket
import logging

import gevent
from gevent import monkey, pywsgi

from app.realtime.hub import BaseSubscriber, Hub

log = logging.getLogger(__name__)

HANDOVER = "charla.handover"  # environ key: the stream that takes this connection over
SOCKET_KEYS = ("charla.socket", "gunicorn.sock")  # where run.py's and gunicorn's handlers put the client socket
LAST_CHUNK = b"0\r\n\r\n"
HOP_BY_HOP = {"connection", "content-length", "transfer-encoding", "keep-alive"}
READ, WRITE = 1, 2  # libev event masks


def chunk(frame: str) -> bytes:
    data = frame.encode()
    return b"%x\r\n%s\r\n" % (len(data), data)


HEARTBEAT = chunk(": heartbeat\n\n")


def client_socket(environ: dict):
    """The client's gevent socket if this request may take its connection over, else None."""
    if not monkey.is_module_patched("socket") or environ.get("SERVER_PROTOCOL") != "HTTP/1.1":
        return None
    if not isinstance(environ.get("wsgi.input"), pywsgi.Input):
        return None
    return next((environ[key] for key in SOCKET_KEYS if environ.get(key) is not None), None)


class SocketSubscriber(BaseSubscriber):
    """A stream the dispatcher writes to directly; its bytes wait in `pending` only while the socket is full."""

    __slots__ = ("sock", "pending", "backlog", "reader", "writer", "idle", "ending", "on_close")

    def __init__(self, user_id: int, server_ids: set[int], locale: str, maxsize: int, session_id: int | None = None):
        super().__init__(user_id, server_ids, locale, maxsize, session_id)
        self.sock = None
        self.pending: bytearray | None = None  # also what is offered before the socket is attached
        self.backlog = 0  # frames offered since the socket was last drained
        self.reader = self.writer = None
        self.idle = False
        self.ending = False
        self.on_close = None

    def attach(self, sock, opening: bytes, on_close) -> None:
        """Start writing to `sock` (non-blocking): `opening` first, then whatever was offered meanwhile."""
        self.sock, self.on_close = sock, on_close
        self.pending = bytearray(opening) + (self.pending or b"")
        loop = gevent.get_hub().loop
        self.reader = loop.io(sock.fileno(), READ)
        self.reader.start(self._readable)
        self.writer = loop.io(sock.fileno(), WRITE)
        if self.dropped and not self.ending:  # fell too far behind before it even started
            self.close()
        else:
            self.flush()

    def offer(self, frame: str, encoded: dict | None = None) -> None:
        if self.dropped:
            return
        data = encoded.get(frame) if encoded is not None else None
        if data is None:
            data = chunk(frame)
            if encoded is not None:
                encoded[frame] = data
        self.write(data)

    def write(self, data: bytes) -> None:
        self.idle = False
        if self.pending is None and self.sock is not None:
            try:
                sent = self.sock.send(data)
            except BlockingIOError:
                sent = 0
            except OSError:
                self.close()
                return
            if sent == len(data):
                return
            self.pending = bytearray(memoryview(data)[sent:])
            self.backlog = 1
            self._await_writable()
            return
        if self.pending is None:
            self.pending = bytearray()
        self.backlog += 1
        if self.backlog > self.maxsize:
            log.info("Dropped a slow stream of user %s; it resyncs on reconnect", self.user_id)
            self.close()
        else:
            self.pending += data

    def beat(self) -> None:
        """A heartbeat if nothing was written since the last call."""
        if self.idle and self.pending is None and not self.dropped:
            self.write(HEARTBEAT)
        self.idle = True

    def flush(self) -> None:
        """Write what is pending (run by the write watcher when the socket can take more)."""
        if self.sock is None:
            return
        if self.pending:
            try:
                sent = self.sock.send(self.pending)
            except BlockingIOError:
                sent = 0
            except OSError:
                self.close()
                return
            del self.pending[:sent]
        if self.pending:
            self._await_writable()
            return
        self.pending, self.backlog = None, 0
        self.writer.stop()
        if self.ending:
            self.close()

    def _await_writable(self) -> None:
        if not self.writer.active:
            self.writer.start(self.flush)

    def end(self) -> None:
        """The last chunk after what is pending, then close: the client sees the response end normally."""
        if self.dropped:
            return
        self.ending = True
        self.write(LAST_CHUNK)
        self.dropped = True
        if self.sock is not None and self.pending is None:
            self.close()

    def _readable(self) -> None:
        try:
            if self.sock.recv(1024):
                return  # nothing is expected from the client; ignore it
        except BlockingIOError:
            return
        except OSError:
            pass
        self.close()  # the client left

    def close(self) -> None:
        self.dropped = True
        if self.sock is None:
            self.pending = None
            return
        self.reader.stop()
        self.writer.stop()
        self.sock.close()
        self.sock = self.reader = self.writer = self.pending = None
        on_close, self.on_close = self.on_close, None
        if on_close is not None:
            # Not here: the dispatcher may hold the hub's lock, and a watcher runs in gevent's hub.
            gevent.spawn(on_close, self)


class SocketStreams:
    """The streams of one hub that write to their sockets, and their heartbeat."""

    def __init__(self, hub: Hub, heartbeat_seconds: float):
        self.hub = hub
        self.heartbeat_seconds = heartbeat_seconds
        self.open: set[SocketSubscriber] = set()
        self._pulse = None

    def adopt(self, sock, subscriber: SocketSubscriber, opening: bytes) -> None:
        """Take the connection from pywsgi; the stream lives on without a greenlet."""
        raw = _socket.socket(fileno=sock.detach())  # pywsgi closes its object, not the descriptor
        raw.setblocking(False)
        if raw.family in (_socket.AF_INET, _socket.AF_INET6):
            raw.setsockopt(_socket.IPPROTO_TCP, _socket.TCP_NODELAY, 1)  # each frame leaves at once
        self.open.add(subscriber)
        subscriber.attach(raw, opening, self._closed)
        if self._pulse is None:
            self._pulse = gevent.spawn(self._beat)

    def _closed(self, subscriber: SocketSubscriber) -> None:
        self.open.discard(subscriber)
        self.hub.unsubscribe(subscriber)

    def _beat(self) -> None:
        """Every half heartbeat, a heartbeat to each stream idle since the previous pass."""
        while True:
            gevent.sleep(self.heartbeat_seconds / 2)
            for subscriber in list(self.open):
                subscriber.beat()


class Handover:
    """What the stream view leaves in the environ: SocketHandover writes the response and adopts the socket."""

    def __init__(self, streams: SocketStreams, sock, subscriber: SocketSubscriber, opening: str):
        self.streams = streams
        self.sock = sock
        self.subscriber = subscriber
        self.opening = opening

    def take(self, status: str, headers: list[tuple[str, str]]) -> None:
        head = [f"HTTP/1.1 {status}"]
        head.extend(f"{name}: {value}" for name, value in headers if name.lower() not in HOP_BY_HOP)
        head.append("Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n")
        opening = "\r\n".join(head).encode("latin-1") + chunk(self.opening)
        self.streams.adopt(self.sock, self.subscriber, opening)

    def cancel(self) -> None:
        self.subscriber.dropped = True
        self.streams.hub.unsubscribe(self.subscriber)


class SocketHandover:
    """WSGI middleware: a stream that left a Handover in the environ answers on the socket itself.

    Its response head is held back from the server and written with the opening
    frames; the server gets an empty body and no status, and, its input closed,
    ends the connection's request loop without closing the socket it gave away.
    """

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        held = []

        def start(status, headers, exc_info=None):
            if environ.get(HANDOVER) is None or not status.startswith("200"):
                return start_response(status, headers, exc_info)
            held[:] = [status, headers]
            return self._no_write

        body = self.wsgi_app(environ, start)
        handover = environ.pop(HANDOVER, None)
        if handover is None:
            return body
        if not held:  # answered with something else (an error page): the stream never started
            handover.cancel()
            return body
        try:
            getattr(body, "close", lambda: None)()
        finally:
            environ["wsgi.input"].rfile.close()
        try:
            handover.take(*held)
        except BaseException:
            handover.cancel()
            raise
        return []

    @staticmethod
    def _no_write(data: bytes) -> None:
        raise RuntimeError("a stream that took its socket over cannot use the WSGI write callable")

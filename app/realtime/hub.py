"""Per-process fan-out of the events log to the open streams.

One dispatcher (a greenlet under gevent, a thread otherwise) reads new events
from the table in id order, renders each once per audience and queues the
same text to every stream that may see it. It wakes when this process
commits an event, when the broker (Redis) says another process did, and once
a second regardless, so nothing depends on the broker being up.
"""
import logging
import threading
import time
from collections import defaultdict, deque

from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from app.extensions import db
from app.models import Event
from app.realtime.render import RESYNC, Frames, Renderer, sse_frame
from app.services import events as kinds

log = logging.getLogger(__name__)


class BaseSubscriber:
    """One open stream: who it is for and what it may see. Subclasses decide how frames travel."""

    __slots__ = ("user_id", "session_id", "server_ids", "locale", "maxsize", "dropped", "__weakref__")

    def __init__(self, user_id: int, server_ids: set[int], locale: str, maxsize: int, session_id: int | None = None):
        self.user_id = user_id
        self.session_id = session_id  # the signed-in session: ending it closes its streams
        self.server_ids = set(server_ids)
        self.locale = locale
        self.maxsize = maxsize
        self.dropped = False

    def offer(self, frame: str, encoded: dict | None = None) -> None:
        """Send or queue a frame; `encoded` caches its bytes across one event's streams."""
        raise NotImplementedError

    def end(self) -> None:
        """Close the stream once what is already offered has gone out."""
        raise NotImplementedError


class Subscriber(BaseSubscriber):
    """A stream read by its own greenlet (the generator in views.py), through a bounded queue.

    A deque and an Event rather than queue.Queue: thousands of streams each
    hold one, and a Queue's three conditions cost memory and wake-ups.
    """

    __slots__ = ("frames", "ready")

    def __init__(self, user_id: int, server_ids: set[int], locale: str, maxsize: int, session_id: int | None = None):
        super().__init__(user_id, server_ids, locale, maxsize, session_id)
        self.frames: deque[str] = deque()
        self.ready = threading.Event()

    def offer(self, frame: str, encoded: dict | None = None) -> None:
        """Queue a frame; a reader too slow to keep up is dropped (it resyncs on reconnect)."""
        if self.dropped:
            return
        if len(self.frames) >= self.maxsize:
            self.dropped = True
        else:
            self.frames.append(frame)
        self.ready.set()

    def end(self) -> None:
        self.dropped = True  # the generator sends what is queued, then returns
        self.ready.set()

    def take(self, timeout: float) -> list[str]:
        """Every queued frame, waiting up to `timeout` for one; [] if none came."""
        if not self.frames:
            self.ready.wait(timeout)
        self.ready.clear()  # before draining: a frame offered meanwhile sets it again
        taken = []
        while self.frames:
            taken.append(self.frames.popleft())
        return taken


class Hub:
    GAP_WAIT_SECONDS = 3.0
    BATCH = 500
    RENDER_ATTEMPTS = 4
    RENDER_BACKOFF_SECONDS = 0.1  # doubled after each failed attempt: 0.7 s in all
    SUBSCRIBE_ATTEMPTS = 5  # a user whose memberships keep changing as they connect reads them again

    def __init__(self, app: Flask):
        self.app = app
        self.renderer = Renderer(app)
        self.poll_seconds = app.config.get("LIVE_POLL_SECONDS", 1.0)
        self.lock = threading.Lock()
        self.by_server: dict[int, set[BaseSubscriber]] = defaultdict(set)
        self.by_user: dict[int, set[BaseSubscriber]] = defaultdict(set)
        self.cursor = 0
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self._gap_since: float | None = None
        # The id of the last dispatched event that changed whose streams see what:
        # per user (joins, leaves) and for everyone (a server deleted).
        self._membership_changed: dict[int, int] = {}
        self._server_deleted = 0
        self.presence = None  # a presence.PresenceBoard, told of every stream that opens or closes

    # -- streams -------------------------------------------------------------
    def subscribe(self, user_id: int, load_server_ids, locale: str, maxsize: int,
                  session_id: int | None = None,
                  kind: type[BaseSubscriber] = Subscriber, invisible: bool = False) -> tuple[BaseSubscriber, int]:
        """Register a stream; returns it with the last event id already dispatched.

        Every event after that id reaches the subscriber's queue, so the
        stream replays (after, cursor] from the table and then reads its queue.
        The user's servers are read with no lock held (a burst of streams must
        not queue behind each other's queries); if the dispatcher changed this
        user's memberships meanwhile, they are read again.
        """
        self.start()
        for attempt in range(self.SUBSCRIBE_ATTEMPTS):
            seen = self.cursor
            server_ids = load_server_ids()
            with self.lock:
                if self._memberships_changed_since(user_id, seen) and attempt + 1 < self.SUBSCRIBE_ATTEMPTS:
                    continue
                subscriber = kind(user_id, server_ids, locale, maxsize, session_id)
                self.by_user[user_id].add(subscriber)
                for server_id in subscriber.server_ids:
                    self.by_server[server_id].add(subscriber)
                if self.presence is not None:
                    self.presence.opened(user_id, subscriber.server_ids, invisible)
                return subscriber, self.cursor
        raise AssertionError("unreachable: the last attempt always subscribes")

    def _memberships_changed_since(self, user_id: int, event_id: int) -> bool:
        return max(self._membership_changed.get(user_id, 0), self._server_deleted) > event_id

    def unsubscribe(self, subscriber: BaseSubscriber) -> None:
        with self.lock:
            was_open = subscriber in self.by_user.get(subscriber.user_id, ())  # called again on close: once
            if was_open and self.presence is not None:
                self.presence.closed(subscriber.user_id)
            self._discard(self.by_user, subscriber.user_id, subscriber)
            for server_id in subscriber.server_ids:
                self._discard(self.by_server, server_id, subscriber)

    def stream_count(self, user_id: int | None = None) -> int:
        with self.lock:
            if user_id is not None:
                return len(self.by_user.get(user_id, ()))
            return sum(len(subs) for subs in self.by_user.values())

    @staticmethod
    def _discard(index: dict, key: int, subscriber: BaseSubscriber) -> None:
        subs = index.get(key)
        if subs is not None:
            subs.discard(subscriber)
            if not subs:
                del index[key]

    # -- dispatcher ------------------------------------------------------------
    def start(self) -> None:
        """Start the dispatcher at the newest event (once). Streams never wait on
        `self.lock` for this: the database is read under a lock of its own."""
        if self._thread is not None:
            return
        with self._start_lock:
            if self._thread is not None:
                return
            with self.app.app_context():
                cursor = db.session.scalar(select(func.max(Event.id))) or 0
                db.session.remove()
            with self.lock:
                self.cursor = cursor
            self._thread = threading.Thread(target=self._run, name="charla-hub", daemon=True)
            self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def _run(self) -> None:
        while True:
            self._wake.wait(self.poll_seconds)
            self._wake.clear()
            try:
                self.dispatch_pending()
            except Exception:
                log.exception("Live dispatcher failed; retrying from event %s", self.cursor)
                time.sleep(1)

    def dispatch_pending(self) -> None:
        """Deliver committed events after the cursor, in id order, without skipping any."""
        while True:
            with self.app.app_context():
                rows = list(db.session.scalars(
                    select(Event).where(Event.id > self.cursor).order_by(Event.id).limit(self.BATCH)))
                db.session.remove()
            if not rows:
                return
            for event in rows:
                if event.id != self.cursor + 1 and not self._gap_expired():
                    # An earlier id may still be committing (MySQL allocates ids
                    # before commit); wait a moment rather than skip it.
                    threading.Timer(0.02, self.wake).start()
                    return
                self._gap_since = None
                self.deliver(event)
            if len(rows) < self.BATCH:
                return

    def _gap_expired(self) -> bool:
        now = time.monotonic()
        if self._gap_since is None:
            self._gap_since = now
        return now - self._gap_since > self.GAP_WAIT_SECONDS

    def deliver(self, event: Event) -> None:
        """Queue the event's frames to every stream that may see it, then move the cursor past it.

        The cursor moves only once the frames are queued, under the lock subscribe()
        takes: a new stream either finds the event in its queue or replays it. The
        database is read outside the lock, retried; an event that still cannot be
        rendered sends its streams a resync rather than stall or vanish.
        """
        with self.lock:
            listening = self._targets(event)
        frames = self._prepare(event, listening) if listening else None
        with self.lock:
            targets = self._targets(event)
            self._follow_membership(event)
            if targets and not listening:  # a stream opened meanwhile (rare): read now, once
                frames = self._prepare(event, targets, attempts=1)
            revoked = event.kind == kinds.SESSIONS_REVOKED
            encoded = {}  # each audience's frame is encoded once, whatever the number of streams
            for sub in targets:
                sub.offer(self._frame_for(frames, event, sub), encoded)
                if revoked:
                    sub.end()  # the stream ends once this frame is sent
            self.cursor = event.id

    def signal(self, signal) -> None:
        """An ephemeral signal (broker.Signal) to the streams of its servers' members, not the sender's own."""
        frame, encoded = signal.frame(), {}
        with self.lock:
            targets = set()
            for server_id in signal.server_ids:
                targets.update(self.by_server.get(server_id, ()))
            for sub in targets:
                if sub.user_id != signal.user_id:
                    sub.offer(frame, encoded)

    def _targets(self, event: Event) -> set[BaseSubscriber]:
        """The streams that may see the event (the lock held)."""
        targets = set(self.by_server.get(event.server_id, ())) if event.server_id is not None else set()
        if event.user_id is not None:
            targets |= self.by_user.get(event.user_id, set())
        if event.kind == kinds.SESSIONS_REVOKED:
            ended = set(event.payload.get("sessions", ()))
            targets = {sub for sub in targets if sub.session_id in ended}
        return targets

    def _follow_membership(self, event: Event) -> None:
        """Joins, leaves and deleted servers change what open streams see (once per event, the lock held)."""
        if event.kind == kinds.MEMBER_JOINED and event.user_id is not None:
            self._membership_changed[event.user_id] = event.id
            for sub in self.by_user.get(event.user_id, ()):
                sub.server_ids.add(event.server_id)
                self.by_server[event.server_id].add(sub)
        elif event.kind == kinds.MEMBER_LEFT and event.user_id is not None:
            self._membership_changed[event.user_id] = event.id
            for sub in self.by_user.get(event.user_id, ()):
                sub.server_ids.discard(event.server_id)
                self._discard(self.by_server, event.server_id, sub)
        elif event.kind == kinds.SERVER_DELETED:
            self._server_deleted = event.id
            for sub in self.by_server.pop(event.server_id, ()):
                sub.server_ids.discard(event.server_id)

    def _prepare(self, event: Event, audience: set[BaseSubscriber], attempts: int | None = None) -> Frames | None:
        """Load the event and render it for `audience`, retrying database failures; None if it cannot be."""
        attempts = attempts or self.RENDER_ATTEMPTS
        delay = self.RENDER_BACKOFF_SECONDS
        for attempt in range(1, attempts + 1):
            try:
                frames = self.renderer.frames(event)
                for sub in audience:
                    frames.for_subscriber(sub)
                return frames
            except SQLAlchemyError as error:
                log.warning("Could not render event %s (%s), attempt %s of %s: %s",
                            event.id, event.kind, attempt, attempts, error)
            except Exception:
                log.exception("Could not render event %s (%s); its streams resync", event.id, event.kind)
                return None
            if attempt < attempts:
                time.sleep(delay)
                delay *= 2
        log.error("Giving up on event %s (%s) after %s attempts; its streams resync", event.id, event.kind, attempts)
        return None

    @staticmethod
    def _frame_for(frames: Frames | None, event: Event, sub: BaseSubscriber) -> str:
        """The subscriber's frame, or a resync when the event could not be rendered for it."""
        if frames is not None:
            try:
                return frames.for_subscriber(sub)
            except Exception:
                log.exception("Could not render event %s (%s) for user %s; the stream resyncs",
                              event.id, event.kind, sub.user_id)
        return sse_frame(event.id, "", RESYNC)

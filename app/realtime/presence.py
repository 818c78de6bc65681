"""Who is here: online (a tab open and used in the last minutes), idle (tabs open, unused), offline.

Each process knows the streams it holds. With REDIS_URL it shares that
view: per user one hash, `charla:presence:<user id>`, with one field per
process holding its state, an expiry and the user's servers; each process
rewrites its fields every REFRESH_SECONDS, so a process that dies stops
counting within TTL_SECONDS. A sorted set of users by their latest expiry
lets any process notice a user whose last process died and announce them
offline (once: the process that removes the entry announces). Activity (a
tab in use) is a key with a TTL of IDLE_SECONDS, set by whichever process
the tab's ping reaches. Without Redis the process's own view is the truth.

Changes go out as ephemeral "presence" signals to the members of the user's
servers, coalesced: each FLUSH_SECONDS, one signal per server listing every
user whose state (as others see it) changed, so a thousand tabs opening at
once cost each stream one frame, not a thousand. Cost with Redis, per 1,000 users online: 1,000
hashes and as many activity keys plus one sorted set; about 1,000 / 15 s
refresh writes (pipelined per process, ~70 commands/s) plus one write per
activity ping (at most one per user per minute, ~17/s) and one per state change.
"""
import contextlib
import json
import logging
import threading
import time
from dataclasses import dataclass, field

import redis

from app.realtime.broker import Signal

log = logging.getLogger(__name__)

ONLINE, IDLE, OFFLINE = "online", "idle", "offline"
PRESENCE = "presence"  # the signal's kind: tabs get it as the event "charla:presence"
RANK = {ONLINE: 2, IDLE: 1, OFFLINE: 0}
IDLE_SECONDS = 300
TTL_SECONDS = 45
REFRESH_SECONDS = 15
FLUSH_SECONDS = 1.0
KEY = "charla:presence:{}"
ACTIVE_KEY = "charla:active:{}"
INVISIBLE_KEY = "charla:invisible:{}"
EXPIRIES = "charla:presence:expiries"
TOLD = "_told"  # the field holding what members were last told (process fields are named by process)


@dataclass
class Here:
    """One user's streams in this process."""

    streams: int = 0
    active_at: float = 0.0
    server_ids: set[int] = field(default_factory=set)
    invisible: bool = False
    # A stream closed since the last flush: a page may have shown the user online meanwhile (pages read
    # the state directly) without any signal saying so, so going offline is announced regardless.
    left: bool = False


class PresenceBoard:
    def __init__(self, broker, redis_url: str | None, origin: str, idle_seconds: float = IDLE_SECONDS,
                 ttl_seconds: float = TTL_SECONDS, refresh_seconds: float = REFRESH_SECONDS):
        self.broker = broker
        self.origin = origin
        self.idle_seconds = idle_seconds
        self.ttl_seconds = ttl_seconds
        self.refresh_seconds = refresh_seconds
        self.redis = redis.Redis.from_url(redis_url, socket_timeout=2, socket_connect_timeout=2) if redis_url else None
        self.here: dict[int, Here] = {}
        self.announced: dict[int, str] = {}  # what others were last told, per user this process announced
        self.dirty: set[int] = set()
        self.choice_servers: dict[int, set[int]] = {}  # users who changed their visibility: whom to tell
        self.lock = threading.Lock()
        self._thread: threading.Thread | None = None

    # -- fed by the hub and the activity ping ---------------------------------
    def opened(self, user_id: int, server_ids: set[int], invisible: bool = False) -> None:
        with self.lock:
            here = self.here.setdefault(user_id, Here())
            here.invisible = invisible
            here.streams += 1
            here.active_at = time.monotonic()
            here.server_ids |= server_ids
            self.dirty.add(user_id)

    def closed(self, user_id: int) -> None:
        with self.lock:
            here = self.here.get(user_id)
            if here is not None:
                here.streams = max(0, here.streams - 1)
                here.left = True
                self.dirty.add(user_id)

    def set_invisible(self, user_id: int, invisible: bool, server_ids: set[int]) -> None:
        """The user chose to be shown offline (or not any more): every process reads it from Redis."""
        with self.lock:
            here = self.here.get(user_id)
            if here is not None:
                here.invisible = invisible
            self.choice_servers[user_id] = set(server_ids)
            self.dirty.add(user_id)
        if self.redis is not None:
            try:
                if invisible:
                    self.redis.set(INVISIBLE_KEY.format(user_id), "1")
                else:
                    self.redis.delete(INVISIBLE_KEY.format(user_id))
            except redis.RedisError as error:
                log.warning("Could not record invisibility in Redis (%s)", error)

    def active(self, user_id: int) -> None:
        """A tab of the user is in use (the ping reaches any process, not always the stream's)."""
        with self.lock:
            here = self.here.get(user_id)
            if here is not None:
                here.active_at = time.monotonic()
            self.dirty.add(user_id)
        if self.redis is not None:
            try:
                self.redis.set(ACTIVE_KEY.format(user_id), "1", ex=int(self.idle_seconds))
            except redis.RedisError as error:
                log.warning("Could not record activity in Redis (%s)", error)

    # -- reading ----------------------------------------------------------------
    def local_state(self, user_id: int, now: float | None = None) -> str:
        here = self.here.get(user_id)
        if here is None or here.streams == 0 or here.invisible:
            return OFFLINE
        now = time.monotonic() if now is None else now
        return ONLINE if now - here.active_at < self.idle_seconds else IDLE

    def states(self, user_ids) -> dict[int, str]:
        """Each user's presence as others see it (every process's view, with Redis)."""
        user_ids = list(dict.fromkeys(user_ids))
        with self.lock:
            found = {user_id: self.local_state(user_id) for user_id in user_ids}
        if self.redis is None or not user_ids:
            return found
        try:
            pipe = self.redis.pipeline(transaction=False)
            for user_id in user_ids:
                pipe.hgetall(KEY.format(user_id))
                pipe.exists(ACTIVE_KEY.format(user_id))
                pipe.exists(INVISIBLE_KEY.format(user_id))
            replies = pipe.execute()
        except redis.RedisError as error:
            log.warning("Presence from Redis unavailable (%s); showing this process's view", error)
            return found
        now = time.time()
        for index, user_id in enumerate(user_ids):
            fields, active, invisible = replies[3 * index:3 * index + 3]
            if invisible:
                found[user_id] = OFFLINE
                continue
            for process, raw in fields.items():
                if process.decode() == self.origin or process.startswith(b"_"):
                    continue
                state, expires = self._parse(raw)
                if expires > now and state != OFFLINE:
                    remote = ONLINE if (state == ONLINE or active) else IDLE
                    if RANK[remote] > RANK[found[user_id]]:
                        found[user_id] = remote
            if found[user_id] == IDLE and active:
                found[user_id] = ONLINE
        return found

    @staticmethod
    def _parse(raw: bytes) -> tuple[str, float]:
        try:
            value = json.loads(raw)
            return str(value["s"]), float(value["e"])
        except (ValueError, KeyError, TypeError):
            return OFFLINE, 0.0

    # -- the loop ---------------------------------------------------------------
    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="charla-presence", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        last_refresh = 0.0
        while True:
            time.sleep(FLUSH_SECONDS)
            try:
                now = time.monotonic()
                if now - last_refresh >= self.refresh_seconds:
                    last_refresh = now
                    self.refresh()
                self.flush()
            except Exception:
                log.exception("Presence loop failed; trying again")

    def refresh(self) -> None:
        """Rewrite this process's fields (and notice who went idle, or whose other process died)."""
        now = time.monotonic()
        with self.lock:
            for user_id, here in list(self.here.items()):
                if here.streams == 0 and user_id not in self.dirty:
                    del self.here[user_id]
                elif self.announced.get(user_id) != self.local_state(user_id, now):
                    self.dirty.add(user_id)
            snapshot = {user_id: (self.local_state(user_id, now), sorted(here.server_ids))
                        for user_id, here in self.here.items() if here.streams}
        if self.redis is None:
            return
        expires = time.time() + self.ttl_seconds
        try:
            pipe = self.redis.pipeline(transaction=False)
            for user_id, (state, server_ids) in snapshot.items():
                self._write_field(pipe, user_id, state, server_ids, expires)
            pipe.execute()
            self.sweep()
        except redis.RedisError as error:
            log.warning("Could not refresh presence in Redis (%s)", error)

    def sweep(self) -> None:
        """Users whose every process stopped refreshing (a process died): announce them offline, once."""
        now = time.time()
        gone: dict[int, str] = {}
        servers: dict[int, set[int]] = {}
        for raw in self.redis.zrangebyscore(EXPIRIES, "-inf", now, start=0, num=500):
            user_id = int(raw)
            fields = self.redis.hgetall(KEY.format(user_id))
            server_ids: set[int] = set()
            live = False
            for process, value in fields.items():
                if process.startswith(b"_"):
                    continue
                state, expires = self._parse(value)
                with contextlib.suppress(ValueError, TypeError, KeyError):
                    server_ids.update(int(s) for s in json.loads(value)["v"])
                if expires > now and state != OFFLINE and process.decode() != self.origin:
                    live = True
            if live or self.local_state(user_id) != OFFLINE:
                continue
            told = fields.get(TOLD.encode(), b"").decode()
            if self.redis.zrem(EXPIRIES, raw):  # this process won the race: it tells (if anyone must be)
                self.redis.delete(KEY.format(user_id))
                if told and told != OFFLINE:
                    gone[user_id], servers[user_id] = OFFLINE, server_ids
        self._announce(gone, servers)

    def flush(self) -> None:
        """Announce the users whose state, as others see it, changed since last told."""
        with self.lock:
            dirty, self.dirty = self.dirty, set()
            servers = {user_id: set(self.here[user_id].server_ids) for user_id in dirty if user_id in self.here}
            for user_id, server_ids in self.choice_servers.items():
                servers.setdefault(user_id, set()).update(server_ids)
            self.choice_servers.clear()
            left = set()
            for user_id in dirty:
                here = self.here.get(user_id)
                if here is not None and here.left:
                    here.left = False
                    left.add(user_id)
        if not dirty:
            return
        if self.redis is not None:
            self.refresh_fields(dirty)
        told = self.told(dirty)
        changes = {user_id: state for user_id, state in self.states(dirty).items()
                   if (told[user_id] != state or (state == OFFLINE and user_id in left)) and servers.get(user_id)}
        self._announce(changes, servers)

    def told(self, user_ids) -> dict[int, str]:
        """What the members were last told of each user, by any process."""
        user_ids = list(user_ids)
        if self.redis is not None:
            try:
                pipe = self.redis.pipeline(transaction=False)
                for user_id in user_ids:
                    pipe.hget(KEY.format(user_id), TOLD)
                return {user_id: value.decode() if value else OFFLINE
                        for user_id, value in zip(user_ids, pipe.execute(), strict=True)}
            except redis.RedisError:
                pass
        return {user_id: self.announced.get(user_id, OFFLINE) for user_id in user_ids}

    def refresh_fields(self, user_ids) -> None:
        """This process's fields for `user_ids` now (before reading everyone's view)."""
        expires = time.time() + self.ttl_seconds
        try:
            pipe = self.redis.pipeline(transaction=False)
            with self.lock:
                for user_id in user_ids:
                    key = KEY.format(user_id)
                    here = self.here.get(user_id)
                    if here is None or here.streams == 0:
                        pipe.hdel(key, self.origin)
                        continue
                    self._write_field(pipe, user_id, self.local_state(user_id), sorted(here.server_ids), expires)
            pipe.execute()
        except redis.RedisError as error:
            log.warning("Could not write presence to Redis (%s)", error)

    def _write_field(self, pipe, user_id: int, state: str, server_ids: list[int], expires: float) -> None:
        """This process's view of one user, expiring with it; the user's key outlives its fields a little."""
        key = KEY.format(user_id)
        pipe.hset(key, self.origin, json.dumps({"s": state, "e": expires, "v": server_ids}))
        pipe.expire(key, int(self.ttl_seconds * 2) + 1)
        pipe.zadd(EXPIRIES, {str(user_id): expires}, gt=True)

    def _announce(self, changes: dict[int, str], servers: dict[int, set[int]]) -> None:
        """One signal per server for all of this pass's changes: a thousand tabs opening at once make
        one frame per stream, not a thousand."""
        if not changes:
            return
        by_server: dict[int, list[dict]] = {}
        for user_id, state in sorted(changes.items()):
            if state == OFFLINE:
                self.announced.pop(user_id, None)
            else:
                self.announced[user_id] = state
            for server_id in servers.get(user_id, ()):
                by_server.setdefault(server_id, []).append({"user": user_id, "state": state})
        if self.redis is not None:
            with contextlib.suppress(redis.RedisError):
                pipe = self.redis.pipeline(transaction=False)
                for user_id, state in changes.items():
                    pipe.hset(KEY.format(user_id), TOLD, state)
                pipe.execute()
        for server_id, items in sorted(by_server.items()):
            self.broker.signal(Signal(PRESENCE, [server_id], 0, {"changes": items}))

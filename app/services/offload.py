"""CPU-heavy work (image decoding) off the request loop, a few jobs at a time.

Under gevent a request is a greenlet: decoding a large image inside it stops
every other request and stream of the process until it is done. Such work
runs in gevent's pool of real threads instead (Pillow releases the GIL while
it decodes and resizes), at most WORKERS jobs at once; a request that waits
longer than WAIT_SECONDS for a turn gets Busy. Without gevent (plain
threads, the test client) the job runs in the calling thread, under the same
cap. A job gets no app or request context: pass it everything it needs.
"""
import sys
import threading
from collections.abc import Callable
from typing import Any

WORKERS = 2
WAIT_SECONDS = 15.0

_thread_slots = threading.BoundedSemaphore(WORKERS)
_gevent_slots = None  # made on first use, inside the gevent loop


class Busy(Exception):
    """Every worker stayed busy for WAIT_SECONDS."""


def gevent_hub():
    """The gevent hub when this process runs under gevent's monkey patching, else None."""
    monkey = sys.modules.get("gevent.monkey")
    if monkey is None or not monkey.is_module_patched("threading"):
        return None
    import gevent
    return gevent.get_hub()


def run(job: Callable[..., Any], *args: Any) -> Any:
    """`job(*args)` in a worker thread, waiting up to WAIT_SECONDS for a free one; its result or exception."""
    global _gevent_slots
    hub = gevent_hub()
    if hub is None:
        slots = _thread_slots
    else:
        if _gevent_slots is None:
            from gevent.lock import BoundedSemaphore
            _gevent_slots = BoundedSemaphore(WORKERS)
        slots = _gevent_slots
    if not slots.acquire(timeout=WAIT_SECONDS):
        raise Busy()
    try:
        if hub is None:
            return job(*args)
        succeeded, outcome = hub.threadpool.spawn(_outcome, job, args).get()
    finally:
        slots.release()
    if succeeded:
        return outcome
    raise outcome


def _outcome(job: Callable[..., Any], args: tuple) -> tuple[bool, Any]:
    """The job's result or its exception, as a value: gevent's pool would print an
    exception raised in a worker as an error, though the caller handles it (e.g. a refused image)."""
    try:
        return True, job(*args)
    except Exception as error:  # noqa: BLE001 - not swallowed: run() raises it in the caller
        return False, error

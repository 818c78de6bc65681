"""Transactions that MariaDB/MySQL may pick as a deadlock victim are run again.

InnoDB resolves a deadlock (error 1213) or a lock wait timeout (1205) by rolling
one transaction back and telling its client to retry; several people posting to
one channel at once can meet that on the rows they share (read marks, the
events log). The whole service call is repeated from the start, after the
rollback, a few times with a short pause; anything else propagates.
"""
import functools
import logging
import random
import time

from sqlalchemy.exc import OperationalError

from app.extensions import db

log = logging.getLogger(__name__)

RETRYABLE_CODES = {1205, 1213}  # ER_LOCK_WAIT_TIMEOUT, ER_LOCK_DEADLOCK
ATTEMPTS = 4


def is_retryable(error: OperationalError) -> bool:
    args = getattr(error.orig, "args", ())
    return bool(args) and args[0] in RETRYABLE_CODES


def retried(function):
    """Run `function` (which commits its own transaction) again when the database asks for a retry."""

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        attempt = 1
        while True:
            try:
                return function(*args, **kwargs)
            except OperationalError as error:
                if attempt == ATTEMPTS or not is_retryable(error):
                    raise
                db.session.rollback()
                attempt += 1
                log.info("%s: %s; retrying (attempt %d of %d)", function.__name__,
                         getattr(error.orig, "args", error), attempt, ATTEMPTS)
                time.sleep(random.uniform(0.005, 0.02) * attempt)  # gevent-patched: other requests go on

    return wrapper

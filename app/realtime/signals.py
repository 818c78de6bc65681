"""Ephemeral signals: who is typing, who is here. They may be lost, so they skip the events table.

A signal goes through the broker only: this process's hub, and with Redis
every other process's (a pub/sub channel of its own). It carries no event
id, so it never moves a tab's Last-Event-ID and is never replayed: a tab
that reconnects simply sees the next one. Nothing here writes to the
database.
"""
from flask_login import current_user

from app.realtime.broker import Signal
from app.realtime.live import get_live
from app.services import messages as message_service
from app.services import moderation

TYPING = "typing"
# How long "X is typing" shows without a new signal (the composer repeats it every 3 s: static/js/here.js).
TYPING_SECONDS = 6


def announce_typing(server_id: int, channel_id: int) -> None:
    """The signed-in member is typing in the channel (404 for outsiders): their server's other tabs are told.
    A timed-out member cannot post, so nobody is told they are typing."""
    membership, channel = message_service.access_channel(current_user, server_id, channel_id)
    if moderation.timed_out_until(membership) is not None:
        return
    get_live().broker.signal(Signal(TYPING, [server_id], current_user.id,
                                    {"channel": channel.id, "user": current_user.id,
                                     "name": current_user.display_name, "seconds": TYPING_SECONDS}))

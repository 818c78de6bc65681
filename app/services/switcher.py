"""The quick switcher: find one of your servers or channels by name.

Only the user's own servers and their channels are searched. A user belongs
to a bounded number of servers, so one query loads them with their channels
and the names are matched in Python (accent- and case-insensitive, as server
search does), in a constant number of queries whatever the data size.
"""
from dataclasses import dataclass

from sqlalchemy import select

from app.extensions import db
from app.models import SERVER_KIND, Channel, Membership, Server, User
from app.services.search import QUERY_MAX, fold

LIMIT = 20


@dataclass(frozen=True)
class Destination:
    """One place to go: a server, or a channel of a server."""
    server_id: int
    server_name: str
    channel_id: int | None = None
    channel_name: str | None = None


def rank(name_key: str, query: str) -> int | None:
    """0 when the name starts with the query, 1 when a word does, 2 when it
    appears anywhere, None when it does not."""
    if name_key.startswith(query):
        return 0
    if any(word.startswith(query) for word in name_key.replace("-", " ").replace("_", " ").split(" ")):
        return 1
    return 2 if query in name_key else None


def find_destinations(user: User, raw_query: str) -> list[Destination]:
    """The user's servers and channels whose name matches the query, best first."""
    query = fold(raw_query)[:QUERY_MAX]
    if not query:
        return []
    rows = db.session.execute(
        select(Server.id, Server.name, Channel.id, Channel.name)
        .join(Membership, Membership.server_id == Server.id)
        .outerjoin(Channel, Channel.server_id == Server.id)
        .where(Membership.user_id == user.id, Server.kind == SERVER_KIND)
        .order_by(Membership.id, Channel.position, Channel.id)).all()
    found: list[tuple[int, int, Destination]] = []
    seen_servers: set[int] = set()
    for order, (server_id, server_name, channel_id, channel_name) in enumerate(rows):
        if server_id not in seen_servers:
            seen_servers.add(server_id)
            place = rank(fold(server_name), query)
            if place is not None:
                found.append((place, order, Destination(server_id, server_name)))
        if channel_id is not None:
            place = rank(fold(channel_name), query)
            if place is not None:
                found.append((place, order, Destination(server_id, server_name, channel_id, channel_name)))
    found.sort(key=lambda item: (item[0], item[1]))
    return [destination for _place, _order, destination in found[:LIMIT]]

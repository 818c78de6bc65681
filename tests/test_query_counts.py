"""A constant number of SQL queries per request, whatever the data size."""
from datetime import timedelta

from sqlalchemy import func, insert

from app.extensions import db
from app.models import ROLE_MEMBER, Channel, Message, MessageReaction, utcnow
from app.services import events
from app.services import servers as server_service
from tests.conftest import htmx_headers, make_user


def grow(cast, servers: int, channels: int, messages: int, tag: str) -> None:
    """Give the member more servers, the server more channels, the channel more messages."""
    for i in range(servers):
        other = server_service.create_server(cast.owner, {"name": f"Extra {tag}{i}"})
        server_service.add_member(cast.member, other, role=ROLE_MEMBER)
        db.session.commit()
    for i in range(channels):
        db.session.add(Channel(server_id=cast.server.id, name=f"extra-{tag}{i}", position=i + 1))
    authors = [cast.owner, cast.admin, cast.member] + [make_user(f"writer{tag}{i}") for i in range(5)]
    start = utcnow() - timedelta(days=1)
    db.session.execute(insert(Message), [
        {"channel_id": cast.channel.id, "author_id": authors[i % len(authors)].id, "content": f"m{i}",
         "created_at": start + timedelta(seconds=i)} for i in range(messages)])
    db.session.commit()


def measure(client, query_counter, cast) -> dict[str, int]:
    base = f"/servers/{cast.server.id}/channels/{cast.channel.id}"
    requests = {
        "home": lambda: client.get("/"),
        "server page": lambda: client.get(f"/servers/{cast.server.id}"),
        "channel page": lambda: client.get(base),
        "channel htmx": lambda: client.get(base, headers=htmx_headers("main#messages-column")),
        "older page": lambda: client.get(f"{base}/messages?before=999999999", headers=htmx_headers("div")),
        "post message": lambda: client.post(f"{base}/messages", data={"content": "hi"},
                                            headers=htmx_headers("div#message-list")),
    }
    counts = {}
    for name, request in requests.items():
        with query_counter as counter:
            assert request().status_code == 200
        counts[name] = counter.count
    return counts


def test_query_counts_do_not_grow_with_data(client, as_user, cast, query_counter):
    as_user(cast.member)
    grow(cast, servers=1, channels=1, messages=3, tag="a")
    small = measure(client, query_counter, cast)
    grow(cast, servers=15, channels=20, messages=300, tag="b")
    large = measure(client, query_counter, cast)
    assert small == large
    # The most is opening a server for the first time: the page's reads plus
    # moving the read mark (insert it, read mention notifications, one event).
    # Shown messages bring their reactions and reactors' names (one query).
    assert max(large.values()) <= 14, large
    assert large["channel page"] <= 11, large


def react_to_all(cast, reactors: list, emoji: list[str]) -> None:
    """Every message of the channel gets every reactor's every emoji."""
    ids = db.session.scalars(db.select(Message.id).where(Message.channel_id == cast.channel.id)).all()
    db.session.execute(insert(MessageReaction), [
        {"message_id": message_id, "emoji": char, "user_id": user.id, "created_at": utcnow()}
        for message_id in ids for user in reactors for char in emoji])
    db.session.commit()


def test_reactions_load_in_a_constant_number_of_queries(client, as_user, cast, query_counter, app):
    as_user(cast.member)
    grow(cast, servers=0, channels=0, messages=3, tag="a")
    react_to_all(cast, [cast.owner], ["👍"])
    small = measure(client, query_counter, cast)
    grow(cast, servers=0, channels=0, messages=60, tag="b")
    reactors = [make_user(f"fan{i}") for i in range(6)]
    react_to_all(cast, reactors, ["👍", "🎉", "🔥"])
    large = measure(client, query_counter, cast)
    assert small == large
    page = client.get(f"/servers/{cast.server.id}/channels/{cast.channel.id}").get_data(as_text=True)
    assert page.count('class="reaction') >= 50 * 3  # the chips are there: the queries were not saved by omission
    # The live frame of a reaction reads the bar once for every audience, whatever the number of reactors.
    from app.models import Event
    from app.realtime.render import Renderer
    event = Event(id=1, kind=events.MESSAGE_REACTIONS, server_id=cast.server.id, channel_id=cast.channel.id,
                  payload={"message_id": db.session.scalar(db.select(func.max(MessageReaction.message_id)))})
    with query_counter as counter:
        loaded = Renderer(app).load(event)
    assert counter.count <= 4, counter.count
    assert len(loaded["message"].reactions) == 18

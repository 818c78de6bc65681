"""A constant number of SQL queries per request, whatever the data size."""
from datetime import timedelta

from sqlalchemy import insert, select, update

from app.extensions import db
from app.models import ROLE_MEMBER, Channel, Message, MessageReaction, utcnow
from app.services import blocks, formatting, instance, moderation
from app.services import servers as server_service
from tests.conftest import htmx_headers, make_user, soup


def source(i: int) -> str:
    """Formatted text as people write it, stored rendered (a page shows it as it is)."""
    return f"**m{i}** see https://example.com/{i} and ||a spoiler||\n```python\nx = {i}\n```"


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
        {"channel_id": cast.channel.id, "author_id": authors[i % len(authors)].id, "content": source(i),
         "content_html": formatting.render(source(i), set()), "render_version": formatting.RENDER_VERSION,
         "created_at": start + timedelta(seconds=i)} for i in range(messages)])
    # Half of the new messages answer the one before and carry reactions from two people.
    ids = list(db.session.scalars(select(Message.id).where(Message.channel_id == cast.channel.id)
                                  .order_by(Message.id.desc()).limit(messages)))[::-1]
    for previous, current in zip(ids[::2], ids[1::2], strict=False):
        db.session.execute(update(Message).where(Message.id == current).values(reply_to_id=previous))
    db.session.execute(insert(MessageReaction), [
        {"message_id": message_id, "emoji": emoji, "user_id": author.id, "created_at": start}
        for message_id in ids[1::2] for emoji, author in (("👍", authors[0]), ("🎉", authors[1]))])
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
    # A page of messages reads its reactions, its files and the messages it answers in one query each;
    # a full page also reads whom the reader blocked (their messages fold away).
    assert max(large.values()) <= 17, large
    assert large["channel page"] <= 14, large


def test_moderation_admin_and_profile_pages_cost_the_same_with_more_rows(client, as_user, cast, query_counter):
    admin = make_user("root")
    instance.grant(admin.username)
    paths = {"bans": (cast.owner, f"/servers/{cast.server.id}/bans"), "accounts": (admin, "/admin/users"),
             "servers": (admin, "/admin/servers"), "admin log": (admin, "/admin/log"),
             "profile": (cast.owner, "/profile")}

    def count() -> dict[str, int]:
        counts = {}
        for name, (user, path) in paths.items():
            browser = as_user(user)
            with query_counter as counter:
                assert browser.get(path).status_code == 200
            counts[name] = counter.count
        return counts

    def grow(tag: str, n: int) -> None:
        for i in range(n):
            person = make_user(f"p{tag}{i}")
            server_service.add_member(person, cast.server)
            db.session.commit()
            blocks.block(cast.owner, person.id)
            moderation.ban_by_name(cast.admin, cast.server.id, {"username": person.username, "reason": "r"})
            server_service.create_server(person, {"name": f"S {tag}{i}"})
            instance.deactivate(admin, person.id)

    grow("a", 1)
    few = count()
    grow("b", 6)
    assert count() == few
    assert len(soup(as_user(cast.owner).get("/profile")).select("#blocked-list li")) == 7
    assert len(soup(as_user(cast.owner).get(f"/servers/{cast.server.id}/bans")).select("#bans-panel li.member")) == 7

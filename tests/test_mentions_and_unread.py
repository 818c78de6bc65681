"""@mentions (rendering, notifications) and unread marks (read state per user and channel)."""
import pytest
from bs4 import BeautifulSoup
from sqlalchemy import func, select

from app.extensions import db
from app.models import ChannelRead, Event, MessageMention, Notification
from app.realtime.hub import Subscriber
from app.realtime.live import get_live
from app.services import events, reads
from app.services import messages as message_service
from app.services import servers as server_service
from tests.conftest import fresh, htmx_headers, make_user, soup


def last_event_id() -> int:
    return db.session.scalar(select(func.max(Event.id))) or 0


def mention_notes(user) -> list[Notification]:
    fresh()
    return list(db.session.scalars(select(Notification).where(Notification.user_id == user.id,
                                                              Notification.kind == "mention")))


def rendered_content(client, cast, message) -> BeautifulSoup:
    page = soup(client.get(f"/servers/{cast.server.id}/channels/{cast.channel.id}"))
    return page.select_one(f"#message-{message.id} .content")


# -- rendering --------------------------------------------------------------------

@pytest.mark.parametrize("text, mentions, shown", [
    ("hi @mia", ["@mia"], "hi @mia"),
    ("HI @MIA!", ["@MIA"], "HI @MIA!"),
    ("see you, @mia.", ["@mia"], "see you, @mia."),
    ("@oscar is not here", [], "@oscar is not here"),          # not a member
    ("@nobody at all", [], "@nobody at all"),                   # no such user
    ("mail mia@mia.com", [], "mail mia@mia.com"),               # an address, not a mention
    ("<b>@mia</b> & co", ["@mia"], "<b>@mia</b> & co"),         # escaped like all text
])
def test_mentions_of_members_are_highlighted_and_text_is_escaped(client, as_user, cast, text, mentions, shown):
    message = cast.post(cast.owner, text)
    as_user(cast.admin)
    content = rendered_content(client, cast, message)
    assert [span.text for span in content.select(".mention")] == mentions
    assert content.text == shown
    assert content.select("b") == []


def test_a_mention_notifies_the_member_only_once_and_nobody_else(cast):
    message = cast.post(cast.owner, "@mia @Mia @oscar @olivia look")
    notes = mention_notes(cast.member)
    assert [(n.message_id, n.actor_id, n.channel_name, n.server_name) for n in notes] == \
        [(message.id, cast.owner.id, "general", "Book Club")]
    assert mention_notes(cast.outsider) == [] and mention_notes(cast.owner) == []  # non-member, self


def test_the_mentioned_user_sees_the_notification_and_opens_the_message(client, as_user, cast):
    message = cast.post(cast.owner, "@mia what did you think of chapter 3?")
    as_user(cast.member)
    bell = soup(client.get("/notifications/bell", headers=htmx_headers("a#bell")))
    assert bell.select_one("#bell-count").text == "1"
    panel = soup(client.get("/notifications", headers=htmx_headers("div#notifications-host")))
    item = panel.select_one(".notification.unread")
    assert "Olivia mentioned you in #general (Book Club)." in item.text
    assert "chapter 3" in item.select_one(".excerpt").text
    go = item.select_one("form.go-to-message")
    assert go.select_one("button").text == "Go to the message"
    posted = client.post(go["action"], data={"next": go.select_one("input[name=next]")["value"]})
    assert posted.status_code == 303 and posted.headers["Location"] == f"/messages/{message.id}"
    assert mention_notes(cast.member)[0].read_at is not None
    opened = client.get(posted.headers["Location"])
    assert opened.status_code == 302
    assert opened.headers["Location"].endswith(
        f"/servers/{cast.server.id}/channels/{cast.channel.id}#message-{message.id}")
    page = soup(client.get(opened.headers["Location"]))
    assert page.select_one(f"#message-{message.id}")["data-mentions"] == str(cast.member.id)


def test_opening_a_message_by_get_changes_nothing(client, as_user, cast):
    message = cast.post(cast.owner, "@mia a mention to open")
    as_user(cast.member)
    events_before = db.session.scalar(select(func.count(Event.id)))
    assert client.get(f"/messages/{message.id}").status_code == 302
    fresh()
    assert mention_notes(cast.member)[0].read_at is None
    assert db.session.scalar(select(func.count(Event.id))) == events_before


def test_go_to_the_message_refuses_a_next_off_site(client, as_user, cast):
    cast.post(cast.owner, "@mia hello")
    as_user(cast.member)
    note = mention_notes(cast.member)[0]
    posted = client.post(f"/notifications/{note.id}/read", data={"next": "https://evil.example/"})
    assert posted.status_code == 303 and posted.headers["Location"] == "/"


def test_an_old_mention_opens_the_page_of_history_that_holds_it(app, client, as_user, cast):
    message = cast.post(cast.owner, "@mia long ago")
    for i in range(app.config["MESSAGES_PAGE_SIZE"] + 2):
        cast.post(cast.admin, f"later {i}")
    as_user(cast.member)
    opened = client.get(f"/messages/{message.id}")
    location = opened.headers["Location"]
    assert f"before={message.id + 1}" in location and location.endswith(f"#message-{message.id}")
    page = soup(client.get(location))
    assert page.select(".message")[-1]["id"] == f"message-{message.id}"
    assert page.select_one("#jump-present")["href"] == f"/servers/{cast.server.id}/channels/{cast.channel.id}"


def test_editing_in_a_mention_notifies_only_the_newly_mentioned(cast):
    message = cast.post(cast.owner, "hello @mia")
    message_service.edit_message(cast.owner, message.id, "hello @mia and @adam")
    message_service.edit_message(cast.owner, message.id, "hello @adam")
    assert len(mention_notes(cast.member)) == 1 and len(mention_notes(cast.admin)) == 1
    fresh()
    assert {m.user_id for m in db.session.scalars(select(MessageMention))} == {cast.admin.id}


def test_deleting_the_message_takes_its_mention_notification_away_live(cast):
    message = cast.post(cast.owner, "oops @mia")
    start = last_event_id()
    message_service.delete_message(cast.owner, message.id)
    assert mention_notes(cast.member) == []
    assert db.session.scalar(select(Event.kind).where(Event.id > start, Event.user_id == cast.member.id)) == \
        events.NOTIFICATIONS_CHANGED


# -- unread marks --------------------------------------------------------------------

def marks(page, kind, id_):
    flag = page.select_one(f"#{kind}-unread-{id_}")
    badge = page.select_one(f"#{kind}-mentions-{id_}")
    return (not flag.has_attr("hidden"), None if badge.has_attr("hidden") else badge.find(string=True, recursive=False))


def test_unread_channels_are_bold_servers_dotted_mentions_counted_until_opened(client, as_user, cast):
    news = server_service.create_channel(cast.owner, cast.server.id, {"name": "news"})
    other = server_service.create_server(cast.member, {"name": "Mia's place"})
    cast.post(cast.owner, "in general")
    cast.post(cast.owner, "@mia news for you", channel=news)
    cast.post(cast.admin, "@mia and more", channel=news)
    as_user(cast.member)
    home = soup(client.get("/"))
    assert marks(home, "server", cast.server.id) == (True, "2")
    assert marks(home, "server", other.id) == (False, None)
    assert home.select_one(f"#server-mentions-{cast.server.id}").text == "2 mentions"  # the count, spoken with its noun

    opened = soup(client.get(f"/servers/{cast.server.id}"))  # opens #general, reads it
    assert marks(opened, "channel", cast.channel.id) == (False, None)
    assert marks(opened, "channel", news.id) == (True, "2")
    assert marks(opened, "server", cast.server.id) == (True, "2")

    read_news = soup(client.get(f"/servers/{cast.server.id}/channels/{news.id}"))
    assert marks(read_news, "channel", news.id) == (False, None)
    assert marks(read_news, "server", cast.server.id) == (False, None)
    assert [n.read_at is not None for n in mention_notes(cast.member)] == [True, True]
    fresh()
    # One row per user and channel, however many messages were read.
    assert db.session.scalar(select(func.count()).select_from(ChannelRead)
                             .where(ChannelRead.user_id == cast.member.id)) == 2


def test_your_own_messages_do_not_make_a_channel_unread(client, as_user, cast):
    cast.post(cast.member, "mine")
    as_user(cast.member)
    assert marks(soup(client.get("/")), "server", cast.server.id) == (False, None)


def test_marking_read_moves_forward_only_and_tells_the_users_other_tabs(client, as_user, cast):
    first = cast.post(cast.owner, "one")
    second = cast.post(cast.owner, "two")
    url = f"/servers/{cast.server.id}/channels/{cast.channel.id}/read"
    as_user(cast.member)
    start = last_event_id()
    assert client.post(f"{url}?up_to={second.id}", headers=htmx_headers()).status_code == 204
    assert client.post(f"{url}?up_to={first.id}", headers=htmx_headers()).status_code == 204
    assert client.post(f"{url}?up_to=999999999", headers=htmx_headers()).status_code == 204  # clamped
    fresh()
    assert db.session.get(ChannelRead, (cast.member.id, cast.channel.id)).last_read_id == second.id
    new = list(db.session.scalars(select(Event).where(Event.id > start)))
    assert [(e.kind, e.user_id, e.server_id) for e in new] == [(events.READ_UPDATED, cast.member.id, None)]
    as_user(cast.outsider)
    assert client.post(url, headers=htmx_headers()).status_code == 404


def test_read_state_is_one_query_for_all_servers(cast, query_counter):
    for i in range(5):
        extra = server_service.create_server(cast.owner, {"name": f"Extra {i}"})
        server_service.add_member(cast.member, extra)
        db.session.commit()
        cast.post(cast.owner, f"@mia hi {i}", channel=server_service.get_channels(extra.id)[0])
    with query_counter as counter:
        state = reads.get_read_state(cast.member.id)
    assert counter.count == 1
    assert sum(1 for mark in state.servers.values() if mark.unread and mark.mentions == 1) == 5


# -- live frames ---------------------------------------------------------------------------

def frame_for(user, cast, event, frames=None):
    frames = frames or get_live().hub.renderer.frames(event)
    return frames, soup_frame(frames.for_subscriber(Subscriber(user.id, {cast.server.id}, "en", 10)))


def soup_frame(frame: str) -> BeautifulSoup:
    html = "\n".join(line[6:] for line in frame.splitlines() if line.startswith("data: "))
    return BeautifulSoup(html, "html.parser")


def partial(frame, target):
    node = frame.select_one(f'hx-partial[hx-target="{target}"]')
    return node and node.find(True)


def test_a_new_message_marks_readers_unread_and_counts_mentions_for_the_mentioned(cast):
    cast.post(cast.admin, "@mia earlier")
    message = cast.post(cast.owner, "@mia and everyone")
    event = db.session.scalar(select(Event).where(Event.kind == events.MESSAGE_CREATED)
                              .order_by(Event.id.desc()))
    frames, for_mia = frame_for(cast.member, cast, event)
    assert partial(for_mia, f"#channel-mentions-{cast.channel.id}").text == "2 mentions"
    assert partial(for_mia, f"#server-mentions-{cast.server.id}").text == "2 mentions"
    assert "mention" in str(for_mia.select_one(f"#message-{message.id} .content"))
    _, for_adam = frame_for(cast.admin, cast, event, frames)
    assert not partial(for_adam, f"#channel-unread-{cast.channel.id}").has_attr("hidden")
    assert not partial(for_adam, f"#server-unread-{cast.server.id}").has_attr("hidden")
    assert partial(for_adam, f"#channel-mentions-{cast.channel.id}") is None  # his badge is left alone
    _, for_author = frame_for(cast.owner, cast, event, frames)
    assert for_author.select("hx-partial[hx-target*=unread]") == []
    assert len(frames.cache) == 3  # author, readers, Mia


def test_reading_elsewhere_clears_the_marks_in_every_tab(client, as_user, cast):
    cast.post(cast.owner, "@mia hi")
    as_user(cast.member)
    client.get(f"/servers/{cast.server.id}/channels/{cast.channel.id}")
    fresh()
    event = db.session.scalar(select(Event).where(Event.kind == events.READ_UPDATED))
    assert event.user_id == cast.member.id and event.server_id is None
    _, frame = frame_for(cast.member, cast, event)
    assert partial(frame, f"#server-unread-{cast.server.id}").has_attr("hidden")
    assert partial(frame, f"#channel-mentions-{cast.channel.id}").has_attr("hidden")


def test_deleting_a_server_tells_its_members_they_were_removed(client, as_user, cast):
    server_service.delete_server(cast.owner, cast.server.id)
    fresh()
    removed = list(db.session.scalars(select(Notification).where(Notification.kind == "server_deleted")))
    assert sorted(n.user_id for n in removed) == sorted([cast.admin.id, cast.member.id])
    as_user(cast.member)
    panel = soup(client.get("/notifications"))
    assert "Olivia deleted the server Book Club, so you are no longer in it." in panel.text


def test_mentions_of_deleted_accounts_do_nothing(cast):
    ghost = make_user("ghosty")
    server_service.add_member(ghost, cast.server)
    db.session.commit()
    from app.models import utcnow
    ghost.deleted_at = utcnow()
    db.session.commit()
    message = cast.post(cast.owner, "@ghosty are you there")
    assert message.mentions == []

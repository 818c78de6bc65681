"""Direct messages: who may start one, one conversation per pair, groups, notifications, privacy, leaving."""
import pytest

from app.extensions import db
from app.models import Channel, Event, Membership, Message, Notification, Server
from app.services import blocks, direct, events, preferences, reads
from app.services import messages as message_service
from app.services import notifications as notification_service
from app.services import servers as server_service
from app.services.errors import ValidationFailed
from tests.conftest import fresh, htmx_headers, make_user, soup


def channel_of(server: Server) -> Channel:
    return db.session.scalar(db.select(Channel).where(Channel.server_id == server.id))


def conversations_count() -> int:
    return db.session.scalar(db.select(db.func.count(Server.id)).where(Server.kind == "dm"))


def refused(user, to: str) -> str:
    before = conversations_count()
    with pytest.raises(ValidationFailed) as failed:
        direct.open_conversation(user, to)
    fresh()
    assert conversations_count() == before  # nothing written
    return failed.value.errors["to"]


def test_a_pair_has_one_conversation_whoever_starts_it(cast):
    first = direct.open_conversation(cast.member, cast.owner.username)
    again = direct.open_conversation(cast.owner, f"@{cast.member.username.upper()}")
    assert first.id == again.id and first.is_dm
    assert {m.user_id for m in db.session.scalars(db.select(Membership).where(Membership.server_id == first.id))} == {
        cast.member.id, cast.owner.id}
    assert conversations_count() == 1


def test_groups_of_up_to_ten(cast):
    extra = [make_user(f"guest{i}") for i in range(8)]
    from app.services import servers as server_service
    for user in extra:
        server_service.add_member(user, cast.server)
    db.session.commit()
    nine = ", ".join([cast.owner.username] + [u.username for u in extra])
    group = direct.open_conversation(cast.member, nine)
    assert group.member_count == 10 and group.dm_key is None
    # The same people again is a new group (only pairs are unique), and one more is too many.
    assert "at most 10 people" in refused(cast.member, nine + ", " + cast.admin.username)


@pytest.mark.parametrize("to, reason", [
    ("", "Name at least one person."),
    ("nobody_here", "Nobody is called nobody_here."),
    ("mia", "Name someone other than yourself."),
    ("oscar", "You can message people you share a server with; oscar is not one of them."),
])
def test_who_cannot_be_messaged(cast, to, reason):
    assert refused(cast.member, to) == reason


def test_a_user_who_accepts_no_direct_messages(cast):
    cast.owner.dm_policy = "nobody"
    db.session.commit()
    assert refused(cast.member, cast.owner.username) == "olivia does not accept direct messages."
    # A conversation they start themselves is fine.
    assert direct.open_conversation(cast.owner, cast.member.username).is_dm


def test_deleted_accounts_cannot_be_messaged(cast):
    from app.models import utcnow
    cast.owner.deleted_at = utcnow()
    db.session.commit()
    assert refused(cast.member, cast.owner.username) == "Nobody is called olivia."


def test_sharing_only_a_conversation_is_not_enough_to_start_another(cast):
    """Group members who share no server cannot start their own pair from the group."""
    stranger = make_user("stella")
    from app.services import servers as server_service
    other = server_service.create_server(stranger, {"name": "Elsewhere"})
    server_service.add_member(cast.owner, other)
    db.session.commit()
    direct.open_conversation(cast.owner, f"{cast.member.username}, {stranger.username}")
    assert "stella is not one of them" in refused(cast.member, stranger.username)


def test_messages_notify_the_others_once_per_conversation(cast):
    pair = direct.open_conversation(cast.member, cast.owner.username)
    channel = channel_of(pair)
    message_service.send_message(cast.member, pair.id, channel.id, "hello @olivia")
    message_service.send_message(cast.member, pair.id, channel.id, "are you there?")
    fresh()
    waiting = list(db.session.scalars(db.select(Notification).where(Notification.user_id == cast.owner.id)))
    assert [(n.kind, n.read_at) for n in waiting] == [("direct_message", None)]  # one, for the newest
    assert db.session.get(Message, waiting[0].message_id).content == "are you there?"
    assert notification_service.unread_count(cast.member) == 0  # the author is not told
    # Reading the conversation reads its notification.
    reads.mark_read(cast.owner, channel)
    fresh()
    assert notification_service.unread_count(cast.owner) == 0


def test_a_muted_conversation_does_not_notify(cast):
    pair = direct.open_conversation(cast.member, cast.owner.username)
    db.session.execute(db.update(Membership).where(Membership.server_id == pair.id,
                                                   Membership.user_id == cast.owner.id).values(notify_level="nothing"))
    db.session.commit()
    message_service.send_message(cast.member, pair.id, channel_of(pair).id, "psst")
    fresh()
    assert notification_service.unread_count(cast.owner) == 0


def test_unread_marks_count_conversations_together(cast):
    pair = direct.open_conversation(cast.member, cast.owner.username)
    message_service.send_message(cast.member, pair.id, channel_of(pair).id, "hi @olivia")
    state = reads.get_read_state(cast.owner.id)
    assert state.dms.unread and state.dms.mentions == 1
    assert not state.server(cast.server.id).unread
    assert not reads.get_read_state(cast.member.id).dms.unread


def test_the_direct_messages_page_lists_conversations_newest_first(client, as_user, cast):
    older = direct.open_conversation(cast.member, cast.owner.username)
    newer = direct.open_conversation(cast.member, cast.admin.username)
    message_service.send_message(cast.owner, older.id, channel_of(older).id, "latest news")
    page = soup(as_user(cast.member).get("/dms"))
    links = page.select("#conversation-list .conversation-link")
    assert [a.select_one(".channel-name").get_text() for a in links] == ["Olivia", "Adam"]
    assert links[0]["href"] == f"/servers/{older.id}" and links[1]["href"] == f"/servers/{newer.id}"
    assert page.select_one(f"#server-unread-{older.id}:not([hidden])") is not None
    assert page.select_one("#dms-link")["aria-current"] == "page"
    assert page.select_one("#dms-unread-all:not([hidden])") is not None
    # Servers stay in the servers column; conversations are not among them.
    assert [a.get_text(strip=True) for a in page.select(".server-list .server-name")] == ["Book Club"]


def test_a_conversation_page_names_its_people_not_a_channel(client, as_user, cast):
    group = direct.open_conversation(cast.member, f"{cast.owner.username}, {cast.admin.username}")
    response = as_user(cast.owner).get(f"/servers/{group.id}")
    page = soup(response)
    assert page.title.get_text() == "Adam, Mia · Charla"
    assert page.select_one(".conversation-title").get_text(" ", strip=True) == "Adam , Mia"
    assert page.select_one("#composer-input")["placeholder"] == "Message Adam, Mia"
    assert page.select_one("#server-settings, .channel-settings") is None
    assert page.select_one(f"form[action='/dms/{group.id}/leave']") is not None


def test_starting_a_conversation_from_the_form(client, as_user, cast):
    client = as_user(cast.member)
    response = client.post("/dms", data={"to": "olivia"})
    assert response.status_code == 303
    pair = db.session.scalar(db.select(Server).where(Server.kind == "dm"))
    assert response.headers["Location"] == f"/servers/{pair.id}"
    # htmx: the form's answer loads the conversation in place.
    response = client.post("/dms", data={"to": "olivia"}, headers=htmx_headers("messages-column")
                           | {"HX-Current-URL": "http://localhost/dms"})
    assert response.headers["HX-Location"] == f"/servers/{pair.id}"


def test_a_refused_conversation_says_why_and_keeps_what_was_typed(client, as_user, cast):
    response = as_user(cast.member).post("/dms", data={"to": "oscar"})
    assert response.status_code == 422
    page = soup(response)
    assert "oscar is not one of them" in page.select_one("#conversation-e-to").get_text()
    assert page.select_one("#conversation-to")["value"] == "oscar"
    assert page.select_one("#conversation-to")["aria-invalid"] == "true"
    assert conversations_count() == 0


def test_leaving_a_group_and_the_last_one_out(client, as_user, cast):
    group = direct.open_conversation(cast.member, cast.owner.username + "," + cast.admin.username)
    group_id, channel_id = group.id, channel_of(group).id
    message_service.send_message(cast.admin, group_id, channel_id, "bye all")
    for user in (cast.member, cast.owner):
        assert as_user(user).post(f"/dms/{group_id}/leave").status_code == 303
    fresh()
    assert db.session.get(Server, group_id).member_count == 1
    assert as_user(cast.owner).get(f"/servers/{group_id}").status_code == 404
    assert as_user(cast.admin).post(f"/dms/{group_id}/leave").status_code == 303
    fresh()
    assert db.session.get(Server, group_id) is None
    assert db.session.scalar(db.select(db.func.count(Message.id)).where(Message.channel_id == channel_id)) == 0


def test_a_pair_cannot_be_left(client, as_user, cast):
    pair = direct.open_conversation(cast.member, cast.owner.username)
    response = as_user(cast.member).post(f"/dms/{pair.id}/leave")
    assert response.status_code == 409
    assert "cannot be left" in response.get_data(as_text=True)
    fresh()
    assert db.session.get(Server, pair.id).member_count == 2


def test_conversations_stay_out_of_search_and_the_switcher(client, as_user, cast):
    direct.open_conversation(cast.member, cast.owner.username)
    client = as_user(cast.member)
    assert "/servers/" not in "".join(a["href"] for a in soup(client.get("/switch?q=dm")).select("a[href]")
                                      if a["href"].startswith("/servers/"))
    page = soup(client.get(f"/users/{cast.owner.id}/card"))
    assert [li.get_text(strip=True) for li in page.select(".shared-servers li")] == ["Book Club"]


def test_someone_met_only_in_a_group_has_a_card_to_message_from(client, as_user, cast):
    stranger = make_user("stella")
    from app.services import servers as server_service
    other = server_service.create_server(stranger, {"name": "Elsewhere"})
    server_service.add_member(cast.owner, other)
    db.session.commit()
    direct.open_conversation(cast.owner, f"{cast.member.username}, {stranger.username}")
    page = soup(as_user(cast.member).get(f"/users/{stranger.id}/card"))
    assert page.select_one("h2").get_text(strip=True) == "Stella"
    assert page.select(".shared-servers li") == []


def test_the_privacy_choice_is_saved_and_forged_values_refused(client, as_user, cast):
    client = as_user(cast.member)
    saved = client.post("/profile/preferences", data={"theme": "system", "dm_policy": "nobody"})
    assert saved.status_code == 303
    page = soup(client.get(saved.headers["Location"]))
    assert page.select_one("input[name=dm_policy][value=nobody]").has_attr("checked")
    fresh()
    assert cast.member.dm_policy == "nobody"
    assert client.post("/profile/preferences", data={"theme": "dark", "dm_policy": "everyone"}).status_code == 400
    fresh()
    assert (cast.member.dm_policy, cast.member.theme) == ("nobody", "system")


def test_the_conversations_page_costs_the_same_with_more_conversations(client, as_user, cast, query_counter):
    client = as_user(cast.member)
    direct.open_conversation(cast.member, cast.owner.username)
    with query_counter as few:
        assert client.get("/dms").status_code == 200
    for i in range(6):
        user = make_user(f"friend{i}")
        server_service.add_member(user, cast.server)
        db.session.commit()
        pair = direct.open_conversation(cast.member, user.username)
        message_service.send_message(user, pair.id, channel_of(pair).id, "hey")
    with query_counter as many:
        assert client.get("/dms").status_code == 200
    assert many.count == few.count


def test_the_new_message_page_lists_whom_you_may_message_and_finds_them(client, as_user, cast):
    quiet = make_user("quiet", dm_policy=preferences.DM_NOBODY)
    rude = make_user("rude", display_name="Rude Person")
    alba = make_user("zed", display_name="Alba Zed")
    for user in (quiet, rude, alba):
        server_service.add_member(user, cast.server)
    db.session.commit()
    blocks.block(rude, cast.member.id)  # rude blocked mia: not offered to her
    client = as_user(cast.member)
    page = soup(client.get("/dms"))
    listed = [row.select_one(".muted").get_text() for row in page.select("#dm-people li.member")]
    assert listed == ["@adam", "@olivia", "@zed"]  # not the outsider, herself, who accepts none, or who blocked her
    found = soup(client.get("/dms/people?q=OLI", headers=htmx_headers("dm-people")))
    assert [row["id"] for row in found.select("li.member")] == [f"dm-person-{cast.owner.id}"]
    by_name = soup(client.get("/dms?q=alba"))  # the display name, not only the username
    assert [row["id"] for row in by_name.select("#dm-people li.member")] == [f"dm-person-{alba.id}"]
    none = soup(client.get("/dms/people?q=100%25", headers=htmx_headers("dm-people")))
    assert none.select_one("#dm-people-empty").get_text() == "Nobody you can message matches “100%”."
    assert client.get("/dms/people?q=ad").headers["Location"] == "/dms?q=ad"  # without htmx: the page
    form = page.select_one(f"#dm-person-{cast.owner.id} form")
    opened = client.post(form["action"], data={field["name"]: field["value"] for field in form.select("input")})
    assert opened.status_code == 303
    fresh()
    assert opened.headers["Location"] == f"/servers/{direct.find_pair(cast.member.id, cast.owner.id).id}"


def test_closing_a_conversation_takes_it_out_of_the_list_until_someone_writes(client, as_user, cast):
    pair = direct.open_conversation(cast.owner, cast.member.username)
    client = as_user(cast.member)
    listed = f"#conversation-link-{pair.id}"
    form = soup(client.get(f"/servers/{pair.id}")).select_one(f"form[action='/dms/{pair.id}/close']")
    message_service.send_message(cast.owner, pair.id, channel_of(pair).id, "unread for mia")
    page = soup(client.get("/dms"))
    assert page.select_one(listed) is not None and not page.select_one("#dms-unread-all").has_attr("hidden")
    assert client.post(form["action"]).headers["Location"] == "/dms"
    page = soup(client.get("/dms"))
    assert page.select_one(listed) is None
    assert page.select_one("#dms-unread-all").has_attr("hidden")  # closing read it: nothing lit, nothing listed
    # Opened by its address it shows (it is the one on the page), still closed for the list elsewhere.
    assert soup(client.get(f"/servers/{pair.id}")).select_one(listed) is not None
    assert soup(client.get("/dms")).select_one(listed) is None
    message_service.send_message(cast.owner, pair.id, channel_of(pair).id, "are you there?")
    assert soup(client.get("/dms")).select_one(listed) is not None
    # Closed again, "New message" to the same person opens it back.
    client.post(form["action"])
    assert direct.open_conversation(cast.member, cast.owner.username).id == pair.id
    assert soup(client.get("/dms")).select_one(listed) is not None
    fresh()
    changed = db.session.scalars(db.select(Event.user_id).where(Event.kind == events.CONVERSATIONS_CHANGED))
    assert list(changed) == [cast.member.id] * 4  # closed, reopened by a message, closed, reopened by her


def test_people_join_a_group_with_its_history_and_a_pair_grows_into_a_new_group(client, as_user, cast):
    group = direct.open_conversation(cast.member, f"{cast.owner.username}, {cast.admin.username}")
    message_service.send_message(cast.owner, group.id, channel_of(group).id, "before you came")
    newcomer = make_user("nina")
    server_service.add_member(newcomer, cast.server)
    db.session.commit()
    client = as_user(cast.member)
    form = soup(client.get(f"/servers/{group.id}")).select_one("details.add-people form")
    added = client.post(form["action"], data={"to": "nina"})
    assert added.status_code == 303 and added.headers["Location"] == f"/servers/{group.id}"
    fresh()
    assert db.session.get(Server, group.id).member_count == 4
    joined = db.session.scalars(db.select(Event.user_id).where(Event.kind == events.MEMBER_JOINED,
                                                               Event.server_id == group.id))
    assert newcomer.id in set(joined)  # her open tabs follow it, as for a new conversation
    again = client.post(form["action"], data={"to": "nina"}, headers=htmx_headers())
    assert again.status_code == 422 and "They are already in this conversation." in again.get_data(as_text=True)
    stranger = client.post(form["action"], data={"to": cast.outsider.username})
    assert stranger.status_code == 422 and "oscar is not one of them" in stranger.get_data(as_text=True)
    fresh()
    assert db.session.get(Server, group.id).member_count == 4
    # From a pair: a new group of the three, the pair left as it was.
    pair = direct.open_conversation(cast.member, cast.owner.username)
    bigger = direct.add_people(cast.member, pair, "nina")
    assert bigger.id != pair.id and bigger.dm_key is None and bigger.member_count == 3
    with pytest.raises(ValidationFailed) as same:
        direct.add_people(cast.member, pair, cast.owner.username)  # already there: not the pair again
    assert same.value.errors["to"] == "They are already in this conversation."
    assert db.session.get(Server, pair.id).member_count == 2
    page = soup(as_user(newcomer).get(f"/servers/{group.id}"))
    assert "before you came" in page.select_one("#message-list").get_text()


def test_the_list_shows_the_most_recent_conversations_and_always_the_open_one(client, as_user, cast, monkeypatch):
    monkeypatch.setattr(direct, "CONVERSATIONS_SHOWN", 2)
    friends = [make_user(f"pal{i}") for i in range(3)]
    pairs = []
    for friend in friends:
        server_service.add_member(friend, cast.server)
        db.session.commit()
        pairs.append(direct.open_conversation(cast.member, friend.username))
    message_service.send_message(friends[0], pairs[0].id, channel_of(pairs[0]).id, "newest of all")
    client = as_user(cast.member)
    listed = [a["id"] for a in soup(client.get("/dms")).select("#conversation-list a.conversation-link")]
    assert listed == [f"conversation-link-{pairs[0].id}", f"conversation-link-{pairs[2].id}"]
    oldest = soup(client.get(f"/servers/{pairs[1].id}")).select("#conversation-list a.conversation-link")
    assert f"conversation-link-{pairs[1].id}" in [a["id"] for a in oldest]

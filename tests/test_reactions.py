"""Reactions: chips that count who reacted with which emoji, the picker, and their limits."""
import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import ROLE_MEMBER, Event, MessageReaction
from app.services import emojis, events
from app.services import reactions as reaction_service
from app.services import servers as server_service
from tests.conftest import fresh, htmx_headers, make_user, soup


def react(client, message_id: int, emoji: str, action: str | None = None, htmx: bool = True):
    data = {"emoji": emoji} | ({"action": action} if action else {})
    headers = htmx_headers(f"div#reactions-{message_id}") if htmx else {}
    return client.post(f"/messages/{message_id}/reactions", data=data, headers=headers)


def chips(response) -> list:
    return soup(response).select(".reaction")


def rows(message_id: int) -> list[tuple[str, int]]:
    fresh()
    return [(r.emoji, r.user_id) for r in db.session.scalars(
        select(MessageReaction).where(MessageReaction.message_id == message_id).order_by(MessageReaction.created_at))]


def members(cast, *names):
    users = [make_user(name) for name in names]
    for user in users:
        server_service.add_member(user, cast.server, role=ROLE_MEMBER)
    db.session.commit()
    return users


def test_add_join_and_take_back(client, as_user, cast):
    message = cast.post(cast.owner, "the book club meets on Friday")
    as_user(cast.member)
    first = react(client, message.id, "👍")
    assert first.status_code == 200
    [chip] = chips(first)
    assert chip["aria-pressed"] == "true" and "mine" in chip["class"]
    assert chip["aria-label"] == "👍 1: Mia"
    assert chip["data-users"] == str(cast.member.id)

    as_user(cast.admin)
    joined = react(client, message.id, "👍")
    [chip] = chips(joined)
    assert chip.select_one(".reaction-count").text == "2"
    assert chip["aria-label"] == "👍 2: Mia and Adam"
    assert chip["aria-pressed"] == "true"

    taken_back = react(client, message.id, "👍")
    [chip] = chips(taken_back)
    assert chip["aria-label"] == "👍 1: Mia" and chip["aria-pressed"] == "false"
    assert rows(message.id) == [("👍", cast.member.id)]


def test_chips_keep_the_order_of_first_use_and_the_bar_hides_when_empty(client, as_user, cast):
    message = cast.post(cast.owner, "hello")
    as_user(cast.member)
    react(client, message.id, "🎉")
    react(client, message.id, "👍")
    as_user(cast.admin)
    bar = react(client, message.id, "🎉")
    assert [c.select_one("span").text for c in chips(bar)] == ["🎉", "👍"]
    page = client.get(f"/servers/{cast.server.id}/channels/{cast.channel.id}")
    shown = soup(page).select_one(f"#reactions-{message.id}")
    assert [c["aria-pressed"] for c in shown.select(".reaction")] == ["true", "false"]  # the admin's view
    react(client, message.id, "🎉")
    as_user(cast.member)
    react(client, message.id, "🎉")
    empty = react(client, message.id, "👍")
    assert chips(empty) == [] and soup(empty).select_one(f"#reactions-{message.id}").has_attr("hidden")


def test_add_and_remove_are_idempotent(client, as_user, cast):
    message = cast.post(cast.owner, "hello")
    as_user(cast.member)
    for _ in range(2):
        assert react(client, message.id, "🔥", action="add").status_code == 200
    assert rows(message.id) == [("🔥", cast.member.id)]
    for _ in range(2):
        assert react(client, message.id, "🔥", action="remove").status_code == 200
    assert rows(message.id) == []


@pytest.mark.parametrize("count, wording", [
    (3, "👍 3: Ana, Bruno and 1 other"),
    (5, "👍 5: Ana, Bruno and 3 others"),
])
def test_the_accessible_name_says_who(client, as_user, cast, count, wording):
    message = cast.post(cast.owner, "hello")
    names = ["ana", "bruno", "carla", "dario", "elena"][:count]
    for user in members(cast, *names):
        reaction_service.add_reaction(user, message.id, "👍")
    as_user(cast.member)
    page = client.get(f"/servers/{cast.server.id}/channels/{cast.channel.id}")
    chip = soup(page).select_one(f"#reactions-{message.id} .reaction")
    assert chip["aria-label"] == wording
    assert chip["title"] == wording.split(": ", 1)[1]


def test_the_accessible_name_in_spanish(client, as_user, cast):
    message = cast.post(cast.owner, "hola")
    for user in members(cast, "ana", "bruno", "carla", "dario"):
        reaction_service.add_reaction(user, message.id, "👍")
    as_user(cast.member)
    page = client.get(f"/servers/{cast.server.id}/channels/{cast.channel.id}", headers={"Accept-Language": "es"})
    chip = soup(page).select_one(f"#reactions-{message.id} .reaction")
    assert chip["aria-label"] == "👍 4: Ana, Bruno y 2 más"


def test_at_most_twenty_different_emoji_but_joining_is_allowed(client, as_user, cast):
    message = cast.post(cast.owner, "vote")
    twenty = [e.char for e in emojis.search("face", limit=20)]
    assert len(set(twenty)) == 20
    for char in twenty:
        reaction_service.add_reaction(cast.owner, message.id, char)
    as_user(cast.member)
    refused = react(client, message.id, "🚀", htmx=False)
    assert refused.status_code == 409
    assert "at most 20 different emoji" in refused.get_data(as_text=True)
    assert react(client, message.id, twenty[0]).status_code == 200
    fresh()
    assert db.session.scalar(select(func.count(func.distinct(MessageReaction.emoji)))
                             .where(MessageReaction.message_id == message.id)) == 20


@pytest.mark.parametrize("emoji", ["x", "", "👍👍", "<b>", "🙂" * 40, ":thumbsup:"])
def test_anything_but_an_emoji_is_refused_and_nothing_is_written(client, as_user, cast, emoji):
    message = cast.post(cast.owner, "hello")
    before = db.session.scalar(select(func.max(Event.id)))
    as_user(cast.member)
    response = react(client, message.id, emoji, htmx=False)
    assert response.status_code == 400
    assert "not an emoji we know" in response.get_data(as_text=True)
    assert rows(message.id) == []
    assert db.session.scalar(select(func.max(Event.id))) == before


def test_an_emoji_without_its_variation_selector_is_stored_fully_qualified(client, as_user, cast):
    message = cast.post(cast.owner, "love")
    as_user(cast.member)
    react(client, message.id, "\u2764")  # ❤ as some keyboards type it
    assert rows(message.id) == [("\u2764\ufe0f", cast.member.id)]


def test_outsiders_get_404_and_write_nothing(client, as_user, cast):
    message = cast.post(cast.owner, "members only")
    as_user(cast.outsider)
    assert react(client, message.id, "👍", htmx=False).status_code == 404
    assert client.get(f"/messages/{message.id}/react").status_code == 404
    assert rows(message.id) == []


def test_reacting_too_fast_gets_a_clear_429(client, as_user, cast, rate_limits):
    message = cast.post(cast.owner, "spam me")
    as_user(cast.member)
    codes = [react(client, message.id, "👍").status_code for _ in range(31)]
    assert codes == [200] * 30 + [429]
    refused = react(client, message.id, "👍", htmx=False)
    assert refused.status_code == 429
    assert "reacting too fast" in refused.get_data(as_text=True)


def test_without_javascript_the_forms_go_back_to_the_message(client, as_user, cast):
    message = cast.post(cast.owner, "hello")
    as_user(cast.member)
    response = react(client, message.id, "👍", htmx=False)
    assert response.status_code == 303
    assert response.headers["Location"] == (
        f"/servers/{cast.server.id}/channels/{cast.channel.id}#message-{message.id}")


def test_the_picker_page_lists_recent_then_frequent_and_searches(client, as_user, cast):
    message = cast.post(cast.owner, "hello")
    other = cast.post(cast.owner, "again")
    reaction_service.add_reaction(cast.member, other.id, "🦊")
    as_user(cast.member)
    page = client.get(f"/messages/{message.id}/react")
    assert page.status_code == 200
    buttons = soup(page).select(".reaction-choice")
    assert [b.text for b in buttons[:3]] == ["🦊", *emojis.FREQUENT[:2]]
    assert buttons[0]["aria-label"] == "fox"
    form = buttons[0].find_parent("form")
    assert form["method"] == "post" and form["action"] == f"/messages/{message.id}/reactions"
    assert form.select_one("input[name=csrf_token]") and form.select_one("input[name=action]")["value"] == "add"
    found = client.get(f"/messages/{message.id}/react?q=thumbs")
    labels = [b["aria-label"] for b in soup(found).select(".reaction-choice")]
    assert labels[0] == "thumbs down" or labels[0] == "thumbs up"
    assert all("thumbs" in label for label in labels)
    grid = client.get(f"/messages/{message.id}/react?q=thumbs",
                      headers=htmx_headers(f"div#reaction-choices-{message.id}"))
    assert soup(grid).select_one(f"#reaction-choices-{message.id}") and not soup(grid).select_one("h2")
    popover = client.get(f"/messages/{message.id}/react", headers=htmx_headers(f"div#reactions-{message.id}"))
    assert soup(popover).select_one(".reaction-picker[role=dialog] input[type=search]")


def test_the_message_has_a_react_action_and_the_bar_a_plus_chip(client, as_user, cast):
    message = cast.post(cast.owner, "hello")
    reaction_service.add_reaction(cast.owner, message.id, "👍")
    as_user(cast.member)
    page = soup(client.get(f"/servers/{cast.server.id}/channels/{cast.channel.id}"))
    article = page.select_one(f"#message-{message.id}")
    assert article.select_one("a.action.react")["href"] == f"/messages/{message.id}/react"
    assert article.select_one(f"#reactions-{message.id} a.reaction-add")["href"] == f"/messages/{message.id}/react"


# The test's session still holds the first row, which a concurrent request would not: SQLAlchemy says so.
@pytest.mark.filterwarnings("ignore:New instance")
def test_a_double_add_racing_itself_does_not_fail(client, as_user, cast, monkeypatch):
    """Two requests both see no reaction, both insert: the second meets the primary key."""
    message = cast.post(cast.owner, "hello")
    reaction_service.add_reaction(cast.member, message.id, "👍")
    monkeypatch.setattr(reaction_service, "_has", lambda *args: False)  # as if read before the first committed
    as_user(cast.member)
    response = react(client, message.id, "👍", action="add")
    assert response.status_code == 200
    assert [c["aria-label"] for c in chips(response)] == ["👍 1: Mia"]
    assert rows(message.id) == [("👍", cast.member.id)]


def test_a_reaction_records_one_event_and_deleting_the_message_removes_them(cast):
    message = cast.post(cast.owner, "hello")
    reaction_service.add_reaction(cast.member, message.id, "👍")
    fresh()
    event = db.session.scalars(select(Event).order_by(Event.id.desc())).first()
    assert (event.kind, event.server_id, event.channel_id, event.payload) == (
        events.MESSAGE_REACTIONS, cast.server.id, cast.channel.id, {"message_id": message.id})
    from app.services import messages as message_service
    message_service.delete_message(cast.owner, message.id)
    assert rows(message.id) == []

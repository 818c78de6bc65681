"""Reactions: chips with counts and names, toggling, the cap, bad input, the
picker page, events for other tabs, and the rate limit."""
import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Event, MessageReaction
from app.services import events
from app.services import reactions as reaction_service
from app.services import servers as server_service
from app.services.errors import ValidationFailed
from tests.conftest import fresh, htmx_headers, make_user, soup
from tests.test_messages import channel_url


def react(client, message_id, emoji, state=None, **headers):
    data = {"emoji": emoji} | ({"state": state} if state else {})
    return client.post(f"/messages/{message_id}/reactions", data=data, headers=headers)


def chips(client, cast, message_id):
    page = soup(client.get(channel_url(cast)))
    return page.select(f"#reactions-{message_id} button.chip")


def reaction_count() -> int:
    fresh()  # what the requests committed (MariaDB's snapshot would hide it)
    return db.session.scalar(select(func.count()).select_from(MessageReaction))


def test_a_reaction_shows_as_a_chip_that_says_who_and_toggles(client, as_user, cast):
    message = cast.post(cast.owner, "good news")
    as_user(cast.member)
    response = react(client, message.id, "👍")
    assert response.status_code == 303 and response.location.endswith(f"/messages/{message.id}")
    [chip] = chips(client, cast, message.id)
    assert chip.get_text(" ", strip=True) == "👍 1"
    assert chip["aria-label"] == f"thumbs up 1: {cast.member.display_name}"
    assert chip["aria-pressed"] == "true"
    assert chip["data-users"] == str(cast.member.id)

    as_user(cast.owner)
    [chip] = chips(client, cast, message.id)
    assert chip["aria-pressed"] == "false"  # the owner has not reacted
    react(client, message.id, "👍")  # clicking the chip joins it
    [chip] = chips(client, cast, message.id)
    assert chip.get_text(" ", strip=True) == "👍 2" and chip["aria-pressed"] == "true"
    # In order of reacting (within the same second, MariaDB's DATETIME cannot tell: then by user).
    assert chip["aria-label"] in (f"thumbs up 2: {cast.member.display_name} and {cast.owner.display_name}",
                                  f"thumbs up 2: {cast.owner.display_name} and {cast.member.display_name}")

    react(client, message.id, "👍")  # and again leaves it
    [chip] = chips(client, cast, message.id)
    assert chip.get_text(" ", strip=True) == "👍 1"


def test_the_name_list_says_and_n_others_beyond_three(client, as_user, cast):
    message = cast.post(cast.owner, "vote")
    people = [cast.owner, cast.admin, cast.member] + [make_user(f"fan{i}") for i in range(3)]
    for person in people[3:]:
        server_service.add_member(person, cast.server)
    db.session.commit()
    for person in people:
        reaction_service.react(person, message.id, "🎉")
    as_user(cast.owner)
    [chip] = chips(client, cast, message.id)
    names = [p.display_name for p in people]
    assert chip["aria-label"] == f"party popper 6: {names[0]}, {names[1]} and 4 others"


def test_the_htmx_answer_is_the_reaction_bar_alone(client, as_user, cast):
    message = cast.post(cast.owner, "hi")
    as_user(cast.member)
    response = react(client, message.id, "❤️", "on", **htmx_headers(f"div#reactions-{message.id}"))
    assert response.status_code == 200
    bar = soup(response)
    assert bar.select_one(f"#reactions-{message.id}") is not None
    assert bar.select_one("article") is None
    assert [c.get_text(" ", strip=True) for c in bar.select("button.chip")] == ["❤️ 1"]
    # state=on twice keeps one reaction; state=off removes it.
    react(client, message.id, "❤️", "on")
    assert reaction_count() == 1
    react(client, message.id, "❤️", "off")
    assert reaction_count() == 0


@pytest.mark.parametrize("emoji", ["", "a", "hello", "<script>", "👍👍", "🇦", "x" * 100])
def test_only_a_real_emoji_is_accepted(client, as_user, cast, emoji):
    message = cast.post(cast.owner, "hi")
    as_user(cast.member)
    response = react(client, message.id, emoji)
    assert response.status_code == 422
    assert "Choose an emoji from the list." in response.get_data(as_text=True)
    assert reaction_count() == 0


def test_a_message_takes_at_most_twenty_different_emoji_but_joining_is_always_allowed(cast):
    message = cast.post(cast.owner, "hi")
    twenty = ["😀", "😃", "😄", "😁", "😆", "😅", "🤣", "😂", "🙂", "🙃", "😉", "😊", "😇", "🥰", "😍", "🤩",
              "😘", "😗", "😚", "😙"]
    for emoji in twenty:
        reaction_service.react(cast.owner, message.id, emoji)
    with pytest.raises(ValidationFailed) as refused:
        reaction_service.react(cast.member, message.id, "🚀")
    assert "at most 20 different reactions" in refused.value.errors["emoji"]
    reaction_service.react(cast.member, message.id, "😀")
    assert reaction_count() == 21


def test_an_outsider_cannot_react_or_open_the_picker(client, as_user, cast):
    message = cast.post(cast.owner, "members only")
    as_user(cast.outsider)
    assert react(client, message.id, "👍").status_code == 404
    assert client.get(f"/messages/{message.id}/react").status_code == 404
    assert reaction_count() == 0


def test_a_reaction_is_an_event_for_other_tabs_and_a_repeat_is_not(cast):
    message = cast.post(cast.owner, "hi")
    before = db.session.scalar(select(func.count()).select_from(Event))
    reaction_service.react(cast.member, message.id, "👍", on=True)
    reaction_service.react(cast.member, message.id, "👍", on=True)
    kinds = list(db.session.scalars(select(Event.kind).order_by(Event.id).offset(before)))
    assert kinds == [events.MESSAGE_REACTIONS]


def test_the_picker_lists_recent_first_and_searches_by_name(client, as_user, cast):
    message = cast.post(cast.owner, "hi")
    as_user(cast.member)
    reaction_service.react(cast.member, message.id, "🦊")
    page = soup(client.get(f"/messages/{message.id}/react"))
    choices = [b["value"] for b in page.select(".emoji-grid button[name=emoji]")]
    assert choices[0] == "🦊" and "👍" in choices
    assert page.select_one("#picker-q") is not None
    found = soup(client.get(f"/messages/{message.id}/react?q=rocket"))
    rocket = found.select_one(".emoji-grid button[value='🚀']")
    assert rocket is not None and rocket["aria-label"] == "rocket"
    nothing = soup(client.get(f"/messages/{message.id}/react?q=%3Cscript%3E"))
    assert nothing.select(".emoji-grid") == []
    assert "No emoji found for “<script>”." in nothing.get_text()


def test_reacting_is_rate_limited(client, as_user, cast, rate_limits):
    message = cast.post(cast.owner, "hi")
    as_user(cast.member)
    statuses = [react(client, message.id, "👍").status_code for _ in range(31)]
    assert statuses[:30] == [303] * 30
    assert statuses[30] == 429


def test_reacting_too_fast_says_so_in_the_readers_language(client, as_user, cast, rate_limits):
    message = cast.post(cast.owner, "hi")
    as_user(cast.member)
    for _ in range(30):
        react(client, message.id, "👍")
    refused = react(client, message.id, "👍")
    assert refused.status_code == 429
    assert "You are reacting too fast. Wait a minute and try again." in soup(refused).get_text()
    toast = react(client, message.id, "👍", **htmx_headers(f"div#reactions-{message.id}"))
    assert toast.status_code == 429 and "reacting too fast" in soup(toast).select_one(".toast").get_text()
    spanish = client.post(f"/messages/{message.id}/reactions", data={"emoji": "👍"},
                          headers={"Accept-Language": "es"})
    assert "Estás reaccionando demasiado rápido" in soup(spanish).get_text()


def test_a_deleted_account_is_named_as_such_in_the_readers_language(client, as_user, cast):
    message = cast.post(cast.owner, "hi")
    gone = make_user("gone")
    server_service.add_member(gone, cast.server)
    db.session.commit()
    reaction_service.react(gone, message.id, "🎉")
    gone.display_name, gone.deleted_at = "Deleted user", gone.created_at  # as profiles.delete_account leaves it
    db.session.commit()
    as_user(cast.member)
    [chip] = soup(client.get(channel_url(cast), headers={"Accept-Language": "es"})).select(
        f"#reactions-{message.id} button.chip")
    assert chip["title"] == "Usuario eliminado"

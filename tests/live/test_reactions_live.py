"""Reactions over the stream: one frame that swaps only the message's reaction bar."""
from bs4 import BeautifulSoup


def react(user, message_id: int, emoji: str) -> None:
    response = user.http.post(f"/messages/{message_id}/reactions", data={"emoji": emoji}, headers=user.htmx())
    assert response.status_code == 200, response.text


def bar_of(sse, message_id: int):
    html = BeautifulSoup(sse.data, "html.parser")
    partial = html.select_one("hx-partial")
    assert partial is not None and partial["hx-target"] == f"#reactions-{message_id}", sse.data
    assert partial["hx-swap"] == "outerHTML"
    return partial.select_one(f"#reactions-{message_id}")


def test_a_reaction_reaches_another_tab_as_its_bar_and_is_replayed(server, users, world):
    ana, bruno, carla = users["ana"], users["bruno"], users["carla"]
    with bruno.stream() as source:
        message_id = ana.post(world.book, "react to me")
        posted = source.next()
        react(carla, message_id, "🎉")
        first = source.next()
        react(ana, message_id, "🎉")
        second = source.next()
    bar = bar_of(first, message_id)
    [chip] = bar.select(".reaction")
    assert chip.select_one(".reaction-count").text == "1"
    # The same frame for every viewer: nobody's chip is marked "mine" by the server, and no form token travels.
    assert chip["aria-pressed"] == "false" and "mine" not in chip["class"]
    assert not bar.select("input[name=csrf_token]")
    [chip] = bar_of(second, message_id).select(".reaction")
    assert chip.select_one(".reaction-count").text == "2" and len(chip["data-users"].split()) == 2
    assert "article" not in second.data  # only the bar, not the message
    with bruno.stream(last_event_id=int(posted.id)) as source:
        replayed = [source.next(), source.next()]
    assert [sse.id for sse in replayed] == [first.id, second.id]
    assert bar_of(replayed[1], message_id).select_one(".reaction-count").text == "2"

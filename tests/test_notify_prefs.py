"""Preferences: theme, desktop notifications, the notification level per server, and which live
events raise a desktop notification for whom."""
import json

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import select, text

import configuracion
from app import create_app
from app.extensions import db
from app.models import Event, Membership, Notification, User
from app.realtime.hub import Subscriber
from app.realtime.live import get_live
from app.realtime.render import DESKTOP
from app.services import events, invitations
from tests.conftest import fresh, htmx_headers, log_in, soup

# -- profile: theme and desktop notifications ---------------------------------------


def stored(user) -> User:
    fresh()
    return db.session.get(User, user.id)


def test_preferences_start_with_the_system_theme_and_notifications_off(client, as_user, cast):
    page = soup(as_user(cast.member).get("/profile"))
    assert page.select_one("html").get("data-theme") is None
    section = page.select_one("#profile-preferences")
    assert section.select_one("input[name=theme][value=system]").has_attr("checked")
    assert not section.select_one("#desktop-notifications").has_attr("checked")
    assert section.select_one("input[name=csrf_token]") is not None


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_a_chosen_theme_is_saved_and_rendered_on_every_page(client, as_user, cast, theme):
    client = as_user(cast.member)
    response = client.post("/profile/preferences", data={"theme": theme, "desktop_notifications": "on"})
    assert response.status_code == 303 and response.headers["Location"] == "/profile"
    user = stored(cast.member)
    assert (user.theme, user.desktop_notifications) == (theme, True)
    for url in ("/profile", f"/servers/{cast.server.id}"):
        assert soup(client.get(url)).select_one("html")["data-theme"] == theme
    page = soup(client.get("/profile"))
    assert page.select_one(f"input[name=theme][value={theme}]").has_attr("checked")
    assert page.select_one("#desktop-notifications").has_attr("checked")


def test_system_theme_renders_no_attribute_and_unticked_box_turns_notifications_off(client, as_user, cast):
    cast.member.theme, cast.member.desktop_notifications = "dark", True
    db.session.commit()
    client = as_user(cast.member)
    response = client.post("/profile/preferences", data={"theme": "system"}, headers=htmx_headers())
    assert response.status_code == 200
    assert soup(response).select_one("#profile-preferences .form-ok").text == "Saved."
    user = stored(cast.member)
    assert (user.theme, user.desktop_notifications) == ("system", False)
    assert soup(client.get("/profile")).select_one("html").get("data-theme") is None


@pytest.mark.parametrize("data", [
    {"theme": "purple"},
    {"theme": ""},
    {},
    {"theme": "dark", "desktop_notifications": "yes"},
])
def test_bad_preferences_are_refused_and_nothing_changes(client, as_user, cast, data):
    client = as_user(cast.member)
    assert client.post("/profile/preferences", data={"theme": "light"}).status_code == 303  # a valid one passes
    assert client.post("/profile/preferences", data=data).status_code == 400
    user = stored(cast.member)
    assert (user.theme, user.desktop_notifications) == ("light", False)


def test_preferences_need_the_csrf_token(app, cast):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        client = app.test_client()
        log_in(client, cast.member)
        assert client.post("/profile/preferences", data={"theme": "dark"}).status_code == 400
        assert client.post(f"/servers/{cast.server.id}/notifications", data={"level": "all"}).status_code == 400
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert stored(cast.member).theme == "system"
    assert level_of(cast.member, cast) == "mentions"


def test_the_chat_stream_keeps_running_in_the_background(client, as_user, cast):
    """Desktop notifications need it, and presence: a background tab is still here (idle, not offline)."""
    client = as_user(cast.member)
    config = soup(client.get(f"/servers/{cast.server.id}")).select_one("#live")["hx-config"]
    assert json.loads(config) == {"sse": {"pauseOnBackground": False}}
    client.post("/profile/preferences", data={"theme": "system", "desktop_notifications": "on"})
    config = soup(client.get(f"/servers/{cast.server.id}")).select_one("#live")["hx-config"]
    assert json.loads(config) == {"sse": {"pauseOnBackground": False}}


# -- the notification level of a server -------------------------------------------------


def level_of(user, cast) -> str:
    fresh()
    return db.session.scalar(select(Membership.notify_level).where(Membership.user_id == user.id,
                                                                  Membership.server_id == cast.server.id))


def test_the_level_page_is_reachable_from_the_server_and_shows_the_default(client, as_user, cast):
    client = as_user(cast.member)
    server_page = soup(client.get(f"/servers/{cast.server.id}"))
    assert server_page.select_one(f'#channels-column a[href="/servers/{cast.server.id}/notifications"]')
    page = soup(client.get(f"/servers/{cast.server.id}/notifications"))
    form = page.select_one("#server-notifications form")
    assert form["action"] == f"/servers/{cast.server.id}/notifications"
    assert [i["value"] for i in form.select("input[name=level]")] == ["all", "mentions", "nothing"]
    assert form.select_one("input[name=level][checked]")["value"] == "mentions"


@pytest.mark.parametrize("level", ["all", "mentions", "nothing"])
def test_a_member_saves_a_level(client, as_user, cast, level):
    client = as_user(cast.member)
    response = client.post(f"/servers/{cast.server.id}/notifications", data={"level": level})
    assert response.status_code == 303
    assert response.headers["Location"] == f"/servers/{cast.server.id}/notifications"
    assert level_of(cast.member, cast) == level
    assert level_of(cast.admin, cast) == "mentions"  # only the member's own membership
    page = soup(client.get(f"/servers/{cast.server.id}/notifications"))
    assert page.select_one("input[name=level][checked]")["value"] == level


def test_saving_a_level_from_htmx_returns_the_section(client, as_user, cast):
    response = as_user(cast.member).post(f"/servers/{cast.server.id}/notifications", data={"level": "nothing"},
                                         headers=htmx_headers())
    section = soup(response).select_one("#server-notifications")
    assert section.select_one(".form-ok").text == "Saved."
    assert section.select_one("input[name=level][checked]")["value"] == "nothing"


@pytest.mark.parametrize("level", ["", "everything", "ALL"])
def test_a_bad_level_is_refused_and_nothing_changes(client, as_user, cast, level):
    client = as_user(cast.member)
    assert client.post(f"/servers/{cast.server.id}/notifications", data={"level": "all"}).status_code == 303
    assert client.post(f"/servers/{cast.server.id}/notifications", data={"level": level}).status_code == 400
    assert level_of(cast.member, cast) == "all"


def test_outsiders_cannot_see_or_set_a_level(client, as_user, cast):
    client = as_user(cast.outsider)
    assert client.get(f"/servers/{cast.server.id}/notifications").status_code == 404
    assert client.post(f"/servers/{cast.server.id}/notifications", data={"level": "all"}).status_code == 404
    fresh()
    assert db.session.scalar(select(Membership).where(Membership.user_id == cast.outsider.id)) is None


# -- which live events raise a desktop notification ----------------------------------------


def set_level(user, cast, level, desktop=True):
    db.session.get(User, user.id).desktop_notifications = desktop
    membership = db.session.scalar(select(Membership).where(Membership.user_id == user.id,
                                                            Membership.server_id == cast.server.id))
    membership.notify_level = level
    db.session.commit()


def events_since(event_id: int) -> list[Event]:
    fresh()
    return list(db.session.scalars(select(Event).where(Event.id > event_id).order_by(Event.id)))


def last_id() -> int:
    fresh()
    return db.session.scalar(select(db.func.max(Event.id))) or 0


def desktop_notices(user, cast, since: int, locale: str = "en") -> list[dict]:
    """The desktop notifications the user's stream would raise for the events after `since`."""
    renderer = get_live().hub.renderer
    notices = []
    subscriber = Subscriber(user.id, {cast.server.id}, locale, 10)
    for event in events_since(since):
        if event.user_id is not None and event.user_id != user.id and event.server_id is None:
            continue  # another user's private event: never on this stream
        for frame in renderer.frames(event).for_subscriber(subscriber).split("\n\n"):
            lines = frame.splitlines()
            if f"event: {DESKTOP}" in lines:
                notices.append(json.loads("\n".join(line[6:] for line in lines if line.startswith("data: "))))
    return notices


@pytest.mark.parametrize("level, notified", [("all", True), ("mentions", True), ("nothing", False)])
def test_a_mention_raises_a_desktop_notification_unless_the_server_is_muted(cast, level, notified):
    set_level(cast.member, cast, level)
    since = last_id()
    message = cast.post(cast.owner, "@mia are you coming?")
    notices = desktop_notices(cast.member, cast, since)
    if notified:
        assert notices == [{"title": "Olivia mentioned you in #general (Book Club).", "body": "@mia are you coming?",
                            "url": f"/messages/{message.id}", "tag": f"mention-{message.id}"}]
    else:
        assert notices == []
    fresh()
    bell = db.session.scalars(select(Notification).where(Notification.user_id == cast.member.id)).all()
    assert len(bell) == (1 if notified else 0)  # a muted server does not ring the bell either


@pytest.mark.parametrize("level, count", [("all", 1), ("mentions", 0), ("nothing", 0)])
def test_a_plain_message_raises_one_only_at_level_all(cast, level, count):
    set_level(cast.member, cast, level)
    since = last_id()
    message = cast.post(cast.owner, "the meeting is on Friday")
    notices = desktop_notices(cast.member, cast, since)
    assert len(notices) == count
    if count:
        assert notices[0] == {"title": "Olivia in #general", "body": "the meeting is on Friday",
                              "url": f"/messages/{message.id}", "tag": f"message-{message.id}"}
    assert desktop_notices(cast.owner, cast, since) == []  # never for your own message
    assert desktop_notices(cast.admin, cast, since) == []  # notifications off


def test_a_mention_at_level_all_raises_one_notification_not_two(cast):
    set_level(cast.member, cast, "all")
    since = last_id()
    cast.post(cast.owner, "@mia hello")
    assert [n["tag"].split("-")[0] for n in desktop_notices(cast.member, cast, since)] == ["mention"]


def test_nothing_is_raised_while_desktop_notifications_are_off(cast):
    set_level(cast.member, cast, "all", desktop=False)
    since = last_id()
    cast.post(cast.owner, "@mia hello")
    cast.post(cast.owner, "and everyone")
    assert desktop_notices(cast.member, cast, since) == []


def test_an_invitation_raises_one_in_the_invitees_language(cast):
    cast.outsider.desktop_notifications = True
    db.session.commit()
    since = last_id()
    invitations.invite_user(cast.owner, cast.server.id, "oscar")
    notices = desktop_notices(cast.outsider, cast, since, locale="es")
    assert len(notices) == 1
    assert notices[0]["title"] == "Olivia te ha invitado a Book Club."
    assert notices[0]["url"] == "/notifications"


def test_the_message_frame_is_rendered_once_for_all_who_follow_everything(cast):
    set_level(cast.member, cast, "all")
    set_level(cast.admin, cast, "all")
    cast.post(cast.owner, "hello all")
    event = db.session.scalar(select(Event).where(Event.kind == events.MESSAGE_CREATED).order_by(Event.id.desc()))
    frames = get_live().hub.renderer.frames(event)
    for user in (cast.member, cast.admin, cast.owner):
        frames.for_subscriber(Subscriber(user.id, {cast.server.id}, "en", 10))
    assert len(frames.cache) == 2  # the author; everyone following every message


# -- the migration ----------------------------------------------------------------------------


def test_existing_users_and_memberships_get_the_defaults_and_back(tmp_path):
    class Config(configuracion.TestingConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'prefs.db'}"

    app = create_app(Config)
    with app.app_context():
        upgrade(revision="b7d4e5f6a1c2")
        for statement in [
            "INSERT INTO users (id, username, username_key, email, display_name, first_name, last_name, birth_date,"
            " password_hash, created_at, bio) VALUES (1, 'ana', 'ana', 'ana@example.com', 'Ana', 'Ana', 'G',"
            " '1990-01-01', 'x', '2026-01-01 00:00:00', '')",
            "INSERT INTO servers (id, name, name_key, description, owner_id, is_public, member_count, created_at)"
            " VALUES (1, 'S', 's', '', 1, 1, 1, '2026-01-01 00:00:00')",
            "INSERT INTO memberships (id, user_id, server_id, role, created_at)"
            " VALUES (1, 1, 1, 'owner', '2026-01-01 00:00:00')",
        ]:
            db.session.execute(text(statement))
        db.session.commit()
        upgrade()
        assert db.session.execute(text("SELECT theme, desktop_notifications FROM users")).one() == ("system", 0)
        assert db.session.execute(text("SELECT notify_level FROM memberships")).scalar() == "mentions"
        downgrade(revision="b7d4e5f6a1c2")
        assert db.session.execute(text("SELECT count(*) FROM memberships")).scalar() == 1
        db.session.remove()

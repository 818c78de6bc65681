"""Small things people notice: a long paste refused, not cut; invitations name who was invited; the avatar
step keeps a chosen picture; joining shows nothing unread; a new language reaches the whole profile page."""
import io

from PIL import Image

from app.extensions import db
from app.models import Message
from app.services import messages as message_service
from app.services import servers as server_service
from tests.conftest import fresh, htmx_headers, make_user, soup

LIMIT = message_service.CONTENT_MAX


def channel_path(cast) -> str:
    return f"/servers/{cast.server.id}/channels/{cast.channel.id}"


def picture() -> io.BytesIO:
    data = io.BytesIO()
    Image.new("RGB", (300, 200), (220, 30, 30)).save(data, "PNG")
    data.seek(0)
    return data


# ---- A paste over the limit -------------------------------------------------------------------

def test_message_boxes_do_not_cut_a_long_paste_but_say_where_the_limit_is(client, as_user, cast):
    as_user(cast.member)
    mine = cast.post(cast.member, "mine")
    boxes = [soup(client.get(channel_path(cast))).select_one("#composer-input"),
             soup(client.get(f"/messages/{mine.id}/edit", headers=htmx_headers())).select_one("textarea")]
    for box in boxes:
        assert not box.has_attr("maxlength")  # the browser would cut a paste silently
        assert box["data-max-chars"] == str(LIMIT)
        counter = box.find_parent("form").select_one(f"#{box['data-counter']}")
        assert counter is not None and counter.has_attr("hidden")
        assert box["data-too-long"] == "{over} characters too many: shorten it to send."


def test_a_message_one_character_too_long_is_refused_whole_and_given_back(client, as_user, cast):
    as_user(cast.member)
    text = "x" * (LIMIT + 1)
    for headers in ({}, htmx_headers()):
        response = client.post(f"{channel_path(cast)}/messages", data={"content": text}, headers=headers)
        assert response.status_code == 422
        page = soup(response)
        assert page.select_one("#composer-error").get_text() == (
            f"Messages are at most {LIMIT} characters (this one has {LIMIT + 1}).")
        assert page.select_one("#composer-input").get_text() == text  # nothing lost, nothing cut
    fresh()
    assert db.session.scalar(db.select(db.func.count(Message.id))) == 0
    ok = client.post(f"{channel_path(cast)}/messages", data={"content": "x" * LIMIT}, headers=htmx_headers())
    assert ok.status_code == 200


# ---- Invitations name the person as stored ------------------------------------------------------

def test_an_invitation_names_the_invitee_as_stored_not_as_typed(client, as_user, cast):
    as_user(cast.owner)
    response = client.post(f"/servers/{cast.server.id}/invitations", data={"username": "  OSCAR "},
                           headers=htmx_headers())
    assert response.status_code == 200
    status = soup(response).select_one("#invites-panel .form-ok[role=status]").get_text(" ", strip=True)
    assert status == "Invitation sent to Oscar (@oscar)."


# ---- The avatar step keeps a chosen picture -----------------------------------------------------

def test_the_avatar_step_continue_link_can_save_the_chosen_picture(client, as_user, cast):
    as_user(cast.member)
    page = soup(client.get("/welcome?next=/explore"))
    link = page.find("a", string="Continue to Charla")
    assert link["href"] == "/explore" and link["data-continue-with"] == "a-avatar"
    form = page.select_one("#a-avatar").find_parent("form")
    assert form.select_one("input[name=next]")["value"] == "/explore"
    assert form.select_one("input[name=continue][data-avatar-continue]")["value"] == ""


def test_continue_with_a_picture_saves_it_and_goes_on(client, as_user, cast):
    as_user(cast.member)
    response = client.post("/profile/avatar", data={"avatar": (picture(), "me.png"), "next": "/explore",
                                                    "continue": "1"},
                           headers=htmx_headers(), content_type="multipart/form-data")
    assert response.status_code == 200 and response.headers["HX-Redirect"] == "/explore"
    fresh()
    assert db.session.get(type(cast.member), cast.member.id).avatar_key


def test_saving_on_the_avatar_step_without_continue_stays_to_show_it(client, as_user, cast):
    as_user(cast.member)
    response = client.post("/profile/avatar", data={"avatar": (picture(), "me.png"), "next": "/explore",
                                                    "continue": ""},
                           headers=htmx_headers(), content_type="multipart/form-data")
    assert response.status_code == 200 and "HX-Redirect" not in response.headers
    assert soup(response).select_one("#profile-avatar .form-ok").get_text() == "Saved."


def test_a_refused_picture_on_the_avatar_step_without_javascript_stays_on_the_step(client, as_user, cast):
    as_user(cast.member)
    response = client.post("/profile/avatar", data={"avatar": (io.BytesIO(b"not an image"), "me.png"),
                                                    "next": "/explore"},
                           content_type="multipart/form-data")
    assert response.status_code == 422
    page = soup(response)
    assert page.find("a", string="Continue to Charla")["href"] == "/explore"
    assert page.select_one("#a-e-avatar").get_text()


# ---- Joining a server shows nothing unread ------------------------------------------------------

def test_right_after_joining_nothing_is_unread_until_someone_writes(client, as_user, cast):
    other = server_service.create_channel(cast.owner, cast.server.id, {"name": "books"})
    cast.post(cast.owner, "history in general")
    cast.post(cast.owner, "history in books", channel=other)
    newcomer = make_user("nina")
    as_user(newcomer)
    joined = client.post(f"/servers/{cast.server.id}/join")
    assert joined.status_code == 303
    page = soup(client.get(channel_path(cast)))
    assert page.select("#servers-column .unread-flag:not([hidden])") == []
    assert page.select("#channels-column .unread-flag:not([hidden])") == []

    cast.post(cast.owner, "news after joining", channel=other)
    page = soup(client.get(channel_path(cast)))
    assert page.select_one(f"#channel-unread-{other.id}:not([hidden])") is not None


def test_rejoining_starts_from_the_newest_message_too(client, as_user, cast):
    cast.post(cast.owner, "before")
    as_user(cast.member)
    assert client.post(f"/servers/{cast.server.id}/leave").status_code == 303
    cast.post(cast.owner, "while away")
    assert client.post(f"/servers/{cast.server.id}/join").status_code == 303
    page = soup(client.get(channel_path(cast)))
    assert page.select("#servers-column .unread-flag:not([hidden])") == []


# ---- A new language reaches the whole page ------------------------------------------------------

def personal_data(user, locale: str) -> dict:
    return {"display_name": user.display_name, "first_name": user.first_name, "last_name": user.last_name,
            "birth_date": "", "bio": "", "locale": locale}


def test_changing_language_loads_the_whole_profile_page_in_it(client, as_user, cast):
    as_user(cast.member)
    response = client.post("/profile/personal", data=personal_data(cast.member, "es"), headers=htmx_headers())
    assert response.status_code == 200 and response.headers["HX-Redirect"] == "/profile"
    page = soup(client.get("/profile"))
    assert page.html["lang"] == "es"
    assert page.select_one("#profile-personal-title").get_text() == "Datos personales"
    assert page.select_one("#profile-avatar-title").get_text() == "Avatar"
    assert "Guardado." in page.select_one("#toasts").get_text()


def test_saving_without_changing_language_swaps_only_the_section(client, as_user, cast):
    as_user(cast.member)
    response = client.post("/profile/personal", data=personal_data(cast.member, cast.member.locale or ""),
                           headers=htmx_headers())
    assert response.status_code == 200 and "HX-Redirect" not in response.headers
    assert soup(response).select_one("section#profile-personal .form-ok").get_text() == "Saved."

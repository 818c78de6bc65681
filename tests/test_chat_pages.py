"""The three columns as pages and as htmx fragments."""
from sqlalchemy import func, select

from app.extensions import db
from app.models import Channel, Membership, Server
from app.services import servers as server_service
from tests.conftest import fresh, htmx_headers, make_user, soup


def member_count(server_id: int) -> int:
    return db.session.scalar(select(Server.member_count).where(Server.id == server_id))


def test_home_without_servers_shows_empty_states(client, as_user):
    as_user(make_user("newbie"))
    page = soup(client.get("/"))
    assert page.select_one("nav#servers-column[aria-label]") is not None
    assert "not in any server yet" in page.select_one("#servers-empty").text
    assert page.select_one("#servers-column details.create-box[open] form#server-form") is not None
    assert "Pick a server" in page.select_one("#channels-column .empty-state").text
    assert page.select_one("main#messages-column h1").text == "Welcome to Charla"


def test_server_page_opens_first_channel_with_newest_messages_last(client, as_user, cast):
    for i in range(3):
        cast.post(cast.member, f"message {i}")
    as_user(cast.member)
    response = client.get(f"/servers/{cast.server.id}")
    page = soup(response)
    assert page.select_one("title").text.strip() == "#general · Book Club · Charla"
    current = page.select_one("#servers-column a[aria-current=page]")
    assert current["href"] == f"/servers/{cast.server.id}" and "Book Club" in current.text
    assert page.select_one("#channels-column a[aria-current=page]").text.split() == ["#", "general"]
    assert page.select_one(f"#member-count-{cast.server.id}").text == "3 members"
    contents = [m.select_one(".content").text for m in page.select("#message-list article.message")]
    assert contents == ["message 0", "message 1", "message 2"]
    assert page.select_one("#messages-empty") is None
    composer = page.select_one("form#composer")
    assert composer["method"] == "post"
    assert composer["action"] == f"/servers/{cast.server.id}/channels/{cast.channel.id}/messages"
    assert composer.select_one("textarea#composer-input[name=content][data-max-chars='4000']") is not None
    assert composer.select_one("input[name=csrf_token]") is not None


def test_server_click_as_htmx_swaps_channels_and_messages_and_marks_server(client, as_user, cast):
    as_user(cast.member)
    response = client.get(f"/servers/{cast.server.id}", headers=htmx_headers("div#server-view"))
    assert response.status_code == 200
    assert "HX-Request" in response.headers["Vary"]
    page = soup(response)
    assert page.select_one("html") is None and page.select_one("header.topbar") is None
    view = page.select_one("div#server-view")
    assert view.select_one("nav#channels-column") and view.select_one("main#messages-column")
    oob = page.select_one("nav#servers-column[hx-swap-oob=true]")
    assert oob.select_one("a[aria-current=page]")["href"] == f"/servers/{cast.server.id}"
    assert page.select_one("title").text.strip() == "#general · Book Club · Charla"


def test_channel_click_as_htmx_swaps_messages_and_marks_channel(client, as_user, cast):
    other = Channel(server_id=cast.server.id, name="random", position=1)
    db.session.add(other)
    db.session.commit()
    cast.post(cast.owner, "hello random", channel=other)
    as_user(cast.member)
    response = client.get(f"/servers/{cast.server.id}/channels/{other.id}",
                          headers=htmx_headers("main#messages-column"))
    page = soup(response)
    assert page.select_one("div#server-view") is None
    assert page.select_one("main#messages-column .channel-title").text.split() == ["#", "random"]
    assert page.select_one("#message-list .content").text == "hello random"
    oob = page.select_one("nav#channels-column[hx-swap-oob=true]")
    assert oob.select_one("a[aria-current=page]")["href"] == f"/servers/{cast.server.id}/channels/{other.id}"


def test_history_restore_and_body_swaps_get_the_full_page(client, as_user, cast):
    as_user(cast.member)
    url = f"/servers/{cast.server.id}/channels/{cast.channel.id}"
    restore = client.get(url, headers={"HX-Request": "true", "HX-History-Restore-Request": "true"})
    assert soup(restore).select_one("html body header.topbar") is not None
    body_swap = client.get(url, headers={"HX-Request": "true", "HX-Request-Type": "full"})
    assert soup(body_swap).select_one("html body header.topbar") is not None


def test_navigation_links_push_urls_and_target_regions(client, as_user, cast):
    as_user(cast.member)
    page = soup(client.get(f"/servers/{cast.server.id}"))
    server_link = page.select_one(f"#server-link-{cast.server.id}")
    assert server_link["hx-target"] == "#server-view" and server_link["hx-push-url"] == "true"
    channel_link = page.select_one(f"#channel-link-{cast.channel.id}")
    assert channel_link["hx-target"] == "#messages-column" and channel_link["hx-push-url"] == "true"
    assert channel_link["href"] == channel_link["hx-get"]


def test_empty_channel_shows_empty_state(client, as_user, cast):
    as_user(cast.member)
    page = soup(client.get(f"/servers/{cast.server.id}"))
    assert "No messages yet" in page.select_one("#message-list #messages-empty").text


def test_create_server_plain_form_redirects_to_it(client, as_user):
    as_user(make_user("founder"))
    response = client.post("/servers", data={"name": "  Night Owls ", "description": "Late talk"})
    assert response.status_code == 303
    fresh()
    server = db.session.scalar(select(Server).where(Server.name == "Night Owls"))
    assert response.headers["Location"] == f"/servers/{server.id}"
    assert server.member_count == 1 and server.description == "Late talk"
    page = soup(client.get(response.headers["Location"]))
    assert page.select_one("#channels-column a[aria-current=page]").text.split() == ["#", "general"]
    assert page.select_one("#channels-column details.create-box form#channel-form") is not None
    assert page.select_one("#channels-column form[action$='/delete'] button").text == "Delete server"


def test_create_server_htmx_navigates_with_hx_location(client, as_user):
    as_user(make_user("founder"))
    headers = {**htmx_headers("form#server-form"), "HX-Current-URL": "http://localhost/"}
    response = client.post("/servers", data={"name": "Owls"}, headers=headers)
    assert response.status_code == 200
    fresh()
    server_id = db.session.scalar(select(Server.id).where(Server.name == "Owls"))
    assert response.headers["HX-Location"] == f"/servers/{server_id}"


def test_create_server_errors_inline_and_nothing_written(client, as_user):
    as_user(make_user("founder"))
    response = client.post("/servers", data={"name": "", "description": "d" * 501},
                           headers=htmx_headers("form#server-form"))
    assert response.status_code == 422
    form = soup(response).select_one("form#server-form")
    assert form["hx-target"] == "this"
    assert form.select_one("#server-e-name").text == "Give the server a name."
    assert "500" in form.select_one("#server-e-description").text
    fresh()
    assert db.session.scalar(select(func.count(Server.id))) == 0

    plain = client.post("/servers", data={"name": "x" * 101})
    assert plain.status_code == 422
    page = soup(plain)
    assert page.select_one("html") is not None
    assert page.select_one("#server-name")["value"] == "x" * 101


def test_new_server_and_channel_forms_are_pages(client, as_user, cast):
    as_user(cast.owner)
    assert soup(client.get("/servers/new")).select_one("main form#server-form") is not None
    page = soup(client.get(f"/servers/{cast.server.id}/channels/new"))
    assert page.select_one("main form#channel-form")["action"] == f"/servers/{cast.server.id}/channels"


def test_create_channel_normalises_name_and_opens_it(client, as_user, cast):
    as_user(cast.admin)
    response = client.post(f"/servers/{cast.server.id}/channels", data={"name": "  Off   Topic! "})
    assert response.status_code == 303
    fresh()
    channel = db.session.scalar(select(Channel).where(Channel.server_id == cast.server.id,
                                                      Channel.name == "off-topic"))
    assert response.headers["Location"] == f"/servers/{cast.server.id}/channels/{channel.id}"
    names = [a.text.split()[-1] for a in soup(client.get(response.headers["Location"])).select(".channel-link")]
    assert names == ["general", "off-topic"]


def test_create_channel_rejects_duplicates_and_empty_names(client, as_user, cast):
    as_user(cast.owner)
    duplicate = client.post(f"/servers/{cast.server.id}/channels", data={"name": "General"},
                            headers=htmx_headers("form#channel-form"))
    assert duplicate.status_code == 422
    assert "already a channel called #general" in soup(duplicate).select_one("#channel-e-name").text
    empty = client.post(f"/servers/{cast.server.id}/channels", data={"name": " !!! "})
    assert empty.status_code == 422
    fresh()
    assert db.session.scalar(select(func.count(Channel.id))) == 1


def test_members_do_not_see_create_channel(client, as_user, cast):
    as_user(cast.member)
    page = soup(client.get(f"/servers/{cast.server.id}"))
    assert page.select_one("#channel-form") is None
    assert page.select_one("#channels-column form[action$='/leave'] button").text == "Leave server"


def test_member_leaves_server(client, as_user, cast):
    as_user(cast.member)
    response = client.post(f"/servers/{cast.server.id}/leave")
    assert response.status_code == 303 and response.headers["Location"] == "/"
    fresh()
    assert db.session.scalar(select(Membership.id).where(Membership.user_id == cast.member.id)) is None
    assert member_count(cast.server.id) == 2
    # The server is public: they see its preview, with Join, not the channels.
    page = soup(client.get(f"/servers/{cast.server.id}"))
    assert page.select_one("#server-preview") is not None and page.select_one("#message-list") is None


def test_owner_cannot_leave(client, as_user, cast):
    as_user(cast.owner)
    response = client.post(f"/servers/{cast.server.id}/leave", headers=htmx_headers("form"))
    assert response.status_code == 409
    assert response.headers["HX-Retarget"] == "#toasts"
    assert "Delete the server instead" in soup(response).select_one(".toast").text
    fresh()
    assert member_count(cast.server.id) == 3


def test_owner_deletes_server_with_everything_in_it(client, as_user, cast):
    cast.post(cast.member, "bye")
    server_id = cast.server.id
    as_user(cast.owner)
    response = client.post(f"/servers/{server_id}/delete",
                           headers={**htmx_headers("form"), "HX-Current-URL": f"http://localhost/servers/{server_id}"})
    assert response.headers["HX-Location"] == "/"
    fresh()
    assert db.session.scalar(select(Server.id).where(Server.id == server_id)) is None
    assert db.session.scalar(select(func.count(Channel.id))) == 0
    assert db.session.scalar(select(func.count(Membership.id))) == 0


def test_every_form_control_is_labelled_and_columns_are_landmarks(client, as_user, cast):
    cast.post(cast.owner, "hello")
    as_user(cast.owner)
    for path in ("/", f"/servers/{cast.server.id}", "/servers/new"):
        page = soup(client.get(path))
        for control in page.select("input:not([type=hidden]), textarea, select"):
            labelled = control.get("aria-label") or page.select_one(f"label[for='{control.get('id')}']")
            assert labelled or control.find_parent("label"), (path, control)
    page = soup(client.get(f"/servers/{cast.server.id}"))
    assert page.select_one("nav#servers-column")["aria-label"] == "Servers"
    assert page.select_one("nav#channels-column")["aria-label"] == "Channels"
    assert page.select_one("main#messages-column")["aria-label"] == "Messages"


def test_leaving_the_chat_layout_is_a_full_navigation(client, as_user, cast):
    """An in-place load (HX-Location) swaps the body's content but not its layout class, so a
    write made on a card page (Explore, settings) navigates to the chat with HX-Redirect."""
    other = server_service.create_server(cast.owner, {"name": "Open Room", "visibility": "public"})
    as_user(cast.outsider)
    response = client.post(f"/servers/{other.id}/join",
                           headers={**htmx_headers("form"), "HX-Current-URL": "http://localhost/explore?q=open"})
    assert response.headers["HX-Redirect"] == f"/servers/{other.id}" and "HX-Location" not in response.headers

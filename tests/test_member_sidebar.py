"""The member sidebar: members by role, online first, in pages by key, to members only."""
from app.extensions import db
from app.models import ROLE_MEMBER
from app.services import servers as server_service
from tests.conftest import htmx_headers, make_user, soup


def names(page) -> list[str]:
    return [row.select_one(".member-name").get_text() for row in page.select(".member-row")]


def test_members_by_role_then_name_in_pages_by_key(client, as_user, cast, query_counter):
    for n in range(150):
        server_service.add_member(make_user(f"reader{n:03}", display_name=f"Reader {n:03}"), cast.server,
                                  role=ROLE_MEMBER)
    db.session.commit()
    as_user(cast.member)
    url = f"/servers/{cast.server.id}/members/sidebar"
    first = soup(client.get(url, headers=htmx_headers("#member-sidebar")))
    groups = [g.get_text() for g in first.select(".member-group")]
    assert groups == ["Owner", "Admins", "Members"]
    listed = names(first)
    assert listed[:2] == ["Olivia", "Adam"] and len(listed) == 100
    assert listed[2:] == sorted(listed[2:])  # everyone offline here: by name
    assert all(dot["aria-label"] == "Offline" for dot in first.select(".member-row .presence"))
    more = first.select_one("#member-more a")["hx-get"]
    with query_counter as counted:
        second = soup(client.get(more, headers=htmx_headers("#member-more")))
    assert counted.count <= 8
    rest = names(second)
    assert len(rest) == 153 - 100 and not set(rest) & set(listed)
    assert sorted(listed[2:] + rest) == listed[2:] + rest
    assert second.select_one("#member-more") is None


def test_only_members_see_it_and_a_plain_request_gets_the_members_page(client, as_user, cast):
    url = f"/servers/{cast.server.id}/members/sidebar"
    as_user(cast.outsider)
    assert client.get(url, headers=htmx_headers("#member-sidebar")).status_code == 404
    as_user(cast.member)
    response = client.get(url)
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/servers/{cast.server.id}/members")


def test_the_channel_header_offers_the_sidebar_and_the_page_without_javascript(client, as_user, cast):
    as_user(cast.member)
    page = soup(client.get(f"/servers/{cast.server.id}/channels/{cast.channel.id}"))
    toggle = page.select_one("[data-members-toggle]")
    assert toggle["href"] == f"/servers/{cast.server.id}/members"
    assert toggle["hx-get"] == f"/servers/{cast.server.id}/members/sidebar"
    assert page.select_one("#member-sidebar")["hidden"] is not None

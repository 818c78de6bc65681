"""Find a server in Explore as you type, join it, land in the chat layout."""
import re

from playwright.sync_api import expect

from tests.browser.test_chat_flow import create_server, current_server, register, unique


def test_search_and_join_opens_the_server_in_the_chat_layout(new_context):
    host_page, guest_page = new_context().new_page(), new_context().new_page()
    register(host_page)
    name = unique("Lectores ")
    server_path = create_server(host_page, name, public=True)
    register(guest_page, unique("guest"))

    guest_page.get_by_role("link", name="Explore servers").click()
    guest_page.locator("input[name=q]").press_sequentially(name[:12].lower().replace("e", "é", 1))
    result = guest_page.locator(".search-result", has_text=name)
    expect(result).to_contain_text("1 member")
    expect(guest_page).to_have_url(re.compile(r"/explore\?q="))
    result.get_by_role("button", name="Join").click()

    expect(guest_page).to_have_url(re.compile(re.escape(server_path) + "$"))
    expect(guest_page.locator("body")).to_have_class("chat-page")  # the chat's own layout, not Explore's
    expect(current_server(guest_page).locator(".server-name")).to_have_text(name)
    expect(guest_page.locator("#composer-input")).to_be_visible()

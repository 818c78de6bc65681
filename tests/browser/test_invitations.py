"""A invites B by username; B accepts from the bell without a reload."""
from playwright.sync_api import expect

from tests.browser.test_chat_flow import create_server, register, unique


def test_invite_and_accept_from_the_bell(new_context):
    alice_page, bob_page = new_context().new_page(), new_context().new_page()
    register(alice_page, unique("alice"))
    bob = register(bob_page, unique("bob"))
    server_path = create_server(alice_page, "Invited Room")
    expect(bob_page.locator("#bell-count")).to_have_count(0)

    alice_page.goto(server_path + "/invites")
    alice_page.locator("#invite-username").fill(bob)
    alice_page.get_by_role("button", name="Send invitation").click()
    expect(alice_page.locator("#invites-panel .form-ok")).to_contain_text(bob)

    expect(bob_page.locator("#bell-count")).to_have_text("1")  # live, no reload
    bob_page.locator("#bell").click()
    item = bob_page.locator("#notifications-panel .notification").first
    expect(item).to_contain_text("invited you to Invited Room")
    item.get_by_role("button", name="Accept").click()
    expect(bob_page).to_have_url(server_path)
    expect(bob_page.locator("#servers-column .server-link[aria-current=page]")).to_contain_text("Invited Room")
    expect(bob_page.locator("#bell-count")).to_have_count(0)
    expect(alice_page.locator("#bell-count")).to_have_count(0)
    alice_page.goto(server_path)
    expect(alice_page.locator("#bell-count")).to_have_text("1")  # "bob accepted your invitation"

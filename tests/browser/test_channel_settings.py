"""The owner renames the server, renames and deletes a channel, deletes the server; a member follows live."""
import re

from playwright.sync_api import expect

from tests.browser.test_chat_flow import CHANNEL_URL, create_server, current_channel, register, unique
from tests.browser.test_mentions import invite_and_accept


def test_rename_and_delete_reach_a_member_watching_the_channel(new_context):
    owner_page, guest_page = new_context().new_page(), new_context().new_page()
    register(owner_page, unique("owner"))
    guest = register(guest_page, unique("guest"))
    server_path = create_server(owner_page, "Settings Room")
    channels = owner_page.locator("#channels-column")
    channels.locator("details.create-box summary", has_text="Create a channel").click()
    channels.locator("#channel-name").fill("drafts")
    channels.locator("#channel-form").get_by_role("button", name="Create channel").click()
    expect(owner_page).to_have_url(CHANNEL_URL)
    drafts_url = owner_page.url
    invite_and_accept(owner_page, guest_page, guest, server_path)
    guest_page.goto(drafts_url)
    expect(current_channel(guest_page)).to_contain_text("drafts")

    # The server's new name reaches the guest's columns without a reload.
    owner_page.goto(server_path + "/settings")
    owner_page.locator("#settings-name").fill("Renamed Room")
    owner_page.get_by_role("button", name="Save").click()
    expect(owner_page).to_have_url(server_path)
    current_server = guest_page.locator("#servers-column .server-link[aria-current=page] .server-name")
    expect(current_server).to_have_text("Renamed Room")
    expect(guest_page.locator("#channels-column .server-title")).to_have_text("Renamed Room")
    # Each column was swapped in its own place (not a whole server view into a column).
    for region in ("#servers-column", "#channels-column", "#server-view", "#messages-column"):
        expect(guest_page.locator(region)).to_have_count(1)

    owner_page.goto(drafts_url)
    owner_page.get_by_role("link", name="Edit channel").click()
    owner_page.locator("#channel-name").fill("Final Drafts")
    owner_page.locator("#channel-topic").fill("Only finished pieces")
    owner_page.get_by_role("button", name="Save").click()
    expect(owner_page.locator(".channel-title")).to_contain_text("final-drafts")

    expect(current_channel(guest_page)).to_contain_text("final-drafts")  # live, no reload
    expect(guest_page.locator(".channel-topic")).to_have_text("Only finished pieces")

    owner_page.get_by_role("link", name="Edit channel").click()
    owner_page.once("dialog", lambda dialog: dialog.accept())
    owner_page.get_by_role("button", name="Delete channel").click()
    expect(owner_page).to_have_url(server_path)
    expect(guest_page).to_have_url(server_path)  # the channel it showed is gone
    expect(guest_page.locator("#channels-column")).not_to_contain_text("final-drafts")
    expect(current_channel(guest_page)).to_contain_text("general")

    # Deleting the server: a tab showing another page drops the server's link in place.
    guest_page.goto(guest_page.url.split("/servers/")[0] + "/")
    expect(guest_page.locator("#servers-column .server-link", has_text="Renamed Room")).to_have_count(1)
    guest_page.evaluate("window.__noReloadMarker = 'same-document'")
    owner_page.goto(server_path)
    owner_page.locator("#channels-column details.menu summary").click()
    owner_page.once("dialog", lambda dialog: dialog.accept())
    owner_page.get_by_role("button", name="Delete server").click()
    expect(guest_page.locator("#servers-column .server-link", has_text="Renamed Room")).to_have_count(0)
    assert guest_page.evaluate("window.__noReloadMarker") == "same-document", "the link went by a reload"
    # The owner, who was on the server, lands on the home page (and the test ends with no navigation under way).
    expect(owner_page).to_have_url(re.compile(r"/$"))
    owner_page.wait_for_load_state()

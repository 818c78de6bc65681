"""Moderation in the browser: an admin bans a member from the member list, the member's open tab leaves the
server at once, and the invite link then tells them why it does not let them in; a timeout greys out the box."""
import re

from playwright.sync_api import expect

from tests.browser.test_chat_flow import create_server, register, unique
from tests.browser.test_mentions import invite_and_accept


def test_a_ban_from_the_member_list_and_the_invite_link_says_why(new_context):
    alice_page, bob_page = new_context().new_page(), new_context().new_page()
    register(alice_page, unique("alice"))
    bob = register(bob_page, unique("bob"))
    server_name = unique("Mods ")
    server_path = create_server(alice_page, server_name)
    invite_and_accept(alice_page, bob_page, bob, server_path)
    expect(bob_page.locator("#channels-column .server-title")).to_have_text(server_name)

    alice_page.goto(server_path + "/members")
    row = alice_page.locator(".member", has_text=f"@{bob}")
    row.locator("summary", has_text="Moderate").click()
    row.get_by_label("Reason (optional, they are told)").fill("posting spam")
    alice_page.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name="Ban").click()
    expect(alice_page.locator("#members-panel .form-ok")).to_contain_text("was banned from the server")
    expect(alice_page.locator(".member", has_text=f"@{bob}")).to_have_count(0)

    # Bob's open tab leaves the server by itself.
    expect(bob_page).to_have_url(re.compile(r"/$"))
    expect(bob_page.locator("#servers-column .server-name", has_text=server_name)).to_have_count(0)

    alice_page.goto(server_path + "/invites")
    alice_page.get_by_role("button", name="Create invite link").click()
    invite_path = re.search(r"/invite/[^\s/]+", alice_page.locator("#new-invite-url").input_value()).group(0)
    response = bob_page.goto(invite_path)
    assert response.status == 403
    expect(bob_page.locator("main")).to_contain_text(f"You are banned from {server_name}: posting spam")

    alice_page.goto(server_path + "/audit")
    expect(alice_page.locator(".audit-entry").first.locator(".audit-action")).to_have_text("Created an invite link")
    expect(alice_page.locator(".audit-entry", has_text="Banned a member")).to_contain_text("posting spam")


def test_a_timeout_greys_out_the_members_box_live(new_context):
    alice_page, bob_page = new_context().new_page(), new_context().new_page()
    register(alice_page, unique("alice"))
    bob = register(bob_page, unique("bob"))
    server_path = create_server(alice_page, unique("Quiet "))
    invite_and_accept(alice_page, bob_page, bob, server_path)
    expect(bob_page.locator("#composer-input")).to_be_enabled()

    alice_page.goto(server_path + "/members")
    row = alice_page.locator(".member", has_text=f"@{bob}")
    row.locator("summary", has_text="Moderate").click()
    row.get_by_label("Time out for").select_option("600")
    row.get_by_role("button", name="Time out").click()
    expect(alice_page.locator(".member", has_text=f"@{bob}").locator(".timed-out")).to_be_visible()

    expect(bob_page.locator("#composer-input")).to_be_disabled()
    expect(bob_page.locator("#composer-notice")).to_contain_text("You are timed out in this server until")


def test_a_blocked_persons_messages_fold_away_live(new_context):
    alice_page, bob_page = new_context().new_page(), new_context().new_page()
    register(alice_page, unique("alice"))
    bob = register(bob_page, unique("bob"))
    server_path = create_server(alice_page, unique("Fold "))
    invite_and_accept(alice_page, bob_page, bob, server_path)
    alice_page.goto(server_path)
    alice_page.locator("#composer-input").fill("before the block")
    alice_page.locator("#composer-input").press("Enter")
    theirs = bob_page.locator("#message-list .message", has_text="before the block")
    theirs.locator(".author").click()
    bob_page.once("dialog", lambda dialog: dialog.accept())
    bob_page.locator("#profile-card").get_by_role("button", name="Block").click()
    expect(theirs.locator(".blocked-bar")).to_have_text("Blocked message Show")  # the page reloaded, folded
    expect(theirs.locator(".content")).to_be_hidden()

    alice_page.locator("#composer-input").fill("after the block")
    alice_page.locator("#composer-input").press("Enter")
    expect(bob_page.locator("#message-list .message.is-blocked")).to_have_count(2)
    live = bob_page.locator("#" + bob_page.locator("#message-list .message").last.get_attribute("id"))
    live.get_by_role("button", name="Show").click()
    expect(live.locator(".content")).to_have_text("after the block")

"""Typing indicators between two people's tabs: "X is typing…" while they type, gone when the message comes."""
from playwright.sync_api import expect

from tests.browser.test_chat_flow import create_server, messages, register, unique
from tests.browser.test_mentions import invite_and_accept


def test_the_other_person_sees_who_is_typing_then_the_message(new_context):
    alice_page, bob_page = new_context().new_page(), new_context().new_page()
    alice = register(alice_page, unique("alice"))
    bob = register(bob_page, unique("bob"))
    server_path = create_server(alice_page, unique("Typing "))
    invite_and_accept(alice_page, bob_page, bob, server_path)
    alice_page.goto(server_path)
    bob_indicator = bob_page.locator("#typing-indicator")
    expect(bob_indicator).to_have_text("")

    composer = alice_page.locator("#composer-input")
    composer.press_sequentially("On my way", delay=30)
    expect(bob_indicator).to_have_text(f"Tester {alice[-4:]} is typing…")
    expect(alice_page.locator("#typing-indicator")).to_have_text("")  # not told about oneself
    composer.press("Enter")
    expect(messages(bob_page).last.locator(".content")).to_have_text("On my way")
    expect(bob_indicator).to_have_text("")


def test_a_profile_card_shows_presence_and_follows_it_live(new_context):
    alice_page, bob_context = new_context().new_page(), new_context()
    bob_page = bob_context.new_page()
    register(alice_page, unique("alice"))
    bob = register(bob_page, unique("bob"))
    server_path = create_server(alice_page, unique("Here "))
    invite_and_accept(alice_page, bob_page, bob, server_path)
    alice_page.goto(server_path)
    bob_page.goto(server_path)
    bob_page.locator("#composer-input").fill("hello")
    bob_page.locator("#composer-input").press("Enter")
    theirs = messages(alice_page).last
    expect(theirs.locator(".content")).to_have_text("hello")

    # Bob has a tab open: his card says so; when he closes it, the open card follows.
    theirs.locator(".author").click()
    line = alice_page.locator("#profile-card .presence-line")
    expect(line).to_have_text("Online")
    expect(line.locator(".presence")).to_have_class("presence presence-online")
    bob_context.close()
    expect(line).to_have_text("Offline", timeout=10_000)
    expect(line.locator(".presence")).to_have_attribute("aria-label", "Offline")


def test_the_member_sidebar_lists_people_by_role_with_presence(new_context):
    alice_page, bob_page = new_context().new_page(), new_context().new_page()
    register(alice_page, unique("alice"))
    bob = register(bob_page, unique("bob"))
    server_path = create_server(alice_page, unique("Sidebar "))
    invite_and_accept(alice_page, bob_page, bob, server_path)
    alice_page.goto(server_path)
    bob_page.goto(server_path)

    toggle = alice_page.locator("[data-members-toggle]")
    toggle.click()
    sidebar = alice_page.locator("#member-sidebar")
    expect(sidebar).to_be_visible()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(sidebar.locator(".member-group")).to_have_text(["Owner", "Members"])
    bob_row = sidebar.locator(".member-row", has_text=f"Tester {bob[-4:]}")
    expect(bob_row.locator(".presence")).to_have_attribute("aria-label", "Online")
    # The messages stay beside it, not under it.
    box, list_box = sidebar.bounding_box(), alice_page.locator("#message-scroller").bounding_box()
    assert list_box["x"] + list_box["width"] <= box["x"] + 1
    toggle.click()
    expect(sidebar).to_be_hidden()
    expect(toggle).to_have_attribute("aria-expanded", "false")

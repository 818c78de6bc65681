"""Direct messages between two people's tabs: starting one from a profile card, unread marks, the bell, replies."""
from playwright.sync_api import expect

from tests.browser.test_chat_flow import create_server, messages, register, unique
from tests.browser.test_mentions import invite_and_accept


def test_two_people_exchange_direct_messages(new_context):
    alice_page, bob_page = new_context().new_page(), new_context().new_page()
    alice = register(alice_page, unique("alice"))
    bob = register(bob_page, unique("bob"))
    server_path = create_server(alice_page, unique("Meet "))
    invite_and_accept(alice_page, bob_page, bob, server_path)
    bob_page.goto(server_path)
    bob_page.locator("#composer-input").fill("hi all")
    bob_page.locator("#composer-input").press("Enter")
    alice_page.goto(server_path)

    # Alice opens Bob's card and writes to him.
    messages(alice_page).last.locator(".author").click()
    alice_page.locator("#profile-card").get_by_role("button", name="Message").click()
    expect(alice_page.locator(".conversation-title")).to_have_text(f"Tester {bob[-4:]}")
    expect(alice_page.locator("#dms-link")).to_have_attribute("aria-current", "page")
    composer = alice_page.locator("#composer-input")
    expect(composer).to_have_attribute("placeholder", f"Message Tester {bob[-4:]}")
    composer.fill("Lunch tomorrow?")
    composer.press("Enter")
    expect(messages(alice_page).last.locator(".content")).to_have_text("Lunch tomorrow?")

    # Bob, still in the server, sees the Direct messages entry marked and the bell count, live.
    expect(bob_page.locator("#dms-unread-all")).to_be_visible()
    expect(bob_page.locator("#bell-count")).to_have_text("1")
    bob_page.locator("#dms-link").click()
    conversation = bob_page.locator(".conversation-link", has_text=f"Tester {alice[-4:]}")
    expect(conversation.locator(".unread-flag:not([hidden])")).to_have_count(1)  # shown bold, read ", unread"
    conversation.click()
    expect(messages(bob_page).last.locator(".content")).to_have_text("Lunch tomorrow?")
    # Reading it clears the marks and the bell.
    expect(bob_page.locator("#dms-unread-all")).to_be_hidden()
    expect(bob_page.locator("#bell-count")).to_have_count(0)

    bob_page.locator("#composer-input").fill("Sure!")
    bob_page.locator("#composer-input").press("Enter")
    expect(messages(alice_page).last.locator(".content")).to_have_text("Sure!")


def test_a_new_conversation_by_username_and_a_refusal(new_context):
    alice_page, bob_page = new_context().new_page(), new_context().new_page()
    register(alice_page, unique("alice"))
    bob = register(bob_page, unique("bob"))
    alice_page.goto("/dms")
    expect(alice_page.locator("#conversation-list")).to_have_text(
        "No conversations yet. Start one with someone from your servers.")
    # Nobody in common yet: refused, with the reason, and the name kept.
    alice_page.locator("#conversation-to").fill(bob)
    alice_page.get_by_role("button", name="Start conversation").click()
    expect(alice_page.locator("#conversation-e-to")).to_contain_text(f"{bob} is not one of them")
    expect(alice_page.locator("#conversation-to")).to_have_value(bob)

    server_path = create_server(alice_page, unique("Pair "))
    invite_and_accept(alice_page, bob_page, bob, server_path)
    bob_page.goto("/dms")
    alice_page.goto("/dms")
    alice_page.locator("#conversation-to").fill(bob)
    alice_page.get_by_role("button", name="Start conversation").click()
    expect(alice_page.locator(".conversation-title")).to_have_text(f"Tester {bob[-4:]}")
    # Bob's open list of conversations gains it live.
    expect(bob_page.locator(".conversation-link")).to_have_count(1)

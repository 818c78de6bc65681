"""Reactions in the browser: the picker, live chips in another person's tab,
joining by clicking a chip, the keyboard, and the page without JavaScript."""
from playwright.sync_api import expect

from tests.browser.test_chat_flow import create_server, messages, register, unique
from tests.browser.test_mentions import invite_and_accept, post


def open_picker(page, article) -> None:
    article.hover()
    article.locator(".action.react").click()
    expect(page.locator("#reaction-picker")).to_be_visible()


def chip(article, emoji: str):
    return article.locator(".reactions button.chip", has_text=emoji)


def test_a_reaction_appears_live_and_the_other_person_joins_it(new_context):
    alice_page, bob_page = new_context().new_page(), new_context().new_page()
    register(alice_page, unique("alice"))
    bob = register(bob_page, unique("bob"))
    server_path = create_server(alice_page, unique("Reacts "))
    invite_and_accept(alice_page, bob_page, bob, server_path)
    alice_page.goto(server_path)
    post(alice_page, "shall we ship it?")
    mine = messages(alice_page).last
    theirs = messages(bob_page).last
    expect(theirs.locator(".content")).to_have_text("shall we ship it?")

    # Bob searches the picker and picks the rocket; the picker closes, focus back on the message.
    open_picker(bob_page, theirs)
    bob_page.locator("#picker-q").fill("rocket")
    rocket = bob_page.get_by_role("button", name="rocket", exact=True)
    rocket.click()
    expect(bob_page.locator("#reaction-picker")).to_have_count(0)
    expect(chip(theirs, "🚀")).to_have_attribute("aria-pressed", "true")
    expect(theirs).to_be_focused()

    # Alice sees it live, not pressed for her; she joins by clicking.
    expect(chip(mine, "🚀")).to_have_text("🚀 1")
    expect(chip(mine, "🚀")).to_have_attribute("aria-pressed", "false")
    chip(mine, "🚀").click()
    expect(chip(mine, "🚀")).to_have_text("🚀 2")
    expect(chip(mine, "🚀")).to_have_attribute("aria-pressed", "true")
    expect(chip(theirs, "🚀")).to_have_text("🚀 2")
    expect(chip(theirs, "🚀")).to_have_attribute("aria-pressed", "true")  # still Bob's too
    label = chip(theirs, "🚀").get_attribute("aria-label")
    assert label.startswith("rocket 2: ") and " and " in label

    # Bob takes his back: Alice's tab shows one, pressed for her.
    chip(theirs, "🚀").click()
    expect(chip(mine, "🚀")).to_have_text("🚀 1")
    expect(chip(mine, "🚀")).to_have_attribute("aria-pressed", "true")


def test_the_picker_works_from_the_keyboard(page):
    register(page)
    create_server(page, unique("Keys "))
    post(page, "press plus")
    article = messages(page).last
    article.focus()
    article.locator(".action.react").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#picker-q")).to_be_focused()
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")  # past the Search button to the first emoji
    first = page.locator(".emoji-grid .emoji-choice").first
    expect(first).to_be_focused()
    page.keyboard.press("ArrowRight")
    second = page.locator(".emoji-grid .emoji-choice").nth(1)
    expect(second).to_be_focused()
    page.keyboard.press("Escape")
    expect(page.locator("#reaction-picker")).to_have_count(0)
    expect(article).to_be_focused()  # its React action shows again, one Tab away


def test_without_javascript_the_picker_is_a_page(new_context):
    page = new_context(java_script_enabled=False).new_page()
    register(page)
    create_server(page, unique("NoJS "))
    page.locator("#composer-input").fill("plain old forms")
    page.get_by_role("button", name="Send").click()
    article = messages(page).last
    page.goto(article.locator(".action.react").get_attribute("href"))
    page.locator("#picker-q").fill("thumbs up")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("button", name="thumbs up", exact=True).click()
    expect(chip(messages(page).last, "👍")).to_have_text("👍 1")
    chip(messages(page).last, "👍").click()  # the chip is a form: pressing it again takes it back
    expect(messages(page).last.locator(".reactions button.chip")).to_have_count(0)

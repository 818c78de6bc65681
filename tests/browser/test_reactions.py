"""Reactions in the browser: the picker, chips that update live in another tab, the keyboard, no JavaScript."""
import re

from playwright.sync_api import expect

from tests.browser.test_chat_flow import create_server, message_id, messages, register, unique
from tests.browser.test_live_chat import add_member, post


def chip(page, mid: str, emoji: str):
    return page.locator(f"#reactions-{mid} .reaction", has_text=emoji)


def test_a_reaction_from_the_picker_shows_live_and_the_other_joins_it(new_context, live_database):
    ana_page, bruno_page = new_context().new_page(), new_context().new_page()
    register(ana_page, unique("ana"))
    bruno = register(bruno_page, unique("bruno"))
    server_path = create_server(ana_page, "Reacting Room")
    add_member(live_database, bruno, int(server_path.rsplit("/", 1)[1]))
    bruno_page.goto(server_path)
    post(bruno_page, "Who is coming on Friday?")
    expect(messages(ana_page)).to_have_count(1)
    mid = message_id(messages(ana_page).last)

    message = ana_page.locator(f"#message-{mid}")
    message.hover()
    message.get_by_role("link", name="React").click()
    picker = ana_page.get_by_role("dialog", name="React to the message")
    expect(picker).to_be_visible()
    expect(picker.get_by_role("searchbox")).to_be_focused()
    picker.get_by_role("button", name="thumbs up", exact=True).click()
    expect(picker).to_have_count(0)
    expect(chip(ana_page, mid, "👍")).to_have_attribute("aria-pressed", "true")
    expect(chip(ana_page, mid, "👍")).to_contain_text("1")

    theirs = chip(bruno_page, mid, "👍")
    expect(theirs).to_contain_text("1")
    expect(theirs).to_have_attribute("aria-pressed", "false")
    expect(theirs).to_have_attribute("aria-label", re.compile(r"^👍 1: Tester "))
    theirs.click()
    expect(theirs).to_contain_text("2")
    expect(theirs).to_have_attribute("aria-pressed", "true")
    expect(theirs).to_have_class(re.compile(r"\bmine\b"))
    expect(chip(ana_page, mid, "👍")).to_contain_text("2")
    expect(chip(ana_page, mid, "👍")).to_have_attribute("aria-pressed", "true")

    chip(ana_page, mid, "👍").click()  # Ana takes hers back
    expect(chip(ana_page, mid, "👍")).to_have_attribute("aria-pressed", "false")
    expect(chip(bruno_page, mid, "👍")).to_contain_text("1")
    expect(chip(bruno_page, mid, "👍")).to_have_attribute("aria-pressed", "true")
    expect(chip(ana_page, mid, "👍")).to_contain_text("1")


def test_the_picker_from_the_keyboard(page):
    register(page)
    create_server(page, unique("Keys "))
    post(page, "React with the keyboard")
    mid = message_id(messages(page).last)
    article = page.locator(f"#message-{mid}")
    article.focus()
    page.keyboard.press("+")
    picker = page.get_by_role("dialog", name="React to the message")
    search = picker.get_by_role("searchbox")
    expect(search).to_be_focused()
    search.press_sequentially("fox")
    fox = picker.get_by_role("button", name="fox", exact=True)
    expect(fox).to_be_visible()
    expect(picker.get_by_role("button", name="thumbs up", exact=True)).to_have_count(0)
    page.keyboard.press("ArrowDown")
    expect(fox).to_be_focused()
    page.keyboard.press("Enter")
    expect(picker).to_have_count(0)
    expect(article).to_be_focused()
    expect(chip(page, mid, "🦊")).to_have_attribute("aria-pressed", "true")

    page.keyboard.press("+")
    expect(picker.get_by_role("searchbox")).to_be_focused()
    page.keyboard.press("ArrowDown")
    first = picker.locator(".reaction-choice").first
    expect(first).to_be_focused()
    expect(first).to_have_text("🦊")  # the reader's own recent emoji come first
    page.keyboard.press("ArrowRight")
    expect(picker.locator(".reaction-choice").nth(1)).to_be_focused()
    page.keyboard.press("ArrowLeft")
    expect(first).to_be_focused()
    page.keyboard.press("Escape")
    expect(picker).to_have_count(0)
    expect(article).to_be_focused()


def test_the_picker_page_without_javascript(new_context):
    page = new_context(java_script_enabled=False).new_page()
    register(page)
    create_server(page, unique("Plain "))
    page.locator("#composer-input").fill("No scripts here")
    page.locator("#composer").get_by_role("button", name="Send").click()
    message = messages(page).last
    mid = message_id(message)
    message.hover()
    message.get_by_role("link", name="React").click()
    expect(page).to_have_url(re.compile(rf"/messages/{mid}/react$"))
    page.get_by_role("button", name="thumbs up", exact=True).click()
    expect(page).to_have_url(re.compile(rf"/channels/\d+#message-{mid}$"))
    expect(chip(page, mid, "👍")).to_have_attribute("aria-pressed", "true")

    page.locator(f"#reactions-{mid} a.reaction-add").click()
    page.get_by_label("Search emoji").fill("fox")
    page.get_by_role("button", name="Search").click()
    expect(page).to_have_url(re.compile(rf"/messages/{mid}/react\?q=fox$"))
    page.get_by_role("button", name="fox", exact=True).click()
    expect(chip(page, mid, "🦊")).to_contain_text("1")
    chip(page, mid, "👍").click()  # a chip takes one's own reaction back
    expect(chip(page, mid, "👍")).to_have_count(0)
    expect(chip(page, mid, "🦊")).to_have_attribute("aria-pressed", "true")

"""The composer in the browser: Ctrl+B / Ctrl+I, the formatting help, emoji
suggestions after ":", and the length counter (composer and edit box)."""
import re

from playwright.sync_api import expect

from tests.browser.test_axe import axe_violations, describe
from tests.browser.test_chat_flow import create_server, messages, register, unique


def test_bold_and_italic_from_the_keyboard_and_emoji_by_shortcode(page):
    register(page)
    create_server(page, unique("Compose "))
    box = page.locator("#composer-input")
    box.fill("make this loud")
    box.evaluate("el => el.setSelectionRange(10, 14)")  # "loud"
    page.keyboard.press("Control+b")
    expect(box).to_have_value("make this **loud**")
    page.keyboard.press("Control+b")  # again: unwrapped
    expect(box).to_have_value("make this loud")
    box.evaluate("el => el.setSelectionRange(el.value.length, el.value.length)")
    page.keyboard.press("Control+i")
    page.keyboard.type("soft")
    expect(box).to_have_value("make this loud*soft*")

    box.fill("")
    page.keyboard.type("party :tad")
    option = page.locator("#mention-suggestions [role=option]").first
    expect(option).to_have_attribute("data-emoji", "🎉")
    page.keyboard.press("Enter")
    expect(box).to_have_value("party 🎉 ")
    page.keyboard.press("Enter")
    expect(messages(page).last.locator(".content")).to_have_text("party 🎉")


def test_the_formatting_help_opens_and_escape_gives_focus_back(page):
    register(page)
    create_server(page, unique("Help "))
    link = page.get_by_role("link", name="Formatting help")
    link.focus()
    page.keyboard.press("Enter")
    help_panel = page.locator("#formatting-help")
    expect(help_panel.get_by_role("button", name="Close")).to_be_focused()
    expect(help_panel.locator("tbody strong")).to_have_text("bold")
    page.keyboard.press("Escape")
    expect(help_panel).to_have_count(0)
    expect(link).to_be_focused()


def test_the_counter_near_the_limit_and_a_long_paste_kept_whole_but_not_sent(page):
    register(page)
    create_server(page, unique("Count "))
    box = page.locator("#composer-input")
    counter = page.locator("#composer-count")
    box.fill("a" * 3599)
    expect(counter).to_be_hidden()
    box.fill("a" * 3812)
    expect(counter).to_have_text("3,812 / 4,000")
    expect(counter).not_to_have_class(re.compile(r"\bover\b"))

    box.fill("")
    page.keyboard.insert_text("b" * 4100)  # as a paste arrives: nothing cut
    expect(box).to_have_value("b" * 4100)
    expect(counter).to_have_text("100 characters too many: shorten it to send.")
    expect(counter).to_have_class(re.compile(r"\bover\b"))
    expect(page.locator("#live-announcer")).to_have_text("100 characters too many: shorten it to send.")
    box.press("Enter")
    page.get_by_role("button", name="Send").click()
    expect(messages(page)).to_have_count(0)
    expect(box).to_have_value("b" * 4100)

    box.evaluate("el => el.setSelectionRange(4000, 4100)")
    box.press("Delete")
    expect(page.locator("#live-announcer")).to_have_text("Short enough to send.")
    box.press("Enter")
    expect(messages(page)).to_have_count(1)


def test_the_edit_box_has_the_same_keys_and_limit(page):
    register(page)
    create_server(page, unique("Edit "))
    page.locator("#composer-input").fill("plain words")
    page.keyboard.press("Enter")
    message = messages(page).last
    expect(message.locator(".content")).to_have_text("plain words")
    message.hover()
    message.get_by_role("link", name="Edit").click()
    editor = page.locator("form.editing textarea")
    expect(editor).to_be_focused()
    editor.evaluate("el => el.setSelectionRange(6, 11)")  # "words"
    page.keyboard.press("Control+i")
    expect(editor).to_have_value("plain *words*")
    page.keyboard.press("Control+i")
    expect(editor).to_have_value("plain words")

    editor.fill("c" * 4001)
    counter = page.locator("form.editing .char-count")
    expect(counter).to_have_text("1 character too many: shorten it to send.")
    page.locator("form.editing").get_by_role("button", name="Save").click()
    expect(editor).to_have_value("c" * 4001)  # refused in the page, still open
    editor.fill("plain **words**")
    page.keyboard.press("Enter")
    expect(messages(page).last.locator(".content strong")).to_have_text("words")


def test_axe_is_clean_with_the_formatting_help_open(page):
    register(page)
    create_server(page, unique("Axe "))
    page.get_by_role("link", name="Formatting help").click()
    expect(page.locator("#formatting-help")).to_be_visible()
    violations = axe_violations(page)
    assert violations == [], describe(violations)

"""The composer in the browser: Ctrl+B / Ctrl+I, the formatting help, and
emoji suggestions after ":"."""
from playwright.sync_api import expect

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

"""Formatted messages in the browser: code, links and spoilers as a reader meets
them, long messages folded, and the CSP never complaining."""
from playwright.sync_api import expect

from tests.browser.test_chat_flow import create_server, messages, register, unique
from tests.browser.test_live_chat import post

RICH = "**Plan** for `today`: see [the docs](https://example.com/docs) and ||the ending||\n```python\nreturn 42\n```"


def test_a_formatted_message_renders_and_its_spoiler_reveals_by_keyboard_and_click(page):
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    register(page)
    create_server(page, unique("Format "))
    post(page, RICH)
    content = messages(page).last.locator(".content")
    expect(content.locator("strong")).to_have_text("Plan")
    expect(content.locator("code").first).to_have_text("today")
    link = content.get_by_role("link", name="the docs")
    expect(link).to_have_attribute("href", "https://example.com/docs")
    expect(link).to_have_attribute("rel", "noopener noreferrer nofollow ugc")
    expect(content.locator(".link-host")).to_have_text("(example.com)")
    expect(content.locator("pre.code .k")).to_have_text("return")

    spoiler = content.locator(".spoiler")
    expect(spoiler).to_have_attribute("aria-expanded", "false")
    assert spoiler.evaluate("el => getComputedStyle(el).color") == "rgba(0, 0, 0, 0)"  # hidden
    spoiler.focus()
    assert spoiler.evaluate("el => getComputedStyle(el).color") == "rgba(0, 0, 0, 0)"  # focus alone: still hidden
    page.keyboard.press("Enter")
    expect(spoiler).to_have_attribute("aria-expanded", "true")
    assert spoiler.evaluate("el => getComputedStyle(el).color") != "rgba(0, 0, 0, 0)"

    post(page, "||click me||")
    second = messages(page).last.locator(".spoiler")
    second.click()
    expect(second).to_have_class("spoiler revealed")
    assert errors == []


def test_a_long_message_is_folded_behind_show_more(page):
    register(page)
    create_server(page, unique("Long "))
    post(page, "\n".join(f"line {i}" for i in range(40)))
    content = messages(page).last.locator(".content")
    expect(content).to_have_class("content collapsed")
    toggle = messages(page).last.get_by_role("button", name="Show more")
    toggle.click()
    expect(content).to_have_class("content")
    expect(messages(page).last.get_by_role("button", name="Show less")).to_have_attribute("aria-expanded", "true")
    post(page, "short")
    expect(messages(page).last.get_by_role("button", name="Show more")).to_have_count(0)


def test_without_javascript_a_spoiler_shows_while_focused(new_context):
    page = new_context(java_script_enabled=False).new_page()
    register(page)
    create_server(page, unique("NoJS "))
    page.locator("#composer-input").fill("||hidden words||")
    page.get_by_role("button", name="Send").click()
    spoiler = messages(page).last.locator(".spoiler")
    assert spoiler.evaluate("el => getComputedStyle(el).color") == "rgba(0, 0, 0, 0)"
    spoiler.focus()
    assert spoiler.evaluate("el => getComputedStyle(el).color") != "rgba(0, 0, 0, 0)"

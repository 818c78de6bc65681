"""Formatted messages in the browser: code, links and spoilers as a reader meets
them, long messages folded, phones, both themes, and the CSP never complaining."""
import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_axe import axe_violations, describe
from tests.browser.test_chat_flow import create_server, messages, register, unique
from tests.browser.test_live_chat import post

RICH = "**Plan** for `today`: see [the docs](https://example.com/docs) and ||the ending||\n```python\nreturn 42\n```"
HIDDEN = "rgba(0, 0, 0, 0)"
CSP_WATCH = ("window.__cspViolations = [];"
             "document.addEventListener('securitypolicyviolation', function (e) {"
             "  window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI);"
             "});")


def color(locator) -> str:
    return locator.evaluate("el => getComputedStyle(el).color")


def test_a_formatted_message_renders_and_its_spoiler_toggles_by_keyboard_and_click(new_context):
    context = new_context()
    context.add_init_script(CSP_WATCH)
    page = context.new_page()
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
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

    expect(content.get_by_role("button", name="Spoiler")).to_have_count(1)  # named while hidden
    spoiler = content.locator(".spoiler")
    expect(spoiler).to_have_attribute("aria-expanded", "false")
    assert color(spoiler) == HIDDEN
    link.focus()
    page.keyboard.press("Tab")  # the next stop after the link is the spoiler
    expect(spoiler).to_be_focused()
    assert color(spoiler) == HIDDEN  # focus alone does not reveal it
    page.keyboard.press("Enter")
    expect(spoiler).to_have_attribute("aria-expanded", "true")
    expect(content.get_by_role("button", name="the ending")).to_have_count(1)  # shown: its words are its name
    assert color(spoiler) != HIDDEN
    page.keyboard.press(" ")  # a toggle: Space hides it again
    expect(spoiler).to_have_attribute("aria-expanded", "false")
    assert color(spoiler) == HIDDEN

    post(page, "||click me||")
    second = messages(page).last.locator(".spoiler")
    second.click()
    expect(second).to_have_class("spoiler revealed")
    expect(second).to_have_attribute("aria-expanded", "true")
    second.click()
    expect(second).to_have_attribute("aria-expanded", "false")
    assert errors == []
    assert page.evaluate("window.__cspViolations") == []


def test_a_long_message_is_folded_behind_show_more_and_the_list_stays_at_the_bottom(page):
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
    expect(messages(page).last).to_contain_text("short")
    expect(messages(page).last.get_by_role("button", name="Show more")).to_have_count(0)
    expect(messages(page).last).to_be_in_viewport()  # a new message still scrolls into view


def test_on_a_phone_a_code_block_scrolls_inside_the_message_column(new_context):
    page = new_context(viewport={"width": 375, "height": 812}).new_page()
    register(page)
    create_server(page, unique("Phone "))
    post(page, "```python\n" + "value = compute(" + ", ".join(f"argument_{i}" for i in range(30)) + ")\n```")
    block = messages(page).last.locator("pre.code")
    expect(block).to_be_visible()
    box = block.bounding_box()
    column = messages(page).last.bounding_box()
    assert box["x"] + box["width"] <= column["x"] + column["width"] + 1
    assert block.evaluate("el => el.scrollWidth > el.clientWidth")  # it scrolls instead of widening the page
    assert page.evaluate("document.documentElement.scrollWidth") <= 375


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_formatted_messages_pass_axe_in_both_themes(new_context, scheme):
    page = new_context(color_scheme=scheme).new_page()
    register(page)
    create_server(page, unique("Axe rich "))
    post(page, RICH + "\n> a quote with ~~strike~~ and *italic* ||a [hidden link](https://example.com/s)||\n"
               "- one\n- two\n```js\n// comment\nconst s = 'text'; let n = 0x1f; class A {}\n```")
    expect(messages(page).last.locator("pre.code")).to_have_count(2)
    violations = axe_violations(page)
    assert violations == [], describe(violations)


def test_without_javascript_a_spoiler_shows_while_focused_and_long_messages_show_in_full(new_context):
    page = new_context(java_script_enabled=False).new_page()
    register(page)
    create_server(page, unique("NoJS "))
    page.locator("#composer-input").fill("||hidden words||")
    page.get_by_role("button", name="Send").click()
    spoiler = messages(page).last.locator(".spoiler")
    assert color(spoiler) == HIDDEN
    spoiler.click()  # a click focuses it: shown
    assert color(spoiler) != HIDDEN
    page.locator("#composer-input").fill("\n".join(f"row {i}" for i in range(40)))
    page.get_by_role("button", name="Send").click()
    expect(messages(page).last).to_contain_text("row 39")
    expect(page.get_by_role("button", name="Show more")).to_have_count(0)


def test_the_markup_without_formatting_js_passes_axe(new_context):
    """What a reader without JavaScript gets (axe needs scripts to run, so here
    only formatting.js is kept away)."""
    context = new_context()
    context.route(re.compile(r"/js/formatting\.js"), lambda route: route.abort())
    page = context.new_page()
    register(page)
    create_server(page, unique("No formatting.js "))
    post(page, RICH + "\n||a [hidden link](https://example.com/s)||")
    expect(messages(page).last.locator(".spoiler")).to_have_count(2)
    expect(messages(page).last.locator(".spoiler[role]")).to_have_count(0)
    violations = axe_violations(page)
    assert violations == [], describe(violations)


def test_a_spoiler_with_a_link_hides_it_until_shown_then_lets_it_be_followed(page):
    register(page)
    create_server(page, unique("Spoiled link "))
    post(page, "before ||see [the page](https://example.com/p)|| after")
    content = messages(page).last.locator(".content")
    spoiler = content.get_by_role("button", name="Spoiler")
    expect(content.get_by_role("link")).to_have_count(0)  # hidden: not readable, not a tab stop
    spoiler.focus()
    page.keyboard.press("Enter")
    link = content.get_by_role("link", name="the page")
    expect(link).to_be_focused()  # no longer a button: the link inside is reachable
    expect(content.get_by_role("button")).to_have_count(0)
    expect(link).to_have_attribute("href", "https://example.com/p")

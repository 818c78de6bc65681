"""Edit history in the browser: "(edited)" opens every earlier version in place,
Escape closes it and gives focus back, and without JavaScript it is a page."""
from playwright.sync_api import expect

from tests.browser.test_axe import axe_violations, describe
from tests.browser.test_chat_flow import create_server, message_id, messages, register, unique
from tests.browser.test_live_chat import post


def edit(page, mid: str, text: str) -> None:
    article = page.locator(f"article#message-{mid}")
    article.hover()
    article.get_by_role("link", name="Edit", exact=True).click()
    editor = page.locator(f"#edit-{mid}")
    expect(editor).to_be_focused()
    editor.fill(text)
    editor.press("Enter")
    expect(editor).to_have_count(0)


def edited_twice(page):
    register(page)
    create_server(page, unique("History "))
    post(page, "first take")
    mid = message_id(messages(page).last)
    edit(page, mid, "second take")
    edit(page, mid, "third **take**")
    article = page.locator(f"article#message-{mid}")
    expect(article.locator(".content strong")).to_have_text("take")
    return article


def test_edited_opens_the_earlier_versions_and_escape_gives_focus_back(page):
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    article = edited_twice(page)
    link = article.get_by_role("link", name="Edited: show earlier versions")
    expect(link).to_have_text("(edited)")
    link.click()

    popover = page.locator("#profile-card .edit-history")
    expect(popover).to_be_visible()
    expect(popover.get_by_role("heading", name="Edit history")).to_be_focused()
    versions = popover.locator("li.edit-history-version")
    expect(versions.locator(".content")).to_have_text(["third take", "second take", "first take"])
    expect(versions.first.locator(".content strong")).to_have_text("take")  # shown as the message is
    expect(versions.first.locator(".edit-history-current")).to_have_text("current")
    expect(popover.locator(".edit-history-current")).to_have_count(1)
    expect(versions.locator("time")).to_have_count(3)
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        violations = axe_violations(page)
        assert violations == [], f"{scheme}: {describe(violations)}"

    page.keyboard.press("Escape")
    expect(popover).to_have_count(0)
    expect(link).to_be_focused()

    # By keyboard alone: Enter on the link opens it, Escape closes it, focus is back.
    page.keyboard.press("Enter")
    expect(popover).to_be_visible()
    expect(popover.get_by_role("heading", name="Edit history")).to_be_focused()
    page.keyboard.press("Escape")
    expect(popover).to_have_count(0)
    expect(link).to_be_focused()

    # The close button closes it too.
    link.click()
    popover.get_by_role("button", name="Close").click()
    expect(popover).to_have_count(0)
    assert errors == []


def test_without_javascript_the_history_is_a_page_with_a_way_back(new_context, page):
    article = edited_twice(page)
    mid = message_id(article)
    channel_url = page.url
    storage = page.context.storage_state()
    plain = new_context(java_script_enabled=False, storage_state=storage).new_page()
    plain.goto(channel_url)
    plain.locator(f"article#message-{mid}").get_by_role("link", name="Edited: show earlier versions").click()
    assert plain.url.endswith(f"/messages/{mid}/history")
    expect(plain.get_by_role("heading", level=1, name="Edit history")).to_be_visible()
    expect(plain.locator("li.edit-history-version .content")).to_have_text(["third take", "second take", "first take"])
    plain.get_by_role("link", name="Back to #general").click()
    assert plain.url.endswith(f"#message-{mid}")
    expect(plain.locator(f"article#message-{mid} .content")).to_have_text("third take")

    # The same page, as a browser with JavaScript (axe needs it) sees it.
    page.goto(f"/messages/{mid}/history")
    expect(page.get_by_role("heading", level=1, name="Edit history")).to_be_visible()
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        violations = axe_violations(page)
        assert violations == [], f"{scheme}: {describe(violations)}"

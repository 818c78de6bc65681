"""Replies in the browser: Reply puts the composer in reply mode, the other
person sees the preview live and jumps to the original, cancel and the R key;
without JavaScript, Reply is a page."""
import re

from playwright.sync_api import expect

from tests.browser.test_chat_flow import create_server, message_id, messages, register, unique
from tests.browser.test_mentions import invite_and_accept, post


def test_a_reply_with_code_and_a_link_is_seen_live_and_its_preview_jumps_to_the_original(new_context):
    alice_page, bob_page = new_context().new_page(), new_context().new_page()
    alice = register(alice_page, unique("alice"))
    bob = register(bob_page, unique("bob"))
    server_path = create_server(alice_page, unique("Replies "))
    invite_and_accept(alice_page, bob_page, bob, server_path)
    alice_page.goto(server_path)
    post(alice_page, "Where is the release script?")
    for i in range(30):  # the original scrolls out of view
        post(alice_page, f"filler {i}")
    expect(messages(bob_page)).to_have_count(31)  # every live copy is in: nothing moves any more
    original = messages(bob_page).filter(has_text="Where is the release script?")
    original.scroll_into_view_if_needed()

    original.hover()
    original.locator(".action.reply").click()
    expect(bob_page.locator("#reply-bar")).to_be_visible()
    expect(bob_page.locator("#reply-bar [data-reply-name]")).to_have_text(f"Tester {alice[-4:]}")
    expect(bob_page.locator("#composer-input")).to_be_focused()
    bob_page.locator("#composer-input").fill("Here: `tools/release.sh`, see https://example.com/docs")
    bob_page.locator("#composer-input").press("Enter")
    expect(bob_page.locator("#reply-bar")).to_be_hidden()

    answer = messages(alice_page).last
    expect(answer.locator(".reply-preview .reply-excerpt")).to_have_text("Where is the release script?")
    expect(answer.locator(".content code")).to_have_text("tools/release.sh")
    expect(answer.get_by_role("link", name="https://example.com/docs")).to_be_visible()
    expect(alice_page.locator("#bell-count")).to_have_text("1")  # told of the reply

    answer.locator(".reply-link").click()
    alice_original = messages(alice_page).first
    expect(alice_original.locator(".content")).to_have_text("Where is the release script?")
    expect(alice_original).to_be_focused()
    expect(alice_original).to_be_in_viewport()


def test_cancel_and_the_r_key(page):
    register(page)
    create_server(page, unique("Keys "))
    post(page, "first")
    article = messages(page).last
    article.focus()
    page.keyboard.press("r")
    expect(page.locator("#reply-bar")).to_be_visible()
    expect(page.locator("#composer-input")).to_be_focused()
    page.keyboard.press("Escape")  # empty box: leaves reply mode
    expect(page.locator("#reply-bar")).to_be_hidden()
    article.hover()
    article.locator(".action.reply").click()
    page.get_by_role("button", name="Cancel reply").click()
    expect(page.locator("#reply-bar")).to_be_hidden()
    post(page, "not a reply")
    expect(messages(page).last.locator(".reply-preview")).to_have_count(0)


def test_a_reply_seen_rendered_gets_a_reaction_seen_live_by_its_author(new_context):
    """The issue's journey: A replies to B with code and a link, B sees it rendered and reacts, A sees it live."""
    b_page, a_page = new_context().new_page(), new_context().new_page()
    register(b_page, unique("bea"))
    a = register(a_page, unique("abel"))
    server_path = create_server(b_page, unique("Journey "))
    invite_and_accept(b_page, a_page, a, server_path)
    b_page.goto(server_path)
    post(b_page, "how do I run the tests?")
    question = messages(a_page).last
    expect(question.locator(".content")).to_have_text("how do I run the tests?")
    question.hover()
    question.locator(".action.reply").click()
    a_page.locator("#composer-input").fill(
        "Use `make test`\n```sh\nmake test PYTEST_ARGS=-x\n```\nsee https://example.com/t")
    a_page.locator("#composer-input").press("Enter")

    answer = messages(b_page).last
    expect(answer.locator(".reply-preview .reply-excerpt")).to_have_text("how do I run the tests?")
    expect(answer.locator(".content code").first).to_have_text("make test")
    expect(answer.locator(".content pre.code")).to_contain_text("make test PYTEST_ARGS=-x")
    expect(answer.get_by_role("link", name="https://example.com/t")).to_have_attribute(
        "rel", "noopener noreferrer nofollow ugc")
    answer.hover()
    answer.locator(".action.react").click()
    b_page.get_by_role("button", name="thumbs up", exact=True).click()

    mine = messages(a_page).last
    expect(mine.locator(".reactions button.chip")).to_have_text("👍 1")
    expect(mine.locator(".reactions button.chip")).to_have_attribute("aria-pressed", "false")


def test_without_javascript_reply_is_a_page_that_posts_the_reply(new_context):
    page = new_context(java_script_enabled=False).new_page()
    register(page)
    create_server(page, unique("NoJS replies "))
    page.locator("#composer-input").fill("Is the build green?")
    page.get_by_role("button", name="Send").click()
    original = messages(page).last
    original_id = message_id(original)

    original.hover()
    original.locator(".action.reply").click()
    expect(page).to_have_url(re.compile(rf"/messages/{original_id}/reply$"))
    expect(page.locator("blockquote")).to_have_text("Is the build green?")
    expect(page.locator("#reply-bar")).to_be_visible()
    expect(page.get_by_role("checkbox", name="Notify them")).to_be_checked()
    page.locator("#composer-input").fill("Yes, all green")
    page.get_by_role("button", name="Send").click()

    answer = messages(page).last
    expect(page).to_have_url(re.compile(rf"#message-{message_id(answer)}$"))
    expect(answer.locator(".content")).to_have_text("Yes, all green")
    expect(answer.locator(".reply-preview .reply-excerpt")).to_have_text("Is the build green?")
    expect(page.locator("#reply-bar")).to_be_hidden()  # the channel's composer is not in reply mode

"""axe-core 4.14 (all default rules) on every page type: 0 violations of any impact.

Every page type in English and Spanish, at desktop width and at phone width
(375x812), and the main pages in the dark theme too. axe is vendored in
tests/browser/vendor/ (npm axe-core 4.14.1, MPL-2.0) and injected with
`page.evaluate` (the DevTools protocol, which the page's CSP does not govern),
so the app is tested under its own strict CSP, unweakened.

One app server, one browser; the cast (an owner with a server full of
messages, a member, a newcomer with no servers) is made once through the UI,
and each (language, viewport, theme) gets its contexts once.
"""
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.test_chat_flow import create_server, register, unique

AXE_SOURCE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text()
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 375, "height": 812}
LOCALES = {"en": "en-GB", "es": "es-ES"}


def axe_violations(page) -> list[dict]:
    if not page.evaluate("() => Boolean(window.axe)"):
        page.evaluate(AXE_SOURCE)
    return page.evaluate("""async () => {
        const result = await axe.run(document, {resultTypes: ["violations"]});
        return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.map(n => ({target: n.target.join(" "), summary: n.failureSummary}))}));
    }""")


def describe(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"{v['id']} ({v['impact']}, {len(v['nodes'])} nodes): {v['help']}")
        for node in v["nodes"][:8]:
            lines.append(f"    {node['target']}: {node['summary']}".replace("\n", " | "))
    return "\n".join(lines)


@pytest.fixture(scope="module")
def module_context(browser, live_server):
    contexts = []

    def make(**options):
        options.setdefault("base_url", live_server)
        context = browser.new_context(**options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture(scope="module")
def cast(module_context):
    """Who is who, made through the UI: storage states (cookies) and the URLs to visit."""
    owner_page = module_context(locale="en-GB").new_page()
    register(owner_page, unique("owner"))
    server_name = unique("Axe Guild ")
    server_path = create_server(owner_page, server_name, public=True)
    channel_path = owner_page.locator('#channels-column a[aria-current="page"]').get_attribute("href")
    owner_page.goto(channel_path)
    box = owner_page.locator("#composer-input")
    for text in ("Hello there", "A second line from me", "And @nobody mentioned"):
        box.fill(text)
        box.press("Enter")
        expect(box).to_have_value("")  # the answer came: the next post gets a new nonce
        expect(owner_page.locator("#message-list .message", has_text=text)).to_have_count(1)
    owner_page.goto(server_path + "/invites")
    owner_page.get_by_role("button", name="Create invite link").click()
    invite_url = owner_page.locator("#new-invite-url").input_value()
    invite_path = re.search(r"/invite/[^\s/]+", invite_url).group(0)

    member_page = module_context(locale="en-GB").new_page()
    register(member_page, unique("member"))
    member_page.goto(invite_path)
    member_page.get_by_role("button", name=re.compile("Join|Accept")).first.click()
    expect(member_page).to_have_url(re.compile(r"/servers/\d+"))
    member_page.goto(channel_path)
    box = member_page.locator("#composer-input")
    for text in ("Hi from the member", "Two in a row"):
        box.fill(text)
        box.press("Enter")
        expect(box).to_have_value("")  # the answer came: the next post gets a new nonce
        expect(member_page.locator("#message-list .message", has_text=text)).to_have_count(1)

    newcomer_page = module_context(locale="en-GB").new_page()
    register(newcomer_page, unique("newcomer"))
    return {
        "owner": owner_page.context.storage_state(),
        "member": member_page.context.storage_state(),
        "newcomer": newcomer_page.context.storage_state(),
        "server": server_path, "channel": channel_path, "invite": invite_path,
        "server_name": server_name,
    }


def fill_register_badly(page):
    page.locator("#f-username").fill("x")
    page.locator("#f-email").fill("x@example.com")
    page.locator("#f-display_name").fill("X")
    page.locator("#f-first_name").fill("X")
    page.locator("#f-last_name").fill("Y")
    page.locator("#f-birth_date").fill("1990-05-17")
    page.locator("#f-password").fill("short")
    page.locator("form button[type=submit]").last.click()
    expect(page.locator(".field-error").first).to_be_visible()


def open_moderation(page):
    page.locator(".moderate summary").first.click()
    expect(page.locator(".moderate-body").first).to_be_visible()


def refuse_a_conversation(page):
    page.locator("#conversation-to").fill("nobody_by_this_name")
    page.locator("#new-conversation button[type=submit]").click()
    expect(page.locator("#conversation-e-to")).to_be_visible()


def open_notifications(page):
    page.locator("#bell").click()
    expect(page.locator("#notifications-panel")).to_be_visible()


# page type -> (who, path or a function of the cast, what to do there, expected status)
PAGES = {
    "login": (None, "/login", None, 200),
    "register": (None, "/register", None, 200),
    "register-errors": (None, "/register", fill_register_badly, 200),
    "avatar-step": ("newcomer", "/welcome", None, 200),
    "empty-home": ("newcomer", "/", None, 200),
    "chat": ("owner", lambda c: c["channel"], None, 200),
    "chat-member": ("member", lambda c: c["channel"], None, 200),
    "notifications": ("owner", lambda c: c["channel"], open_notifications, 200),
    "members": ("owner", lambda c: c["server"] + "/members", None, 200),
    "explore": ("newcomer", lambda c: "/explore?q=" + c["server_name"][:8], None, 200),
    "invites": ("owner", lambda c: c["server"] + "/invites", None, 200),
    "invite-link": ("newcomer", lambda c: c["invite"], None, 200),
    "profile": ("owner", "/profile", None, 200),
    "direct-messages": ("owner", "/dms", None, 200),
    "server-preview": ("newcomer", lambda c: c["server"], None, 200),
    "audit-log": ("owner", lambda c: c["server"] + "/audit", None, 200),
    "bans": ("owner", lambda c: c["server"] + "/bans", None, 200),
    "members-moderate": ("owner", lambda c: c["server"] + "/members", open_moderation, 200),
    "direct-messages-refused": ("member", "/dms", refuse_a_conversation, 200),
    "server-settings": ("owner", lambda c: c["server"] + "/settings", None, 200),
    "error-400": ("owner", "/explore?page=abc", None, 400),
    "error-403": ("member", lambda c: c["server"] + "/settings", None, 403),
    "error-404": ("owner", "/no/such/page", None, 404),
    "error-500": ("owner", "/__broken__", None, 500),
}
DARK_PAGES = ["login", "chat", "notifications", "explore", "error-404", "register-errors"]
CASES = ([(name, lang, "desktop", "light") for name in PAGES for lang in LOCALES]
         + [(name, lang, "phone", "light") for name in PAGES for lang in LOCALES]
         + [(name, lang, "desktop", "dark") for name in DARK_PAGES for lang in LOCALES]
         + [(name, "en", "phone", "dark") for name in DARK_PAGES])


@pytest.fixture(scope="module")
def pages_for(module_context, cast):
    """One page per (who, language, viewport, theme), made on first use and reused."""
    made = {}

    def get(who, lang, viewport, scheme):
        key = (who, lang, viewport, scheme)
        if key not in made:
            context = module_context(locale=LOCALES[lang], color_scheme=scheme,
                                     viewport=PHONE if viewport == "phone" else DESKTOP,
                                     storage_state=cast[who] if who else None)
            context.route("**/__broken__", serve_a_500)
            made[key] = context.new_page()
        return made[key]

    return get


def serve_a_500(route):
    """No URL of the app fails on purpose: render its 500 page in-process, as the
    handler would, and serve it from the app's origin (so its CSS and CSP apply)."""
    from app import create_app
    from app.errors import render_error
    from configuracion import TestingConfig

    app = create_app(TestingConfig)
    language = (route.request.headers.get("accept-language") or "en")[:2]
    with app.test_request_context("/", headers={"Accept-Language": language}):
        response = app.process_response(app.make_response(render_error(500)))
    route.fulfill(status=500, body=response.get_data(), headers=dict(response.headers))


@pytest.mark.parametrize("name, lang, viewport, scheme", CASES,
                         ids=["-".join(case) for case in CASES])
def test_no_axe_violations(pages_for, cast, name, lang, viewport, scheme):
    who, path, action, status = PAGES[name]
    page = pages_for(who, lang, viewport, scheme)
    response = page.goto(path(cast) if callable(path) else path)
    assert response.status == status
    assert page.locator("html").get_attribute("lang") == lang
    if action:
        action(page)
    violations = axe_violations(page)
    assert violations == [], f"axe on {name} ({lang}, {viewport}, {scheme}):\n" + describe(violations)

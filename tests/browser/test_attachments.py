"""Attachments in the browser: an image pasted into the composer reaches the other person's tab live,
the viewer works from the keyboard, and the plain form uploads without JavaScript."""
import base64
import io
import re
from pathlib import Path

from PIL import Image
from playwright.sync_api import expect

from tests.browser.test_chat_flow import CHANNEL_URL, create_server, messages, register, unique
from tests.browser.test_mentions import invite_and_accept


def png_base64(colour, size=(640, 480)) -> str:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "PNG")
    return base64.b64encode(buffer.getvalue()).decode()


PASTE = """([name, data]) => {
  const bytes = Uint8Array.from(atob(data), c => c.charCodeAt(0));
  const transfer = new DataTransfer();
  transfer.items.add(new File([bytes], name, {type: "image/png"}));
  const input = document.getElementById("composer-input");
  input.focus();
  input.dispatchEvent(new ClipboardEvent("paste", {clipboardData: transfer, bubbles: true, cancelable: true}));
}"""


def test_a_pasted_image_reaches_the_other_tab_live_and_opens_in_the_viewer(new_context):
    alice_page, bob_page = new_context().new_page(), new_context().new_page()
    register(alice_page, unique("alice"))
    bob = register(bob_page, unique("bob"))
    server_path = create_server(alice_page, unique("Photos "))
    invite_and_accept(alice_page, bob_page, bob, server_path)
    alice_page.goto(server_path)

    # Alice pastes two screenshots: previews with alt fields and remove buttons appear.
    alice_page.evaluate(PASTE, ["sunset.png", png_base64((230, 120, 40))])
    alice_page.evaluate(PASTE, ["sea.png", png_base64((20, 90, 200), (300, 600))])
    previews = alice_page.locator("#attachment-previews .attachment-preview")
    expect(previews).to_have_count(2)
    previews.nth(0).get_by_role("textbox").fill("An orange sunset")
    composer = alice_page.locator("#composer-input")
    composer.fill("From the beach")
    composer.press("Enter")
    expect(previews).to_have_count(0)
    expect(composer).to_have_value("")

    # Bob sees both live, at their reserved size, with the alt text Alice wrote.
    theirs = messages(bob_page).last
    expect(theirs.locator(".content")).to_have_text("From the beach")
    images = theirs.locator(".attachment-image img")
    expect(images).to_have_count(2)
    expect(images.nth(0)).to_have_attribute("alt", "An orange sunset")
    expect(images.nth(1)).to_have_attribute("alt", "Image: sea.png")
    assert images.nth(0).get_attribute("width") == "480" and images.nth(0).get_attribute("height") == "360"
    bob_page.wait_for_function("() => [...document.querySelectorAll('.attachment-image img')]"
                               ".every(img => img.complete && img.naturalWidth > 0)")

    # The viewer from the keyboard: Enter opens the first, arrows move, Escape closes back to the link.
    first_link = theirs.locator(".attachment-image").nth(0)
    first_link.focus()
    bob_page.keyboard.press("Enter")
    viewer = bob_page.get_by_role("dialog", name="Image viewer")
    expect(viewer).to_be_visible()
    expect(viewer.locator("img")).to_have_attribute("alt", "An orange sunset")
    expect(viewer.locator("[data-open]")).to_have_text(re.compile(r"sunset\.png \(1/2\)"))
    bob_page.keyboard.press("ArrowRight")
    expect(viewer.locator("[data-open]")).to_have_text(re.compile(r"sea\.png \(2/2\)"))
    bob_page.wait_for_function("() => { const img = document.querySelector('dialog.viewer img');"
                               " return img.complete && img.naturalWidth === 300 && img.naturalHeight === 600; }")
    bob_page.keyboard.press("Escape")
    expect(viewer).to_be_hidden()
    expect(first_link).to_be_focused()


def test_files_without_javascript(new_context, tmp_path):
    page = new_context(java_script_enabled=False).new_page()
    register(page)
    create_server(page, unique("Plain files "))
    notes = tmp_path / "notas de la reunión.txt"
    notes.write_text("Orden del día\n")
    page.locator("#composer-files").set_input_files(str(notes))
    page.locator("#composer-input").fill("The minutes")
    page.locator("#composer").get_by_role("button", name="Send").click()
    expect(page).to_have_url(CHANNEL_URL)
    message = messages(page).last
    expect(message.locator(".content")).to_have_text("The minutes")
    card = message.locator(".attachment-file")
    expect(card.locator(".file-name")).to_have_text("notas de la reunión.txt")
    expect(card.locator(".file-size")).to_have_text("15 bytes")
    with page.expect_download() as download:
        card.click()
    assert download.value.suggested_filename == "notas de la reunión.txt"
    assert Path(download.value.path()).read_text(encoding="utf-8") == "Orden del día\n"

    # The server's Files view lists it.
    page.locator("#channels-column details.menu summary").click()
    page.get_by_role("link", name="Files", exact=True).click()
    expect(page.get_by_role("heading", name=re.compile("^Files in "))).to_be_visible()
    expect(page.locator(".file-row .file-name")).to_have_text(["notas de la reunión.txt"])

"""Spanish and English catalogues: complete, compiled, and chosen by the browser."""
import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from tests.conftest import make_user, soup

ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    pot = tmp_path_factory.mktemp("i18n") / "messages.pot"
    pybabel = str(Path(sys.executable).parent / "pybabel")
    subprocess.run([pybabel, "extract", "-F", "babel.cfg", "-k", "_l", "-o", str(pot), "--no-location",
                    "app", "templates"], cwd=ROOT, check=True, capture_output=True)
    with open(pot, "rb") as handle:
        ids = {message.id for message in read_po(handle) if message.id}
    assert len(ids) > 50
    return ids


@pytest.mark.parametrize("locale", ["es", "en"])
def test_catalogue_translates_every_string_in_the_code(extracted, locale):
    path = ROOT / "translations" / locale / "LC_MESSAGES"
    with open(path / "messages.po", "rb") as handle:
        catalogue = {m.id: m for m in read_po(handle) if m.id}
    missing = {str(i) for i in extracted if i not in catalogue}
    assert not missing, f"run `make translations` and translate: {sorted(missing)}"
    for message in catalogue.values():
        assert "fuzzy" not in message.flags, message.id
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(strings), message.id
        for text in strings:
            assert sorted(PLACEHOLDER.findall(text)) == sorted(PLACEHOLDER.findall(ids[-1])), message.id
    with open(path / "messages.mo", "rb") as handle:
        compiled = {as_key(m.id): as_key(m.string) for m in read_mo(handle) if m.id}
    assert compiled == {as_key(m.id): as_key(m.string) for m in catalogue.values()}, \
        "run `make translations` to compile"


def as_key(value):
    return tuple(value) if isinstance(value, (list, tuple)) else value


def test_language_follows_the_browser(client, cast):
    spanish = soup(client.get("/login", headers={"Accept-Language": "es-ES,es;q=0.9,en;q=0.5"}))
    assert spanish.select_one("html")["lang"] == "es"
    assert spanish.select_one("h1").text == "Hola de nuevo"
    english = soup(client.get("/login", headers={"Accept-Language": "en-GB"}))
    assert english.select_one("h1").text == "Welcome back"
    fallback = soup(client.get("/login", headers={"Accept-Language": "de"}))
    assert fallback.select_one("h1").text == "Welcome back"


def test_spanish_chat_page_and_plurals(client, as_user, cast):
    as_user(cast.member)
    page = soup(client.get(f"/servers/{cast.server.id}", headers={"Accept-Language": "es"}))
    assert page.select_one(f"#member-count-{cast.server.id}").text == "3 miembros"
    assert page.select_one("#composer-input")["placeholder"] == "Mensaje en #general"
    assert page.select_one("nav#servers-column")["aria-label"] == "Servidores"
    lonely = make_user("solo")
    as_user(lonely)
    from app.services import servers
    own = servers.create_server(lonely, {"name": "Solo"})
    assert soup(client.get(f"/servers/{own.id}", headers={"Accept-Language": "es"})).select_one(
        f"#member-count-{own.id}").text == "1 miembro"

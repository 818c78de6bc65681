"""User text on the way in: one normalisation for every field a person types.

Multi-line text (messages, bios, descriptions) keeps "\\n" and "\\t"; line
endings become "\\n". Single-line text (names, topics) has no line breaks at
all. Both lose control characters and surrounding whitespace, so what is
stored is what every reader sees.
"""
import re
import unicodedata

LINE_BREAKS = re.compile("\r\n|[\r\n\u2028\u2029]")
# C0 and C1 controls and DEL; "\t" and "\n" are handled by the callers.
CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# Letters that render as nothing (Hangul fillers, the braille blank).
BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")


def clean_multiline(raw: str | None) -> str:
    """Line breaks as "\\n", no control characters but "\\n" and "\\t", no surrounding blanks."""
    text = LINE_BREAKS.sub("\n", raw or "")
    return strip_invisible(CONTROLS.sub("", text))


def clean_line(raw: str | None) -> str:
    """One line: line breaks and tabs become spaces, control characters go, no surrounding blanks."""
    text = LINE_BREAKS.sub(" ", raw or "").replace("\t", " ")
    return strip_invisible(CONTROLS.sub("", text))


def is_invisible(char: str) -> bool:
    """Whitespace, a format character (zero-width, BOM, direction marks), a combining mark or a blank letter."""
    return char.isspace() or char in BLANK_LETTERS or unicodedata.category(char) in ("Cf", "Mn", "Me", "Cc")


def strip_invisible(text: str) -> str:
    """`text` without whitespace and format characters at either end; "" when nothing in it shows.

    Combining marks stay: at the end they belong to the last character (an accent, an emoji's variation).
    """
    if is_blank(text):
        return ""
    start, end = 0, len(text)
    while is_edge_blank(text[start]):
        start += 1
    while is_edge_blank(text[end - 1]):
        end -= 1
    return text[start:end]


def is_edge_blank(char: str) -> bool:
    return char.isspace() or unicodedata.category(char) == "Cf"


def is_blank(text: str) -> bool:
    """True when nothing in `text` would show."""
    return all(is_invisible(char) for char in text)

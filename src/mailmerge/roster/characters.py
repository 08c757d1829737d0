"""Characters that would print wrong or not at all: controls, invisible format characters, 外字, unassigned, no glyph."""

from __future__ import annotations

import unicodedata
from collections.abc import Container, Iterable, Mapping

from mailmerge import messages

# A line break inside a cell (Alt+Enter in Excel, a quoted newline in a CSV) is a real part of an address.
_LINE_BREAKS = frozenset("\n\r")
# Bidirectional controls reorder what follows them: U+202E at the start of 住所1 prints the address backwards.
_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_ZERO_WIDTH = frozenset("\u180e\u200b\u200c\u200d\u2060\ufeff")

Fonts = Mapping[str, Container[int]]  # font family -> the code points it can print


def code_point(char: str) -> str:
    return f"U+{ord(char):04X}"


def character_problem(char: str, fonts: Fonts | None = None) -> str | None:
    """Return why ``char`` would not print as written (a Japanese sentence naming its code point), or None."""
    if char in _LINE_BREAKS:
        return None
    code = code_point(char)
    category = unicodedata.category(char)
    if category == "Co":  # private use, in every plane: U+E000-F8FF, U+F0000-FFFFD, U+100000-10FFFD
        return messages.ROSTER_CHAR_PRIVATE_USE.format(code=code)
    if category == "Cc":
        return messages.ROSTER_CHAR_CONTROL.format(code=code)
    if category == "Cf":
        what = (messages.ROSTER_CHAR_BIDI if char in _BIDI else
                messages.ROSTER_CHAR_ZERO_WIDTH if char in _ZERO_WIDTH else messages.ROSTER_CHAR_OTHER_FORMAT)
        return messages.ROSTER_CHAR_FORMAT.format(code=code, what=what)
    if category in ("Cn", "Cs"):
        return messages.ROSTER_CHAR_UNASSIGNED.format(code=code)
    if fonts:
        lacking = [family for family, covered in fonts.items() if ord(char) not in covered]
        if lacking:
            return messages.ROSTER_CHAR_NO_GLYPH.format(code=code, fonts="、".join(lacking))
    return None


def private_use(char: str) -> str | None:
    """Return the 外字 sentence for a private-use character, else None (the only check on key columns)."""
    return messages.ROSTER_CHAR_PRIVATE_USE.format(code=code_point(char)) if unicodedata.category(char) == "Co" else None


def unprintable_characters(values: Iterable[str], fonts: Fonts | None, keys_only: bool = False) -> dict[str, str]:
    """Return each distinct character of ``values`` that would not print, with its reason.

    The values of a column are joined once and each distinct character judged once: a 10,000-row
    column has a few hundred distinct characters.
    """
    judge = private_use if keys_only else (lambda c: character_problem(c, fonts))
    found = {}
    for char in set("".join(values)):
        reason = judge(char)
        if reason is not None:
            found[char] = reason
    return found

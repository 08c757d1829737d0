"""Characters that would print wrong or not at all: controls, invisible format characters, 外字, unassigned, no
glyph.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Container, Iterable, Mapping

from mailmerge import messages
from mailmerge.models import PAGE_MARK, Severity

# A line break inside a cell: Alt+Enter in Excel, a quoted newline in a CSV (issue 25: no longer passed).
_LINE_BREAKS = frozenset("\n\r")
# Bidirectional controls reorder what follows them: U+202E at the start of 住所1 prints the address backwards.
_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_ZERO_WIDTH = frozenset("\u180e\u200b\u200c\u200d\u2060\ufeff")

# Company forms written short: ㈱ and (株) print, but an address is written in full (株式会社).
# Keyed by NFKC, which turns ㈱ and （株） into (株).
_ABBREVIATIONS = {
    "(株)": "株式会社",
    "(有)": "有限会社",
    "(名)": "合名会社",
    "(資)": "合資会社",
    "(同)": "合同会社",
    "(社)": "社団法人",
    "(財)": "財団法人",
    "(医)": "医療法人",
    "(学)": "学校法人",
    "(監)": "監査法人",
    "(協)": "協同組合",
    "(福)": "社会福祉法人",
    "株式会社": "株式会社",
}
_ABBREVIATION = re.compile("[㈱㈲㈴㈾㈳㈶㈻㈼㈿㍿]|[(（][株有名資同社財医学監協福][)）]")

# What a value must hold for printed_text_problems to find anything (most values: nothing to look at).
PRINTED_TEXT_HINT = re.compile(f"·|{_ABBREVIATION.pattern}")

Fonts = Mapping[str, Container[int]]  # font family -> the code points it can print


def code_point(char: str) -> str:
    """Return a character as an error shows it: 「𠮷」(U+20BB7), or only U+202E when it is invisible.

    A control, format, separator or unassigned character is never echoed (it would act on the terminal
    or reorder the line); 外字 is (the office's own font shows it); a combining mark sits on a dotted circle.
    """
    code = f"U+{ord(char):04X}"
    category = unicodedata.category(char)
    if (category[0] in "CZ" and category != "Co") or category == "Cn":
        return code
    shown = "\u25cc" + char if category[0] == "M" else char
    return f"「{shown}」({code})"


def character_problem(char: str, fonts: Fonts | None = None) -> str | None:
    """Return why ``char`` would not print as written (a Japanese sentence showing it and its code point), or None."""
    code = code_point(char)
    if char in _LINE_BREAKS:
        # Alt+Enter in Excel: the templates print each field on its line, so a break inside a value
        # prints as a stray line (or as nothing) and the page's text no longer matches the roster.
        return messages.ROSTER_CHAR_LINE_BREAK.format(code=code)
    category = unicodedata.category(char)
    if category == "Co":  # private use, in every plane: U+E000-F8FF, U+F0000-FFFFD, U+100000-10FFFD
        return messages.ROSTER_CHAR_PRIVATE_USE.format(code=code)
    if category == "Cc":
        return messages.ROSTER_CHAR_CONTROL.format(code=code)
    if category == "Cf":
        what = (
            messages.ROSTER_CHAR_BIDI
            if char in _BIDI
            else messages.ROSTER_CHAR_ZERO_WIDTH
            if char in _ZERO_WIDTH
            else messages.ROSTER_CHAR_OTHER_FORMAT
        )
        return messages.ROSTER_CHAR_FORMAT.format(code=code, what=what)
    if category in ("Cn", "Cs"):
        return messages.ROSTER_CHAR_UNASSIGNED.format(code=code)
    if category[0] == "M":
        # A combining mark (U+0301, a decomposed dakuten U+3099, a variation selector) is drawn over
        # the character before it, or beside it where the font lacks the pair: the name prints changed.
        return messages.ROSTER_CHAR_COMBINING.format(code=code)
    if fonts:
        lacking = [family for family, covered in fonts.items() if ord(char) not in covered]
        if lacking:
            return messages.ROSTER_CHAR_NO_GLYPH.format(code=code, fonts="、".join(lacking))
    return None


def printed_text_problems(value: str) -> list[tuple[Severity, str]]:
    """Return what in a printed value, beyond single characters, would print wrong: page-mark-shaped text,
    abbreviations.
    """
    found: list[tuple[Severity, str]] = []
    mark = PAGE_MARK.search(value)
    if mark:
        # Each page is told from the next member's by its footer mark: the same shape in a value
        # would be read as a page of another member, and the run would stop.
        found.append(("error", messages.ROSTER_PAGE_MARK_SHAPE.format(found=mark.group())))
    for abbreviation in dict.fromkeys(_ABBREVIATION.findall(value)):
        full = _ABBREVIATIONS[unicodedata.normalize("NFKC", abbreviation)]
        found.append(("warning", messages.ROSTER_ABBREVIATION.format(short=abbreviation, full=full)))
    return found


def private_use(char: str) -> str | None:
    """Return the 外字 sentence for a private-use character, else None (the only check on key columns)."""
    return (
        messages.ROSTER_CHAR_PRIVATE_USE.format(code=code_point(char)) if unicodedata.category(char) == "Co" else None
    )


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

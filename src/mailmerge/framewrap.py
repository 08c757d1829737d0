"""The recipient frame's long lines broken at word boundaries (issue 21), as the labels' are.

LibreOffice and Word break Japanese between any two characters, so a long address ends
「…見本リモート読影セ」「ンター内」. Where a frame paragraph does not fit on one line and a space
or a full-width space comes before the point where it overflows, that space becomes a line break
(``<w:br/>``) and the words after it go to the next line whole. A line without such a space, or one
whose word breaks would take more lines than the character breaks (the frame's height is exact: a
line more could be cut off), is left to LibreOffice as before. The DOCX then reads the same in Word.

Widths come from the font's own advances plus the space LibreOffice and Word put between Japanese
and Latin letters or digits (a fifth of an em, read from LibreOffice's PDFs: 台|2 is 1.70 pt apart
at 8.5 pt), against the frame's width less its indents. The lines broken at spaces are laid out
half an em narrower (SLACK): a character measured a little narrower than it prints still leaves
each of them whole, at worst broken at a space one word early.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from lxml import etree

from mailmerge import fonts
from mailmerge.bundle import W
from mailmerge.models import LINE_SPACES, NO_LINE_END, NO_LINE_START

AUTOSPACE = 0.2  # ems between a Japanese character and a Latin letter or digit next to it
# The lines this module breaks are laid out this much narrower than the frame, in ems of the text:
# a character measured narrower than LibreOffice prints it (the red team found 0.2–0.4 em) then still
# leaves each line whole, where a line that overflowed would take the frame another line, and its
# last line could be cut off. Whether LibreOffice would need more lines is judged at the frame's width.
SLACK = 0.5

_P, _PPR, _R, _T, _BR, _FRAME_PR = (f"{{{W}}}{tag}" for tag in ("p", "pPr", "r", "t", "br", "framePr"))
# The widest a character prints here, in ems (a full-width one and the space beside Latin text): a
# paragraph whose characters cannot reach the line's end at this width is not measured one by one.
_WIDEST = 1.0 + AUTOSPACE
_VAL, _XML_SPACE = f"{{{W}}}val", "{http://www.w3.org/XML/1998/namespace}space"
# What a paragraph may hold that this module cannot measure: it is then left as it is.
_UNMEASURED = {f"{{{W}}}{tag}" for tag in ("tab", "ptab", "cr", "drawing", "pict", "object", "sym", "fldChar", "ruby")}


@dataclass(frozen=True)
class RunFont:
    """What a run is printed in: the family for Japanese (w:eastAsia), for Latin (w:ascii), its size in points."""

    east_asia: str | None = None
    ascii: str | None = None
    size: float | None = None

    def over(self, below: RunFont) -> RunFont:
        """Return these properties with what they leave unset taken from BELOW (a style, the defaults)."""
        return RunFont(self.east_asia or below.east_asia, self.ascii or below.ascii, self.size or below.size)


def _run_font(properties: etree._Element | None) -> RunFont:
    if properties is None:
        return RunFont()
    fonts_ = properties.find(f"{{{W}}}rFonts")
    size = properties.find(f"{{{W}}}sz")
    return RunFont(
        fonts_.get(f"{{{W}}}eastAsia") if fonts_ is not None else None,
        fonts_.get(f"{{{W}}}ascii") if fonts_ is not None else None,
        int(size.get(_VAL)) / 2 if size is not None and (size.get(_VAL) or "").isdigit() else None,
    )


class FrameLines:
    """Breaks the long lines of a template's frame paragraphs at word boundaries; made once per template."""

    def __init__(self, styles: bytes | None):
        self._defaults = RunFont(size=10.0)  # Word's own default size when styles.xml says none
        self._styles: dict[str, tuple[RunFont, str | None]] = {}
        self._normal: str | None = None  # the paragraph style of a paragraph that names none
        self._widths: dict[tuple[str, str | None, str | None], tuple[tuple[bool, bool | None], float | None]] = {}
        self._resolved: dict[str, RunFont] = {}
        root = _parsed(styles)
        if root is not None:
            defaults = root.find(f"{{{W}}}docDefaults/{{{W}}}rPrDefault/{{{W}}}rPr")
            self._defaults = _run_font(defaults).over(self._defaults)
            for style in root.iter(f"{{{W}}}style"):
                based = style.find(f"{{{W}}}basedOn")
                if style.get(f"{{{W}}}type") == "paragraph" and style.get(f"{{{W}}}default") in ("1", "true"):
                    self._normal = style.get(f"{{{W}}}styleId")
                self._styles[style.get(f"{{{W}}}styleId") or ""] = (
                    _run_font(style.find(f"{{{W}}}rPr")),
                    based.get(_VAL) if based is not None else None,
                )

    def _style(self, style_id: str | None, depth: int = 0) -> RunFont:
        """Return a style's run properties with those of the styles it is based on."""
        if not style_id or style_id not in self._styles or depth > 10:
            return RunFont()
        if style_id not in self._resolved:
            own, based = self._styles[style_id]
            self._resolved[style_id] = own.over(self._style(based, depth + 1))
        return self._resolved[style_id]

    def _font(self, properties: etree._Element | None, base: RunFont) -> RunFont:
        """Return what a run prints in: its own properties, then its character style's, then BASE."""
        style = properties.find(f"{{{W}}}rStyle") if properties is not None else None
        return _run_font(properties).over(self._style(style.get(_VAL) if style is not None else None)).over(base)

    def _measure(self, char: str, font: RunFont) -> tuple[tuple[bool, bool | None], float | None]:
        """Return CHAR's kind (_kind) and its width in ems in FONT (None: no font or glyph for it)."""
        key = (char, font.east_asia, font.ascii)
        if key not in self._widths:
            # Word and LibreOffice print a full-width character in the w:eastAsia font, the rest in w:ascii.
            family = font.east_asia if unicodedata.east_asian_width(char) in ("W", "F", "H") else font.ascii
            advance = fonts.advances(family) if family else None
            self._widths[key] = (_kind(char), advance(char) if advance else None)
        return self._widths[key]

    def apply(self, root: etree._Element) -> bool:
        """Break the frame paragraphs of a rendered document.xml; return whether any break was added."""
        changed = False
        for frame in root.iter(_FRAME_PR):
            properties = frame.getparent()
            paragraph = properties.getparent() if properties is not None and properties.tag == _PPR else None
            if paragraph is not None and paragraph.tag == _P and (frame.get(f"{{{W}}}w") or "").isdigit():
                changed = self._break(paragraph, int(frame.get(f"{{{W}}}w") or 0) / 20) or changed
        return changed

    def _break(self, paragraph: etree._Element, frame_width: float) -> bool:
        properties = paragraph.find(_PPR)
        width = frame_width - _indents(properties)
        style = properties.find(f"{{{W}}}pStyle") if properties is not None else None
        base = self._style(style.get(_VAL) if style is not None else self._normal).over(self._defaults)
        texts: list[tuple[etree._Element, RunFont]] = []
        for element in paragraph.iter(_T, _BR, *_UNMEASURED):
            if element.tag in _UNMEASURED:
                return False
            if element.tag == _BR or (element.tag == _T and element.getparent().tag != _R):
                return False  # a line the template breaks itself, or text this module does not know
            if element.tag == _T and element.text:
                texts.append((element, self._font(element.getparent().find(f"{{{W}}}rPr"), base)))
        if not texts or width <= 0:
            return False  # nothing printed, or a frame narrower than its indents: nothing to measure against
        if sum(len(element.text or "") * (font.size or 0) for element, font in texts) * _WIDEST <= width:
            return False  # too short to reach the line's end, whatever its characters
        letters: list[tuple[str, etree._Element, int, float]] = []  # character, its w:t, place in it, width
        # The script the text is in so far (for a character that takes its neighbour's), and that of the
        # character before when it is a letter or digit: LibreOffice spaces a Japanese letter from a
        # Latin letter or digit next to it, not punctuation, brackets or symbols from either.
        running: bool | None = None
        previous: bool | None = None
        for element, font in texts:
            for place, char in enumerate(element.text or ""):
                (letter, own), em = self._measure(char, font)
                if em is None or font.size is None:
                    return False  # a font that is not installed: LibreOffice substitutes, widths unknown
                running = running if own is None else own
                script = bool(running) if letter else None
                gap = AUTOSPACE if None not in (previous, script) and script != previous else 0.0
                letters.append((char, element, place, (em + gap) * font.size))
                previous = script
        slack = SLACK * max(font.size or 0 for _, font in texts)
        breaks = _word_breaks([(char, size) for char, _, _, size in letters], width, slack)
        for first, last in reversed(breaks):
            for index in range(last, first, -1):  # the run's other spaces, from its end
                _, text, place, _ = letters[index]
                text.text = (text.text or "")[:place] + (text.text or "")[place + 1 :]
            _, text, place, _ = letters[first]
            _split(text, place)
        return bool(breaks)


def _parsed(styles: bytes | None) -> etree._Element | None:
    """Return styles.xml parsed; None when there is none or it cannot be read (the defaults then measure)."""
    try:
        return etree.fromstring(styles) if styles else None
    except etree.XMLSyntaxError:
        return None  # no font is then known unless the runs name theirs: their lines are left to LibreOffice


def _indents(properties: etree._Element | None) -> float:
    found = properties.find(f"{{{W}}}ind") if properties is not None else None
    if found is None:
        return 0.0
    total = 0
    for name in ("left", "start", "right", "end"):
        value = found.get(f"{{{W}}}{name}") or ""
        total += int(value) if value.lstrip("-").isdigit() else 0
    first = found.get(f"{{{W}}}firstLine") or ""
    total += int(first) if first.isdigit() else 0  # the first line is the narrowest: measured against it
    return total / 20


def _kind(char: str) -> tuple[bool, bool | None]:
    """Return whether CHAR is a letter or digit, and its script: True Japanese, False Latin, None its neighbour's.

    As LibreOffice's PDFs show them classed: kanji, kana and full-width forms are Japanese; letters of
    the other alphabets (Latin, Greek, Cyrillic, é) and digits, and ASCII punctuation, are Latin; an
    ambiguous-width number (Ⅱ, ①, ⅰ), other punctuation and the half-width space take the script
    of the character before them.
    """
    category = unicodedata.category(char)
    letter = category.startswith(("L", "N"))
    width = unicodedata.east_asian_width(char)
    if width in ("W", "F", "H"):
        return letter, True
    if category.startswith("L") or (letter and width != "A") or ("!" <= char <= "~"):
        return letter, False
    return letter, None


def _word_breaks(letters: list[tuple[str, float]], width: float, slack: float) -> list[tuple[int, int]]:
    """Return the runs of spaces (first, last index) to turn into line breaks; none when that takes more lines.

    Broken at spaces, every line is laid out SLACK narrower than WIDTH; the lines LibreOffice would
    need by itself are counted at WIDTH.
    """
    by_words = _lines(letters, width - slack, at_spaces=True)
    if len(by_words[1]) == 0 or by_words[0] > _lines(letters, width, at_spaces=False)[0]:
        return []
    return by_words[1]


def _lines(letters: list[tuple[str, float]], width: float, at_spaces: bool) -> tuple[int, list[tuple[int, int]]]:
    """Lay LETTERS out in lines of WIDTH; return the number of lines and the runs of spaces broken at.

    As LibreOffice does: spaces at a line's end hang past it; a word longer than the line is broken
    between characters. With ``at_spaces`` a line that overflows goes back to its last space.
    """
    lines, used, start = 1, 0.0, 0
    broken: list[tuple[int, int]] = []
    index = 0
    while index < len(letters):
        char, size = letters[index]
        if char in LINE_SPACES or used + size <= width or index == start:
            used += size
            index += 1
            continue
        space = next((i for i in range(index - 1, start, -1) if _breakable(letters, i)), None) if at_spaces else None
        lines += 1
        if space is not None:
            # Also right before the overflowing character: LibreOffice's line is wider than this
            # one (SLACK) and could keep that character, then break the word after it. The whole
            # run of spaces goes: before a break LibreOffice does not let them hang past the
            # line's end, and would give them a line of their own.
            first = space
            while first - 1 > start and letters[first - 1][0] in LINE_SPACES:
                first -= 1
            if letters[first - 1][0] in LINE_SPACES:  # nothing but spaces before the run: a blank line
                space = None
            else:
                broken.append((first, space))
                start = index = space + 1
        if space is None:
            start = index
        used = 0.0
        while index < len(letters) and letters[index][0] in LINE_SPACES and index == start:
            index += 1  # spaces that begin a line (after a break) are not printed there
            start = index
    return lines, broken


def _breakable(letters: list[tuple[str, float]], index: int) -> bool:
    """Whether a line may end at the run of spaces whose last is at INDEX.

    Not before a closing bracket or a comma (which may not begin a line), nor after an opening bracket
    (which may not end one).
    """
    following = letters[index + 1][0] if index + 1 < len(letters) else ""
    first = index
    while first > 0 and letters[first - 1][0] in LINE_SPACES:
        first -= 1
    before = letters[first - 1][0] if first > 0 else ""
    return (
        letters[index][0] in LINE_SPACES
        and following not in LINE_SPACES
        and following not in NO_LINE_START
        and before not in NO_LINE_END
    )


def _split(text: etree._Element, place: int) -> None:
    """Turn the space at PLACE of the w:t TEXT into a line break: ``<w:t>before</w:t><w:br/><w:t>after</w:t>``."""
    before, after = (text.text or "")[:place], (text.text or "")[place + 1 :]
    text.text = before
    text.set(_XML_SPACE, "preserve")
    line_break = etree.Element(_BR)
    text.addnext(line_break)
    if after:
        rest = etree.Element(_T)
        rest.text = after
        rest.set(_XML_SPACE, "preserve")
        line_break.addnext(rest)

"""Whether two PDFs print the same: the same glyphs, drawing and pictures at the same places (pikepdf).

A member's PDF is split out of a bundle LibreOffice converted, and the bundle's fonts are subsets of
what every member in it printed: the same letter converted beside other members gets other font
programs, codes and font names, and its lines are cut into runs where a glyph fell into the bundle's
second subset of a font; so other bytes, though not a dot of it prints differently. Approvals are bound
to the bytes (issue 21): a forced run keeps a document's approved file when the one it made again
prints the same (produce), and this module decides that. Each page's content (forms included) is read
as PDF 32000-1, 9.4 draws text: every glyph shown becomes its font's name (no subset tag), what the
glyph draws (fonts.embedded_glyphs), its width, size and place on the page; every other operator
counts as written, a form or picture by its content, not its name. A font not read that way counts by
its dictionary and program: two such files then differ, and the new one is kept, as before.
"""

from __future__ import annotations

import hashlib
from decimal import Decimal
from pathlib import Path
from typing import Any

import pikepdf

from mailmerge import fonts
from mailmerge.models import ManifestRow

_NESTED_FORMS = 12  # deeper than any document made here; a deeper loop is not followed
_PAGE_KEYS = ("/MediaBox", "/CropBox", "/Rotate", "/UserUnit")
_NAMED_RESOURCE = ("gs", "cs", "CS", "sh", "scn", "SCN")
_TEXT_STATE = {"Tc": "spacing", "Tw": "word", "Tz": "scale", "TL": "leading", "Ts": "rise", "Tr": "mode"}
_NUMBERS = (int, float, Decimal)  # how pikepdf gives a content stream's numbers
# A font program's glyphs, by the program's digest: every member split from one bundle has the same
# programs, so each is read once for them all (the main thread only: produce places documents there).
_GLYPHS: dict[bytes, dict[int, bytes] | None] = {}
_FONTS_KEPT = 64
_NEAR = 0.12  # points: how far a glyph may be from its place in the other file (see prints_the_same)


def unchanged(before: ManifestRow | None, docx_sha256: str, made: Path, placed: Path) -> bool:
    """Return whether a document made again (``made``) is the one placed before it: same inputs (``before``, its
    row then), the same DOCX bytes, and a PDF that prints the same.
    """
    return before is not None and before.docx_sha256 == docx_sha256 and prints_the_same(made, placed)


def prints_the_same(first: Path, second: Path) -> bool:
    """Return True when the two PDFs print the same pages; False when they differ or either cannot be read."""
    try:
        drawn = _printed(first), _printed(second)
    except (pikepdf.PdfError, OSError, ValueError, KeyError, TypeError, AttributeError, IndexError):
        return False
    if len(drawn[0]) != len(drawn[1]):
        return False
    for one, other in zip(*drawn, strict=True):
        if one[0] == "glyph" and other[0] == "glyph":
            # A line cut into runs places the run after a cut by its own position, which LibreOffice rounds
            # to a tenth of a point; a glyph within that of its place prints in the same place.
            if one[:-2] != other[:-2] or abs(one[-2] - other[-2]) > _NEAR or abs(one[-1] - other[-1]) > _NEAR:
                return False
        elif one != other:
            return False
    return True


def _printed(path: Path) -> list[tuple[Any, ...]]:
    """Return what the PDF prints: each page's drawing as records, glyphs with their places last."""
    with pikepdf.open(path) as pdf:
        reader = _Reader()
        for page in pdf.pages:
            reader.put("page", [_plain(page.obj.get(key)) for key in _PAGE_KEYS])
            reader.content(page.obj, page.obj.get("/Resources"), 0)
    return reader.records


class _Font:
    """A font as it prints: its name without the subset tag, and each code's glyph digest and width."""

    def __init__(self, font: pikepdf.Dictionary, glyphs: dict[int, bytes] | None) -> None:
        name = str(font.get("/BaseFont", ""))
        self.name = name[8:] if len(name) > 8 and name[7] == "+" else name
        self.glyphs = glyphs
        widths = [float(w) for w in font.get("/Widths", [])]
        first = int(font.get("/FirstChar", 0))
        self.widths = {first + n: w for n, w in enumerate(widths)}
        if glyphs is None:  # not read by its glyphs: by its whole dictionary and program, as written
            self.name = repr(_plain(font))

    def glyph(self, code: int) -> bytes:
        return self.glyphs.get(code, b"?%d" % code) if self.glyphs is not None else b"%d" % code


class _Text:
    """The text state (PDF 32000-1, 9.3) and the text matrices, saved and restored with q/Q."""

    def __init__(self) -> None:
        self.font: _Font | None = None
        self.size = 0.0
        self.spacing = self.word = self.leading = self.rise = 0.0
        self.scale = 100.0
        self.mode = 0.0
        self.matrix = self.line = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)

    def copy(self) -> _Text:
        twin = _Text()
        twin.__dict__.update(self.__dict__)
        return twin

    def move(self, tx: float, ty: float) -> None:
        """Start a new line at (tx, ty) from the start of this one (Td)."""
        a, b, c, d, e, f = self.line
        self.line = self.matrix = (a, b, c, d, tx * a + ty * c + e, tx * b + ty * d + f)

    def advance(self, tx: float) -> None:
        a, b, c, d, e, f = self.matrix
        self.matrix = (a, b, c, d, tx * a + e, tx * b + f)


class _Reader:
    """Read a page's drawing into records, names resolved to what they stand for."""

    def __init__(self) -> None:
        self.records: list[tuple[Any, ...]] = []
        self.fonts: dict[tuple[int, int], _Font] = {}  # a font object, read once a file

    def content(self, owner: pikepdf.Object, resources: Any, depth: int) -> None:
        text, saved = _Text(), []
        for item in pikepdf.parse_content_stream(owner):
            if isinstance(item, pikepdf.ContentStreamInlineImage):
                self.put("BI", item.iimage.unparse())
                continue
            operands, operator = list(item.operands), str(item.operator)
            if operator == "q":
                saved.append(text.copy())
            elif operator == "Q" and saved:
                text = saved.pop()
            if operator in _TEXT_STATE:
                setattr(text, _TEXT_STATE[operator], float(operands[0]))
            elif operator == "Tf":
                text.font, text.size = self._font(resources.Font[operands[0]]), float(operands[1])
            elif operator in ("BT", "Td", "TD", "Tm", "T*"):
                _position(text, operator, [float(x) for x in operands])
            elif operator in ("Tj", "'", '"', "TJ"):
                self._show(text, operator, operands)
            elif operator == "Do":
                self._xobject(resources.XObject[operands[0]], resources, depth)
            elif operator in _NAMED_RESOURCE and operands and isinstance(operands[-1], pikepdf.Name):
                self.put(operator, [_plain(x) for x in operands[:-1]], _plain(_named(resources, operands[-1])))
            else:  # ET included: where text objects end, not how a line was cut into runs
                self.put(operator, [_plain(x) for x in operands])

    def _show(self, text: _Text, operator: str, operands: list[Any]) -> None:
        if operator == '"':
            text.word, text.spacing = float(operands[0]), float(operands[1])
        if operator in ("'", '"'):
            _position(text, "T*", [])
        shown = operands[0] if operator == "TJ" else [operands[-1]]
        font, scale = text.font, text.scale / 100
        if font is None:
            raise ValueError("text shown without a font")
        for part in shown:
            if type(part) in _NUMBERS:
                text.advance(-float(part) / 1000 * text.size * scale)
                continue
            for code in bytes(part):
                a, b, c, d, e, f = text.matrix
                self.put(
                    "glyph", font.name, font.glyph(code), text.size, (a, b, c, d), text.rise, scale, text.mode, e, f
                )
                width = font.widths.get(code, 0.0) / 1000 * text.size + text.spacing + (text.word if code == 32 else 0)
                text.advance(width * scale)

    def _font(self, font: pikepdf.Dictionary) -> _Font:
        if font.is_indirect and font.objgen in self.fonts:
            return self.fonts[font.objgen]
        descriptor = font.get("/FontDescriptor")
        program = descriptor.get("/FontFile2") if isinstance(descriptor, pikepdf.Dictionary) else None
        glyphs: dict[int, bytes] | None = None
        if font.get("/Subtype") == pikepdf.Name.TrueType and isinstance(program, pikepdf.Stream):
            data = program.read_bytes()
            key = hashlib.sha256(data).digest()
            if key not in _GLYPHS:
                if len(_GLYPHS) >= _FONTS_KEPT:
                    _GLYPHS.clear()
                _GLYPHS[key] = fonts.embedded_glyphs(data)
            glyphs = _GLYPHS[key]
        read = _Font(font, glyphs)
        if font.is_indirect:
            self.fonts[font.objgen] = read
        return read

    def _xobject(self, xobject: pikepdf.Stream, resources: Any, depth: int) -> None:
        if xobject.get("/Subtype") == pikepdf.Name.Form and depth < _NESTED_FORMS:
            self.put("form", _plain(xobject.get("/Matrix")), _plain(xobject.get("/BBox")))
            self.content(xobject, xobject.get("/Resources", resources), depth + 1)
            self.put("end form")
        else:
            self.put("xobject", _plain({k: v for k, v in xobject.items() if k != "/Length"}))
            self.put("picture", hashlib.sha256(xobject.read_raw_bytes()).digest())

    def put(self, *parts: Any) -> None:
        self.records.append(parts)


def _position(text: _Text, operator: str, operands: list[float]) -> None:
    """Move the text matrices as BT, Td, TD, Tm and T* do."""
    if operator == "BT":
        text.matrix = text.line = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
    elif operator == "Tm":
        text.matrix = text.line = (operands[0], operands[1], operands[2], operands[3], operands[4], operands[5])
    elif operator == "T*":
        text.move(0.0, -text.leading)
    else:
        if operator == "TD":
            text.leading = -operands[1]
        text.move(operands[0], operands[1])


def _named(resources: Any, name: pikepdf.Name) -> Any:
    for category in ("/ExtGState", "/ColorSpace", "/Shading", "/Pattern"):
        found = resources.get(category, {}).get(name) if resources is not None else None
        if found is not None:
            return found
    return name


def _plain(value: Any, depth: int = 0) -> Any:
    """Return a PDF value as plain Python values, dictionaries and arrays followed a few levels (streams by digest)."""
    if type(value) in _NUMBERS:
        return str(value)
    if isinstance(value, pikepdf.Stream):
        return hashlib.sha256(value.read_raw_bytes()).hexdigest() if depth < 4 else "stream"
    if isinstance(value, (pikepdf.Dictionary, dict)):
        if depth >= 4:
            return "dict"
        return sorted((str(k), _plain(v, depth + 1)) for k, v in value.items() if k not in ("/Parent", "/P"))
    if isinstance(value, pikepdf.Array):
        return [_plain(v, depth + 1) for v in value]
    if isinstance(value, pikepdf.String):
        return bytes(value)
    return None if value is None else str(value)

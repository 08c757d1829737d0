"""The fonts the templates name: are they installed, and which characters can they print (read with fontTools)."""

from __future__ import annotations

import bisect
import functools
import hashlib
import io
import os
import re
import struct
import zipfile
from collections.abc import Container, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from fontTools.ttLib import TTCollection, TTFont, TTLibError

from mailmerge import messages, ziplimits
from mailmerge.models import Problem

# Where Debian's fontconfig looks (fonts-ipaexfont installs into /usr/share/fonts/opentype/ipaexfont-*).
FONT_FOLDERS = (
    Path("/usr/share/fonts"),
    Path("/usr/local/share/fonts"),
    Path.home() / ".local" / "share" / "fonts",
    Path.home() / ".fonts",
)
_FONT_SUFFIXES = (".ttf", ".otf", ".ttc", ".otc")
# The Debian package that provides a family, for the message (scripts/install-system.sh installs it).
_PACKAGES = {"ipaexmincho": "fonts-ipaexfont", "ipaexgothic": "fonts-ipaexfont"}
# The fonts a template needs: those of its run properties' w:eastAsia slot, which print the roster's
# Japanese text (and, in IPAex, its Latin letters and digits too). A font named only for w:ascii/w:hAnsi
# (python-docx's default styles name Courier) is not required: LibreOffice prints those letters in a
# substitute, never as a wrong character; w:cs (Arabic, Hebrew…) never prints roster text.
_RUN_FONTS = re.compile(rb"<w:rFonts\b[^>]*>")
_FONT_ATTRIBUTE = re.compile(rb'\bw:eastAsia="([^"]+)"')
_FONT_PARTS = re.compile(r"^word/(styles|document|header\d*|footer\d*)\.xml$")


@dataclass(frozen=True)
class FontCheck:
    """The templates' fonts: the character map of each one installed, and an error for each one missing."""

    maps: Mapping[str, Container[int]] = field(default_factory=dict)  # family -> code points it prints
    problems: tuple[Problem, ...] = ()


def template_fonts(docx: Path) -> tuple[str, ...]:
    """Return the font families a .docx names for its Japanese text (w:eastAsia), in first-use order."""
    families: dict[str, None] = {}
    try:
        if ziplimits.first_too_large(docx) is not None:
            return ()  # never inflated: render's own check names the part
        with zipfile.ZipFile(docx) as archive:
            for name in archive.namelist():
                if _FONT_PARTS.match(name):
                    for run_fonts in _RUN_FONTS.findall(archive.read(name)):
                        for family in _FONT_ATTRIBUTE.findall(run_fonts):
                            families[family.decode("utf-8", "replace")] = None
    except (OSError, zipfile.BadZipFile, KeyError):
        return ()  # an unreadable template is reported by render's own check
    return tuple(families)


def check_template_fonts(templates: Mapping[str, Path]) -> FontCheck:
    """Return the character maps of the fonts the templates (display name -> path) name, and what is missing."""
    maps: dict[str, Container[int]] = {}
    problems = []
    reported: set[str] = set()
    for display, path in templates.items():
        for family in template_fonts(path):
            if family in maps or family in reported:
                continue
            found = find_font(family)
            if found is None:
                reported.add(family)
                package = _PACKAGES.get(family.casefold())
                message = (
                    messages.ROSTER_FONT_INSTALL.format(family=family, package=package)
                    if package
                    else messages.ROSTER_FONT_INSTALL_OR_CHANGE.format(family=family)
                )
                problems.append(Problem("error", display, message))
            else:
                maps[family] = character_map(*found)
    return FontCheck(maps, tuple(problems))


def find_font(family: str) -> tuple[Path, int] | None:
    """Return the file (and its index in a collection) of an installed font family, matched by its name table.

    Font files are read (name tables only) in folder order until the family is found, and
    remembered for the next call: finding IPAexMincho reads a handful of files, not all of them.
    """
    wanted = family.casefold()
    if wanted in _FOUND:
        return _FOUND[wanted]
    for path in _SCAN:
        for number, families in enumerate(_families(path)):
            for name in families:
                _FOUND.setdefault(name.casefold(), (path, number))
        if wanted in _FOUND:
            return _FOUND[wanted]
    return None


def _font_files() -> Iterator[Path]:
    for folder in FONT_FOLDERS:
        for root, dirs, files in os.walk(folder):
            dirs.sort()
            for name in sorted(files):
                if name.lower().endswith(_FONT_SUFFIXES):
                    yield Path(root, name)


# The scan, shared by every call in this process: family (casefolded) -> file, and the files not yet read.
_FOUND: dict[str, tuple[Path, int]] = {}
_SCAN = _font_files()


def _families(path: Path) -> list[set[str]]:
    """Return the family names of each font in a file (several in a .ttc), reading only the name tables."""
    try:
        if path.suffix.lower() in (".ttc", ".otc"):
            collection = TTCollection(str(path), lazy=True)
            fonts = list(collection.fonts)
        else:
            fonts = [TTFont(str(path), lazy=True)]
        result = []
        for font in fonts:
            # Name IDs 1 (family) and 16 (typographic family), every platform and language: IPAex明朝 too.
            result.append({str(record.toUnicode()) for record in font["name"].names if record.nameID in (1, 16)})
            font.close()
        return result
    except (OSError, TTLibError, KeyError, AssertionError, UnicodeDecodeError, ValueError):
        return []  # a damaged or unsupported file is not a font we can use


class CodePoints:
    """The code points of a font's format 12 cmap, kept as its ranges (a few thousand), searched by bisection."""

    def __init__(self, starts: list[int], ends: list[int]):
        self.starts = starts
        self.ends = ends

    def __contains__(self, code: object) -> bool:
        if not isinstance(code, int):
            return False
        index = bisect.bisect_right(self.starts, code) - 1
        return index >= 0 and code <= self.ends[index]

    def __len__(self) -> int:
        return sum(end - start + 1 for start, end in zip(self.starts, self.ends, strict=False))


@functools.lru_cache(maxsize=16)
def character_map(path: Path, number: int = 0) -> Container[int]:
    """Return the code points a font maps to a glyph (its best Unicode cmap subtable).

    A full-Unicode (format 12) subtable is read from the table's bytes as ranges, in a millisecond;
    fontTools' own decoding names each of IPAex's 12,000 glyphs first (0.1 s a font).
    """
    font = TTFont(str(path), lazy=True, fontNumber=number)
    try:
        ranges = _format12_ranges(font.reader["cmap"])
        if ranges is not None:
            return ranges
        cmap = font["cmap"]
        for platform, encoding in ((3, 10), (0, 6), (0, 4), (3, 1), (0, 3)):
            table = cmap.getcmap(platform, encoding)
            if table is not None:
                return frozenset(table.cmap)
        return frozenset()
    finally:
        font.close()


class Advances:
    """A font's advance widths in ems, by character (its format 12 cmap's groups and its hmtx, read raw)."""

    def __init__(self, starts: list[int], ends: list[int], first_glyphs: list[int], widths: list[float]):
        self._starts, self._ends, self._first, self._widths = starts, ends, first_glyphs, widths

    def __call__(self, char: str) -> float | None:
        """Return CHAR's advance in ems, or None when the font has no glyph for it."""
        code = ord(char)
        index = bisect.bisect_right(self._starts, code) - 1
        if index < 0 or code > self._ends[index]:
            return None
        glyph = self._first[index] + code - self._starts[index]
        return self._widths[min(glyph, len(self._widths) - 1)]


@functools.lru_cache(maxsize=8)
def advances(family: str) -> Advances | None:
    """Return an installed family's advance widths, or None when it is not installed or has no format 12 cmap.

    Read from the raw tables in a few milliseconds (fontTools would name IPAex's 12,000 glyphs first).
    """
    found = find_font(family)
    if found is None:
        return None
    font = TTFont(str(found[0]), lazy=True, fontNumber=found[1])
    try:
        units = struct.unpack_from(">H", font.reader["head"], 18)[0]
        metrics = struct.unpack_from(">H", font.reader["hhea"], 34)[0]
        hmtx = font.reader["hmtx"]
        widths = [value / units for value in struct.unpack_from(f">{2 * metrics}H", hmtx)[0::2]]
        groups = _format12_groups(font.reader["cmap"])
    except (TTLibError, KeyError, struct.error):
        return None
    finally:
        font.close()
    if groups is None:
        return None
    starts, ends, first_glyphs = groups
    return Advances(starts, ends, first_glyphs, widths)


def _format12_ranges(data: bytes) -> CodePoints | None:
    """Return the ranges of the (3,10) or (0,4)/(0,6) format 12 subtable of raw cmap data, else None."""
    groups = _format12_groups(data)
    return None if groups is None else CodePoints(groups[0], groups[1])


def _format12_groups(data: bytes) -> tuple[list[int], list[int], list[int]] | None:
    """Return the (first code, last code, first glyph) groups of raw cmap data's format 12 subtable, else None."""
    count = struct.unpack_from(">H", data, 2)[0]
    for index in range(count):
        platform, encoding, offset = struct.unpack_from(">HHI", data, 4 + 8 * index)
        if (platform, encoding) not in ((3, 10), (0, 4), (0, 6)) or struct.unpack_from(">H", data, offset)[0] != 12:
            continue
        groups = struct.unpack_from(">I", data, offset + 12)[0]
        values = struct.unpack_from(f">{3 * groups}I", data, offset + 16)
        starts, ends = list(values[0::3]), list(values[1::3])
        if starts != sorted(starts):
            return None
        return starts, ends, list(values[2::3])
    return None


def embedded_glyphs(program: bytes) -> dict[int, bytes] | None:
    """Return what each character code of an embedded TrueType subset draws (a digest), or None when it is not one.

    For a PDF's simple TrueType font (one byte a code, as LibreOffice embeds IPAex): the code's glyph
    found through the subset's own cmap, named by its outline's bytes and the font's hinting programs,
    not by its number in the subset, which depends on what else the same conversion printed (issue 21).
    A composite glyph names its parts by number: it is digested as it is, which can only make two
    subsets of the same glyphs look different, never the other way round.
    """
    try:
        font = TTFont(io.BytesIO(program), lazy=True)
        tables = {tag: font.reader[tag] for tag in ("head", "loca", "glyf")}
        cmap = font["cmap"]
        numbers = {name: number for number, name in enumerate(font.getGlyphOrder())}
    except (TTLibError, KeyError, struct.error, AssertionError, IndexError, ValueError):
        return None
    # Read from the raw tables: fontTools' own 'head' logs a warning about LibreOffice's zero timestamps.
    long_offsets = struct.unpack_from(">h", tables["head"], 50)[0] == 1
    offsets = (
        struct.unpack(f">{len(tables['loca']) // 4}I", tables["loca"])
        if long_offsets
        else tuple(2 * n for n in struct.unpack(f">{len(tables['loca']) // 2}H", tables["loca"]))
    )
    hinting = hashlib.sha256(b"".join(font.reader[tag] for tag in ("fpgm", "prep", "cvt ") if tag in font.reader))
    symbol, mac = cmap.getcmap(3, 0), cmap.getcmap(1, 0)
    glyphs: dict[int, bytes] = {}
    for code in range(256):
        name = (symbol.cmap.get(0xF000 + code) or symbol.cmap.get(code)) if symbol else None
        name = name or (mac.cmap.get(code) if mac else None)
        number = numbers.get(name) if name else None
        if number is None:
            continue
        if number + 1 >= len(offsets):
            return None
        outline = tables["glyf"][offsets[number] : offsets[number + 1]]
        glyphs[code] = hashlib.sha256(hinting.digest() + outline).digest()
    return glyphs

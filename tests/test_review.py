"""Flags and decisions on one member's documents, without a run."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest

from mailmerge import review
from mailmerge.models import DocumentHashes, ManifestRow, PrintedMember


def row(document: str, pages: int = 1, pdf: str = "p") -> ManifestRow:
    return ManifestRow(
        "0001",
        "株式会社テスト",
        "enrolled",
        document,
        f"enrolled/0001/{document}.docx",
        f"enrolled/0001/{document}.pdf",
        pages,
        "d" * 64,
        pdf * 64,
        "i" * 64,
    )


FIELDS = {"organisation": "株式会社テスト", "representative_name": "山田 太郎"}


def facts(rows, fields=FIELDS, **kwargs) -> review.Facts:
    options = {"postal_warning": False, "roster_changed": False, "stale": False} | kwargs
    return review.Facts({r.document: r for r in rows}, ["letter", "overview"], fields, **options)


def flags(rows, fields=FIELDS, **kwargs) -> tuple[str, ...]:
    return review.raised_flags(facts(rows, fields, **kwargs))


def member(rows, decision=None, **kwargs) -> review.MemberReview:
    undecided = review.MemberReview("0001", "株式会社テスト", "enrolled", tuple(rows), facts(rows, **kwargs), None)
    return review.with_decision(undecided, decision)


def test_a_plain_member_has_no_flags() -> None:
    assert flags([row("letter"), row("overview", 4)]) == ()


def test_each_flag_is_raised_by_what_it_names() -> None:
    assert flags([row("letter", 2), row("overview")]) == (review.LONG_LETTER,)
    assert flags([row("letter"), row("overview")], {"organisation": "株式会社テスト", "representative_name": " "}) == (
        review.ONCHU,
    )
    assert flags([row("letter")]) == (review.MISSING_DOCUMENT,)
    long_name = {"organisation": "医療法人社団" + "あ" * 15, "representative_name": "山田"}
    assert flags([row("letter"), row("overview")], long_name) == (review.LONG_NAME,)
    assert flags([row("letter"), row("overview")], postal_warning=True, stale=True) == (
        review.POSTAL_WARNING,
        review.STALE,
    )


def test_the_flag_table_gives_the_order_and_the_labels() -> None:
    assert review.FLAGS == (
        review.LONG_LETTER,
        review.ONCHU,
        review.POSTAL_WARNING,
        review.LONG_NAME,
        review.MISSING_DOCUMENT,
        review.ROSTER_CHANGED,
        review.FILES_CHANGED,
        review.STALE,
    )
    assert review.FLAG_LABELS[review.POSTAL_WARNING] == "郵便番号の注意"
    assert review.FLAG_LABELS[review.FILES_CHANGED] == "ファイルが作成時と違います"
    assert review.FLAG_LABELS[review.ROSTER_CHANGED] == "作成後に名簿等が変更"
    assert len(set(review.FLAG_LABELS.values())) == len(review.FLAGS)


def test_the_gates_follow_the_documents_and_the_decision() -> None:
    rows = [row("letter"), row("overview")]
    approval = review.make_decision("0001", "approved", "", "事務局 山田", review.current_hashes(rows)["0001"])
    plain = member(rows, approval)
    assert plain.may_be_approved and plain.approved and plain.why_not_approved(False) == ""
    printed = PrintedMember(
        "0001", 1, "2026-12-01T10:00:00+09:00", "jimu", True, {"letter": "p" * 64, "overview": "p" * 64}
    )
    assert plain.may_be_printed() and plain.may_be_sealed(set(), printed) and not plain.may_be_sealed({"0001"}, printed)
    assert not plain.may_be_sealed(set(), None)  # approved, never printed: never sent
    assert not plain.may_be_sealed(
        set(), dataclasses.replace(printed, documents={"letter": "q" * 64, "overview": "p" * 64})
    )
    assert plain.blocking_flags == ()

    undecided = member(rows)
    assert undecided.may_be_approved and not undecided.approved
    assert not undecided.may_be_printed() and undecided.may_be_printed(include_unapproved=True)
    assert not undecided.may_be_sealed(set(), printed)
    assert undecided.may_be_sealed(set(), dataclasses.replace(printed, approved=False))  # printed unapproved: said so

    missing = member([row("letter")], approval)
    assert not missing.may_be_approved and not missing.approved
    assert missing.why_not_approved(False).startswith("会員番号 0001: 文書がそろっていないため承認できません")
    assert not missing.may_be_printed(include_unapproved=True) and not missing.may_be_sealed(set(), printed)
    assert missing.blocking_flags == (review.MISSING_DOCUMENT,)

    changed = member(rows, approval, roster_changed=True)
    assert not changed.approved and not changed.may_be_printed(include_unapproved=True)
    assert changed.why_not_approved(False).startswith("会員番号 0001: 作成後に名簿・テンプレート・設定が変わっています")
    assert changed.blocking_flags == (review.ROSTER_CHANGED,)

    remade = [row("letter", pdf="q"), row("overview")]
    stale = member(remade, approval)
    assert stale.status == review.STALE and stale.flags == (review.STALE,) and not stale.approved
    assert not stale.may_be_printed() and not stale.may_be_sealed(set(), printed)
    assert review.with_decision(stale, None).flags == ()

    swapped = review.with_files_changed(member(rows, approval), ["letter"])
    assert swapped.status == review.APPROVED and swapped.flags == (review.FILES_CHANGED,)
    assert not swapped.approved and not swapped.may_be_approved and not swapped.may_be_printed(include_unapproved=True)
    assert not swapped.may_be_sealed(set(), printed) and swapped.blocking_flags == (review.FILES_CHANGED,)
    assert swapped.why_not_approved(False).startswith("会員番号 0001: ファイルが作成時と違います")
    assert swapped.decision_blocker("hold") == swapped.why_not_approved(False)
    assert member(rows).decision_blocker("hold") == ""


def test_half_width_characters_count_half() -> None:
    assert review.text_width("ABCD") == 2
    assert review.text_width("株式会社") == 4


def test_a_decision_is_stale_once_the_files_change() -> None:
    hashes = review.current_hashes([row("letter"), row("overview")])["0001"]
    decision = review.make_decision(
        "0001", "approved", "", "事務局 山田", hashes, datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
    )
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

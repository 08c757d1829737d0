"""The roster as a pandas table: one row per roster row with its Excel row number; the split by group."""

from __future__ import annotations

from pathlib import Path

from mailmerge.config import load_config
from mailmerge.roster import load_roster, read_sheet, roster_table, split_by_enrollment
from mailmerge.roster.findings import Findings
from mailmerge.roster.headers import map_headers

from conftest import DATA, REPO


def test_the_table_keeps_the_excel_row_numbers_and_every_field_as_text() -> None:
    config = load_config(REPO / "mailmerge.toml")
    sheet = read_sheet(REPO / "data" / "members.xlsx")
    table = roster_table(sheet.rows, map_headers(dict(config.columns), sheet.header, Findings("x")))
    assert list(table["row"]) == list(range(2, 32))
    assert table["member_id"].iloc[0] == "0001" and table["postal_code"].map(type).eq(str).all()
    assert not table["hidden"].any()


def test_split_by_enrollment_is_the_groups_in_roster_order() -> None:
    config = load_config(REPO / "mailmerge.toml")
    roster = load_roster(config)
    split = split_by_enrollment(roster)
    assert sorted(split) == ["enrolled", "unenrolled"]
    assert (len(split["enrolled"]), len(split["unenrolled"])) == (18, 12)
    assert split == roster.by_group()
    assert all(a.row < b.row for members in split.values() for a, b in zip(members, members[1:], strict=False))


def test_an_empty_roster_splits_into_two_empty_groups(tmp_path: Path) -> None:
    config = load_config(REPO / "mailmerge.toml")
    (tmp_path / "empty.csv").write_text("", encoding="utf-8")
    assert split_by_enrollment(load_roster(config, tmp_path / "empty.csv")) == {"enrolled": (), "unenrolled": ()}


def test_problem_rows_are_plain_ints(config_in, tmp_path: Path) -> None:
    config = load_config(config_in(skip_hidden_rows="true"))
    for name in ("hidden_rows.xlsx", "duplicate_ids.csv", "stray_comma.csv"):
        roster = load_roster(config, DATA / "bad_rosters" / name)
        assert roster.problems and all(type(p.row) is int for p in roster.problems)
        assert all(type(m.row) is int for m in roster.members)

"""Check a roster sheet against the config as a pandas table: one table row per roster row, every problem at its
cell.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from mailmerge import messages
from mailmerge.errors import ConfigError
from mailmerge.models import ENROLLED, UNENROLLED, Member, Roster, Severity
from mailmerge.roster import contact, rules
from mailmerge.roster.characters import PRINTED_TEXT_HINT, Fonts, printed_text_problems, unprintable_characters
from mailmerge.roster.findings import CHARACTERS, DUPLICATE, KIND, LENGTH, REQUIRED, Findings, quote
from mailmerge.roster.headers import Column, HeaderMap, map_headers
from mailmerge.roster.keys import normalise_key
from mailmerge.roster.sheet import Sheet, SheetRow, column_letter

if TYPE_CHECKING:
    from mailmerge.config import Config


def check_sheet(config: Config, display: str, source: Path, sheet: Sheet, fonts: Fonts | None = None) -> Roster:
    """Return the roster's valid members and every problem of ``sheet``, in sheet order.

    ``fonts`` (family -> code points) are the templates' fonts: a character none of them can
    print is an error in the cell that holds it.
    """
    unknown = next((f for f in config.fields if f.check not in CHECKERS), None)
    if unknown is not None:
        raise ConfigError(
            messages.CONFIG_UNKNOWN_CHECK.format(
                name=config.display_path(config.path),
                where=f"roster.fields.{unknown.name}",
                check=unknown.check,
                allowed=", ".join(CHECKERS),
            )
        )
    findings = Findings(display)
    optional = frozenset(f.name for f in config.fields if f.column_optional)
    headers = map_headers(dict(config.columns), sheet.header, findings, optional)
    table = roster_table(sheet.rows, headers)
    # Empty rows after the last filled one are not counted: Excel keeps formatted empty rows.
    last = sheet.rows[-1].number if sheet.rows else 1
    blank_rows = (last - 1) - len(sheet.rows)
    if headers.complete and not sheet.rows:
        findings.add("error", messages.ROSTER_NO_MEMBERS)
    if config.skip_hidden_rows:
        for row in table.loc[table["hidden"], "row"]:
            findings.add("warning", messages.ROSTER_HIDDEN_SKIPPED, row)
        table = table.loc[~table["hidden"]]
    members: tuple[Member, ...] = ()
    if headers.complete:
        # A missing or doubled column makes every row unusable; its cells are not checked.
        checked = _TableChecker(config, findings, headers, fonts, sheet.is_csv).check(table)
        rows = checked[
            ~checked["row"].isin(findings.rejected)
            & (checked["member_id:printed"] != "")
            & (checked["group:printed"] != "")
        ]
        members = _members(rows, headers.columns, frozenset(config.printed), _defaults(config, headers.columns))
    return Roster(
        source=source,
        members=members,
        problems=findings.problems(),
        total_rows=len(table),
        blank_rows=blank_rows,
        rejected_rows=len(table) - len(members),
        note=sheet.note,
    )


def roster_table(rows: Sequence[SheetRow], headers: HeaderMap) -> pd.DataFrame:
    """Return the roster as a table: its Excel row number, hidden, the cells outside any header, and per field its
    text and kind.
    """
    headed = headers.headed
    data: dict[str, list] = {
        "row": [r.number for r in rows],
        "hidden": [r.hidden for r in rows],
        "stray": [_stray(r, headed) for r in rows],
    }
    for column in headers.columns:
        data[column.field] = [r.values.get(column.index, "") for r in rows]
        data[f"{column.field}:kind"] = [r.kinds.get(column.index) for r in rows]
    # Text as Python str objects (object dtype), the same under pandas 2 and 3, whatever the row count.
    table = pd.DataFrame(data, index=pd.RangeIndex(len(rows)), dtype=object)
    return table.astype({"row": "int64", "hidden": "bool"})


def _stray(row: SheetRow, headed: frozenset[int]) -> tuple[int, ...]:
    """Return the columns without a header that have a value in this row (most rows: none, found at C speed)."""
    if headed.issuperset(row.values) and headed.issuperset(row.kinds):
        return ()
    return tuple(
        sorted(c for c in (row.values.keys() | row.kinds.keys()) - headed if c in row.kinds or row.values[c].strip())
    )


def _defaults(config: Config, columns: Sequence[Column]) -> dict[str, str]:
    """Return the printed fields the roster has no column for, each with its default (a template still has it)."""
    present = {c.field for c in columns}
    return {f.name: f.default for f in config.fields if f.printed and f.default and f.name not in present}


def _members(
    rows: pd.DataFrame, columns: Sequence[Column], printed: frozenset[str], defaults: Mapping[str, str]
) -> tuple[Member, ...]:
    names = [c.field for c in columns if c.field != "group" and c.field in printed]
    others = [c.field for c in columns if c.field not in printed]
    return tuple(
        Member(
            row=int(record[0]),
            member_id=record[1],
            group=record[2],
            fields={**dict(zip(names, record[3 : 3 + len(names)], strict=False)), **defaults},
            unprinted=dict(zip(others, record[3 + len(names) :], strict=False)),
        )
        for record in rows[
            ["row", "member_id:printed", "group:printed", *(f"{n}:printed" for n in names + others)]
        ].itertuples(index=False)
    )


class _TableChecker:
    """The checks of every cell of the table, column by column."""

    def __init__(self, config: Config, findings: Findings, headers: HeaderMap, fonts: Fonts | None, is_csv: bool):
        self.config = config
        self.is_csv = is_csv
        self.findings = findings
        self.headers = headers
        self.fonts = fonts
        self.required = set(config.required) | {"member_id", "group"}
        self.groups = {normalise_key(word): group for group, word in config.groups.items()}
        self.allowed_groups = ", ".join(config.groups[g] for g in (ENROLLED, UNENROLLED))
        self.prefectures: dict[str, frozenset[str]] = {}  # Japan Post's answer per postal code, asked once

    def check(self, table: pd.DataFrame) -> pd.DataFrame:
        """Return the rows whose cells were checked, with each field's printed value (``FIELD:printed``)."""
        for row in table.loc[table["hidden"], "row"]:
            self.findings.add("error", messages.ROSTER_HIDDEN, row)
        table = self._check_stray_cells(table)
        for column in self.headers.columns:
            table = self._check_column(table, column)
        self._check_duplicates(table)
        return table

    def _check_stray_cells(self, table: pd.DataFrame) -> pd.DataFrame:
        """Report values outside any header; return the rows to check (not a shifted CSV row)."""
        stray = table.loc[table["stray"].map(bool).astype(bool)]
        shifted = pd.Series(False, index=table.index)
        rightmost = max(self.headers.headed)
        for index, row, columns in stray[["row", "stray"]].itertuples():
            if self.is_csv and columns[-1] > rightmost:
                # More values than headers in a CSV row: most likely a comma inside a value
                # shifted the cells, so checking them would only quote the wrong data.
                self.findings.add(
                    "error", messages.ROSTER_SHIFTED.format(letter=column_letter(columns[-1])), row, rank=1
                )
                shifted[index] = True
            else:
                letters = "、".join(messages.ROSTER_COLUMN_LETTER.format(letter=column_letter(c)) for c in columns)
                self.findings.add("warning", messages.ROSTER_UNHEADED.format(letters=letters), row, rank=1)
        return table.loc[~shifted]

    def flag(self, severity: Severity, message: str, row: int, column: Column, rank: int) -> None:
        self.findings.add(severity, message, int(row), column.header, column.index, rank)

    def _check_column(self, table: pd.DataFrame, column: Column) -> pd.DataFrame:
        """Check every cell of one column (what every field gets, then its checker's rule); add ``FIELD:printed``."""
        name = column.field
        checker = self.checker(column)
        values: pd.Series = table[name]
        usable = pd.Series(True, index=table.index)
        for index, row, raw, kind in table.loc[
            table[f"{name}:kind"].notna(), ["row", name, f"{name}:kind"]
        ].itertuples():
            usable[index] = self._check_kind(column, checker, row, raw, kind)
        stripped = values.str.strip()
        blank = stripped == ""
        if name in self.required:
            for row in table.loc[blank & usable, "row"]:
                self.flag("error", messages.ROSTER_EMPTY, row, column, REQUIRED)
        usable &= ~blank
        self._check_characters(table[usable], column, checker.key)
        if not checker.key:
            self._check_printed_text(table[usable], column)
        limit = self.config.max_length.get(name)
        if limit is not None:
            lengths = stripped.str.len()
            too_long = usable & (lengths > limit)
            for row, length in zip(table.loc[too_long, "row"], lengths[too_long], strict=False):
                self.flag("error", messages.ROSTER_TOO_LONG.format(length=length, limit=limit), row, column, LENGTH)
        printed = values.where(usable, "")
        if checker.values is not None:
            printed = checker.values(self, table[usable], column).reindex(table.index, fill_value="")
        default = self.config.field(name).default
        if default:  # an empty cell stands for the field's default (敬称: 様)
            printed = printed.where(~blank, default)
        return table.assign(**{f"{name}:printed": printed})

    def checker(self, column: Column) -> Checker:
        """Return the rule the config gives the field."""
        return CHECKERS[self.config.field(column.field).check]

    def _check_kind(self, column: Column, checker: Checker, row: int, raw: str, kind: str) -> bool:
        """Report a cell Excel did not store as text; return whether the usual checks still apply."""
        error = {
            "date": messages.ROSTER_DATE,
            "bool": messages.ROSTER_BOOL,
            "formula": messages.ROSTER_FORMULA,
            "error": messages.ROSTER_EXCEL_ERROR.format(value=raw),
        }.get(kind)
        if error is not None:
            self.flag("error", error, row, column, KIND)
            return False
        if kind == "decimal":
            self.flag("warning", messages.ROSTER_DECIMAL, row, column, KIND)
            return True
        if checker.number is not None:
            return checker.number(self, column, row, raw)
        return True  # a whole number in a text column (a room number) prints as shown

    def _check_characters(self, table: pd.DataFrame, column: Column, is_key: bool) -> None:
        """Report each character that would not print (issue 10): one line per cell and code point."""
        name = column.field
        bad = unprintable_characters(table[name], self.fonts, keys_only=is_key)
        if not bad:
            return
        pattern = re.compile("[" + "".join(re.escape(c) for c in bad) + "]")
        for row, raw in table.loc[table[name].str.contains(pattern), ["row", name]].itertuples(index=False):
            seen = list(dict.fromkeys(pattern.findall(raw)))
            if "\r" in seen and "\n" in seen:
                seen.remove("\r")  # Windows' CR LF is one line break
            for char in seen[:1] if is_key else seen:  # a key's first 外字 is enough: the key is wrong anyway
                self.flag("error", bad[char], row, column, CHARACTERS)

    def _check_printed_text(self, table: pd.DataFrame, column: Column) -> None:
        """Report text that prints wrong beyond single characters: a page mark's shape, a company form written short."""
        suspect = table[column.field].str.contains(PRINTED_TEXT_HINT)
        for row, raw in table.loc[suspect, ["row", column.field]].itertuples(index=False):
            for severity, message in printed_text_problems(raw):
                self.flag(severity, message, row, column, CHARACTERS)

    def _check_duplicates(self, table: pd.DataFrame) -> None:
        """Report every row of a member ID used more than once (after NFKC), naming the other rows."""
        column = next(c for c in self.headers.columns if c.field == "member_id")
        ids = table.loc[table["member_id:printed"] != "", ["row", "member_id", "member_id:printed"]]
        # Compared without case too: AB01 and ab01 name one folder on Windows shares and USB sticks.
        ids = ids.assign(folded=ids["member_id:printed"].str.lower())
        doubled = ids[ids["folded"].duplicated(keep=False)]
        for _, occurrences in doubled.groupby("folded", sort=False):
            pairs = list(occurrences[["row", "member_id"]].itertuples(index=False, name=None))
            aside = messages.ROSTER_DUPLICATE_WIDTH if len({raw for _, raw in pairs}) > 1 else ""
            for number, raw in pairs:
                others = "、".join(
                    messages.ROSTER_DUPLICATE_ROW.format(row=other)
                    if other_raw == raw
                    else messages.ROSTER_DUPLICATE_ROW_AS.format(row=other, quoted=quote(other_raw))
                    for other, other_raw in pairs
                    if other != number
                )
                self.flag(
                    "error",
                    messages.ROSTER_DUPLICATE.format(quoted=quote(raw), others=others, aside=aside),
                    number,
                    column,
                    DUPLICATE,
                )


@dataclass(frozen=True)
class Checker:
    """A field's own rule, on top of what every field gets (how Excel stored it, required, characters, length).

    ``values`` returns the printed value of each usable row (reporting the bad ones); ``number`` reports a
    cell Excel stored as a whole number and returns whether the other checks still apply; a ``key`` is
    compared normalised, never printed as entered: only 外字 is looked for in it (issue 10), every other
    character being judged by the key's own rule.
    """

    values: Callable[[_TableChecker, pd.DataFrame, Column], pd.Series] | None = None
    number: Callable[[_TableChecker, Column, int, str], bool] | None = None
    key: bool = False


TEXT = "text"
# Every field's rule by name: a field with a rule of its own adds a row here.
CHECKERS: dict[str, Checker] = {
    TEXT: Checker(),
    "member_id": Checker(values=rules.check_member_ids, number=rules.id_as_number, key=True),
    "group": Checker(values=rules.check_groups, key=True),
    "postal_code": Checker(values=rules.check_postal_codes, number=rules.postal_code_as_number, key=True),
    contact.EMAIL_FIELD: Checker(values=contact.check_addresses, key=True),
    contact.CHANNEL_FIELD: Checker(values=contact.check_channels, key=True),
    "honorific": Checker(values=rules.check_honorifics, key=True),
}

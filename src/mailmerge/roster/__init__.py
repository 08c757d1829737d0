"""Read the member roster (.xlsx or .csv) cell by cell as text, check it as a pandas table, and split it by group.

One module per job: ``csv_reader`` and ``xlsx_reader`` turn a file into a ``Sheet`` (every cell as text,
exactly as displayed, with its Excel row number); ``checks`` makes it a pandas DataFrame and reports
every problem at ``FILE:ROW: COLUMN:``; ``characters`` judges what would not print.
"""

from __future__ import annotations

from collections.abc import Container, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from mailmerge import messages
from mailmerge.models import GROUPS, Member, Problem, Roster
from mailmerge.roster.csv_reader import read_csv
from mailmerge.roster.keys import normalise_key, normalise_postal_code
from mailmerge.roster.sheet import ROW_LIMIT, RosterUnreadable, Sheet, SheetRow
from mailmerge.roster.xlsx_reader import read_xlsx

if TYPE_CHECKING:
    import pandas as pd

    from mailmerge.config import Config
    from mailmerge.roster.headers import HeaderMap

# pandas (and the checks built on it) is imported when a roster is first checked, not with the package:
# its import is most of the CLI's start-up (0.5 s), which `mailmerge --help` or a run refused by the
# output folder's lock need not pay.

__all__ = [
    "ROW_LIMIT",
    "RosterUnreadable",
    "Sheet",
    "SheetRow",
    "load_roster",
    "normalise_key",
    "normalise_postal_code",
    "read_csv",
    "read_sheet",
    "read_xlsx",
    "roster_table",
    "split_by_enrollment",
]


def load_roster(config: Config, path: Path | None = None, fonts: Mapping[str, Container[int]] | None = None) -> Roster:
    """Read the roster (``path``, else the config's) and return its valid members and every problem.

    Never raises for a data problem: an unreadable file becomes one error without a row,
    every cell problem an error or a warning at ``FILE:ROW: COLUMN:``. ``fonts`` (family ->
    code points, from the templates' fonts) adds an error for each character they cannot print.
    """
    source = Path(path) if path is not None else config.roster
    display = config.display_path(source)
    try:
        sheet = read_sheet(source, config.sheet)
    except RosterUnreadable as exc:
        return Roster(source=source, members=(), problems=(Problem("error", display, str(exc)),))
    from mailmerge.roster.checks import check_sheet

    return check_sheet(config, display, source, sheet, fonts)


def read_sheet(path: Path, sheet: str | None = None) -> Sheet:
    """Return the rows of a roster file by its type (.xlsx/.xlsm or .csv); raise RosterUnreadable when it cannot be
    read.
    """
    path = Path(path)
    if path.is_dir():  # before its suffix: a folder named "data" is no file of an unknown type
        raise RosterUnreadable(messages.ROSTER_IS_FOLDER)
    suffix = path.suffix.lower()
    if suffix not in (".xlsx", ".xlsm", ".csv"):
        if suffix == ".xls":
            raise RosterUnreadable(messages.ROSTER_XLS)
        raise RosterUnreadable(messages.ROSTER_SUFFIX.format(suffix=suffix or messages.ROSTER_NO_SUFFIX))
    try:
        return read_csv(path) if suffix == ".csv" else read_xlsx(path, sheet)
    except FileNotFoundError:
        raise RosterUnreadable(messages.ROSTER_NOT_FOUND) from None
    except IsADirectoryError:
        raise RosterUnreadable(messages.ROSTER_IS_FOLDER) from None
    except OSError as exc:
        raise RosterUnreadable(messages.ROSTER_CANNOT_OPEN.format(reason=exc.strerror)) from None


def roster_table(rows: list[SheetRow], headers: HeaderMap) -> pd.DataFrame:
    """Return the roster as a pandas table (see ``checks.roster_table``)."""
    from mailmerge.roster import checks

    return checks.roster_table(rows, headers)


def split_by_enrollment(roster: Roster) -> dict[str, tuple[Member, ...]]:
    """Return the members of each group (enrolled, unenrolled), in roster order, split with a pandas groupby."""
    import pandas as pd

    table = pd.DataFrame({"group": [m.group for m in roster.members], "member": list(roster.members)})
    groups = {group: tuple(rows["member"]) for group, rows in table.groupby("group", sort=False)}
    return {group: groups.get(group, ()) for group in GROUPS}

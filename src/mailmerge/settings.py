"""The cycle and the letter's dates in mailmerge.toml, changed from the workspace's form: checked, every other line
kept.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from mailmerge import messages, versions
from mailmerge.config import load_config
from mailmerge.errors import MailmergeError
from mailmerge.fsutil import write_atomic

# In the order they fall: the letter is issued, the forms come back, the insurance renews.
DATE_KEYS = ("issue_date", "return_deadline", "renewal_date")
_CYCLE = re.compile(r"^\d{4}$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class Settings:
    """What the form edits: the cycle (年度) and the [letter] dates as YYYY-MM-DD."""

    cycle: str
    dates: dict[str, str]


def read_settings(config_path: Path) -> Settings:
    """Return the cycle and the [letter] dates as the config file has them."""
    data = tomllib.loads(config_path.read_text(encoding="utf-8"))
    letter = data.get("letter", {})
    return Settings(str(data.get("cycle", "")), {key: str(letter.get(key, "")) for key in DATE_KEYS})


def check_settings(cycle: str, dates: dict[str, str]) -> list[str]:
    """Return every problem with what was typed (none: it may be saved)."""
    problems = []
    if not _CYCLE.match(cycle.strip()):
        problems.append(messages.SETTINGS_BAD_CYCLE.format(value=cycle))
    parsed = []
    for key in DATE_KEYS:
        value = dates.get(key, "").strip()
        try:
            if not _DATE.match(value):
                raise ValueError
            parsed.append(dt.date.fromisoformat(value))
        except ValueError:
            problems.append(messages.SETTINGS_BAD_DATE.format(label=messages.SETTINGS_DATE_LABELS[key], value=value))
    if len(parsed) == len(DATE_KEYS) and parsed != sorted(parsed):
        problems.append(messages.SETTINGS_DATE_ORDER)
    return problems


def save_settings(config_path: Path, cycle: str, dates: dict[str, str]) -> Path:
    """Write the cycle and dates into the config, the previous file kept under a dated name; return that copy.

    Only the lines of these keys change (comments and the rest stay as the secretariat wrote them);
    the whole file is read again as `mailmerge run` reads it, and put back if it no longer reads.
    """
    problems = check_settings(cycle, dates)
    if problems:
        raise MailmergeError("\n".join(problems))
    text = config_path.read_text(encoding="utf-8")
    text = _replace(text, config_path, None, "cycle", f'"{cycle.strip()}"')
    for key in DATE_KEYS:
        text = _replace(text, config_path, "letter", key, dates[key].strip())
    tomllib.loads(text)
    kept = versions.keep_copy(config_path)
    write_atomic(config_path, text.encode("utf-8"))
    try:
        load_config(config_path)
    except MailmergeError:  # recovers: the file as it was put back, the same error raised on
        write_atomic(config_path, kept.read_bytes())
        raise
    return kept


def _replace(text: str, path: Path, table: str | None, key: str, value: str) -> str:
    """Return the text with ``key = …`` of a table (None: the top level) set to ``value``."""
    lines = text.splitlines(keepends=True)
    current: str | None = None
    for n, line in enumerate(lines):
        header = re.match(r"^\s*\[([^\]]+)\]\s*$", line)
        if header:
            current = header.group(1).strip()
            continue
        if current == table and re.match(rf"^\s*{re.escape(key)}\s*=", line):
            ending = "\n" if line.endswith("\n") else ""
            lines[n] = f"{key} = {value}{ending}"
            return "".join(lines)
    raise MailmergeError(messages.SETTINGS_NOT_FOUND.format(path=path, key=key))

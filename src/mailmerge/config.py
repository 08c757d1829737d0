"""Read the cycle config (mailmerge.toml) into a Config the other steps can rely on."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mailmerge import messages
from mailmerge.dates import DATE_STYLES, format_japanese_date

# The [email] side, imported from here by the e-mail modules and the roster's contact checks.
from mailmerge.emailconfig import CHANNEL_BOTH as CHANNEL_BOTH
from mailmerge.emailconfig import CHANNEL_FIELD, EMAIL_FIELD, EmailSettings, email_settings
from mailmerge.emailconfig import CHANNEL_MAIL as CHANNEL_MAIL
from mailmerge.emailconfig import CHANNEL_POST as CHANNEL_POST
from mailmerge.emailconfig import CHANNELS as CHANNELS
from mailmerge.emailconfig import LOCAL_HOSTS as LOCAL_HOSTS
from mailmerge.emailconfig import SECURITIES as SECURITIES
from mailmerge.emailconfig import member_channel as member_channel
from mailmerge.emailconfig import wants_mail as wants_mail
from mailmerge.emailconfig import wants_post as wants_post
from mailmerge.errors import ConfigError
from mailmerge.fsutil import shown_path
from mailmerge.models import GROUPS

DEFAULT_CONFIG_NAME = "mailmerge.toml"

# Fields every roster must map: the pipeline itself relies on them (always printed; ID and group required).
CORE_FIELDS = ("member_id", "organisation", "group")
KEY_FIELDS = ("member_id", "group")


@dataclass(frozen=True)
class RosterField:
    """One roster field as mailmerge.toml declares it ([roster.fields.NAME]); the defaults are the code's.

    A printed field is a template variable and part of what a document is made from (its input
    hash): a change remakes the document and calls for a new approval. An unprinted field is read
    and checked only; an optional unprinted field's column may be missing from the roster.
    """

    name: str  # the template variable (and the member's key)
    header: str  # the roster's column header (row 1)
    printed: bool = True
    required: bool = False
    max_length: int | None = None  # the most characters the recipient block can hold
    check: str = "text"  # its rule, a row of roster.checks.CHECKERS
    default: str = ""  # what an empty cell, or a missing column, stands for (敬称: 様)

    @property
    def column_optional(self) -> bool:
        """Return True when the roster may lack this column altogether (unprinted, or with a default)."""
        return not self.required and (not self.printed or bool(self.default))


@dataclass(frozen=True)
class Config:
    """One cycle's settings, with every path made absolute."""

    path: Path
    cycle: str
    date_style: str
    roster: Path
    sheet: str | None
    skip_hidden_rows: bool
    fields: tuple[RosterField, ...]  # in the order declared
    groups: Mapping[str, str]  # "enrolled"/"unenrolled" -> the roster's word (加入 / 未加入)
    documents: Mapping[str, Path]  # document name -> template path
    output: Path
    constants: Mapping[str, Any] = field(default_factory=dict)  # template context, dates formatted
    workers: int = 0
    timeout: float = 120.0
    shared_pages_from: int = 100  # members of a template and group, at least, for the composed path
    shared_pages: bool = True  # false: every document converted whole (the composed path switched off)
    email: EmailSettings | None = None  # the [email] table; None when the cycle sends no e-mail
    server_hosts: tuple[str, ...] = ()  # [server] hosts: names other PCs may use for `serve --host`

    @property
    def columns(self) -> Mapping[str, str]:
        """Return each field's roster header (field name -> header)."""
        return {f.name: f.header for f in self.fields}

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields if f.required)

    @property
    def max_length(self) -> Mapping[str, int]:
        return {f.name: f.max_length for f in self.fields if f.max_length is not None}

    @property
    def printed(self) -> tuple[str, ...]:
        """Return the printed fields: template variables, and what a document's input hash covers."""
        return tuple(f.name for f in self.fields if f.printed)

    @property
    def template_fields(self) -> tuple[str, ...]:
        """Return the roster fields a template sees as variables: the printed ones but the group (``enrolled``)."""
        return tuple(name for name in self.printed if name != "group")

    def field(self, name: str) -> RosterField:
        return next(f for f in self.fields if f.name == name)

    @property
    def root(self) -> Path:
        return self.path.parent

    def display_path(self, path: Path) -> str:
        """Return a path as the user would type it: relative to the working folder when inside it."""
        return shown_path(path)


def find_config(path: Path | None) -> Path:
    """Return the config to use: the one given, else ./mailmerge.toml."""
    candidate = path if path is not None else Path.cwd() / DEFAULT_CONFIG_NAME
    if not candidate.is_file():
        hint = "" if path is not None else messages.CONFIG_NOT_FOUND_HINT
        raise ConfigError(messages.CONFIG_NOT_FOUND.format(path=candidate) + hint)
    return candidate.resolve()


def load_config(path: Path | None = None) -> Config:
    """Read and check the cycle config; relative paths are relative to the config file."""
    config_path = find_config(path)
    name = shown_path(config_path)
    try:
        data = tomllib.loads(config_path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(_toml_error(name, str(exc))) from None
    except UnicodeDecodeError:
        raise ConfigError(messages.CONFIG_NOT_UTF8.format(name=name)) from None

    def need(table: Mapping[str, Any], key: str, where: str) -> Any:
        if key not in table:
            raise ConfigError(messages.CONFIG_NEEDS_VALUE.format(name=name, where=where, key=key))
        return table[key]

    root = config_path.parent
    cycle = str(need(data, "cycle", "top level"))
    date_style = str(data.get("date_style", "western"))
    if date_style not in DATE_STYLES:
        raise ConfigError(
            messages.CONFIG_BAD_DATE_STYLE.format(name=name, allowed=", ".join(DATE_STYLES), value=date_style)
        )

    roster = data.get("roster", {})
    fields = roster_fields(roster, name)
    groups = {str(k): str(v) for k, v in need(data, "groups", "top level").items()}
    if sorted(groups) != sorted(GROUPS):
        raise ConfigError(messages.CONFIG_GROUPS.format(name=name))
    if groups["enrolled"] == groups["unenrolled"]:
        raise ConfigError(messages.CONFIG_SAME_GROUPS.format(name=name))

    documents = {str(k): root / str(v) for k, v in need(data, "documents", "top level").items()}
    if not documents:
        raise ConfigError(messages.CONFIG_NO_DOCUMENTS.format(name=name))

    conversion = data.get("conversion", {})
    try:
        constants = template_constants(data.get("letter", {}), cycle, date_style)
    except ValueError as exc:  # a date the chosen style cannot write (和暦 before 昭和)
        raise ConfigError(messages.CONFIG_BAD_DATE.format(name=name, detail=exc)) from None
    output = str(data.get("output", "out/{cycle}")).replace("{cycle}", cycle)

    return Config(
        path=config_path,
        cycle=cycle,
        date_style=date_style,
        roster=root / str(need(roster, "path", "roster")),
        sheet=str(roster.get("sheet") or "") or None,
        skip_hidden_rows=bool(roster.get("skip_hidden_rows", False)),
        fields=fields,
        groups=groups,
        documents=documents,
        output=root / output,
        constants=constants,
        workers=int(conversion.get("workers", 0)),
        timeout=float(conversion.get("timeout", 120)),
        shared_pages_from=max(int(conversion.get("shared_pages_from", 100)), 0),
        shared_pages=_true_or_false(conversion, "shared_pages", True, "conversion", name),
        email=email_settings(data["email"], name) if "email" in data else None,
        server_hosts=_server_hosts(data.get("server", {}), name),
    )


def _true_or_false(table: Mapping[str, Any], key: str, default: bool, where: str, name: str) -> bool:
    value = table.get(key, default)
    if not isinstance(value, bool):  # "false" in quotes would otherwise be true
        raise ConfigError(messages.CONFIG_NOT_TRUE_FALSE.format(name=name, where=where, key=key, value=value))
    return value


def _server_hosts(server: Any, name: str) -> tuple[str, ...]:
    hosts = server.get("hosts", []) if isinstance(server, Mapping) else None
    if not isinstance(hosts, list) or not all(isinstance(h, str) and h.strip() for h in hosts):
        raise ConfigError(messages.OFFICE_BAD_HOSTS.format(name=name))
    return tuple(h.strip().lower() for h in hosts)


# An older config names no checks: the fields with a rule of their own had it by their name.
_LEGACY_CHECKS = (*KEY_FIELDS, "postal_code", EMAIL_FIELD, CHANNEL_FIELD)
_FIELD_KEYS = {"header": str, "printed": bool, "required": bool, "max_length": int, "check": str, "default": str}


def roster_fields(roster: Mapping[str, Any], name: str) -> tuple[RosterField, ...]:
    """Return the roster's fields from [roster.fields] (or an older config's columns, required and max_length)."""
    if "fields" in roster:
        if any(key in roster for key in ("columns", "required", "max_length")):
            raise ConfigError(messages.CONFIG_FIELDS_AND_COLUMNS.format(name=name))
        fields = [_roster_field(str(field), entry, name) for field, entry in roster["fields"].items()]
    elif "columns" in roster:
        required = roster.get("required", {}).get("fields", CORE_FIELDS)
        columns = {str(k): str(v) for k, v in roster["columns"].items()}
        unknown = [f for f in required if f not in columns]
        if unknown:
            raise ConfigError(messages.CONFIG_UNKNOWN_REQUIRED.format(name=name, fields=", ".join(unknown)))
        limits = {str(k): int(v) for k, v in roster.get("max_length", {}).items()}
        fields = [
            RosterField(
                field,
                header,
                required=field in required,
                max_length=limits.get(field),
                check=field if field in _LEGACY_CHECKS else "text",
            )
            for field, header in columns.items()
        ]
    else:
        raise ConfigError(messages.CONFIG_NEEDS_VALUE.format(name=name, where="roster", key="fields"))
    names = {f.name for f in fields}
    for core in CORE_FIELDS:
        if core not in names:
            raise ConfigError(messages.CONFIG_NEEDS_COLUMN.format(name=name, field=core))
    for f in fields:
        if f.name in CORE_FIELDS and not f.printed:
            raise ConfigError(messages.CONFIG_CORE_UNPRINTED.format(name=name, field=f.name))
    # The ID and the group are what a member is: never empty.
    return tuple(dataclasses.replace(f, required=True) if f.name in KEY_FIELDS else f for f in fields)


def _good_value(kind: type, value: object) -> bool:
    """Return whether a field's setting has its type: true/false, a whole number from 1, or a non-blank text."""
    if kind is bool:
        return isinstance(value, bool)
    if kind is int:
        return isinstance(value, int) and not isinstance(value, bool) and value >= 1
    return isinstance(value, str) and bool(value.strip())


def _roster_field(field: str, entry: Any, name: str) -> RosterField:
    where = f"roster.fields.{field}"
    if not isinstance(entry, Mapping):
        entry = {"header": entry}  # email = "メールアドレス": a field with every default
    if not field.isidentifier():
        raise ConfigError(messages.CONFIG_FIELD_NAME.format(name=name, where=where))
    for key, value in entry.items():
        kind = _FIELD_KEYS.get(key)
        if kind is None:
            raise ConfigError(
                messages.CONFIG_FIELD_UNKNOWN_KEY.format(
                    name=name, where=where, key=key, allowed=", ".join(_FIELD_KEYS)
                )
            )
        if not _good_value(kind, value):
            raise ConfigError(messages.CONFIG_FIELD_BAD_VALUE.format(name=name, where=where, key=key, value=value))
    if "header" not in entry:
        raise ConfigError(messages.CONFIG_NEEDS_VALUE.format(name=name, where=where, key="header"))
    return RosterField(field, **entry)


def template_constants(letter: Mapping[str, Any], cycle: str, date_style: str) -> dict[str, Any]:
    """Return the [letter] table as template context: dates printed the Japanese way."""

    def convert(value: Any) -> Any:
        if isinstance(value, dt.datetime):
            value = value.date()
        if isinstance(value, dt.date):
            return format_japanese_date(value, date_style)
        if isinstance(value, Mapping):
            return {k: convert(v) for k, v in value.items()}
        if isinstance(value, list):
            return [convert(v) for v in value]
        return value

    constants = {k: convert(v) for k, v in letter.items()}
    constants["cycle"] = cycle
    return constants


# tomllib's English reasons (Lib/tomllib/_parser.py), in the words of messages.CONFIG_TOML_REASONS.
_TOML_AT = re.compile(r"^(?P<reason>.*?)(?: \(at (?:line (?P<line>\d+), column (?P<column>\d+)|end of document)\))?$")


def _toml_error(name: str, detail: str) -> str:
    """Return tomllib's error in Japanese: the file, line and column, what is wrong and what to do."""
    found = _TOML_AT.match(detail)
    reason = found["reason"] if found else detail
    said = next((japanese for start, japanese in messages.CONFIG_TOML_REASONS if reason.startswith(start)), None)
    place = f"{name}:{found['line']}:{found['column']}" if found and found["line"] else name
    return messages.CONFIG_NOT_TOML.format(name=place, detail=said or messages.CONFIG_TOML_OTHER.format(detail=reason))

"""click's own words in Japanese: usage errors (a mistyped command, a missing option) and the help's headings."""

from __future__ import annotations

import re
from collections.abc import Iterable

import click

from mailmerge import messages

# click's English details of a bad value (click/types.py), as patterns of the message it makes.
_BAD_VALUES = (
    (re.compile(r"^'?(?P<value>.*?)'? is not a valid (integer|float|number)( range)?\.$"), messages.CLI_NOT_A_NUMBER),
    (re.compile(r"^(?P<value>.*) is not in the range (?P<range>.*)\.$"), messages.CLI_OUT_OF_RANGE),
    (re.compile(r"^'?(?P<value>.*?)'? is not one of (?P<choices>.*)\.$"), messages.CLI_NOT_A_CHOICE),
    (re.compile(r"^\w+ '(?P<value>.*)' does not exist\.$"), messages.CLI_PATH_MISSING),
    (re.compile(r"^\w+ '(?P<value>.*)' is a directory\.$"), messages.CLI_PATH_IS_FOLDER),
    (re.compile(r"^\w+ '(?P<value>.*)' is a file\.$"), messages.CLI_PATH_IS_FILE),
)
_EXTRA = re.compile(r"^Got unexpected extra arguments? \((?P<extra>.*)\)$")
_NEEDS_VALUE = re.compile(r"^Option '(?P<option>.*)' requires (an argument|\d+ arguments)\.$")
# What click appends to an option's help: "  [default: 1; required]" (click/core.py, Option.get_help_record).
_HELP_EXTRA = re.compile(r"(?P<gap>^|  )\[(?P<items>[^\[\]]*)\]$")
_HEADINGS = {"Options": "オプション", "Commands": "コマンド", "Positional arguments": "引数", "Arguments": "引数"}


class JapaneseHelp(click.HelpFormatter):
    """The help's usage line and section headings in Japanese (the texts are already)."""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, args, prefix=messages.CLI_USAGE_PREFIX if prefix is None else prefix)

    def write_heading(self, heading: str) -> None:
        super().write_heading(_HEADINGS.get(heading, heading))

    def write_dl(self, rows: Iterable[tuple[str, str]], col_max: int = 30, col_spacing: int = 2) -> None:
        super().write_dl([(term, _japanese_extra(text)) for term, text in rows], col_max, col_spacing)


class JapaneseContext(click.Context):
    formatter_class = JapaneseHelp


def _japanese_extra(text: str) -> str:
    """Return an option's help with click's "[default: 1]" (and required, env var) in Japanese: ［既定: 1］."""
    found = _HELP_EXTRA.search(text)
    if found is None:
        return text
    items = []
    for item in found["items"].split("; "):
        if item.startswith("default: "):
            item = messages.CLI_HELP_DEFAULT.format(value=item.removeprefix("default: "))
        elif item.startswith("env var: "):
            item = messages.CLI_HELP_ENV_VAR.format(value=item.removeprefix("env var: "))
        elif item == "required":
            item = messages.CLI_HELP_REQUIRED
        items.append(item)
    return text[: found.start()] + found["gap"] + messages.CLI_HELP_EXTRA.format(items="、".join(items))


def explain(exc: click.UsageError) -> list[str]:
    """Return the lines that say, in Japanese, what was wrong with the command line and where the help is."""
    lines = []
    command_path = exc.ctx.command_path if exc.ctx is not None else "mailmerge"
    if exc.ctx is not None:
        pieces = " ".join(exc.ctx.command.collect_usage_pieces(exc.ctx))
        lines.append(f"{messages.CLI_USAGE_PREFIX}{command_path} {pieces}".rstrip())
    lines.append(messages.ERROR_PREFIX + reason(exc))
    lines.append(messages.CLI_HELP_HINT.format(command=command_path))
    return lines


def reason(exc: click.UsageError) -> str:
    """Return what was wrong, in one Japanese sentence."""
    if isinstance(exc, click.exceptions.NoSuchCommand):
        return messages.CLI_NO_SUCH_COMMAND.format(name=exc.command_name) + _maybe(exc.possibilities)
    if isinstance(exc, click.NoSuchOption):
        return messages.CLI_NO_SUCH_OPTION.format(name=exc.option_name) + _maybe(exc.possibilities)
    if isinstance(exc, click.MissingParameter):
        template = messages.CLI_MISSING_OPTION if isinstance(exc.param, click.Option) else messages.CLI_MISSING_ARGUMENT
        return template.format(name=_name(exc.param))
    if isinstance(exc, click.BadParameter):
        return messages.CLI_BAD_VALUE.format(name=_name(exc.param), detail=_bad_value(exc.message))
    extra, needs_value = _EXTRA.match(exc.message), _NEEDS_VALUE.match(exc.message)
    if extra:
        return messages.CLI_EXTRA_ARGUMENTS.format(extra=extra["extra"])
    if needs_value:
        return messages.CLI_OPTION_NEEDS_VALUE.format(name=needs_value["option"])
    if not exc.message.isascii():  # our own words (a command's usage rule): already a sentence
        return exc.message
    return messages.CLI_USAGE_OTHER.format(detail=exc.message)


def _name(param: click.Parameter | None) -> str:
    if param is None:
        return "?"
    if isinstance(param, click.Option):
        return " / ".join(param.opts)
    return param.human_readable_name


def _bad_value(detail: str) -> str:
    for pattern, template in _BAD_VALUES:
        found = pattern.match(detail)
        if found:
            return template.format(**found.groupdict())
    return detail


def _maybe(possibilities: list[str] | None) -> str:
    return messages.CLI_DID_YOU_MEAN.format(names="、".join(possibilities)) if possibilities else ""

"""What a Word template and a filled document say as text: a template's problems, tags left over, the printed text.

No docxtpl here: the parts are read as XML text (render compiles and fills the templates).
"""

from __future__ import annotations

import html
import re
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

from mailmerge import messages
from mailmerge.errors import TemplateRenderError
from mailmerge.models import Problem
from mailmerge.render import BODY_PART, TEMPLATED_PART, TEXT_RUN, CompiledTemplate

_RELS_EXTERNAL = re.compile(rb'<Relationship\b[^>]*TargetMode="External"[^>]*>')
_REL_TYPE = re.compile(rb'Type="[^"]*/([A-Za-z]+)"')
_INCLUDE_FIELD = re.compile(r"\b(INCLUDEPICTURE|INCLUDETEXT|LINK|DDEAUTO|DDE)\b")
# Relationship types LibreOffice never fetches on conversion; an external hyperlink is only a link.
_HARMLESS_EXTERNAL = {b"hyperlink"}


def printed_text(package: Mapping[str, bytes]) -> tuple[str, str]:
    """Return the text a filled document prints once (body, notes) and on every page (headers, footers).

    Each with its paragraphs run together, as a PDF's text is compared (whitespace dropped, lines
    joined), to count the words the template itself prints.
    """
    once: list[str] = []
    every_page: list[str] = []
    for part in sorted(part for part in package if TEMPLATED_PART.match(part)):
        runs = TEXT_RUN.findall(package[part].decode("utf-8"))
        text = "".join(html.unescape(re.sub(r"<[^>]+>", "", run)) for run in runs)
        (every_page if re.match(r"word/(header|footer)", part) else once).append(text)
    return "".join(once), "".join(every_page)


# Braces and percent signs typed full-width in Word's Japanese input look like a tag and print as
# they are (｛｛ renewal_date ｝｝ in every letter): any pair with one full-width sign in it.
_LOOKALIKE_TAG = re.compile(r"｛\s*[{｛%％]|\{\s*[｛％]|[%％]\s*｝|％\s*\}|｝\s*[}｝]|\}\s*｝")


# What a tag left unfilled looks like in a filled document.
_LEFTOVER_TAG = re.compile(r"\{\{|\{%|%\}|\}\}")


_PARAGRAPH_START = re.compile(r"(?=<w:p[ >])")


def _paragraphs(xml: str) -> Iterator[tuple[int, str]]:
    """Yield each paragraph of a part as (its number from 1, its text)."""
    for number, chunk in enumerate(_PARAGRAPH_START.split(xml)[1:], start=1):
        yield number, html.unescape(re.sub(r"<[^>]+>", "", chunk)).strip()


def _tag_problems(part: str, xml: str, pattern: re.Pattern[str], message: str) -> list[str]:
    """Return a sentence per paragraph of ``xml`` where ``pattern`` is found, naming the part and paragraph."""
    found = []
    where = "" if part == BODY_PART else messages.TEMPLATE_PART_OF.format(part=part.removeprefix("word/"))
    for number, text in _paragraphs(xml):
        match = pattern.search(text)
        if match:
            snippet = text
            if len(text) > 40:  # a long paragraph: the words around the tag
                start, end = max(match.start() - 15, 0), match.end() + 15
                snippet = ("…" if start else "") + text[start:end] + ("…" if end < len(text) else "")
            found.append(message.format(where=where, paragraph=number, text=snippet, found=match.group()))
    return found


def leftover_tags(package: Mapping[str, bytes]) -> list[str]:
    """Return a sentence per paragraph of a filled document that still shows a tag's braces ({{, %}…)."""
    return [
        problem
        for part in sorted(package)
        if TEMPLATED_PART.match(part)
        for problem in _tag_problems(part, package[part].decode("utf-8"), _LEFTOVER_TAG, messages.TEMPLATE_LEFTOVER_TAG)
    ]


def inspect_template(
    path: Path, name: str, provided: Iterable[str], display: str | None = None
) -> tuple[CompiledTemplate | None, list[Problem]]:
    """Return the compiled template (None when broken) and every problem found in it.

    Checked: a valid Word file, Jinja syntax, variables nothing provides, and external
    content LibreOffice would fetch while converting (linked images, INCLUDEPICTURE fields).
    """
    shown = display or str(path)
    try:
        compiled = CompiledTemplate(path, name, shown)
    except TemplateRenderError as exc:  # recovers: a broken template is one of check's problems
        return None, [Problem("error", shown, str(exc).removeprefix(f"{shown}: "))]
    problems = []
    for variable in sorted(compiled.variables - set(provided)):
        problems.append(
            Problem(
                "error",
                shown,
                messages.TEMPLATE_UNKNOWN_FIELD.format(name=variable),
            )
        )
    with zipfile.ZipFile(path) as package:  # paragraphs numbered as Word shows them (before docxtpl's {%p %})
        for part in sorted(name for name in package.namelist() if TEMPLATED_PART.match(name)):
            xml = package.read(part).decode("utf-8")
            problems += [
                Problem("error", shown, m)
                for m in _tag_problems(part, xml, _LOOKALIKE_TAG, messages.TEMPLATE_LOOKALIKE_TAG)
            ]
    problems.extend(_external_content(path, shown))
    return compiled, problems


def _external_content(path: Path, display: str) -> list[Problem]:
    problems = []
    with zipfile.ZipFile(path) as package:
        for entry in package.namelist():
            if entry.endswith(".rels"):
                for rel in _RELS_EXTERNAL.findall(package.read(entry)):
                    kind = _REL_TYPE.search(rel)
                    kind_name = kind.group(1) if kind else b"unknown"
                    if kind_name not in _HARMLESS_EXTERNAL:
                        problems.append(
                            Problem(
                                "error",
                                display,
                                messages.TEMPLATE_EXTERNAL_LINK.format(kind=kind_name.decode()),
                            )
                        )
            elif TEMPLATED_PART.match(entry):
                text = package.read(entry).decode("utf-8", "replace")
                for field in sorted(set(_INCLUDE_FIELD.findall(text))):
                    if re.search(rf"<w:instrText[^>]*>[^<]*\b{field}\b|w:instr=\"[^\"]*\b{field}\b", text):
                        problems.append(
                            Problem(
                                "error",
                                display,
                                messages.TEMPLATE_EXTERNAL_FIELD.format(field=field),
                            )
                        )
    return problems

"""`mailmerge check`: the roster and the templates read and inspected, every problem found, nothing written."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mailmerge import fonts, layering, messages, pdf, render, roster, templatecheck
from mailmerge.config import Config
from mailmerge.errors import MailmergeError
from mailmerge.fsutil import sha256_of
from mailmerge.membernames import MemberNames
from mailmerge.models import Problem, Roster

# Variables the pipeline itself gives every template, besides the roster's fields and the config's constants.
PIPELINE_VARIABLES = ("member_id", "group", "enrolled", "document")


@dataclass(frozen=True)
class CheckResult:
    """What `mailmerge check` found: the roster read, the templates compiled, every problem."""

    roster: Roster
    templates: Mapping[str, render.CompiledTemplate]
    problems: tuple[Problem, ...]
    # Template -> why its pages cannot be shared between a group's members (None: they can; issue 14).
    paths: Mapping[str, str | None] = field(default_factory=dict)
    # Per template and group with members: (template, group, members, why converted whole or None).
    plan: tuple[tuple[str, str, int, str | None], ...] = ()
    # Template -> what it prints for made-up members (templatecheck.printed_text of layering.made_up_documents).
    template_texts: Mapping[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.is_error)

    @property
    def warnings(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if not p.is_error)


def provided_variables(config: Config) -> set[str]:
    """Return every name a template may use: roster fields, pipeline variables, config constants."""
    return set(config.template_fields) | set(PIPELINE_VARIABLES) | set(config.constants)


def check(
    config: Config, roster_path: Path | None = None, inspections: TemplateInspections | None = None
) -> CheckResult:
    """Read the roster and the templates, look for LibreOffice, and return every problem found, writing nothing.

    ``inspections``: the templates' inspection kept from an earlier check (the workspace's), used while
    the template files are byte for byte the same.
    """
    inspected = inspections.inspect(config) if inspections is not None else None
    checked = check_inputs(config, roster_path, inspected)
    try:
        pdf.find_soffice()
    except MailmergeError as exc:  # recovers: a missing LibreOffice is one of check's problems, listed with the rest
        return dataclasses.replace(checked, problems=(*checked.problems, Problem("error", "LibreOffice", str(exc))))
    return checked


@dataclass(frozen=True)
class TemplateInspection:
    """What the templates alone say, whatever the roster: compiled, their problems, their paths and text."""

    templates: Mapping[str, render.CompiledTemplate]
    problems: tuple[Problem, ...]
    paths: Mapping[str, str | None]
    texts: Mapping[str, tuple[tuple[str, str], ...]]


def inspect_templates(config: Config) -> TemplateInspection:
    """Inspect every template (Word file, tags, variables, tags left over when filled) and plan their paths."""
    provided = provided_variables(config)
    problems: list[Problem] = []
    templates: dict[str, render.CompiledTemplate] = {}
    used: set[str] = set()
    for name, path in config.documents.items():
        compiled, template_problems = templatecheck.inspect_template(path, name, provided, config.display_path(path))
        problems.extend(template_problems)
        if compiled is not None:
            templates[name] = compiled
            used |= compiled.variables
    if len(templates) == len(config.documents):
        for field_name in sorted(set(config.template_fields) - used - {"member_id"}):
            problems.append(
                Problem(
                    "warning",
                    config.display_path(config.path),
                    messages.COLUMN_UNUSED.format(column=config.columns[field_name]),
                )
            )
    paths: Mapping[str, str | None]
    if config.shared_pages:
        paths = layering.template_obstacles(templates, config.template_fields, config.constants)
    else:  # the composed path switched off: every template converted whole, nothing to look for
        paths = dict.fromkeys(templates, messages.LAYER_SWITCHED_OFF)
    made_up = layering.made_up_documents(templates, config.template_fields, config.constants)
    texts = {document: tuple(templatecheck.printed_text(p) for p in packages) for document, packages in made_up.items()}
    for document, packages in made_up.items():
        shown = config.display_path(config.documents[document])
        left = dict.fromkeys(message for package in packages for message in templatecheck.leftover_tags(package))
        problems.extend(Problem("error", shown, message) for message in left)
    return TemplateInspection(templates, tuple(problems), paths, texts)


class TemplateInspections:
    """The templates' last inspection, kept while their bytes (sha256) and what it reads of the config stay the same.

    A roster changes far more often than a template; inspecting both templates again for each roster
    saved is most of a check. The key is the files' content, not their times: a template put back as
    it was is the same template, and one edited within the same second is not.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._kept: tuple[tuple[Any, ...], TemplateInspection] | None = None

    def inspect(self, config: Config) -> TemplateInspection:
        """Return the templates' inspection, made again only when a template or the config's part changed."""
        with self._lock:
            key = _inspection_key(config)
            if self._kept is not None and self._kept[0] == key:
                return self._kept[1]
            inspected = inspect_templates(config)
            # Kept only when no template changed while it was read: else the next check inspects again.
            if _inspection_key(config) == key:
                self._kept = (key, inspected)
            return inspected


def _inspection_key(config: Config) -> tuple[Any, ...]:
    """Return what an inspection is made from: each template's bytes and what it reads of the config."""
    files = tuple(
        (name, str(path), sha256_of(path) if path.is_file() else None) for name, path in config.documents.items()
    )
    read = (
        sorted(provided_variables(config)),
        config.template_fields,
        dict(config.columns),
        config.shared_pages,
        str(config.path),
        str(config.root),
    )
    return files, repr(read), repr(config.constants)


def check_inputs(config: Config, roster_path: Path | None, inspected: TemplateInspection | None = None) -> CheckResult:
    """Return the roster and the templates read and checked (``inspected``: the templates as already inspected)."""
    # The templates' fonts: each one installed (else an error), and the characters they print.
    font_check = fonts.check_template_fonts({config.display_path(p): p for p in config.documents.values()})
    loaded = roster.load_roster(config, roster_path, fonts=font_check.maps)
    # The roster reader has already refused member IDs unsafe as folder names.
    templates = inspected if inspected is not None else inspect_templates(config)
    counts = {group: len(members) for group, members in loaded.by_group().items()}
    plan = tuple(layering.planned_paths(templates.paths, counts, config.shared_pages_from))
    problems = [*loaded.problems, *font_check.problems, *templates.problems]
    problems.extend(_named_in_templates(config, loaded, templates.texts))
    return CheckResult(loaded, templates.templates, tuple(problems), templates.paths, plan, templates.texts)


def _named_in_templates(
    config: Config, loaded: Roster, texts: Mapping[str, Sequence[tuple[str, str]]]
) -> list[Problem]:
    """Warn of each member whose name a template prints by itself (the insurer, 「ATS」): a reviewer should look."""
    names = MemberNames({m.member_id: m.display_name for m in loaded.members}, texts)
    found = names.in_template_text()
    display = config.display_path(loaded.source)
    return [
        Problem(
            "warning",
            display,
            messages.NAME_IN_TEMPLATE.format(
                templates="、".join(config.display_path(config.documents[d]) for d in found[m.member_id])
            ),
            m.row,
            config.columns["organisation"],
        )
        for m in loaded.members
        if m.member_id in found
    ]

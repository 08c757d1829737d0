"""What a run's documents are made from, read without making anything: the input hash, the current inputs.

The after-run side (mailing, the review app, print, archive) compares the manifest's input hashes with
the current roster, templates and config through this module alone, so it never loads the making
stage (rendering, LibreOffice, the composed path).
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mailmerge import __version__, roster
from mailmerge.config import Config
from mailmerge.fsutil import sha256_of
from mailmerge.models import Member, Roster

# The run's summary (counts, timings, paths), written beside manifest.csv.
SUMMARY_NAME = "summary.json"


def input_digest(member: Member, document: str, template_sha256: str, config: Config) -> str:
    """Return the hash of everything a document is made from: roster row, template, config, program.

    Only the printed fields count (``member.fields``): an unprinted field changes no document.
    """
    inputs = {
        "program": __version__,
        "cycle": config.cycle,
        "document": document,
        "template": template_sha256,
        "member_id": member.member_id,
        "group": member.group,
        "fields": dict(member.fields),
        "constants": config.constants,
    }
    return hashlib.sha256(json.dumps(inputs, ensure_ascii=False, sort_keys=True).encode("utf-8")).hexdigest()


def template_hashes(config: Config) -> dict[str, str]:
    """Return each document's template hash (a template missing now is left out)."""
    return {name: sha256_of(path) for name, path in config.documents.items() if path.is_file()}


@dataclass(frozen=True)
class CurrentInputs:
    """The roster and templates as they are now, to tell whether a document is still what they make."""

    config: Config
    roster: Roster
    template_hashes: Mapping[str, str]

    def digest(self, member: Member, document: str) -> str:
        """Return the input hash a document of ``member`` would have if it were made now."""
        template = self.template_hashes.get(document, "")
        key = (self._settings, document, template, member.member_id, member.group, tuple(member.fields.items()))
        found = _DIGESTS.get(key)
        if found is None:
            found = input_digest(member, document, template, self.config)
            if len(_DIGESTS) >= _MAX_DIGESTS:
                _DIGESTS.clear()
            _DIGESTS[key] = found
        return found

    @functools.cached_property
    def _settings(self) -> str:
        """Return what every input hash holds besides the member, the document and the template, as text."""
        return json.dumps([__version__, self.config.cycle, self.config.constants], ensure_ascii=False, sort_keys=True)


# The input hashes worked out by CurrentInputs.digest, by everything they are made from: a roster saved
# again changes a few rows, and the review app opening the run again hashes only those (bounded).
_DIGESTS: dict[tuple[Any, ...], str] = {}
_MAX_DIGESTS = 100_000


def read_current(config: Config, roster_path: Path | None = None) -> CurrentInputs:
    """Read the roster (``roster_path``: the one a run was made from, else the config's) and hash the templates.

    The roster is checked, its problems kept; nothing else is looked for (no LibreOffice, nothing made).
    """
    return CurrentInputs(config, roster.load_roster(config, roster_path), template_hashes(config))


def run_roster(summary: Mapping[str, Any]) -> Path | None:
    """Return the roster file a run was made from (summary.json's ``roster_path``), None for older runs."""
    recorded = summary.get("roster_path")
    return Path(recorded) if isinstance(recorded, str) and recorded else None


@dataclass(frozen=True)
class RosterChanges:
    """What another roster would change against the current one: members added and removed (IDs, in its
    order), and each remaining member's printed fields that differ (field names; the group counts as one).
    """

    added: tuple[str, ...]
    removed: tuple[str, ...]
    changed: tuple[tuple[str, tuple[str, ...]], ...]


def roster_changes(current: Roster, other: Roster) -> RosterChanges:
    """Return what replacing ``current`` by ``other`` changes in what is printed (unprinted fields change nothing)."""
    before = {m.member_id: m for m in current.members}
    after = {m.member_id: m for m in other.members}
    changed = []
    for member_id, member in after.items():
        old = before.get(member_id)
        if old is None:
            continue
        names = ["group"] if old.group != member.group else []
        keys = dict.fromkeys([*old.fields, *member.fields])
        names += [k for k in keys if old.fields.get(k, "") != member.fields.get(k, "")]
        if names:
            changed.append((member_id, tuple(names)))
    return RosterChanges(
        added=tuple(m for m in after if m not in before),
        removed=tuple(m for m in before if m not in after),
        changed=tuple(changed),
    )

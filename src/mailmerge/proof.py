"""An edited template before it is taken: `check` with it in place, and a 試し刷り (one member's PDF made from it)."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING

from mailmerge import messages
from mailmerge.config import Config
from mailmerge.errors import MailmergeError
from mailmerge.manifest import MANIFEST_NAME, read_manifest

if TYPE_CHECKING:
    from mailmerge import pipeline

# The pipeline is imported where a check or a proof runs: the review app, which imports this module for
# its workspace pages, never loads the making stage (rendering, LibreOffice) until it is used.


def with_template(config: Config, document: str, template: Path) -> Config:
    """Return the config with one document's template replaced (nothing written)."""
    return dataclasses.replace(config, documents={**config.documents, document: template})


def check_template(config: Config, document: str, template: Path) -> pipeline.CheckResult:
    """Return `mailmerge check`'s result with the edited template in place of the current one."""
    from mailmerge import pipeline

    return pipeline.check(with_template(config, document, template))


def proof(config: Config, document: str, template: Path, out_dir: Path, group: str | None = None) -> Path:
    """Make the first member's documents (of ``group``, if given) from the edited template into ``out_dir``.

    The same run as `mailmerge run --limit 1` (checked, converted by LibreOffice, verified); return the
    PDF of ``document``.
    """
    from mailmerge import pipeline

    result = pipeline.run(with_template(config, document, template), out_dir=out_dir, only=group, limit=1)
    rows = [r for r in read_manifest(result.out_dir / MANIFEST_NAME) if r.document == document]
    if not rows:
        raise MailmergeError(messages.PROOF_MISSING.format(document=document))
    return result.out_dir / rows[0].pdf

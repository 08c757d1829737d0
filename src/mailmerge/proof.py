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


def proof(config: Config, document: str, template: Path, out_dir: Path, member_id: str) -> Path:
    """Make one member's documents from the edited template into ``out_dir``; return the PDF of ``document``.

    The same run as `mailmerge run` for that member alone (checked, converted by LibreOffice, verified).
    The folder keeps the members proofed before (their rows stay in its manifest): the chosen one's is returned.
    """
    from mailmerge import pipeline

    result = pipeline.run(with_template(config, document, template), out_dir=out_dir, member_ids={member_id})
    rows = [
        r for r in read_manifest(result.out_dir / MANIFEST_NAME) if r.document == document and r.member_id == member_id
    ]
    if not rows:
        raise MailmergeError(messages.PROOF_MISSING.format(document=document))
    return result.out_dir / rows[0].pdf

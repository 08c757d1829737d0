"""Where a cycle stands: each step of 名簿 → 文面 → 作成 → 確認 → 印刷 → 送信 → 発送・封印 and the next thing to do.

送信 (e-mail) is a step only when mailmerge.toml has an [email] table.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from mailmerge import messages, printing
from mailmerge.config import Config
from mailmerge.dates import JST
from mailmerge.mailing import RunView
from mailmerge.review import STALE, STATUSES, UNDECIDED

if TYPE_CHECKING:
    from mailmerge.pipeline import CheckResult

STEPS = ("roster", "templates", "run", "review", "print", "send", "seal")


@dataclass(frozen=True)
class Step:
    """One step of the cycle: its key, its state (done, next, attention, waiting) and its words."""

    key: str
    state: str
    words: str
    note: str = ""


@dataclass(frozen=True)
class Overview:
    """The cycle at a glance: every step, and the one next action (a step key, or "done")."""

    cycle: str
    steps: tuple[Step, ...]
    next_action: str


def jst(moment: float | datetime, year: bool = False) -> str:
    """Return a time as the secretariat reads it: Japan time, 12月3日 14:02 (2026年12月3日 14:02 with ``year``).

    The year is for lists that span cycles (送付記録), where 12月3日 alone could be any December.
    """
    when = moment if isinstance(moment, datetime) else datetime.fromtimestamp(moment, UTC)
    local = when.astimezone(JST)
    return f"{local.year}年" * year + f"{local.month}月{local.day}日 {local:%H:%M}"


def overview(
    config: Config,
    checked: CheckResult | None,
    check_error: str,
    view: RunView | None,
    sealed: Mapping[str, object],
    running: Callable[[], tuple[int, int] | None] = lambda: None,
    mail_counts: tuple[int, int, int] = (0, 0, 0),
    run_error: str = "",
) -> Overview:
    """Return each step's state from what the folder, the roster and the decisions say now.

    ``checked`` is `mailmerge check`'s result (None when it could not be made: ``check_error`` says
    why); ``view`` the run as the reviewers see it (None before the first run); ``sealed`` the
    members sealed in this cycle; ``running`` the progress of a run under way, if any; ``mail_counts``
    the members to e-mail, e-mailed, and unknown (sending.plan); ``run_error`` why the run in the
    folder could not be read (``view`` is None then too, but the run is not "not made yet").
    """
    roster_file = Path(config.roster)
    states: dict[str, tuple[bool, str, str]] = {}  # key -> (needs work, words, note)
    if not roster_file.is_file():
        states["roster"] = (True, messages.STEP_ROSTER_MISSING.format(name=roster_file.name), "")
    elif checked is None:
        states["roster"] = (True, messages.STEP_ROSTER_UNREADABLE.format(detail=check_error), "")
    else:
        roster_errors = [p for p in checked.errors if not _is_template(p.file, config)]
        states["roster"] = (
            bool(roster_errors),
            messages.STEP_ROSTER.format(
                name=roster_file.name,
                when=jst(roster_file.stat().st_mtime),
                members=len(checked.roster.members),
                errors=len(roster_errors),
            ),
            "",
        )
    template_errors = [p for p in (checked.errors if checked else ()) if _is_template(p.file, config)]
    names = ", ".join(f"{p.name}（{jst(p.stat().st_mtime)} 更新）" for p in config.documents.values() if p.is_file())
    states["templates"] = (
        bool(template_errors),
        messages.STEP_TEMPLATES.format(names=names, errors=len(template_errors)),
        "",
    )

    complete: dict[str, bool] = {}  # a later step without work to do is done only when it was done
    progress = running()
    if view is None and run_error and not progress:
        states["run"] = (True, messages.STEP_RUN_UNREADABLE.format(detail=run_error), "")
        for key, words in messages.STEP_WAITS_FOR_READABLE_RUN.items():
            states[key] = (True, words, "")
    elif view is None:
        words = (
            messages.STEP_RUN_RUNNING.format(done=progress[0], total=progress[1])
            if progress
            else messages.STEP_RUN_NONE
        )
        states["run"] = (True, words, "")
        states["review"] = (True, messages.STEP_REVIEW_NONE, "")
        states["print"] = (True, messages.STEP_PRINT_NONE, "")
        states["send"] = (True, messages.STEP_SEND_NONE, "")
        states["seal"] = (True, messages.STEP_SEAL_NONE, "")
    else:
        made = view.out_dir / "manifest.csv"
        # A member whose documents were made from another roster row, or not made yet (added since).
        changed = sum(1 for r in view.reviews if r.facts.roster_changed or not r.complete)
        # A member whose files on disk are not the ones made (edited, swapped): nothing of it may go out.
        swapped = [r.member_id for r in view.reviews if not r.files_as_made]
        words = messages.STEP_RUN.format(when=jst(made.stat().st_mtime), documents=len(view.rows))
        if progress:
            words = messages.STEP_RUN_RUNNING.format(done=progress[0], total=progress[1])
        notes = [messages.STEP_RUN_CHANGED.format(count=changed)] if changed else []
        if swapped:
            notes.append(messages.STEP_RUN_FILES_CHANGED.format(count=len(swapped), member_ids=_some(swapped)))
        states["run"] = (bool(changed or swapped) or progress is not None, words, " ".join(notes))
        counts = {s: 0 for s in STATUSES}
        for r in view.reviews:
            counts[r.status] += 1
        states["review"] = (counts[UNDECIDED] + counts[STALE] > 0, messages.STEP_REVIEW.format(**counts), "")
        approved = [r for r in view.reviews if r.approved]
        states["print"] = _print_state(view, approved)
        complete["print"] = (view.out_dir / printing.PRINT_DIR / printing.LIST_NAME).is_file() and not states["print"][
            0
        ]
        to_mail, mailed, unknown = mail_counts
        states["send"] = (
            bool(to_mail or unknown),
            messages.STEP_SEND.format(waiting=to_mail, sent=mailed, unknown=unknown),
            "",
        )
        complete["send"] = bool(mailed) and not (to_mail or unknown)
        waiting = sum(1 for r in approved if r.member_id not in sealed)
        sealed_words = (
            messages.STEP_SEAL.format(sealed=len(sealed), waiting=waiting) if sealed else messages.STEP_SEAL_NONE
        )
        states["seal"] = (waiting > 0, sealed_words, "")
        complete["seal"] = bool(sealed) and waiting == 0
    keys = [key for key in STEPS if key != "send" or config.email is not None]
    next_action = next((key for key in keys if states[key][0]), "done")
    before = keys.index(next_action) if next_action in keys else len(keys)
    steps = []
    for at, key in enumerate(keys):
        needs, words, note = states[key]
        if key == next_action:
            state = "next"
        elif needs:
            state = "attention" if at < before else "waiting"
        else:
            state = "done" if at < before or complete.get(key, True) else "waiting"
        steps.append(Step(key, state, words, note))
    return Overview(config.cycle, tuple(steps), next_action)


# Member IDs named on ホーム at most: the rest are counted (a thousand IDs is no line to read).
_IDS_NAMED = 10


def _some(member_ids: list[str]) -> str:
    more = len(member_ids) - _IDS_NAMED
    return ", ".join(member_ids[:_IDS_NAMED]) + (messages.STEP_MORE_IDS.format(count=more) if more > 0 else "")


def _print_state(view: RunView, approved: list) -> tuple[bool, str, str]:
    listed = view.out_dir / printing.PRINT_DIR / printing.LIST_NAME
    if not listed.is_file():
        return (bool(approved), messages.STEP_PRINT_NONE, "")
    printed_at = listed.stat().st_mtime
    decided = [r.decision.decided_at for r in view.reviews if r.decision is not None]
    newest = max(decided, default="")
    newest_at = datetime.strptime(newest, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC).timestamp() if newest else 0
    made_at = (view.out_dir / "manifest.csv").stat().st_mtime
    older = newest_at > printed_at or made_at > printed_at
    template = messages.STEP_PRINT_OLDER if older else messages.STEP_PRINT
    return (older and bool(approved), template.format(when=jst(printed_at)), "")


def _is_template(file: str, config: Config) -> bool:
    return any(file == config.display_path(p) for p in config.documents.values())

"""The archive as the secretariat uses it: seal the sample cycle, tamper with it, look members up, interrupt it."""

from __future__ import annotations

import csv
import datetime as dt
import html
import os
import re
import shutil
import signal
import sqlite3
import stat
import subprocess
import sys
import textwrap
import time
from contextlib import closing
from pathlib import Path

import pytest
from click.testing import CliRunner

from mailmerge import archive, mailing, messages, printrun, sealing, webapp
from mailmerge.cli import main
from mailmerge.config import load_config
from mailmerge.dates import today_jst
from mailmerge.fsutil import sha256_of
from mailmerge.manifest import read_manifest
from mailmerge.store import REVIEW_DB_NAME, ArchiveIndex, DecisionStore

from conftest import DATA, write_config
from helpers import manifest_rows

SENT_ON = today_jst().isoformat()  # the letters are printed today: they cannot have been sent before
SENT_ON_WORDS = f"{today_jst().year}年{today_jst().month}月{today_jst().day}日"  # as the seal line writes it
REVIEWER = "審査 花子"


def invoke(*args: str):
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture(scope="module")
def sample_runs(tmp_path_factory) -> dict[str, Path]:
    """A real `mailmerge run` of the sample roster for cycle 2024 and for cycle 2025, once per module."""
    base = tmp_path_factory.mktemp("runs")
    outs = {}
    for cycle in ("2024", "2025"):
        folder = base / cycle
        folder.mkdir()
        config = write_config(folder, cycle=f'"{cycle}"')
        result = invoke("run", "--config", config, "--out", folder / "out", "--quiet")
        assert result.exit_code == 0, result.output
        outs[cycle] = folder / "out"
    return outs


def cycle_in(tmp_path: Path, sample_runs: dict[str, Path], cycle: str = "2024", **overrides: str) -> tuple[Path, Path]:
    """Copy a sample run into tmp_path: return (config, out folder); the archive goes to tmp_path/archive."""
    folder = tmp_path / cycle
    folder.mkdir(exist_ok=True)
    config = write_config(folder, cycle=f'"{cycle}"', **overrides)
    out = folder / "out"
    shutil.copytree(sample_runs[cycle], out)
    return config, out


def approve(config: Path, out: Path, member_ids: list[str] | None = None, *, printed: bool = True) -> None:
    """Approve members (None: all), then print every approved member (`archive` seals what was printed)."""
    mailing.record_decisions(load_config(config), out, member_ids, "approved", "", REVIEWER)
    if printed:
        printrun.print_run(load_config(config), out)


def seal(config: Path, out: Path, archive_dir: Path | None, sent_on: str = SENT_ON):
    where = ["--archive", archive_dir] if archive_dir is not None else []  # default: archive/ beside the config
    return invoke("archive", "--config", config, "--out", out, "--sent-on", sent_on, *where)


def member_ids(out: Path) -> list[str]:
    return list(dict.fromkeys(row["member_id"] for row in manifest_rows(out)))


def bag_info(folder: Path) -> dict[str, str]:
    lines = (folder / "bag-info.txt").read_text(encoding="utf-8").splitlines()
    return dict(line.split(": ", 1) for line in lines)


def test_sealing_the_sample_cycle_makes_a_read_only_bag_and_index(tmp_path: Path, sample_runs) -> None:
    config, out = cycle_in(tmp_path, sample_runs)
    archive_dir = tmp_path / "archive"
    approve(config, out)
    result = seal(config, out, archive_dir)
    assert result.exit_code == 0, result.output
    bag = archive_dir / "2024" / SENT_ON
    assert result.output.splitlines()[0] == (
        f"封印しました（2024 年度、発送日 {SENT_ON_WORDS}）: 30 名（加入 18 名、未加入 12 名）、60 文書"
        f"（保管先: {bag}）"
    )
    info = bag_info(bag)
    assert (info["Cycle"], info["Sent-On"], info["Members-Total"], info["Documents-Total"]) == (
        "2024",
        SENT_ON,
        "30",
        "60",
    )
    assert (
        info["Members-Enrolled"],
        info["Documents-Enrolled"],
        info["Members-Unenrolled"],
        info["Documents-Unenrolled"],
    ) == ("18", "36", "12", "24")
    assert info["Sealed-By"] and info["Roster-SHA256"] == sha256_of(load_config(config).roster)
    # The run's own layout, byte for byte, with the roster, config, templates and decisions.
    letter = bag / "data/enrolled/0001/letter.pdf"
    assert sha256_of(letter) == sha256_of(out / "enrolled/0001/letter.pdf")
    for rel in (
        "data/roster/members.xlsx",
        "data/config/mailmerge.toml",
        "data/templates/letter.docx",
        "data/templates/overview.docx",
        "data/decisions.csv",
        "data/unenrolled/0030/overview.docx",
    ):
        assert (bag / rel).is_file(), rel
    with (bag / "data/decisions.csv").open(encoding="utf-8-sig", newline="") as handle:
        decisions = list(csv.DictReader(handle))
    assert len(decisions) == 60 and {d["reviewer"] for d in decisions} == {REVIEWER}
    assert {d["decision"] for d in decisions} == {"approved"}
    # Opened in Excel, the approval's time reads as Japan time, like the print's.
    assert all(d["decided_at"].endswith("+09:00") and d["printed_at"].endswith("+09:00") for d in decisions)
    # Read-only for the owner only: files 0400, folders 0500; nothing else lies around.
    for path in [bag, *bag.rglob("*")]:
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode == (0o500 if path.is_dir() else 0o400), (path, oct(mode))
    assert not archive.staging_leftovers(archive_dir)
    assert stat.S_IMODE((archive_dir / "archive.db").stat().st_mode) == 0o600
    # The index knows what was sealed, and the review app can ask.
    status = sealing.sealed_status(archive_dir, "2024")
    assert len(status) == 30 and status["0001"][0] == SENT_ON
    checked = invoke("verify", "--archive", archive_dir)
    assert checked.exit_code == 0, checked.output
    assert checked.output.strip() == f"問題ありません: 封印 1 件, ファイル 125 件を確かめました（{archive_dir}）。"


def test_verify_names_a_changed_a_missing_and_an_extra_file(tmp_path: Path, sample_runs) -> None:
    config, out = cycle_in(tmp_path, sample_runs)
    archive_dir = tmp_path / "archive"
    approve(config, out)
    assert seal(config, out, archive_dir).exit_code == 0
    bag = archive_dir / "2024" / SENT_ON
    changed, deleted = bag / "data/enrolled/0002/letter.pdf", bag / "data/enrolled/0020/overview.docx"
    added = bag / "data/unenrolled/0003/extra.pdf"
    for folder in (changed.parent, deleted.parent, added.parent):
        folder.chmod(0o700)  # what someone tampering would have to do first
    changed.chmod(0o600)
    data = bytearray(changed.read_bytes())
    data[len(data) // 2] ^= 0x01
    changed.write_bytes(bytes(data))
    deleted.unlink()
    added.write_bytes(b"%PDF-1.4 not sent\n")
    for folder in (changed.parent, deleted.parent, added.parent):
        folder.chmod(0o500)
    for path in (changed, added):
        path.chmod(0o400)

    result = invoke("verify", "--archive", archive_dir, "2024")
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert f"{changed}: 中身が封印時と違います（sha256 不一致）" in lines
    assert f"{deleted}: ファイルがありません（封印時にはありました）" in lines
    assert f"{added}: 封印時になかったファイルがあります" in lines
    # The index against the bag, both ways.
    assert f"{deleted}: 索引（archive.db）にある封印・ファイルが見つかりません" in lines
    assert f"{added}: 索引（archive.db）に記録がありません" in lines
    assert (
        lines[-1]
        == f"エラー: 問題が {len(lines) - 1} 件あります（上の一覧）。封印の中身は直さず、バックアップと照らし合わせ"
        f"てください。"
    )


def test_verify_holds_the_index_against_each_bag(tmp_path: Path, sample_runs) -> None:
    config, out = cycle_in(tmp_path, sample_runs)
    archive_dir = tmp_path / "archive"
    approve(config, out)
    assert seal(config, out, archive_dir).exit_code == 0
    bag = archive_dir / "2024" / SENT_ON
    # Someone edits the index, not the bag: history would now tell another story.
    with closing(sqlite3.connect(archive_dir / "archive.db")) as db, db:
        db.execute("UPDATE documents SET member_id = '0002' WHERE member_id = '0001'")
        db.execute("UPDATE decisions SET reviewer = '偽 太郎' WHERE member_id = '0003'")
        db.execute("UPDATE batches SET sent_on = '2026-11-20'")
    result = invoke("verify", "--archive", archive_dir)
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[:-1] == [
        f"{bag}/bag-info.txt: 発送日（Sent-On）が索引（archive.db）と封印で違います（索引: 2026-11-20、封印: "
        f"{SENT_ON}）",
        f"{bag}/data/decisions.csv: 会員番号 0003 の承認者が索引（archive.db）と封印で違います（索引: 偽 "
        f"太郎、封印: {REVIEWER}）",
        *(
            f"{bag}/data/enrolled/0001/{name}: 索引（archive.db）では会員番号 0002（{document}）、"
            f"封印（decisions.csv）では会員番号 0001（{document}）です"
            for name, document in (
                ("letter.docx", "letter"),
                ("letter.pdf", "letter"),
                ("overview.docx", "overview"),
                ("overview.pdf", "overview"),
            )
        ),
    ]
    assert (
        lines[-1]
        == "エラー: 問題が 6 件あります（上の一覧）。封印の中身は直さず、バックアップと照らし合わせてください。"
    )


def test_verify_names_files_readable_by_others_and_a_batch_missing_from_the_index(tmp_path: Path, sample_runs) -> None:
    config, out = cycle_in(tmp_path, sample_runs)
    archive_dir = tmp_path / "archive"
    approve(config, out)
    assert seal(config, out, archive_dir).exit_code == 0
    bag = archive_dir / "2024" / SENT_ON
    (bag / "data/roster/members.xlsx").chmod(0o444)
    copy = archive_dir / "2024" / "2026-12-02"
    shutil.copytree(bag, copy)
    result = invoke("verify", "--archive", archive_dir)
    assert result.exit_code == 1
    lines = result.output.splitlines()
    roster = bag / "data/roster/members.xlsx"
    assert (
        f"{roster}: このコンピューターの他の利用者も読むことができます（封印は作った人だけが開けるようにします）。"
        f'直すには、このコマンドを実行してください: chmod -R go-rwx "{roster}"'
    ) in lines
    assert f"{copy}: 索引（archive.db）に記録がありません" in lines


def test_sealing_again_with_nothing_new_is_refused(tmp_path: Path, sample_runs) -> None:
    config, out = cycle_in(tmp_path, sample_runs)
    archive_dir = config.parent / "archive"
    approve(config, out)
    assert seal(config, out, None).exit_code == 0
    again = seal(config, out, None, sent_on="2026-12-02")
    assert again.exit_code == 1
    assert again.output.splitlines()[-1] == (
        "エラー: 封印するものがありません: 年度 2024 で前回の封印の後に印刷した会員はいません（封印済み 30 会員）。"
    )
    assert [p.name for p in archive.bag_folders(archive_dir)] == [SENT_ON]


def test_one_more_approval_makes_a_second_batch_with_only_that_member(tmp_path: Path, sample_runs) -> None:
    config, out = cycle_in(tmp_path, sample_runs)
    archive_dir = tmp_path / "archive"
    ids = member_ids(out)
    approve(config, out, [i for i in ids if i != "0007"])
    first = seal(config, out, archive_dir)
    assert first.exit_code == 0, first.output
    assert "）: 29 名（" in first.output
    assert "今回封印しなかった会員（未承認・保留で未印刷）: 1 名。" in first.output
    approve(config, out, ["０００７"])  # typed full-width: compared as the roster compares
    second = seal(config, out, archive_dir)
    assert second.exit_code == 0, second.output
    bag = archive_dir / "2024" / f"{SENT_ON}-2"
    assert second.output.splitlines()[0].startswith(
        f"封印しました（2024 年度、発送日 {SENT_ON_WORDS}）: 1 名（加入 1 名、未加入 0 名）、2 文書（保管先: {bag}）"
    )
    members = sorted(
        p.name for group in ("enrolled", "unenrolled") for p in (bag / "data" / group).glob("*") if p.is_dir()
    )
    assert members == ["0007"]
    assert bag_info(bag)["Members-Total"] == "1"
    assert sealing.sealed_status(archive_dir, "2024")["0007"][0] == SENT_ON
    assert invoke("verify", "--archive", archive_dir).exit_code == 0


def test_history_lists_a_members_notices_across_two_cycles(tmp_path: Path, sample_runs) -> None:
    archive_dir = tmp_path / "archive"
    for cycle, sent_on in (("2024", SENT_ON), ("2025", SENT_ON)):
        config, out = cycle_in(tmp_path, sample_runs, cycle)
        approve(config, out)
        assert seal(config, out, archive_dir, sent_on=sent_on).exit_code == 0
    result = invoke("history", " ０００１ ", "--archive", archive_dir)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    # Two sendings (one a cycle), each of a letter and an overview as PDF and DOCX; paths below the archive.
    assert lines[0] == f"会員番号 0001: 発送 2 回、封印したファイル 8 件（保存先 {archive_dir}）"
    pdf_2024 = archive_dir / f"2024/{SENT_ON}/data/enrolled/0001/letter.pdf"
    sha = sha256_of(pdf_2024)
    assert any(
        line.startswith(f"2024年度  発送日 {SENT_ON}  加入  書状 PDF  1ページ  sha256 {sha}  承認 {REVIEWER} (")
        and line.endswith(f"  2024/{SENT_ON}/data/enrolled/0001/letter.pdf")
        for line in lines
    )
    assert sum("  概要 DOCX  " in line for line in lines) == 2
    # Times a person reads are Japan time with its offset, as the approval recorded in UTC says.
    assert all(re.search(r"承認 .* \(\d{4}-\d\d-\d\d \d\d:\d\d \(\+09:00\)\)  ", line) for line in lines[1:]), lines
    assert re.fullmatch(
        r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+09:00", bag_info(archive_dir / f"2024/{SENT_ON}")["Sealed-At"]
    )
    assert sum(f"2025年度  発送日 {SENT_ON}  加入" in line for line in lines) == 4
    assert all("0002" not in line for line in lines[1:])
    unknown = invoke("history", "9999", "--archive", archive_dir)
    assert unknown.exit_code == 1
    assert (
        unknown.output.splitlines()[-1] == f"エラー: 会員番号 9999: 封印された送付記録はありません（{archive_dir}）。"
    )


def test_archive_leaves_out_members_remade_after_printing_and_refuses_changed_files_and_an_incomplete_run(
    tmp_path: Path, sample_runs
) -> None:
    # A roster copy whose member 0005 changed after the approvals and the print: rerun, and what
    # was printed for 0005 is no longer its letter.
    roster = tmp_path / "members.csv"
    rows = list(csv.reader((DATA / "sample_utf8.csv").open(encoding="utf-8", newline="")))
    for row in rows:
        if row[0] == "0005":
            row[7] = (row[7] + " 別館").strip()
    with roster.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    config, out = cycle_in(tmp_path, sample_runs, path=f'"{DATA / "sample_utf8.csv"}"')
    archive_dir = tmp_path / "archive"
    approve(config, out)
    config = write_config(tmp_path / "2024", cycle='"2024"', path=f'"{roster}"')
    assert invoke("run", "--config", config, "--out", out, "--quiet").exit_code == 0
    sealed = seal(config, out, archive_dir)
    assert sealed.exit_code == 0, sealed.output
    assert "）: 29 名（" in sealed.output.splitlines()[0]
    assert (
        "印刷した後に文書が作り直されたため封印しなかった会員: 1 名（会員番号 0005）。"
        "確認・承認し直し、印刷して発送してから封印してください。"
    ) in sealed.output.splitlines()
    assert "0005" not in sealing.sealed_status(archive_dir, "2024")
    # Approved again and printed: sealed in a batch of its own.
    approve(config, out, ["0005"])
    again = seal(config, out, archive_dir)
    assert again.exit_code == 0, again.output
    assert "）: 1 名（" in again.output.splitlines()[0]
    # A file changed after the print: what would be sealed is not what was approved and printed.
    (tmp_path / "b").mkdir()
    config, out = cycle_in(tmp_path / "b", sample_runs)
    approve(config, out)
    pdf = out / "unenrolled/0021/letter.pdf"
    pdf.write_bytes(pdf.read_bytes() + b"\n")
    archive_dir = tmp_path / "b" / "archive"
    changed = seal(config, out, archive_dir)
    assert changed.exit_code == 1
    assert changed.output.splitlines()[-1].startswith(
        f"エラー: 会員番号 0021 の文書が作成・承認時のファイルと違います（{pdf}）"
    )
    assert not archive.bag_folders(archive_dir) and not archive.staging_leftovers(archive_dir)
    # A manifest that lacks a member's document.
    manifest = out / "manifest.csv"
    lines = manifest.read_text(encoding="utf-8-sig").splitlines(keepends=True)
    manifest.write_text(
        "".join(line for line in lines if not line.startswith("0003,") or ",概要," not in line),
        encoding="utf-8-sig",
    )
    incomplete = seal(config, out, archive_dir)
    assert incomplete.exit_code == 1
    told = incomplete.output.splitlines()[-1]
    assert told.startswith(f"エラー: {out}/manifest.csv: 会員番号 0003 の文書がそろっていません")
    # The step as the workspace's menu names it; the command only for the command line.
    assert told.endswith("。「作成」で全員分を作ってから封印してください（コマンドでは mailmerge run）")


def test_only_printed_members_are_sealed_and_the_approved_never_printed_are_named(tmp_path: Path, sample_runs) -> None:
    config, out = cycle_in(tmp_path, sample_runs)
    archive_dir = tmp_path / "archive"
    approve(config, out, ["0001", "0021"])  # and printed: 2 members
    approve(config, out, printed=False)  # everyone approved afterwards, nothing printed again
    result = seal(config, out, archive_dir)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    bag = archive_dir / "2024" / SENT_ON
    assert (
        lines[0]
        == f"封印しました（2024 年度、発送日 {SENT_ON_WORDS}）: 2 名（加入 1 名、未加入 1 名）、4 文書（保管先: {bag}）"
    )
    others = [i for i in member_ids(out) if i not in ("0001", "0021")]
    assert lines[1] == (
        f"承認済みでも印刷していないため封印しなかった会員: 28 名（会員番号 {', '.join(others[:20])} ほか 8 件）。"
        "mailmerge print で印刷して発送してから、もう一度 mailmerge archive を実行してください。"
    )
    assert sorted(sealing.sealed_status(archive_dir, "2024")) == ["0001", "0021"]
    # history says which print the sending came from, in JST as people read it, like the approval (issue 21).
    history = invoke("history", "0001", "--archive", archive_dir)
    assert history.exit_code == 0, history.output
    letter = next(line for line in history.output.splitlines() if line.endswith("letter.pdf"))
    assert re.search(r"  印刷 \d{4}-\d{2}-\d{2} \d{2}:\d{2} \(\+09:00\)（[^）]+）  ", letter), letter
    assert re.search(r"  承認 [^(]+ \(\d{4}-\d{2}-\d{2} \d{2}:\d{2} \(\+09:00\)\)  ", letter), letter
    with (bag / "data/decisions.csv").open(encoding="utf-8-sig", newline="") as handle:
        assert {row["printed_at"][-6:] for row in csv.DictReader(handle)} == {"+09:00"}


def test_members_printed_unapproved_are_sealed_saying_so(tmp_path: Path, sample_runs) -> None:
    config, out = cycle_in(tmp_path, sample_runs)
    archive_dir = tmp_path / "archive"
    approve(config, out, ["0001"], printed=False)
    printed = invoke("print", "--config", config, "--out", out, "--include-unapproved")
    assert printed.exit_code == 0, printed.output
    result = seal(config, out, archive_dir)
    assert result.exit_code == 0, result.output
    others = [i for i in member_ids(out) if i != "0001"]
    assert result.output.splitlines()[1] == (
        "注意: うち 29 名は承認なしで印刷したもの（--include-unapproved）です。"
        f"「未承認のまま印刷・発送」として封印しました（会員番号 {', '.join(others)}）。"
    )
    with (archive_dir / "2024" / SENT_ON / "data/decisions.csv").open(encoding="utf-8-sig", newline="") as handle:
        decided = {row["member_id"]: (row["decision"], row["reviewer"]) for row in csv.DictReader(handle)}
    assert decided["0001"] == ("approved", REVIEWER) and decided["0002"] == ("unapproved", "")
    history = invoke("history", "0002", "--archive", archive_dir)
    assert "  承認 なし（未承認のまま印刷・発送）  印刷 " in history.output


def test_a_failure_inside_the_build_leaves_no_bag_and_a_rerun_seals(tmp_path: Path, sample_runs, monkeypatch) -> None:
    config, out = cycle_in(tmp_path, sample_runs)
    archive_dir = tmp_path / "archive"
    approve(config, out)
    real_copy, copied = archive._copy, []

    def disk_fills(source: Path, target: Path) -> None:
        if len(copied) == 25:
            raise OSError(28, "No space left on device")
        copied.append(target)
        real_copy(source, target)

    monkeypatch.setattr(archive, "_copy", disk_fills)
    full = seal(config, out, archive_dir)
    assert full.exit_code == 1
    assert full.output.splitlines()[-1] == (
        f"エラー: {archive_dir}: ディスクの空きがありません。封印は途中でやめ、作りかけは削除しました。"
        "空きを作ってから、もう一度 mailmerge archive を実行してください"
    )
    assert not archive.bag_folders(archive_dir) and not archive.staging_leftovers(archive_dir)

    def interrupted(source: Path, target: Path) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(archive, "_copy", interrupted)
    stopped = seal(config, out, archive_dir)
    assert stopped.exit_code == 130
    assert not archive.bag_folders(archive_dir) and not archive.staging_leftovers(archive_dir)
    assert sealing.sealed_status(archive_dir, "2024") == {}

    monkeypatch.setattr(archive, "_copy", real_copy)
    rerun = seal(config, out, archive_dir)
    assert rerun.exit_code == 0, rerun.output
    assert invoke("verify", "--archive", archive_dir).exit_code == 0


KILLED_SEAL = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from mailmerge import archive, store
    from mailmerge.cli import main

    ready, where = Path(sys.argv[1]), sys.argv[2]
    if where == "build":
        real, count = archive._copy, []
        def stall(source, target):
            real(source, target)
            count.append(target)
            if len(count) == 40:
                ready.write_text("copying")
                time.sleep(600)
        archive._copy = stall
    else:
        def stall(self, batch):
            ready.write_text("renamed")
            time.sleep(600)
        store.ArchiveIndex.record = stall
    main(sys.argv[3:])
    """
)


def kill_mid_seal(tmp_path: Path, where: str, config: Path, out: Path, archive_dir: Path) -> None:
    script, ready = tmp_path / "killed_seal.py", tmp_path / f"ready-{where}"
    script.write_text(KILLED_SEAL, encoding="utf-8")
    args = ["archive", "--config", config, "--out", out, "--sent-on", SENT_ON, "--archive", archive_dir]
    proc = subprocess.Popen([sys.executable, str(script), str(ready), where, *map(str, args)])
    try:
        # Against a hang only: a fresh Python importing the package starts slowly on a busy machine.
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            if ready.exists() or proc.poll() is not None:
                break
            time.sleep(0.05)
        assert ready.exists(), "the sealing never reached the point where it is killed"
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()


def test_kill_9_mid_seal_leaves_no_complete_looking_bag_and_a_rerun_finishes(tmp_path: Path, sample_runs) -> None:
    config, out = cycle_in(tmp_path, sample_runs)
    archive_dir = tmp_path / "archive"
    approve(config, out)
    kill_mid_seal(tmp_path, "build", config, out, archive_dir)
    assert not archive.bag_folders(archive_dir)
    leftovers = archive.staging_leftovers(archive_dir)
    assert len(leftovers) == 1 and not (leftovers[0] / "bagit.txt").exists()
    checked = invoke("verify", "--archive", archive_dir)
    assert checked.exit_code == 1
    assert (
        f"{leftovers[0]}: 中断した封印の作りかけが残っています。mailmerge archive をもう一度実行すると削除します"
        in checked.output
    )
    rerun = seal(config, out, archive_dir)
    assert rerun.exit_code == 0, rerun.output
    assert rerun.output.splitlines()[0] == "前回中断した封印の作りかけ 1 件を削除しました。"
    assert [p.name for p in archive.bag_folders(archive_dir)] == [SENT_ON]
    assert invoke("verify", "--archive", archive_dir).exit_code == 0


def test_kill_9_between_rename_and_index_is_recorded_by_the_rerun(tmp_path: Path, sample_runs) -> None:
    config, out = cycle_in(tmp_path, sample_runs)
    archive_dir = tmp_path / "archive"
    approve(config, out)
    kill_mid_seal(tmp_path, "index", config, out, archive_dir)
    bag = archive_dir / "2024" / SENT_ON
    assert archive.bag_folders(archive_dir) == [bag]
    assert sealing.sealed_status(archive_dir, "2024") == {}
    checked = invoke("verify", "--archive", archive_dir)
    assert checked.exit_code == 1 and f"{bag}: 索引（archive.db）に記録がありません" in checked.output
    rerun = seal(config, out, archive_dir)
    assert rerun.exit_code == 0, rerun.output
    assert rerun.output.splitlines()[0] == f"前回中断した封印 {bag} を索引に記録しました（30 会員）。"
    assert len(sealing.sealed_status(archive_dir, "2024")) == 30
    assert [p.name for p in archive.bag_folders(archive_dir)] == [SENT_ON]  # not sealed twice
    assert invoke("verify", "--archive", archive_dir).exit_code == 0
    with ArchiveIndex(archive_dir / "archive.db") as index:
        assert len(index.history("0001")) == 4


def test_bad_dates_and_a_missing_archive_are_told_in_japanese(tmp_path: Path, sample_runs) -> None:
    config, out = cycle_in(tmp_path, sample_runs)
    bad = seal(config, out, tmp_path / "archive", sent_on="2026-13-01")
    assert bad.exit_code == 1
    assert bad.output.splitlines()[-1] == (
        "エラー: --sent-on 2026-13-01: 日付として読めません。2026-12-05、2026/12/05、令和8年12月5日 "
        "のように指定してください"
    )
    missing = invoke("verify", "--archive", tmp_path / "nowhere")
    assert missing.exit_code == 1
    assert missing.output.splitlines()[-1] == (
        f"エラー: {tmp_path / 'nowhere'}: 封印の索引（archive.db）がありません。mailmerge archive "
        f"で封印してから使ってください"
    )
    assert sealing.sealed_status(tmp_path / "nowhere", "2024") == {}
    assert not (tmp_path / "nowhere").exists()


def test_the_review_app_shows_which_members_were_sealed_and_when(tmp_path: Path, sample_runs) -> None:
    config, out = cycle_in(tmp_path, sample_runs)
    approve(config, out, ["0001"])
    assert seal(config, out, None).exit_code == 0  # archive/ beside the config, where the app looks by default

    client = webapp.create_app(load_config(config), out, "t" * 32).test_client()
    assert client.get("/?token=" + "t" * 32).status_code == 303
    listed = client.get("/").get_data(as_text=True)
    row_0001 = listed[listed.index('data-id="0001"') : listed.index('data-id="0002"')]
    row_0002 = listed[listed.index('data-id="0002"') : listed.index('data-id="0003"')]
    sent = dt.date.fromisoformat(SENT_ON)
    assert f'<div class="sealed">封印済み（{sent.month}月{sent.day}日発送）</div>' in row_0001
    assert "封印" not in row_0002
    page = client.get("/members/0001").get_data(as_text=True)
    assert f"<strong>封印済み（{sent.month}月{sent.day}日発送）</strong>（封印: {SENT_ON} 発送分" in page
    # Issue 21: what was mailed cannot be held back; the page offers no 保留 and says why, as the CLI does.
    assert 'value="hold"' not in page and html.escape(messages.CANNOT_HOLD_SEALED.format(member_id="0001")) in page
    assert (
        "この文書は封印済み（発送済み）のため保留にできません（送ったものは取り消せません）。訂正するときは名簿を直して"
        "作り直し、確認・承認して印刷・発送してから、再送の理由を付けて封印してください" in page
    )
    assert "封印" not in client.get("/members/0002").get_data(as_text=True)
    assert 'value="hold"' in client.get("/members/0002").get_data(as_text=True)
    members = {m["member_id"]: m for m in client.get("/api/members").get_json()["members"]}
    assert members["0001"]["sealed_sent_on"] == SENT_ON and members["0002"]["sealed_sent_on"] is None

    # A hold posted anyway (a page opened before the sealing, or forged) is refused in Japanese, nothing recorded.
    page_csrf = re.search(r'<meta name="csrf-token" content="([^"]+)">', page).group(1)
    client.post("/reviewer", data={"reviewer": REVIEWER, "csrf_token": page_csrf, "back": "/"})
    rows = {r.document: r for r in read_manifest(out / "manifest.csv") if r.member_id == "0001"}
    shown = {f"{k}_sha256.{d}": getattr(r, f"{k}_sha256") for d, r in rows.items() for k in ("pdf", "docx")}
    form = {"decision": "hold", "note": "住所の番地が古い", "csrf_token": page_csrf, **shown}
    refused = client.post("/members/0001/decision", data=form)
    assert refused.status_code == 409
    assert html.escape(messages.CANNOT_HOLD_SEALED.format(member_id="0001")) in refused.get_data(as_text=True)
    documents = {d: {"pdf_sha256": r.pdf_sha256, "docx_sha256": r.docx_sha256} for d, r in rows.items()}
    body = {"member_id": "0001", "decision": "hold", "note": "住所", "documents": documents}
    api = client.post("/api/decisions", json=body, headers={"X-CSRF-Token": page_csrf})
    assert api.status_code == 409 and api.get_json() == {"error": messages.CANNOT_HOLD_SEALED.format(member_id="0001")}
    assert DecisionStore(out / REVIEW_DB_NAME).latest()["0001"].decision == "approved"

    # Remade after the sealing (a correction): not what was sent, and it may be held again.
    from helpers import remake_member

    remake_member(out, "0001")
    listed = client.get("/").get_data(as_text=True)
    assert '<div class="sealed">封印後に作り直し — 未発送</div>' in listed[listed.index('data-id="0001"') :]
    page = client.get("/members/0001").get_data(as_text=True)
    assert "<strong>封印後に作り直し — 未発送</strong>" in page and 'value="hold"' in page


def test_print_passes_over_members_sent_already_unless_chosen(tmp_path: Path, sample_runs) -> None:
    config, out = cycle_in(tmp_path, sample_runs)
    approve(config, out, ["0001", "0021"])  # printed
    assert seal(config, out, None).exit_code == 0  # archive/ beside the config, where print looks by default
    approve(config, out, printed=False)

    def listed() -> list[str]:
        with (out / "print" / "list.csv").open(encoding="utf-8-sig", newline="") as handle:
            return sorted(row["会員番号"] for row in csv.DictReader(handle))

    others = [i for i in member_ids(out) if i not in ("0001", "0021")]
    default = invoke("print", "--config", config, "--out", out)
    assert default.exit_code == 0, default.output
    assert listed() == sorted(others)
    assert (
        "封印済み（発送済み）の文書のため印刷しなかった会員: 2 名（会員番号 0001, 0021）。"
        "印刷し直すには --members 会員番号 または --all-approved を付けてください"
    ) in default.output.splitlines()
    chosen = invoke("print", "--config", config, "--out", out, "--members", "0001,０００５", "--members", "0007")
    assert chosen.exit_code == 0, chosen.output
    assert listed() == ["0001", "0005", "0007"]
    everyone = invoke("print", "--config", config, "--out", out, "--all-approved")
    assert everyone.exit_code == 0, everyone.output
    assert listed() == sorted(member_ids(out))
    mailing.record_decisions(load_config(config), out, ["0009"], "hold", "住所を確認中", REVIEWER)
    held = invoke("print", "--config", config, "--out", out, "--members", "0009")
    assert held.exit_code == 1
    assert held.output.splitlines()[-1] == (
        "エラー: 会員番号 0009: 保留のため印刷できません。確認・承認してから、もう一度実行してください（何も作成"
        "していません）"
    )
    assert listed() == sorted(member_ids(out))  # the earlier print stays


def test_a_sending_date_is_read_as_typed_and_refused_in_the_future_or_before_the_print(
    tmp_path: Path, sample_runs
) -> None:
    today = dt.date.fromisoformat(SENT_ON)
    assert sealing.check_date("2026/12/05", today=dt.date(2026, 12, 5)) == "2026-12-05"
    assert sealing.check_date("令和8年12月5日", today=dt.date(2026, 12, 5)) == "2026-12-05"
    assert sealing.check_date("令和元年5月1日", today=dt.date(2026, 12, 5)) == "2019-05-01"
    assert sealing.check_date("２０２６－１２－０５", today=dt.date(2026, 12, 5)) == "2026-12-05"
    config, out = cycle_in(tmp_path, sample_runs)
    archive_dir = tmp_path / "archive"
    approve(config, out, ["0001"])
    tomorrow = (today + dt.timedelta(days=1)).isoformat()
    future = seal(config, out, archive_dir, sent_on=tomorrow)
    assert future.exit_code == 1
    assert future.output.splitlines()[-1] == (
        f"エラー: --sent-on {tomorrow}: 今日（{SENT_ON}）より後の日付です。発送した日を指定してください"
    )
    yesterday = (today - dt.timedelta(days=1)).isoformat()
    early = seal(config, out, archive_dir, sent_on=yesterday)
    assert early.exit_code == 1
    assert early.output.splitlines()[-1] == (
        f"エラー: --sent-on {yesterday}: 封印する会員を印刷した日（{SENT_ON}）より前の日付です。"
        "印刷する前には発送できません。発送した日を指定してください"
    )
    assert not archive.bag_folders(archive_dir)
    wareki = f"令和{today.year - 2018}年{today.month}月{today.day}日"
    sealed = seal(config, out, archive_dir, sent_on=wareki)
    assert sealed.exit_code == 0, sealed.output
    assert [p.name for p in archive.bag_folders(archive_dir)] == [SENT_ON]


def test_a_member_sent_already_cannot_be_put_on_hold(tmp_path: Path, sample_runs) -> None:
    config, out = cycle_in(tmp_path, sample_runs)
    approve(config, out, ["0001", "0002"])
    assert seal(config, out, None).exit_code == 0  # archive/ beside the config
    held = invoke("approve", "--config", config, "--out", out, "--hold", "--note", "宛名を確認", "0001")
    assert held.exit_code == 1
    assert held.output.splitlines()[-1] == (
        "エラー: 会員番号 0001: この文書は封印済み（発送済み）のため保留にできません（送ったものは取り消せません）。"
        "訂正するときは名簿を直して作り直し、確認・承認して印刷・発送してから、再送の理由を付けて封印してください"
    )
    everyone = invoke("approve", "--config", config, "--out", out, "--hold", "--note", "宛名を確認", "--all")
    assert everyone.exit_code == 0, everyone.output
    assert everyone.output.splitlines()[-1].startswith("28 会員を「保留」として記録しました")


def test_a_letter_corrected_after_sealing_is_sealed_again_as_a_resend(tmp_path: Path, sample_runs) -> None:
    roster = tmp_path / "members.csv"
    shutil.copyfile(DATA / "sample_utf8.csv", roster)
    config, out = cycle_in(tmp_path, sample_runs, path=f'"{roster}"')
    archive_dir = tmp_path / "archive"
    approve(config, out, ["0005"])
    assert seal(config, out, archive_dir).exit_code == 0
    # 0005's department corrected after mailing: remade, approved, printed again (print takes only 0005).
    rows = list(csv.reader(roster.open(encoding="utf-8", newline="")))
    for row in rows:
        if row[0] == "0005":
            row[2] = "総務部（訂正）"
    with roster.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    assert invoke("run", "--config", config, "--out", out, "--quiet").exit_code == 0
    mailing.record_decisions(load_config(config), out, ["0005"], "approved", "", REVIEWER)
    printed = invoke("print", "--config", config, "--out", out, "--archive", archive_dir)
    assert printed.exit_code == 0, printed.output
    no_reason = seal(config, out, archive_dir)
    assert no_reason.exit_code == 1
    assert no_reason.output.splitlines()[-1] == (
        "エラー: 会員番号 0005 は封印済みで、今回は作り直した文書の再送です。"
        '--reason で再送の理由を付けて、もう一度実行してください（例: --reason "住所の訂正"）'
    )
    resent = invoke(
        "archive",
        "--config",
        config,
        "--out",
        out,
        "--sent-on",
        SENT_ON,
        "--archive",
        archive_dir,
        "--reason",
        "部署名の訂正",
    )
    assert resent.exit_code == 0, resent.output
    assert "うち 1 名は再送です（理由: 部署名の訂正）: 会員番号 0005" in resent.output.splitlines()
    assert bag_info(archive_dir / "2024" / f"{SENT_ON}-2")["Resend-Reason"] == "部署名の訂正"
    history = invoke("history", "0005", "--archive", archive_dir)
    letters = [line for line in history.output.splitlines() if line.endswith("letter.pdf")]
    assert len(letters) == 2 and "再送" not in letters[0]
    assert "  再送（理由: 部署名の訂正）  " in letters[1] and f"{SENT_ON}-2/data/" in letters[1]
    assert invoke("verify", "--archive", archive_dir).exit_code == 0

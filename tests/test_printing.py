"""`mailmerge print` on a real sample run: bundles, labels and list read back the way a person reads them."""

from __future__ import annotations

import csv
import datetime as dt
import errno
import os
import re
import shutil
import signal
import stat
import subprocess
import time
import unicodedata
from pathlib import Path

import pikepdf
import pytest
from click.testing import CliRunner

from mailmerge import mailing, messages, printrun, sheets, state
from mailmerge.cli import main
from mailmerge.config import load_config
from mailmerge.dates import today_jst
from mailmerge.models import recipient_lines
from mailmerge.roster import load_roster

from conftest import REPO, write_config
from helpers import mailmerge_command, page_count, pdf_text

CONFIG = REPO / "mailmerge.toml"
MARK = re.compile(r"(\d{4})·2024·(\d+)/(\d+)")
MM = 72 / 25.4


def norm(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split())


def page_texts(pdf: Path) -> list[str]:
    """Return each page's text as poppler reads it, whitespace removed."""
    return [norm(page) for page in pdf_text(pdf).split("\f")[:-1]]


def label_text(pdf: Path, index: int) -> str:
    """Return the text inside the INDEX-th label's rectangle (2 × 6 per sheet, by rows), cropped by poppler."""
    return label_text_at(pdf, *divmod(index, 12))


def label_text_at(pdf: Path, sheet: int, position: int) -> str:
    """Return the text inside the label at POSITION (0-11, by rows) of SHEET (0-based), cropped by poppler."""
    row, column = divmod(position, 2)
    x, y = (18.6 + column * 86.4) * MM, (21.6 + row * 42.3) * MM
    text = subprocess.run(
        [
            "pdftotext",
            "-f",
            str(sheet + 1),
            "-l",
            str(sheet + 1),
            "-x",
            str(int(x) + 1),
            "-y",
            str(int(y) + 1),
            "-W",
            str(int(86.4 * MM) - 2),
            "-H",
            str(int(42.3 * MM) - 2),
            str(pdf),
            "-",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return norm(text)


@pytest.fixture(scope="module")
def config():
    return load_config(CONFIG)


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Run the sample cycle once through the CLI; the tests copy it before deciding anything."""
    out = tmp_path_factory.mktemp("print") / "2024"
    result = CliRunner().invoke(main, ["run", "--config", str(CONFIG), "--out", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def members(config):
    return {m.member_id: m for m in load_roster(config).members}


def choose(members) -> tuple[list[str], list[str]]:
    """Return the members to approve (3 enrolled, the 御中-with-department member and one more unenrolled) and to
    hold.
    """
    enrolled = [i for i, m in members.items() if m.group == "enrolled"]
    unenrolled = [i for i, m in members.items() if m.group == "unenrolled"]
    onchu = next(
        i for i in unenrolled if not members[i].fields["representative_name"] and members[i].fields["department"]
    )
    longest = max(members, key=lambda i: len(members[i].fields["organisation"]))
    approve = sorted({enrolled[-1], enrolled[0], longest, onchu, unenrolled[0]})
    hold = [enrolled[1]]
    return approve, hold


@pytest.fixture(scope="module")
def printed(sample_run: Path, tmp_path_factory: pytest.TempPathFactory, config, members):
    """Approve some members and hold one through the review core, then `mailmerge print`."""
    out = tmp_path_factory.mktemp("printed") / "2024"
    shutil.copytree(sample_run, out)
    approve, hold = choose(members)
    mailing.record_decisions(config, out, approve, "approved", "", "テスト係")
    mailing.record_decisions(config, out, hold, "hold", "住所の番地が古い", "テスト係")
    result = CliRunner().invoke(main, ["print", "--config", str(CONFIG), "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out, approve, hold, result


def test_the_print_lines_read_as_japanese_sentences(printed, members) -> None:
    # Issue: 「宛名ラベル 30 枚分, A4 3 シート」 read as a list of English fields.
    out, approve, _, result = printed
    enrolled = sum(1 for i in approve if members[i].group == "enrolled")
    unenrolled = len(approve) - enrolled
    sheets = -(-enrolled // 12) + -(-unenrolled // 12)  # each group from a new sheet
    pages = page_count(out / "print" / "enrolled.pdf")
    lines = result.output.splitlines()
    assert f"{out / 'print' / 'enrolled.pdf'}: 加入 {enrolled} 名、{pages} ページ（表紙を含む）" in lines
    labels = f"宛名ラベル {len(approve)} 枚（A4 のラベル用紙 {sheets} 枚、12 面・86.4 × 42.3 mm）"
    assert f"{out / 'print' / 'labels.pdf'}: {labels}" in lines


def postal_order(ids, members) -> list[str]:
    return sorted(ids, key=lambda i: (members[i].fields["postal_code"].replace("-", ""), i))


def test_bundles_hold_the_approved_members_only_in_postal_code_order(printed, members) -> None:
    out, approve, _, _ = printed
    for group in ("enrolled", "unenrolled"):
        pages = page_texts(out / "print" / f"{group}.pdf")
        marks = [MARK.findall(page) for page in pages]
        assert marks[0] == [], "the cover carries no member's mark"
        assert all(len(m) == 1 for m in marks[1:]), "every other page carries one member's mark"
        sequence = [m[0][0] for m in marks[1:]]
        expected = postal_order([i for i in approve if members[i].group == group], members)
        assert list(dict.fromkeys(sequence)) == expected
        # Each member: the letter (1/1), then the overview (1/n .. n/n), each member's pages together.
        for member_id in expected:
            own = [(p, m[0]) for p, m in zip(pages[1:], marks[1:], strict=False) if m[0][0] == member_id]
            letter = page_texts(out / group / member_id / "letter.pdf")
            assert own[0][0] == letter[0] and own[0][1][1:] == ("1", "1")
            assert [m[1] for _, m in own[1:]] == [str(n) for n in range(1, len(own))]
            assert norm(members[member_id].fields["organisation"]) in own[0][0]


def test_cover_states_group_cycle_date_members_and_page_total(printed, members, config) -> None:
    out, approve, _, _ = printed
    # The covers were made by the module's fixture, before this test: on its day, or on the day
    # before should midnight have passed in between.
    today = today_jst()  # the cover is dated in Japan, whatever the machine's zone
    made_on = [f"作成日{d.year}年{d.month}月{d.day}日" for d in (today, today - dt.timedelta(days=1))]
    for group, word in config.groups.items():
        pdf = out / "print" / f"{group}.pdf"
        cover = page_texts(pdf)[0]
        count = len([i for i in approve if members[i].group == group])
        total = page_count(pdf)
        assert f"2024年度{word}会員印刷用まとめ" in cover
        assert f"区分{word}" in cover and "年度2024" in cover
        assert any(date in cover for date in made_on), cover
        assert f"会員数{count}名" in cover
        assert f"合計{total}ページ(表紙1+書類{total - 1})" in cover
        assert "承認済みの会員のみ" in cover and "未承認を含む" not in cover
        assert "この表紙は封入しません。片面印刷してください(両面では、次の会員のページが裏に刷られます)。" in cover


def test_labels_in_bundle_order_one_per_member(printed, members) -> None:
    out, approve, _, _ = printed
    order = [
        i
        for g in ("enrolled", "unenrolled")
        for i in postal_order([a for a in approve if members[a].group == g], members)
    ]
    labels = out / "print" / "labels.pdf"
    assert page_count(labels) == 2  # each group from a sheet of its own
    enrolled = sum(members[i].group == "enrolled" for i in order)
    for index, member_id in enumerate(order):
        fields = members[member_id].fields
        sheet, position = (0, index) if index < enrolled else (1, index - enrolled)
        text = label_text_at(labels, sheet, position)
        assert text == norm("".join(recipient_lines(fields)) + member_id), member_id  # the ID in the corner
        assert text.startswith(norm(f"〒{fields['postal_code']}{fields['address1']}"))
        if fields["representative_name"]:
            assert text.endswith(f"様{member_id}")
        else:
            assert text.endswith(norm(f"{fields['department'] or fields['organisation']}御中{member_id}"))
    assert label_text_at(labels, 0, enrolled) == ""  # the rest of the 加入 sheet stays empty


def test_list_csv_gives_the_print_order_and_page_ranges(printed, members) -> None:
    out, approve, _, _ = printed
    raw = (out / "print" / "list.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(raw.decode("utf-8-sig").splitlines()))
    # Headers and the group as the secretariat reads them in Excel.
    assert list(rows[0]) == [
        "会員番号",
        "郵便番号",
        "加入状況",
        "ページ数",
        "束のファイル",
        "束のページ",
        "ラベル（シート-位置）",
    ]
    words = {"加入": "enrolled", "未加入": "unenrolled"}
    assert {r["加入状況"] for r in rows} == set(words)
    english = ("member_id", "postal_code", "group", "pages", "bundle", "bundle_pages", "label")
    rows = [{e: words.get(v, v) if e == "group" else v for e, v in zip(english, r.values(), strict=True)} for r in rows]
    order = [
        i
        for g in ("enrolled", "unenrolled")
        for i in postal_order([a for a in approve if members[a].group == g], members)
    ]
    assert [r["member_id"] for r in rows] == order
    enrolled = [r for r in rows if r["group"] == "enrolled"]
    unenrolled = [r for r in rows if r["group"] == "unenrolled"]
    assert [r["label"] for r in enrolled] == [f"1-{n}" for n in range(1, len(enrolled) + 1)]
    assert [r["label"] for r in unenrolled] == [f"2-{n}" for n in range(1, len(unenrolled) + 1)]
    for group in ("enrolled", "unenrolled"):
        pages = page_texts(out / "print" / f"{group}.pdf")
        for row in (r for r in rows if r["group"] == group):
            first, last = map(int, row["bundle_pages"].split("-"))
            assert row["bundle"] == f"{group}.pdf" and int(row["pages"]) == last - first + 1
            assert row["postal_code"] == members[row["member_id"]].fields["postal_code"]
            assert all(f"{row['member_id']}·2024·" in pages[p - 1] for p in range(first, last + 1))


def test_left_out_members_are_named_by_id_and_status_never_by_name(printed, members) -> None:
    _, approve, hold, result = printed
    assert re.search(rf"保留 1 名: 会員番号 {hold[0]}$", result.output, re.M)
    undecided = [i for i in members if i not in approve and i not in hold]
    assert f"未確認 {len(undecided)} 名: 会員番号 {', '.join(undecided)}" in result.output
    assert f"印刷に含めなかった会員: {len(undecided) + 1} 名" in result.output
    for member in members.values():
        assert member.fields["organisation"] not in result.output


def test_print_files_are_private(printed) -> None:
    out = printed[0]
    names = sorted(p.name for p in (out / "print").iterdir())
    assert names == ["enrolled.pdf", "labels.pdf", "list.csv", "unenrolled.pdf"]
    for path in (out / "print").iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE((out / "print").stat().st_mode) == 0o700


def test_nothing_approved_exits_1_and_writes_nothing(sample_run: Path, tmp_path: Path, members) -> None:
    out = tmp_path / "2024"
    shutil.copytree(sample_run, out)
    result = CliRunner().invoke(main, ["print", "--config", str(CONFIG), "--out", str(out)])
    assert result.exit_code == 1
    assert "エラー: 承認済みの会員がいないため、何も作成していません。" in result.output
    assert f"未確認 {len(members)} 名: 会員番号 {', '.join(members)}" in result.output
    assert not (out / "print").exists()


def test_a_pdf_changed_after_approval_stops_the_print(sample_run: Path, tmp_path: Path, config, members) -> None:
    out = tmp_path / "2024"
    shutil.copytree(sample_run, out)
    approve, _ = choose(members)
    mailing.record_decisions(config, out, approve, "approved", "", "テスト係")
    victim = approve[0]
    pdf = next(out.glob(f"*/{victim}/overview.pdf"))
    pdf.write_bytes(pdf.read_bytes() + b"\n% edited\n")
    result = CliRunner().invoke(main, ["print", "--config", str(CONFIG), "--out", str(out)])
    assert result.exit_code == 1
    # Edited after the run made it: the right words (not "changed after the approval").
    assert (
        f"エラー: 会員番号 {victim}: overview のファイルが作成時と違います（manifest.csv の記録と合いません。"
        in result.output
    )
    assert "承認後に変更" not in result.output
    assert not (out / "print").exists()


def test_a_print_refused_for_changed_files_names_every_changed_member(
    sample_run: Path, tmp_path: Path, config, members
) -> None:
    out = tmp_path / "2024"
    shutil.copytree(sample_run, out)
    approve, _ = choose(members)
    mailing.record_decisions(config, out, approve, "approved", "", "テスト係")
    enrolled = next(i for i in approve if members[i].group == "enrolled")
    unenrolled = next(i for i in approve if members[i].group == "unenrolled")
    for victim, document in ((enrolled, "letter"), (unenrolled, "overview"), (unenrolled, "letter")):
        pdf = next(out.glob(f"*/{victim}/{document}.pdf"))
        pdf.write_bytes(pdf.read_bytes() + b"\n% edited\n")
    result = CliRunner().invoke(main, ["print", "--config", str(CONFIG), "--out", str(out)])
    assert result.exit_code == 1
    lines = result.output.replace("エラー: ", "").splitlines()
    edited = "のファイルが作成時と違います（manifest.csv の記録と合いません。作成後に置き換え・編集された）"
    named = [line for line in lines if edited in line]
    assert sorted(named) == sorted(
        [
            f"会員番号 {enrolled}: letter {edited}",
            f"会員番号 {unenrolled}: letter {edited}",
            f"会員番号 {unenrolled}: overview {edited}",
        ]
    )
    assert lines[lines.index(named[-1]) + 1] == messages.PRINT_NOT_AS_MADE_TAIL
    assert not (out / "print").exists()


def test_ctrl_c_during_print_says_to_run_print_again(sample_run: Path, tmp_path: Path) -> None:
    out = tmp_path / "2024"
    shutil.copytree(sample_run, out)
    # The roster is a pipe nobody writes to: print waits there, reading its inputs, for the Ctrl-C.
    roster = tmp_path / "members.xlsx"
    os.mkfifo(roster)
    folder = tmp_path / "cfg"
    folder.mkdir()
    config = write_config(folder, path=f'"{roster}"')
    process = subprocess.Popen(
        mailmerge_command("print", "--config", str(config), "--out", str(out)),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 300  # against a hang only
        while True:
            try:
                writer = os.open(roster, os.O_WRONLY | os.O_NONBLOCK)
                break
            except OSError:
                assert time.monotonic() < deadline and process.poll() is None, "print never opened the roster"
                time.sleep(0.05)
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=300)
        os.close(writer)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 130
    assert stderr.splitlines() == [
        (
            "エラー: 中断しました。印刷用ファイル（print フォルダー）は完成していないおそれがあります。"
            "印刷には使わず、もう一度 mailmerge print を実行してください。"
        )
    ]
    assert stdout == ""


def test_a_refused_print_sets_the_earlier_print_aside(sample_run: Path, tmp_path: Path, config, members) -> None:
    out = tmp_path / "2024"
    shutil.copytree(sample_run, out)
    approve, _ = choose(members)
    mailing.record_decisions(config, out, approve, "approved", "", "テスト係")
    first = CliRunner().invoke(main, ["print", "--config", str(CONFIG), "--out", str(out)])
    assert first.exit_code == 0, first.output
    earlier = {p.name: p.read_bytes() for p in (out / "print").iterdir()}
    # Every approval withdrawn: the earlier bundles hold members who must not be mailed now.
    mailing.record_decisions(config, out, approve, "hold", "宛名を確認中", "テスト係")
    refused = CliRunner().invoke(main, ["print", "--config", str(CONFIG), "--out", str(out)])
    assert refused.exit_code == 1
    assert "エラー: 承認済みの会員がいないため、何も作成していません。" in refused.output
    assert not (out / "print").exists()
    [aside] = (out / "removed").glob("*/print")
    assert {p.name: p.read_bytes() for p in aside.iterdir()} == earlier  # moved, not deleted
    assert (
        f"以前に作成した印刷用ファイル（print フォルダー）は、今の承認と合わないおそれがあるため使えません。削除"
        f"せず {aside} に移しました" in refused.output
    )


def test_an_earlier_print_that_cannot_be_moved_is_named_not_to_be_used(
    sample_run: Path, tmp_path: Path, config, members, monkeypatch
) -> None:
    out = tmp_path / "2024"
    shutil.copytree(sample_run, out)
    approve, _ = choose(members)
    mailing.record_decisions(config, out, approve, "approved", "", "テスト係")
    assert CliRunner().invoke(main, ["print", "--config", str(CONFIG), "--out", str(out)]).exit_code == 0
    mailing.record_decisions(config, out, approve, "hold", "宛名を確認中", "テスト係")

    def read_only(*_args):  # as a folder on a read-only disk answers (root ignores a folder's mode)
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(printrun.state, "set_aside", read_only)
    refused = CliRunner().invoke(main, ["print", "--config", str(CONFIG), "--out", str(out)])
    assert refused.exit_code == 1
    assert (
        f"以前に作成した印刷用ファイル（{out / 'print'}）は、今の承認と合わないおそれがあります。"
        "移動できなかったため（Read-only file system）、印刷に使わないでください"
    ) in refused.output
    assert "Traceback" not in refused.output


def _printed_once_then(config, members, sample_run: Path, tmp_path: Path) -> tuple[Path, dict[str, bytes]]:
    """A copy of the sample run with approved members printed once; return it and the print's files."""
    out = tmp_path / "2024"
    shutil.copytree(sample_run, out)
    approve, _ = choose(members)
    mailing.record_decisions(config, out, approve, "approved", "", "テスト係")
    assert CliRunner().invoke(main, ["print", "--config", str(CONFIG), "--out", str(out)]).exit_code == 0
    return out, {p.name: p.read_bytes() for p in (out / "print").iterdir()}


def test_a_print_refused_with_the_approvals_unchanged_keeps_the_earlier_print(
    sample_run: Path, tmp_path: Path, config, members, monkeypatch
) -> None:
    out, earlier = _printed_once_then(config, members, sample_run, tmp_path)
    monkeypatch.setattr(sheets, "LABEL_SIZES", (40,))  # a label printer's font too large for any address
    refused = CliRunner().invoke(main, ["print", "--config", str(CONFIG), "--out", str(out)])
    assert refused.exit_code == 1
    assert (
        refused.output
        == "エラー: 会員番号 0001: 宛名が長すぎてラベルに収まりません。名簿の住所・会員名を短くしてください\n"
    )
    assert {p.name: p.read_bytes() for p in (out / "print").iterdir()} == earlier
    assert not (out / "removed").exists()


def test_a_second_print_while_one_is_writing_is_refused_and_moves_nothing(
    sample_run: Path, tmp_path: Path, config, members
) -> None:
    out, earlier = _printed_once_then(config, members, sample_run, tmp_path)
    mailing.record_decisions(config, out, choose(members)[0], "hold", "宛名を確認中", "テスト係")  # would set it aside
    with state.OutputLock(out, None, "held by the test"):  # as the first print holds it
        refused = CliRunner().invoke(main, ["print", "--config", str(CONFIG), "--out", str(out)])
    assert refused.exit_code == 1
    assert (
        refused.output
        == f"エラー: {out}: 別の mailmerge print が印刷用のファイルを作成中です。終わるのを待ってから、もう一度実行"
        f"してください\n"
    )
    assert {p.name: p.read_bytes() for p in (out / "print").iterdir()} == earlier
    # A run or a reviewer is not held up by a print: the run's lock is another.
    assert not state.is_locked(out)


def test_a_print_set_aside_where_one_was_set_aside_already_is_named_where_it_went(
    sample_run: Path, tmp_path: Path, config, members, monkeypatch
) -> None:
    out, earlier = _printed_once_then(config, members, sample_run, tmp_path)
    same_second = out / "removed" / "20261202-031500"
    (same_second / "print").mkdir(parents=True)  # another refused print's, set aside within the same second
    monkeypatch.setattr(printrun.OutputLayout, "removed_now", lambda self: same_second)
    mailing.record_decisions(config, out, choose(members)[0], "hold", "宛名を確認中", "テスト係")
    refused = CliRunner().invoke(main, ["print", "--config", str(CONFIG), "--out", str(out)])
    assert refused.exit_code == 1
    assert f"削除せず {same_second / 'print.2'} に移しました" in refused.output
    assert {p.name: p.read_bytes() for p in (same_second / "print.2").iterdir()} == earlier


def test_a_file_error_while_printing_is_one_japanese_line(sample_run: Path, tmp_path: Path, config, members) -> None:
    out = tmp_path / "2024"
    shutil.copytree(sample_run, out)
    mailing.record_decisions(config, out, choose(members)[0], "approved", "", "テスト係")
    (out / "print").write_bytes(b"")  # a file where the print folder goes
    result = CliRunner().invoke(main, ["print", "--config", str(CONFIG), "--out", str(out)])
    assert result.exit_code == 1
    assert (
        result.output == f"エラー: {out / 'print'}: ファイルを読み書きできません（Not a "
        f"directory）。確かめてから、もう一度実行してください\n"
    )


def _print_stopped(out: Path, config, monkeypatch, where: str, after: int) -> None:
    """Print, stopped (as by a kill) at the ``after``-th call of ``where``: writing a file, or putting one in place."""
    from mailmerge import printing

    calls = []
    target, name = (printing, "write_atomic") if where == "write" else (Path, "replace")
    real = getattr(target, name)

    def stopping(*args, **kwargs):
        calls.append(args)
        if len(calls) > after:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(target, name, stopping)
    with pytest.raises(KeyboardInterrupt):
        printrun.print_run(config, out)
    monkeypatch.setattr(target, name, real)


@pytest.mark.parametrize(("where", "after"), [("write", 1), ("place", 1), ("place", 3)])
def test_a_print_stopped_half_way_never_leaves_old_and_new_files_side_by_side(
    sample_run: Path,
    tmp_path: Path,
    config,
    members,
    monkeypatch,
    where: str,
    after: int,
) -> None:
    out, earlier = _printed_once_then(config, members, sample_run, tmp_path)
    approve, _ = choose(members)
    # One member of each group held: every file of the next print differs from the earlier one's.
    held = [next(i for i in approve if members[i].group == group) for group in ("enrolled", "unenrolled")]
    mailing.record_decisions(config, out, held, "hold", "宛名を確認中", "テスト係")
    _print_stopped(out, config, monkeypatch, where, after)
    now = {p.name: p.read_bytes() for p in (out / "print").iterdir()}
    old = {name for name, data in now.items() if earlier.get(name) == data}
    new = set(now) - old
    assert not (old and new), (sorted(old), sorted(new))  # bundles and labels that belong together, or none
    if where == "write":
        assert now == earlier  # stopped before anything was put in place: the earlier print as it was
    assert not [name for name in now if name.startswith(".")]  # no half-written file left behind


def test_include_unapproved_prints_everyone_and_says_so(sample_run: Path, tmp_path: Path, config, members) -> None:
    out = tmp_path / "2024"
    shutil.copytree(sample_run, out)
    result = CliRunner().invoke(main, ["print", "--config", str(CONFIG), "--out", str(out), "--include-unapproved"])
    assert result.exit_code == 0, result.output
    assert f"未承認の会員 {len(members)} 名を含めています" in result.output
    for group in ("enrolled", "unenrolled"):
        pages = page_texts(out / "print" / f"{group}.pdf")
        assert "未承認を含む" in pages[0]
        ids = {m[0] for page in pages[1:] for m in MARK.findall(page)}
        assert ids == {i for i, m in members.items() if m.group == group}
    assert page_count(out / "print" / "labels.pdf") == -(-len(members) // 12)


def test_include_unapproved_never_prints_a_member_on_hold(sample_run: Path, tmp_path: Path, config, members) -> None:
    out = tmp_path / "2024"
    shutil.copytree(sample_run, out)
    held = choose(members)[1][0]
    mailing.record_decisions(config, out, [held], "hold", "住所の番地が古い", "テスト係")
    result = CliRunner().invoke(main, ["print", "--config", str(CONFIG), "--out", str(out), "--include-unapproved"])
    assert result.exit_code == 0, result.output
    assert re.search(rf"保留 1 名: 会員番号 {held}$", result.output, re.M)
    rows = csv.DictReader((out / "print" / "list.csv").read_text(encoding="utf-8-sig").splitlines())
    assert {r["会員番号"] for r in rows} == set(members) - {held}
    printed_ids = {
        m[0]
        for group in ("enrolled", "unenrolled")
        for page in page_texts(out / "print" / f"{group}.pdf")[1:]
        for m in MARK.findall(page)
    }
    assert printed_ids == set(members) - {held}


def test_bundles_share_one_copy_of_each_font(printed, members) -> None:
    """Member PDFs each carry their conversion batch's fonts; the bundle keeps one copy of each, embedded."""
    out, approve, _, _ = printed
    for group in ("enrolled", "unenrolled"):
        bundle = out / "print" / f"{group}.pdf"
        with pikepdf.open(bundle) as pdf:
            programs = [o.read_raw_bytes() for o in pdf.objects if isinstance(o, pikepdf.Stream) and "/Length1" in o]
        assert programs and len(programs) == len(set(programs)), "a font program is embedded twice"
    for pdf in [out / "print" / f"{g}.pdf" for g in ("enrolled", "unenrolled")] + [out / "print" / "labels.pdf"]:
        fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout.splitlines()[
            2:
        ]
        assert fonts and all("IPAex" in line and " yes yes yes " in line for line in fonts), (
            pdf.name
        )  # embedded, subset, ToUnicode


def test_labels_fit_the_longest_values_allowed_by_shrinking_never_clipping(tmp_path: Path) -> None:
    longest = {
        "postal_code": "060-0001",
        "address1": "北海道札幌市中央区北一条西二丁目一番地一号 札幌中央ビルディング第二別館十二階Ｂ",
        "address2": "北海道札幌市中央区北一条西二丁目一番地一号 札幌中央ビルディング第二別館十二階Ｂ",
        "organisation": "㈱髙橋&<テスト>遠隔画像診断サービスセンター北海道札幌中央支社放射線科読影部門",
        "department": "放射線科 遠隔読影センター 第一読影グループ品質管理担当課長",
        "representative_title": "代表取締役社長兼最高経営責任者兼統括医長",
        "representative_name": "髙橋　一郎右衛門之助左衛門太郎次郎三郎四",
    }
    onchu = longest | {"representative_title": "", "representative_name": "", "department": ""}
    members = [(f"T{n:03d}", fields) for n, fields in enumerate([longest, onchu] * 7)]
    pdf = tmp_path / "labels.pdf"
    pdf.write_bytes(sheets.labels_pdf([members]))
    assert page_count(pdf) == 2
    for index, (member_id, fields) in enumerate(members):
        assert label_text(pdf, index) == norm("".join(recipient_lines(fields)) + member_id)
    assert label_text(pdf, 1).endswith(norm("読影部門 御中T001"))


def test_a_label_keeps_each_line_whole_when_a_smaller_size_allows(tmp_path: Path) -> None:
    sheets.register_fonts()  # _wrap measures with them (labels_pdf registers them itself)
    fields = {
        "postal_code": "812-0011",
        "address1": "福岡県福岡市博多区博多駅前二丁目1番1号",
        "address2": "",
        # 27 characters: broken at 10.5 pt (「…ソリューショ／ンズ」 or the like), whole at 8.5 pt
        "organisation": "株式会社メディカル＆イメージング・ソリューションズ",
        "department": "",
        "representative_title": "代表取締役",
        "representative_name": "山野 一葉",
    }
    assert sheets._wrap(fields["organisation"], 10.5, sheets.LABEL_W - 2 * sheets.LABEL_PAD)[0] != [
        fields["organisation"]
    ]
    pdf = tmp_path / "labels.pdf"
    pdf.write_bytes(sheets.labels_pdf([[("T001", fields)]]))
    x, y = 18.6 * MM, 21.6 * MM
    text = subprocess.run(
        [
            "pdftotext",
            "-x",
            str(int(x) + 1),
            "-y",
            str(int(y) + 1),
            "-W",
            str(int(86.4 * MM) - 2),
            "-H",
            str(int(42.3 * MM) - 2),
            str(pdf),
            "-",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert fields["organisation"] in [line.strip() for line in text.splitlines()], text


SAMPLE_LABEL = {
    "postal_code": "812-0011",
    "address1": "福岡県福岡市博多区博多駅前二丁目1番1号",
    "address2": "博多テストビル 5階",
    "organisation": "医療法人社団テスト会",
    "department": "画像診断センター",
    "representative_title": "理事長",
    "representative_name": "山野 一葉",
}


def label_lines(pdf: Path, page: int = 1) -> list[tuple[str, float, float, float]]:
    """Return (text, top, bottom, height) of every line poppler finds on PAGE, in points from the top."""
    html = subprocess.run(
        ["pdftotext", "-bbox-layout", "-f", str(page), "-l", str(page), str(pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    lines = []
    for line in re.findall(r"<line (.*?)</line>", html, re.S):
        y_min, y_max = (float(v) for v in re.search(r'yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)"', line).groups())
        text = "".join(re.findall(r">([^<]*)</word>", line))
        lines.append((text, y_min, y_max, y_max - y_min))
    return lines


def test_a_label_shows_the_addressee_largest_centred_with_the_member_id(tmp_path: Path) -> None:
    pdf = tmp_path / "labels.pdf"
    pdf.write_bytes(sheets.labels_pdf([[("0042", SAMPLE_LABEL)]]))
    lines = label_lines(pdf)
    texts = [text for text, *_ in lines]
    assert texts[-1] == "0042" and "理事長山野一葉様" in texts  # the ID last: small, in the corner
    heights = {text: height for text, _top, _bottom, height in lines}
    addressee = heights["理事長山野一葉様"]
    assert all(addressee > heights[t] for t in texts if t != "理事長山野一葉様")
    block = [line for line in lines if line[0] != "0042"]
    label_top, label_bottom = 21.6 * MM, (21.6 + 42.3) * MM
    above, below = block[0][1] - label_top, label_bottom - block[-1][2]
    assert abs(above - below) < 0.25 * (above + below), (above, below)  # centred, not packed at the top
    id_line = lines[-1]
    assert id_line[2] > block[-1][2] and id_line[3] < addressee / 1.5


def test_labels_start_at_the_position_asked_and_each_group_on_its_own_sheet(tmp_path: Path) -> None:
    enrolled = [(f"E{n:03d}", SAMPLE_LABEL) for n in range(3)]
    unenrolled = [(f"U{n:03d}", SAMPLE_LABEL) for n in range(2)]
    pdf = tmp_path / "labels.pdf"
    pdf.write_bytes(sheets.labels_pdf([enrolled, unenrolled], start=11))
    assert page_count(pdf) == 3
    assert [label_text_at(pdf, 0, p) for p in range(10)] == [""] * 10  # positions 1-10 already used
    assert label_text_at(pdf, 0, 10).endswith("E000") and label_text_at(pdf, 0, 11).endswith("E001")
    assert label_text_at(pdf, 1, 0).endswith("E002") and label_text_at(pdf, 1, 1) == ""
    assert label_text_at(pdf, 2, 0).endswith("U000") and label_text_at(pdf, 2, 1).endswith("U001")
    assert sheets.label_slots([3, 2], 11) == [(0, 10), (0, 11), (1, 0), (2, 0), (2, 1)]


def test_print_labels_start_is_refused_outside_the_sheet(sample_run: Path) -> None:
    result = CliRunner().invoke(
        main, ["print", "--config", str(CONFIG), "--out", str(sample_run), "--labels-start", "13"]
    )
    assert result.exit_code == 1
    assert (
        "--labels-start 13: ラベルの開始位置は 1 から 12 までです（1 枚目の左上が 1、右へ・下へ数えます）"
        in result.output
    )


def test_a_long_line_breaks_at_a_space_when_there_is_one() -> None:
    sheets.register_fonts()
    width = 17.5 * 11  # 17 full-width characters at 11 pt: the first 16 and the space fit, the next does not
    text = "北海道札幌市中央区北一条西二丁目　札幌中央ビルディング第二別館"
    pieces = sheets._wrap(text, 11, width)[0]
    assert pieces == ["北海道札幌市中央区北一条西二丁目", "札幌中央ビルディング第二別館"]
    latin = sheets._wrap("Tele Radiology Imaging Partners Consulting Group", 11, width)[0]
    assert latin[0].endswith("Partners") and all(" " not in piece[-1:] for piece in latin)  # whole words


def test_a_label_line_never_begins_with_a_closing_bracket_nor_ends_with_an_opening_one() -> None:
    """The letter's frame keeps these rules too (models.NO_LINE_START, NO_LINE_END: 禁則)."""
    sheets.register_fonts()
    width = 17.5 * 11
    # The only space comes after 「（」: breaking there would end the line with it.
    pieces = sheets._wrap("札幌中央ビルディング（ 第二別館十二階Ｂ棟）", 11, width)[0]
    assert not [p for p in pieces if p.rstrip().endswith("（")], pieces
    assert "".join(pieces).replace(" ", "") == "札幌中央ビルディング（第二別館十二階Ｂ棟）"
    # A closing bracket that would begin the next line takes the character before it along.
    pieces = sheets._wrap("北海道札幌市中央区北一条西二丁目二）見本", 11, width)[0]
    assert not [p for p in pieces if p.startswith("）")], pieces
    assert pieces == ["北海道札幌市中央区北一条西二丁目", "二）見本"]
    # Two closing brackets in a row go along with the character they close on.
    pieces = sheets._wrap("北海道札幌市中央区北一条西二会社）」見本", 11, width)[0]
    assert pieces == ["北海道札幌市中央区北一条西二会", "社）」見本"]

"""A finished run as the reviewers see it: members, flags, decisions that hold only for their files."""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from mailmerge import mailing, pipeline, review, state
from mailmerge.cli import main
from mailmerge.config import load_config
from mailmerge.dates import today_jst
from mailmerge.errors import MailmergeError

from conftest import REPO, write_config


def make_cycle(folder: Path) -> Path:
    """Return a config in ``folder`` whose roster is a copy of the sample (so a test may edit it)."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "data" / "members.xlsx", folder / "members.xlsx")
    config = write_config(folder)
    text = config.read_text(encoding="utf-8").replace(f'path = "{REPO}/data/members.xlsx"', 'path = "members.xlsx"')
    config.write_text(text, encoding="utf-8")
    return config


def run_cycle(config: Path, out: Path, *extra: str) -> None:
    result = CliRunner().invoke(main, ["run", "--config", str(config), "--out", str(out), "--quiet", *extra])
    assert result.exit_code == 0, result.output


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("mailing")
    config = make_cycle(folder)
    run_cycle(config, folder / "out")
    return config, folder / "out"


@pytest.fixture
def own_run(finished_run, tmp_path: Path) -> tuple[Path, Path]:
    """A copy of the finished run and its roster that a test may change."""
    config_path, out = finished_run
    config = make_cycle(tmp_path / "cycle")
    shutil.copytree(out, tmp_path / "out")
    return config, tmp_path / "out"


def edit_roster(config: Path, member_id: str, column: str, value: str) -> None:
    path = config.parent / "members.xlsx"
    workbook = openpyxl.load_workbook(path)
    sheet = workbook.active
    headers = [cell.value for cell in sheet[1]]
    for cells in sheet.iter_rows(min_row=2):
        if cells[0].value == member_id:
            cells[headers.index(column)].value = value
    workbook.save(path)


def test_every_member_is_listed_undecided_with_the_flags_to_look_at(finished_run) -> None:
    config, out = finished_run
    view = mailing.open_run(load_config(config), out)
    assert len(view.reviews) == 30
    assert {r.status for r in view.reviews} == {review.UNDECIDED}
    assert view.summary["roster_rows"] == 30
    assert not view.locked
    by_id = {r.member_id: r for r in view.reviews}
    assert review.ONCHU in by_id["0021"].flags  # no representative: 御中
    assert review.ONCHU not in by_id["0001"].flags
    assert by_id["0001"].pages == by_id["0001"].row("letter").pages + by_id["0001"].row("overview").pages
    assert [row.document for row in by_id["0001"].rows] == ["letter", "overview"]
    assert mailing.approved_members(view) == ()


def test_an_approval_recorded_with_a_full_width_id_holds_for_that_member(own_run) -> None:
    config_path, out = own_run
    config = load_config(config_path)
    made = mailing.record_decisions(config, out, ["００１２ "], "approved", "", "事務局 山田")
    assert [d.member_id for d in made] == ["0012"]
    view = mailing.open_run(config, out)
    assert [r.member_id for r in mailing.approved_members(view)] == ["0012"]
    assert view.review("0012").decision.reviewer == "事務局 山田"
    assert len(mailing.left_out(view)) == 29


def test_an_unknown_member_id_records_nothing(own_run) -> None:
    config_path, out = own_run
    config = load_config(config_path)
    with pytest.raises(MailmergeError, match="会員番号 9999: この実行の一覧"):
        mailing.record_decisions(config, out, ["0001", "9999"], "approved", "", "事務局 山田")
    assert mailing.approved_members(mailing.open_run(config, out)) == ()


def test_no_decision_while_a_run_holds_the_folder(own_run) -> None:
    config_path, out = own_run
    with state.OutputLock(out):
        with pytest.raises(MailmergeError, match="書状を作成中です。作成が終わってから確認・承認してください"):
            mailing.record_decisions(load_config(config_path), out, None, "approved", "", "事務局 山田")


def test_a_member_id_stored_as_a_number_raises_no_postal_flag(own_run) -> None:
    config_path, out = own_run
    before = mailing.open_run(load_config(config_path), out).review("0012").flags
    path = config_path.parent / "members.xlsx"
    workbook = openpyxl.load_workbook(path)
    cell = next(cells[0] for cells in workbook.active.iter_rows(min_row=2) if cells[0].value == "0012")
    cell.value, cell.number_format = 12, "0000"  # shows 0012: `check` warns that it is a number
    workbook.save(path)
    config = load_config(config_path)
    view = mailing.open_run(config, out)
    assert review.POSTAL_WARNING not in view.review("0012").flags
    assert view.review("0012").flags == before == (review.LONG_NAME,)
    assert view.review("0012").may_be_approved


def test_an_approval_goes_stale_when_a_rerun_changes_the_members_documents(own_run) -> None:
    config_path, out = own_run
    config = load_config(config_path)
    mailing.record_decisions(config, out, None, "approved", "", "事務局 山田")
    assert len(mailing.approved_members(mailing.open_run(config, out))) == 30

    edit_roster(config_path, "0005", "住所2", "新しいビル 2階")
    changed = mailing.open_run(load_config(config_path), out).review("0005")
    assert review.ROSTER_CHANGED in changed.flags and not changed.approved
    with pytest.raises(MailmergeError, match="会員番号 0005: 作成後に名簿"):
        mailing.record_decisions(load_config(config_path), out, ["0005"], "approved", "", "事務局 山田")

    run_cycle(config_path, out)
    view = mailing.open_run(load_config(config_path), out)
    assert view.review("0005").status == review.STALE
    assert review.STALE in view.review("0005").flags
    assert [r.member_id for r in mailing.left_out(view)] == ["0005"]
    mailing.record_decisions(load_config(config_path), out, ["0005"], "approved", "確認済み", "事務局 佐々木")
    assert len(mailing.approved_members(mailing.open_run(load_config(config_path), out))) == 30


def test_approve_refuses_a_name_or_note_that_would_forge_a_line_in_history(own_run) -> None:
    config_path, out = own_run
    for reviewer, note, expected in (
        ("事務局\n2026-12-01 承認 0002", "", "確認者の名前の 4 文字目に使えない文字があります（改行、U+000A）。"),
        (
            "事務局 山田",
            "住所\u202e古い",
            "メモの 3 文字目に使えない文字があります（文字の向きを変える制御文字、U+202E）。",
        ),
        ("事務局\x00山田", "", "確認者の名前の 4 文字目に使えない文字があります（制御文字、U+0000）。"),
        # Invisible, they would make two reviewers of one name (a note may keep them: emoji sequences).
        (
            "事務局 山田\u200b",
            "",
            "確認者の名前の 7 文字目に使えない文字があります（目に見えない書式用の文字、U+200B）。"
            "確認者の名前を消して、キーボードで入力し直してください（貼り付けた文字に紛れ込むことがあります）。",
        ),
        (
            "\ufeff事務局 山田",
            "",
            "確認者の名前の 1 文字目に使えない文字があります（目に見えない書式用の文字、U+FEFF）。",
        ),
    ):
        args = ["approve", "0001", "--config", str(config_path), "--out", str(out), "--reviewer", reviewer]
        result = CliRunner().invoke(main, [*args, "--note", note] if note else args)
        assert result.exit_code == 1, result.output
        assert expected in result.output, result.output
    assert mailing.open_run(load_config(config_path), out).review("0001").decision is None


def test_letters_swapped_on_disk_are_neither_approved_nor_printed_and_print_says_why(own_run) -> None:
    from helpers import swap_files

    config_path, out = own_run
    common = ["--config", str(config_path), "--out", str(out)]
    letters = [next(out.glob(f"*/{member_id}/letter.pdf")) for member_id in ("0001", "0002")]
    swap_files(*letters)
    one = CliRunner().invoke(main, ["approve", "0001", *common, "--reviewer", "事務局 山田"])
    assert one.exit_code == 1
    assert (
        "会員番号 0001: ファイルが作成時と違います（manifest.csv の記録と合いません）。表示・承認・保留はできません。"
        in one.output
    )
    everyone = CliRunner().invoke(main, ["approve", "--all", *common, "--reviewer", "事務局 山田"])
    assert everyone.exit_code == 0, everyone.output
    assert "28 会員を「承認済み」として記録しました" in everyone.output
    assert "記録しなかった会員: 2 名\n  ファイルが作成時と違います 2 名: 会員番号 0001, 0002" in everyone.output
    view = mailing.open_run(load_config(config_path), out)
    assert {r.member_id for r in view.reviews if review.FILES_CHANGED in r.flags} == {"0001", "0002"}

    swap_files(*letters)  # put back, approve them too, then swap again before printing
    assert CliRunner().invoke(main, ["approve", "0001", "0002", *common, "--reviewer", "事務局 山田"]).exit_code == 0
    swap_files(*letters)
    printed = CliRunner().invoke(main, ["print", *common])
    assert printed.exit_code == 1
    for member_id in ("0001", "0002"):
        assert (
            f"会員番号 {member_id}: letter のファイルが作成時と違います（manifest.csv "
            f"の記録と合いません。作成後に置き換え・編集された）" in printed.output
        )
    assert "承認後に変更" not in printed.output and not (out / "print").exists()


def add_fax_field(config: Path) -> None:
    """Declare an optional, unprinted field in the config alone (no template, no code)."""
    text = config.read_text(encoding="utf-8")
    group = 'group = { header = "加入状況", required = true, check = "group" }\n'
    assert group in text
    config.write_text(text.replace(group, group + 'fax = { header = "FAX番号", printed = false }\n'), encoding="utf-8")


def set_fax(config: Path, member_id: str, value: str) -> None:
    path = config.parent / "members.xlsx"
    workbook = openpyxl.load_workbook(path)
    sheet = workbook.active
    headers = [cell.value for cell in sheet[1]]
    if "FAX番号" not in headers:
        sheet.cell(row=1, column=len(headers) + 1, value="FAX番号")
        headers.append("FAX番号")
    for cells in sheet.iter_rows(min_row=2):
        if cells[0].value == member_id:
            sheet.cell(row=cells[0].row, column=headers.index("FAX番号") + 1, value=value)
    workbook.save(path)


def test_an_optional_unprinted_field_added_in_the_config_changes_no_document(own_run) -> None:
    config_path, out = own_run
    before = pipeline.check(load_config(config_path))
    add_fax_field(config_path)
    config = load_config(config_path)
    assert config.field("fax").header == "FAX番号" and "fax" not in config.template_fields

    # The roster has no such column yet: no error, no warning, and every approval still possible.
    checked = pipeline.check(config)
    assert [str(p) for p in checked.problems] == [str(p) for p in before.problems]
    member = next(m for m in checked.roster.members if m.member_id == "0005")
    assert dict(member.unprinted) == {} and "fax" not in member.fields  # the sample has no e-mail columns either
    mailing.record_decisions(config, out, ["0005"], "approved", "", "事務局 山田")
    assert mailing.open_run(config, out).review("0005").approved

    digest = pipeline.input_digest(member, "letter", "t" * 64, config)
    for number in ("03-1234-5678", "03-9999-0000"):
        set_fax(config_path, "0005", number)
        checked = pipeline.check(config)
        assert [str(p) for p in checked.problems] == [str(p) for p in before.problems]
        member = next(m for m in checked.roster.members if m.member_id == "0005")
        assert member.unprinted["fax"] == number and "fax" not in member.fields
        assert pipeline.input_digest(member, "letter", "t" * 64, config) == digest
        view = mailing.open_run(config, out)
        assert review.ROSTER_CHANGED not in view.review("0005").flags
        assert view.review("0005").approved
        assert view.members["0005"].unprinted["fax"] == number


def test_a_summary_that_is_not_json_leaves_the_review_open_and_archive_refuses(own_run, tmp_path: Path) -> None:
    # A summary.json cut short or edited by hand answered every page of the review app with a 500.
    config_path, out = own_run
    summary = out / "summary.json"
    summary.write_text("x" + summary.read_text(encoding="utf-8"), encoding="utf-8")
    view = mailing.open_run(load_config(config_path), out)
    assert len(view.reviews) == 30 and view.summary == {}
    mailing.record_decisions(load_config(config_path), out, None, "approved", "", "事務局 山田")
    common = ["--config", str(config_path), "--out", str(out), "--archive", str(tmp_path / "a")]
    assert CliRunner().invoke(main, ["print", *common]).exit_code == 0
    refused = CliRunner().invoke(main, ["archive", *common, "--sent-on", today_jst().isoformat()])
    assert refused.exit_code == 1
    assert (
        "summary.json: 集計が合いません（項目が足りません）。「作成」をやり直してから封印してください"
        "（コマンドでは mailmerge run）" in refused.output
    ), refused.output

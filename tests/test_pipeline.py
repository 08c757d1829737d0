"""The whole cycle on the sample roster, read the way a person reads it: PDF text, pages, fonts, files."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from mailmerge.config import load_config
from mailmerge.dates import today_jst
from mailmerge.roster import load_roster

from helpers import (
    DATA,
    REPO,
    invoke,
    make_cycle,
    manifest_header,
    manifest_rows,
    page_count,
    pdf_characters,
    pdf_text,
    run_mailmerge,
    sha256,
    squash,
)

ENROLLED_HEADING = "〈ご加入いただいている会員の皆さまへ〉"
ENROLLED_TEXT = "更新手続に必要な書類を同封しております。お早めの更新手続をお願いします。"
UNENROLLED_HEADING = "〈未加入の会員の皆さまへ〉"
UNENROLLED_TEXT = (
    "本保険は、ATS会員だけが加入できる制度であり、遠隔画像診断サービス事業におけるリスクを総合的にカバーする内容"
    "となっております。"
    "この機会に是非ご検討をお願いします。"
)
# The secretariat opens manifest.csv in Excel: its headers are Japanese.
MANIFEST_COLUMNS = [
    "会員番号",
    "会員名",
    "加入状況",
    "文書",
    "DOCX ファイル",
    "PDF ファイル",
    "ページ数",
    "DOCX の SHA-256",
    "PDF の SHA-256",
    "作成元の SHA-256",
]


@pytest.fixture(scope="session")
def sample_members():
    return load_roster(load_config(REPO / "mailmerge.toml")).members


def test_manifest_lists_two_documents_for_every_member(sample_run: Path, sample_members) -> None:
    rows = manifest_rows(sample_run)
    assert manifest_header(sample_run) == MANIFEST_COLUMNS
    first = (sample_run / "manifest.csv").read_text(encoding="utf-8-sig").splitlines()[1].split(",")
    assert first[2:4] == ["加入", "書状"]  # 0001's letter, in the words of the review pages
    assert len(sample_members) == 30
    assert sorted((r["member_id"], r["document"]) for r in rows) == sorted(
        (m.member_id, d) for m in sample_members for d in ("letter", "overview")
    )
    for row, member in zip(rows[::2], sample_members, strict=False):
        assert row["name"] == member.fields["organisation"]
        assert row["group"] == member.group
        assert row["docx"] == f"{member.group}/{member.member_id}/letter.docx"
        assert row["pdf"] == f"{member.group}/{member.member_id}/letter.pdf"


def test_manifest_hashes_and_page_counts_match_the_files(sample_run: Path) -> None:
    for row in manifest_rows(sample_run):
        for kind in ("docx", "pdf"):
            assert sha256(sample_run / row[kind]) == row[f"{kind}_sha256"]
        assert page_count(sample_run / row["pdf"]) == int(row["pages"])


def test_every_letter_names_its_member_and_carries_only_its_group_paragraph(sample_run: Path, sample_members) -> None:
    for member in sample_members:
        text = pdf_characters(sample_run / member.group / member.member_id / "letter.pdf")
        fields = member.fields
        assert squash(fields["organisation"]) in text
        assert f"〒{fields['postal_code']}" in text
        assert squash(fields["address1"]) in text
        if fields["representative_name"]:
            assert squash(f"{fields['representative_title']}{fields['representative_name']}様") in text
            assert "御中" not in text
        else:
            # Japanese practice: 御中 after the department when there is one (株式会社X 総務部 御中).
            addressee = fields["department"] or fields["organisation"]
            assert squash(f"{addressee}御中") in text
            assert text.count("御中") == 1
            assert "様" not in text.replace("皆さま", "")
        own, other = (
            (ENROLLED_HEADING + ENROLLED_TEXT, UNENROLLED_HEADING)
            if member.group == "enrolled"
            else (UNENROLLED_HEADING + UNENROLLED_TEXT, ENROLLED_HEADING)
        )
        assert own in text
        assert other not in text
        assert ("同封" in text) == (member.group == "enrolled")
        title = "ATS会員専用保険「遠隔画像診断専門賠償責任保険」" + (
            "更新のご案内" if member.group == "enrolled" else "のご案内"
        )
        assert title in text
        assert "理事長山田太郎" in text
        assert "2024年2月1日" in text


def test_no_letter_carries_another_members_name(sample_run: Path, sample_members) -> None:
    for member in sample_members:
        text = pdf_characters(sample_run / member.group / member.member_id / "letter.pdf")
        others = [m.member_id for m in sample_members if m is not member and squash(m.fields["organisation"]) in text]
        assert others == [], f"member {member.member_id}'s letter names members {others}"


def test_every_letter_is_one_page_and_every_page_is_marked(sample_run: Path, sample_members) -> None:
    for member in sample_members:
        for document in ("letter", "overview"):
            path = sample_run / member.group / member.member_id / f"{document}.pdf"
            pages = page_count(path)
            if document == "letter":
                assert pages == 1
            for page in range(1, pages + 1):
                assert squash(f"{member.member_id} · 2024 · {page}/{pages}") in squash(pdf_text(path, page))


def test_overview_has_the_group_specific_part(sample_run: Path, sample_members) -> None:
    for member in sample_members:
        text = pdf_characters(sample_run / member.group / member.member_id / "overview.pdf")
        assert "遠隔画像診断専門賠償責任保険の概要" in text
        for case in "①②③④⑤⑥":
            assert f"事例{case}" in text
        if member.group == "enrolled":
            assert "更新のお手続き" in text and "2024年1月12日" in text
            assert "ご加入のご案内" not in text
        else:
            assert "ご加入のご案内" in text
            assert "更新のお手続き" not in text


def test_fonts_are_the_ipaex_fonts_and_embedded(sample_run: Path) -> None:
    for path in sorted(sample_run.glob("*/*/*.pdf"))[:6]:
        listing = subprocess.run(
            ["pdffonts", str(path)], capture_output=True, text=True, check=True
        ).stdout.splitlines()[2:]
        assert listing, f"{path} lists no fonts"
        for line in listing:
            name, emb = line.split()[0], line.split()[-5]
            assert re.fullmatch(r"[A-Z]{6}\+IPAex(Mincho|Gothic)", name), line
            assert emb == "yes", line


def test_two_clean_runs_make_the_same_pdf_bytes_on_both_paths(sample_cycle, tmp_path: Path) -> None:
    """Issue 21: a member's approval is bound to its PDFs' bytes, so the same inputs must give the same bytes.

    The sample cycle takes both paths (shared_pages_from 15): the enrolled (18) composed from shared
    pages and layers, the unenrolled (12) converted whole and split out of their bundles' PDFs.
    """
    again = run_mailmerge("run", "--config", str(sample_cycle.config), "--out", str(tmp_path / "again"))
    assert again.returncode == 0, again.stdout + again.stderr
    for output in (sample_cycle.stdout + sample_cycle.stderr, again.stdout + again.stderr):
        assert "letter（加入）: 共有ページ + 会員ごとの差し込み層で作成" in output
        assert "letter（未加入）" not in output  # 12 members, under 15: converted whole
    first, second = manifest_rows(sample_cycle.out), manifest_rows(tmp_path / "again")
    assert len(first) == 60
    assert {(r["member_id"], r["document"]): r["pdf_sha256"] for r in second} == {
        (r["member_id"], r["document"]): r["pdf_sha256"] for r in first
    }
    # What a printer sees of the fonts: subsets named after their glyphs, the same in both runs.
    for row in first[:4]:
        fonts = [
            subprocess.run(["pdffonts", str(out / row["pdf"])], capture_output=True, text=True, check=True).stdout
            for out in (sample_cycle.out, tmp_path / "again")
        ]
        assert fonts[0] == fonts[1] and "BAAAAA+" not in fonts[0]


def test_a_forced_run_after_one_member_changed_leaves_the_others_approved_and_their_pdfs_as_they_were(
    sample_cycle, tmp_path: Path
) -> None:
    """Issue 21: a member's PDF carries the fonts of the bundle it was converted in, so after two members'
    rows were edited, `run --force` changed 48 of 60 PDFs and their approvals turned 要再確認.
    """
    import openpyxl

    from mailmerge import mailing, messages

    from conftest import copy_run
    from helpers import SAMPLE_SHARED_PAGES_FROM

    out = copy_run(sample_cycle.out, tmp_path)
    config = make_cycle(tmp_path / "cycle", shared_pages_from=SAMPLE_SHARED_PAGES_FROM)  # the sample's inputs
    approved = invoke("approve", "--config", str(config), "--out", str(out), "--all", "--reviewer", "事務局")
    assert approved.exit_code == 0, approved.output
    before = {(r["member_id"], r["document"]): r["pdf_sha256"] for r in manifest_rows(out)}
    # One member of each group gets another 部署: new characters in both groups' bundles.
    workbook = openpyxl.load_workbook(config.parent / "members.xlsx")
    sheet = workbook.active
    column = [cell.value for cell in sheet[1]].index("部署")
    for cells in sheet.iter_rows(min_row=2):
        if cells[0].value in ("0001", "0003"):
            cells[column].value = "鬱蒼とした森の麒麟担当部"
    workbook.save(config.parent / "members.xlsx")

    for forced in ((), ("--force",)):
        done = run_mailmerge("run", "--config", str(config), "--out", str(out), *forced)
        assert done.returncode == 0, done.stdout + done.stderr
        after = {(r["member_id"], r["document"]): r["pdf_sha256"] for r in manifest_rows(out)}
        assert {key for key in before if after[key] != before[key]} == {
            (member_id, document) for member_id in ("0001", "0003") for document in ("letter", "overview")
        }, forced
        assert "鬱蒼とした森の麒麟担当部" in squash(pdf_text(out / "enrolled" / "0001" / "letter.pdf"))
        view = mailing.open_run(load_config(config), out)
        statuses = {member.member_id: messages.STATUS_LABELS[member.status] for member in view.reviews}
        assert statuses.pop("0001") == statuses.pop("0003") == "要再確認"
        assert set(statuses.values()) == {"承認済み"}, forced
    assert "新規作成 60" in done.stdout


def test_outputs_are_private(sample_run: Path) -> None:
    assert sample_run.stat().st_mode & 0o777 == 0o700
    for path in sample_run.rglob("*"):
        expected = 0o700 if path.is_dir() else 0o600
        assert path.stat().st_mode & 0o777 == expected, path


def test_csv_rosters_give_the_same_letters_as_the_workbook(sample_cycle, tmp_path: Path) -> None:
    sample_run = sample_cycle.out
    for name in ("sample_utf8.csv", "sample_utf8_bom.csv", "sample_cp932.csv"):
        out = tmp_path / name
        # The sample run's own cycle (its templates), another roster.
        result = invoke(
            "run",
            "--config",
            str(sample_cycle.config),
            "--roster",
            str(DATA / name),
            "--out",
            str(out),
            "--limit",
            "2",
            "-q",
        )
        assert result.exit_code == 0, result.output
        rows = manifest_rows(out)
        assert len(rows) == 4
        for row in rows:
            # The sample run composes its pages (shared + layer, issue 14); a 2-member run converts them
            # whole: the same characters, the layer's read after the page it lies on.
            assert sorted(pdf_characters(out / row["pdf"])) == sorted(pdf_characters(sample_run / row["pdf"]))


def test_cp932_roster_prints_every_name_exactly_as_entered(tmp_path: Path) -> None:
    roster = DATA / "good_cp932.csv"
    config = load_config(REPO / "mailmerge.toml")
    members = load_roster(config, roster).members
    out = tmp_path / "out"
    result = invoke("run", "--config", str(REPO / "mailmerge.toml"), "--roster", str(roster), "--out", str(out), "-q")
    assert result.exit_code == 0, result.output
    assert any("㈱" in m.fields["organisation"] for m in members)
    assert any("髙" in m.fields["representative_name"] for m in members)
    for member in members:
        text = pdf_characters(out / member.group / member.member_id / "letter.pdf")
        for field in ("organisation", "representative_name", "address1", "address2", "department"):
            assert squash(member.fields[field]) in text, (member.member_id, field)


def test_names_with_xml_characters_print_exactly(tmp_path: Path) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_text(
        "会員番号,会員名,部署,代表者役職,代表者氏名,郵便番号,住所1,住所2,加入状況\n"
        '0101,"<株式会社> A&B ""遠隔"" 読影",,,,103-0027,東京都中央区日本橋3丁目1番1号,,未加入\n',
        encoding="utf-8",
    )
    out = tmp_path / "out"
    result = invoke("run", "--config", str(REPO / "mailmerge.toml"), "--roster", str(roster), "--out", str(out), "-q")
    assert result.exit_code == 0, result.output
    text = pdf_characters(out / "unenrolled/0101/letter.pdf")
    assert squash('<株式会社> A&B "遠隔" 読影 御中') in text


def test_only_and_limit_select_members(tmp_path: Path, sample_members) -> None:
    out = tmp_path / "out"
    result = invoke(
        "run", "--config", str(REPO / "mailmerge.toml"), "--out", str(out), "--only", "unenrolled", "--limit", "2", "-q"
    )
    assert result.exit_code == 0, result.output
    expected = [m.member_id for m in sample_members if m.group == "unenrolled"][:2]
    assert sorted(p.name for p in (out / "unenrolled").iterdir()) == expected
    assert not (out / "enrolled").exists()
    assert "完了: 2 会員 (加入 0 件, 未加入 2 件), 4 文書" in result.output


@pytest.mark.parametrize("shared_pages_from", ["100", "0"])
def test_a_member_named_like_the_templates_own_words_runs_and_check_warns(
    shared_pages_from: str, config_in, tmp_path: Path
) -> None:
    # Issue 25: a member named 「ATS」 (the letters' own word) or like the insurer the overview names
    # stopped every member's run (「PDF に別の会員の名前があります」, blaming that member). "0": the
    # composed path, whose shared pages carry the template's text.
    lines = (DATA / "sample_utf8.csv").read_text(encoding="utf-8").splitlines()
    roster = tmp_path / "名簿.csv"
    roster.write_text(
        "\n".join(
            [
                *lines[:4],
                "0031,ATS,,,,103-0027,東京都中央区日本橋3丁目5番1号,,加入",
                "0032,見本損害保険株式会社,,,,103-0027,東京都中央区日本橋3丁目5番2号,,未加入",
                "0033,株式会社ATS読影,,,,103-0027,東京都中央区日本橋1丁目1番1号,,未加入",
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    config = str(config_in(shared_pages_from=shared_pages_from))
    warning = (
        "会員名: 注意: 会員名がテンプレート（{templates}）の文面にも出てくる言葉です。文書は作られますが、"
        "文面の言葉と取り違えていないか、確認のときにこの会員の文書を見てください"
    )
    letter, overview = DATA / "templates" / "letter.docx", DATA / "templates" / "overview.docx"
    checked = invoke("check", "--config", config, "--roster", str(roster))
    assert checked.exit_code == 0, checked.output
    assert [line for line in checked.output.splitlines() if line.startswith("名簿.csv:")] == [
        "名簿.csv:5: " + warning.format(templates=f"{letter}、{overview}"),
        "名簿.csv:6: " + warning.format(templates=f"{overview}"),
    ]

    out = tmp_path / "out"
    result = invoke("run", "--config", config, "--roster", str(roster), "--out", str(out), "-q")
    assert result.exit_code == 0, result.output
    assert len(manifest_rows(out)) == 12
    assert "ATS" in squash(pdf_text(out / "enrolled" / "0001" / "letter.pdf"))
    assert "見本損害保険株式会社" in squash(pdf_text(out / "enrolled" / "0001" / "overview.pdf"))


def test_the_honorific_column_prints_sensei_in_the_letter_the_overview_and_the_label(tmp_path: Path) -> None:
    # Issue 21 item 9: an optional 敬称 column, 様 by default (an empty cell or no column), 先生 allowed.
    header = "会員番号,会員名,部署,代表者役職,代表者氏名,郵便番号,住所1,住所2,加入状況,敬称"
    rows = [
        "0001,医療法人社団テスト会,,院長,山野　一葉,101-0062,東京都千代田区神田駿河台2丁目3番11号,,加入,先生",
        "0002,株式会社テスト画像,,代表取締役,川辺　二郎,113-0033,東京都文京区本郷3丁目18番4号,,加入,",
        "0003,テスト医院,,院長,森　三郎,113-0033,東京都文京区本郷3丁目18番4号,,加入,殿",
    ]
    config = make_cycle(tmp_path / "cycle", "\n".join([header, *rows]) + "\n")
    refused = invoke("check", "--config", str(config))
    assert refused.exit_code == 1
    assert (
        "members.csv:4: 敬称: 敬称 「殿」 は使えません。様、先生 のどれかにしてください（空欄は 様）" in refused.output
    )
    (tmp_path / "cycle" / "members.csv").write_text("\n".join([header, *rows[:2]]) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    ran = invoke("run", "--config", str(config), "--out", str(out), "--quiet")
    assert ran.exit_code == 0, ran.output
    for document in ("letter", "overview"):
        assert "院長山野一葉先生" in squash(pdf_text(out / "enrolled" / "0001" / f"{document}.pdf"))
        assert "代表取締役川辺二郎様" in squash(pdf_text(out / "enrolled" / "0002" / f"{document}.pdf"))
    assert invoke("approve", "--config", str(config), "--out", str(out), "--all", "--reviewer", "事務局").exit_code == 0
    assert invoke("print", "--config", str(config), "--out", str(out)).exit_code == 0
    labels = squash(pdf_text(out / "print" / "labels.pdf"))
    assert "院長山野一葉先生" in labels and "代表取締役川辺二郎様" in labels


def test_the_whole_cycle_works_on_a_run_made_with_roster_csv(tmp_path: Path) -> None:
    # Issue 21 item 1: after `run --roster 名簿.csv`, approve, print and archive compared the members with
    # the config's roster and refused those that differ; the run now records the roster it was made from.
    config = make_cycle(tmp_path / "cycle")  # its config names members.xlsx, the sample workbook
    lines = (DATA / "sample_utf8.csv").read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].replace("2丁目3番11号", "2丁目3番12号")  # 0001's address differs from the workbook's
    roster = tmp_path / "名簿.csv"
    roster.write_text("\n".join(lines[:5]) + "\n", encoding="utf-8")
    out, archive_dir = tmp_path / "out", tmp_path / "archive"
    common = ["--config", str(config), "--out", str(out)]
    assert invoke("run", *common, "--roster", str(roster), "-q").exit_code == 0
    approved = invoke("approve", *common, "--all", "--reviewer", "事務局")
    assert approved.exit_code == 0, approved.output
    assert approved.output.startswith("4 会員を「承認済み」として記録しました"), approved.output
    printed = invoke("print", *common, "--archive", str(archive_dir))
    assert printed.exit_code == 0, printed.output
    sealed = invoke("archive", *common, "--archive", str(archive_dir), "--sent-on", today_jst().isoformat())
    assert sealed.exit_code == 0, sealed.output
    bag = archive_dir / "2024" / today_jst().isoformat()
    assert (bag / "data" / "roster" / "名簿.csv").read_bytes() == roster.read_bytes()  # the roster it was made from
    history = invoke("history", "0001", "--archive", str(archive_dir), "--config", str(config))
    assert history.exit_code == 0, history.output
    assert "会員番号 0001: 発送 1 回、封印したファイル 4 件" in history.output
    assert "2丁目3番12号" in squash(pdf_text(out / "enrolled" / "0001" / "letter.pdf"))

"""Shared pages + member layers in real runs (issue 14): which path each template takes, the audit, overflow."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pikepdf

from helpers import invoke, make_cycle, manifest_rows, page_count, pdf_text, squash

DATA = Path(__file__).resolve().parent / "data"
COMPOSED = ("letter（加入）", "overview（加入）")  # the sample run's groups of at least 15 members


def edit_template(path: Path, change) -> None:
    """Rewrite a template's word/document.xml with ``change`` (bytes -> bytes), as someone editing it in Word would."""
    with zipfile.ZipFile(path) as package:
        parts = {name: package.read(name) for name in package.namelist()}
    parts["word/document.xml"] = change(parts["word/document.xml"])
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as package:
        for name, data in parts.items():
            package.writestr(name, data)


def test_the_sample_run_composes_the_large_group_and_its_audit_passes(sample_cycle) -> None:
    enrolled = [
        row.split(",")
        for row in (DATA / "sample_utf8.csv").read_text(encoding="utf-8").splitlines()[1:]
        if row.endswith(",加入")
    ]
    longest_name = max(enrolled, key=lambda row: len(row[1]))[0]
    for route in COMPOSED:
        found = re.search(
            rf"{route}: 共有ページ \+ 会員ごとの差し込み層で作成（抜き取り (\d+) 件を直接の変換と照合: "
            rf"一致。会員番号 ([\d、]+)）",
            sample_cycle.stderr,
        )
        assert found, route
        sampled = found.group(2).split("、")
        assert len(sampled) == int(found.group(1)) >= 4 and len(set(sampled)) == len(sampled), found.group(0)
        assert longest_name in sampled  # the longest 会員名 is always in the sample, besides 3 at random
    assert "未加入）: 共有ページ" not in sample_cycle.stderr  # 12 members: converted whole
    assert "全体で変換します" not in sample_cycle.stderr
    for row in manifest_rows(sample_cycle.out):
        expected = 1 if row["pdf"].endswith("letter.pdf") else 2
        assert page_count(sample_cycle.out / row["pdf"]) == expected, row["pdf"]
        with pikepdf.open(sample_cycle.out / row["pdf"]) as placed:  # a composed page draws its layer as a form XObject
            composed = all("/XObject" in page.obj.get("/Resources", {}) for page in placed.pages)
        assert composed == (row["group"] == "enrolled"), row["pdf"]
    member = sample_cycle.out / "enrolled" / "0001"
    letter = squash(pdf_text(member / "letter.pdf"))
    assert "株式会社青嶺画像診断センター" in letter and "佐藤健一" in letter  # the layer: the recipient block
    assert "会員の皆さまにおかれましては" in letter  # the shared page: the letter's body
    assert "0001·2024·1/1" in letter
    overview = squash(pdf_text(member / "overview.pdf", page=2))
    assert "0001·2024·2/2" in overview


def test_a_field_in_the_body_is_converted_whole_and_a_shifted_layer_fails_the_audit(tmp_path: Path) -> None:
    config = make_cycle(tmp_path / "cycle", shared_pages_from=0)
    # The letter greets the member by name in its body: its pages differ per member.
    edit_template(
        config.parent / "letter.docx",
        lambda xml: xml.replace(
            "会員の皆さまにおかれましては".encode(), "{{ organisation }} 様におかれましては".encode()
        ),
    )
    # The overview's recipient lines indented 0.5 mm inside their frame: a member's layer puts its
    # lines at the frame's edge (it does not carry an indent), so composed pages would print the
    # recipient block 0.5 mm left of where LibreOffice prints it. Only the audit can tell.
    edit_template(
        config.parent / "overview.docx",
        lambda xml: re.sub(rb"(<w:framePr [^>]*/><w:spacing [^>]*/>)", rb'\1<w:ind w:left="28"/>', xml),
    )

    checked = invoke("check", "--config", str(config))
    assert checked.exit_code == 0, checked.output
    lines = checked.output.splitlines()
    assert (
        "letter（加入 18 名）: 会員ごとに全体を変換（理由: 差し込み項目 organisation が宛名枠の外（本文）にあります）"
        in lines
    )
    assert (
        "letter（未加入 12 名）: 会員ごとに全体を変換（理由: 差し込み項目 organisation が宛名枠の外（本文）にあります）"
        in lines
    )
    assert "overview（加入 18 名）: 共有ページ + 会員ごとの差し込み層" in lines
    assert "overview（未加入 12 名）: 共有ページ + 会員ごとの差し込み層" in lines

    out = tmp_path / "out"
    result = invoke("run", "--config", str(config), "--out", str(out), "--only", "enrolled", "--limit", "2")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert not [line for line in lines if line.startswith("letter（")]  # never on the composed path
    mismatch = [
        line
        for line in lines
        if line.startswith("overview（加入）: 共有ページと差し込み層の重ね合わせが直接の変換と一致しませんでした")
    ]
    assert len(mismatch) == 1 and mismatch[0].endswith(
        "この実行では overview（加入）を会員ごとに文書全体で変換します"
    ), lines
    assert "で作成（抜き取り" not in result.output
    rows = manifest_rows(out)
    assert len(rows) == 4
    letter = squash(pdf_text(out / "enrolled" / "0001" / "letter.pdf"))
    assert "株式会社青嶺画像診断センター様におかれましては" in letter
    assert page_count(out / "enrolled" / "0001" / "overview.pdf") == 2
    # What was placed is LibreOffice's own conversion of each member's overview: no page of it draws
    # a layer over shared pages (a composed page does, as a form XObject).
    for row in rows:
        with pikepdf.open(out / row["pdf"]) as placed:
            assert not [page for page in placed.pages if "/XObject" in page.obj.get("/Resources", {})], row["pdf"]


def edit_part(path: Path, name: str, change) -> None:
    with zipfile.ZipFile(path) as package:
        parts = {part: package.read(part) for part in package.namelist()}
    parts[name] = change(parts[name])
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as package:
        for part, data in parts.items():
            package.writestr(part, data)


def test_a_member_field_outside_the_body_text_means_whole_conversion_too(tmp_path: Path) -> None:
    # The letter's title (File > Properties in Word) names the member: the shared pages would carry
    # the first member's name in every member's PDF. Only rendering two made-up members shows it.
    config = make_cycle(tmp_path / "cycle", shared_pages_from=0)
    edit_part(
        config.parent / "letter.docx",
        "docProps/core.xml",
        lambda xml: xml.replace(
            "<dc:title>ATS会員専用保険".encode(), "<dc:title>{{ organisation }} 様 ATS会員専用保険".encode()
        ),
    )
    checked = invoke("check", "--config", str(config))
    assert checked.exit_code == 0, checked.output
    lines = checked.output.splitlines()
    assert (
        "letter（加入 18 名）: 会員ごとに全体を変換（理由: "
        "宛名枠の外（文書のプロパティ）の内容が会員によって変わります）" in lines
    )
    assert "overview（加入 18 名）: 共有ページ + 会員ごとの差し込み層" in lines


def test_a_value_too_long_for_the_frame_is_an_error_naming_member_and_field(tmp_path: Path) -> None:
    lines = (DATA / "sample_utf8.csv").read_text(encoding="utf-8").splitlines()
    header, first, second = lines[0], lines[1].split(","), lines[2]
    # Within the roster's limit (raised below), and within the letter's window (it wraps onto 3 of its
    # 12 lines), but the overview's block has room for 3 lines only: the representative's falls out.
    # The title also occurs in the organisation, inside the frame: it fell out all the same.
    first[1] = "株式会社" + "長" * 60 + "センター"
    first[3] = "長長"
    config = make_cycle(tmp_path / "cycle", "\n".join([header, ",".join(first), second]) + "\n", shared_pages_from=0)
    text = config.read_text(encoding="utf-8")
    limit = 'organisation = { header = "会員名", required = true, max_length = 40 }'
    assert limit in text
    config.write_text(text.replace(limit, limit.replace("40", "80")), encoding="utf-8")

    result = invoke("run", "--config", str(config), "--out", str(tmp_path / "out"))
    assert result.exit_code == 1, result.output
    errors = [line for line in result.output.splitlines() if "宛名枠に収まりません" in line]
    assert errors == [
        "エラー: 会員番号 0001 (overview): 代表者役職、代表者氏名、敬称 が宛名枠に収まりません。"
        "名簿の値を短くしてください"
    ], result.output
    done = manifest_rows(tmp_path / "out") if (tmp_path / "out" / "manifest.csv").exists() else []
    assert done == []  # the run failed: no manifest vouches for anything
    assert "株式会社長" not in result.output  # never a name in a message


def test_a_member_whose_document_differs_outside_the_frame_is_converted_whole(tmp_path: Path) -> None:
    # A condition on one member in the body: no field prints there, and two made-up members read
    # the same, so check lets the letter share its pages. The run compares every member's
    # document outside the frame with the one the shared pages were made from.
    config = make_cycle(tmp_path / "cycle", shared_pages_from=0)
    edit_template(
        config.parent / "letter.docx",
        lambda xml: xml.replace(
            "会員の皆さまにおかれましては".encode(),
            "会員の皆さまにおかれましては{% if member_id == '0002' %}（特記事項あり）{% endif %}".encode(),
        ),
    )
    out = tmp_path / "out"
    result = invoke("run", "--config", str(config), "--out", str(out), "--only", "enrolled", "--limit", "3")
    assert result.exit_code == 0, result.output
    assert (
        "会員番号 0002 (letter): 宛名枠の外の内容が共有ページと違うため、文書全体で変換します"
        in result.output.splitlines()
    )
    assert "（特記事項あり）" in squash(pdf_text(out / "enrolled" / "0002" / "letter.pdf"))
    others = [
        row["pdf"] for row in manifest_rows(out) if row["pdf"].endswith("letter.pdf") and "/0002/" not in row["pdf"]
    ]
    assert len(others) == 2
    for letter in others:
        assert "特記事項" not in squash(pdf_text(out / letter)), letter


def test_with_shared_pages_switched_off_every_document_is_converted_whole(tmp_path: Path) -> None:
    # The one switch for the composed path: with it off, a group the composed path would take
    # (shared_pages_from = 0, templates that allow it) is converted whole, and check says why.
    config = make_cycle(tmp_path / "cycle", shared_pages_from=0)
    text = config.read_text(encoding="utf-8")
    assert text.count("\nshared_pages = true\n") == 1
    config.write_text(text.replace("\nshared_pages = true\n", '\nshared_pages = "false"\n'), encoding="utf-8")
    refused = invoke("check", "--config", str(config))
    assert refused.exit_code == 1
    assert (
        refused.output
        == "エラー: cycle/mailmerge.toml: [conversion] の shared_pages は true か false にしてください（いまは "
        "'false'）\n"
    )
    config.write_text(text.replace("\nshared_pages = true\n", "\nshared_pages = false\n"), encoding="utf-8")

    checked = invoke("check", "--config", str(config))
    assert checked.exit_code == 0, checked.output
    reason = "設定で共有ページを使わないことにしているため（mailmerge.toml の [conversion] shared_pages = false）"
    lines = checked.output.splitlines()
    for route in (
        "letter（加入 18 名）",
        "letter（未加入 12 名）",
        "overview（加入 18 名）",
        "overview（未加入 12 名）",
    ):
        assert f"{route}: 会員ごとに全体を変換（理由: {reason}）" in lines, checked.output

    out = tmp_path / "out"
    result = invoke("run", "--config", str(config), "--out", str(out), "--only", "enrolled", "--limit", "3")
    assert result.exit_code == 0, result.output
    assert "共有ページ" not in result.output  # no shared pages made, no audit
    rows = manifest_rows(out)
    assert len(rows) == 6
    for row in rows:  # LibreOffice's own conversion of each member's document: no layer drawn as a form XObject
        with pikepdf.open(out / row["pdf"]) as placed:
            assert not [page for page in placed.pages if "/XObject" in page.obj.get("/Resources", {})], row["pdf"]
    letter = squash(pdf_text(out / "enrolled" / "0001" / "letter.pdf"))
    assert "株式会社青嶺画像診断センター" in letter and "会員の皆さまにおかれましては" in letter
    assert "0001·2024·1/1" in letter

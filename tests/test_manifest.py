"""manifest.csv: exact columns, UTF-8 with BOM for Excel, formula cells neutralised, read back unchanged."""

from __future__ import annotations

from pathlib import Path

from mailmerge.manifest import read_manifest, write_manifest
from mailmerge.models import ManifestRow


def row(name: str) -> ManifestRow:
    return ManifestRow(
        "0001",
        name,
        "enrolled",
        "letter",
        "enrolled/0001/letter.docx",
        "enrolled/0001/letter.pdf",
        1,
        "a" * 64,
        "b" * 64,
        "c" * 64,
    )


def test_manifest_has_the_contract_columns_and_a_bom(tmp_path: Path) -> None:
    path = tmp_path / "manifest.csv"
    write_manifest(path, [row("㈱星嶺メディカル")])
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    lines = data.decode("utf-8-sig").splitlines()
    assert lines[0] == (
        "会員番号,会員名,加入状況,文書,DOCX ファイル,PDF ファイル,ページ数,"
        "DOCX の SHA-256,PDF の SHA-256,作成元の SHA-256"
    )
    assert (
        lines[1] == f"0001,㈱星嶺メディカル,加入,書状,enrolled/0001/letter.docx,enrolled/0001/letter.pdf,1,{'a' * 64},"
        f"{'b' * 64},{'c' * 64}"
    )
    assert read_manifest(path) == [row("㈱星嶺メディカル")]
    assert path.stat().st_mode & 0o777 == 0o600


def test_a_manifest_of_an_earlier_version_with_english_headers_is_still_read(tmp_path: Path) -> None:
    path = tmp_path / "manifest.csv"
    path.write_text(
        "member_id,name,group,document,docx,pdf,pages,docx_sha256,pdf_sha256,input_sha256\n"
        f"0001,星嶺メディカル,enrolled,letter,enrolled/0001/letter.docx,enrolled/0001/letter.pdf,1,{'a' * 64},"
        f"{'b' * 64},{'c' * 64}\n",
        encoding="utf-8-sig",
    )
    assert read_manifest(path) == [row("星嶺メディカル")]


def test_formula_like_names_are_neutralised_and_read_back(tmp_path: Path) -> None:
    path = tmp_path / "manifest.csv"
    names = ['=HYPERLINK("x")', "+81 クリニック", "-テスト", "@会", "A&B"]
    write_manifest(path, [row(n) for n in names])
    cells = [line.split(",")[1] for line in path.read_text(encoding="utf-8-sig").splitlines()[1:]]
    assert cells[0].startswith("\"'=HYPERLINK")
    assert cells[1:] == ["'+81 クリニック", "'-テスト", "'@会", "A&B"]
    assert [r.name for r in read_manifest(path)] == names

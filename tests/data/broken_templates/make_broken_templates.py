"""Write the broken Word templates that tests/test_render.py expects `mailmerge check` to reject.

Run: .venv/bin/python tests/data/broken_templates/make_broken_templates.py
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from docx import Document
from docx.oxml import parse_xml

HERE = Path(__file__).parent


def template(*paragraphs: str) -> Document:
    document = Document()
    for text in paragraphs:
        document.add_paragraph(text)
    return document


def save(document: Document, name: str) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    (HERE / name).write_bytes(buffer.getvalue())
    return buffer.getvalue()


def rewrite(data: bytes, name: str, replace: dict[str, bytes | None]) -> None:
    """Copy a .docx, replacing (or dropping, with None) some of its parts."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename in replace:
                if replace[info.filename] is not None:
                    dst.writestr(info.filename, replace[info.filename])
            else:
                dst.writestr(info, src.read(info.filename))
    (HERE / name).write_bytes(out.getvalue())


def main() -> None:
    # 1. An unclosed variable tag.
    save(template("{{ organisation }} 御中", "拝啓 {{ issue_date }", "敬具"), "unclosed_tag.docx")
    # 2. An if without its endif.
    save(
        template("{{ organisation }} 御中", "{%p if enrolled %}", "更新書類を同封しております。"), "missing_endif.docx"
    )
    # 3. A misspelt variable: rendering would fail for every member.
    save(template("{{ organisaton }} 御中", "{{ issue_date }}"), "unknown_variable.docx")
    # 4. A picture linked from the network instead of embedded.
    linked = template("{{ organisation }} 御中")
    rel_id = linked.part.relate_to(
        "http://example.invalid/logo.png",
        "http://schemas.openxmlformats.org/officeDocument/2006/relationships/image",
        is_external=True,
    )
    linked.paragraphs[0]._p.append(
        parse_xml(
            '<w:r xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
            'xmlns:v="urn:schemas-microsoft-com:vml" xmlns:r="http://schemas.openxmlformats.org/officeDocument/20'
            '06/relationships">'
            f'<w:pict><v:shape style="width:40pt;height:40pt"><v:imagedata r:id="{rel_id}"/></v:shape></w:pict></w:r>'
        )
    )
    save(linked, "linked_image.docx")
    # 5. An INCLUDEPICTURE field: LibreOffice would fetch the address while converting.
    fielded = template("{{ organisation }} 御中")
    fielded.paragraphs[0]._p.append(
        parse_xml(
            '<w:fldSimple xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
            'w:instr=" INCLUDEPICTURE &quot;http://example.invalid/logo.png&quot; \\d '
            '"><w:r><w:t>logo</w:t></w:r></w:fldSimple>'
        )
    )
    save(fielded, "include_picture.docx")
    # 6. Not a Word file at all: a spreadsheet export renamed to .docx.
    (HERE / "not_a_word_file.docx").write_bytes("会員番号,会員名\r\n0001,テスト\r\n".encode("cp932"))
    # 7. A Word file cut short (an interrupted copy from a USB stick).
    good = save(template("{{ organisation }} 御中"), "truncated.docx")
    (HERE / "truncated.docx").write_bytes(good[: len(good) // 2])
    # 8. A zip that is not a Word package (no word/document.xml).
    rewrite(good, "no_document_part.docx", {"word/document.xml": None})


if __name__ == "__main__":
    main()

"""Shared pages + member layers (issue 14): composed PDFs look like direct conversions, on real LibreOffice."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pikepdf
import pypdfium2 as pdfium
import pytest

from mailmerge import bundle, compose, frames, pdf, verify
from mailmerge.config import load_config
from mailmerge.pipeline import check, member_context

from conftest import REPO, write_config
from helpers import TEMPLATES

MEMBER_FIELDS = (
    "member_id",
    "organisation",
    "department",
    "representative_title",
    "representative_name",
    "postal_code",
    "address1",
    "address2",
)
FRAME_FIELDS = ("address1", "address2", "organisation", "department", "representative_name")


def _zip(parts: dict[str, bytes], path: Path) -> Path:
    import zipfile

    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as package:
        for name, data in parts.items():
            package.writestr(name, data)
    return path


def _with_a_character_beyond_u_ffff(member):
    """The member as 9998, its department starting with 𩸽 (U+29E3D, a fish's name IPAex prints; two UTF-16 units)."""
    return dataclasses.replace(
        member,
        member_id="9998",
        fields={**member.fields, "department": "𩸽" + (member.fields["department"] or "販売部")},
    )


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """Convert, for the letter and the overview: two enrolled members directly, the group's shared pages, their
    layers.
    """
    folder = tmp_path_factory.mktemp("compose")
    config = load_config(write_config(folder))
    result = check(config)
    members = [m for m in result.roster.members if m.group == "enrolled"]
    longest = max(members, key=lambda m: len(m.fields["organisation"]))
    members = [members[0], longest] if longest is not members[0] else members[:2]
    # A member whose organisation cannot fit the letter's frame (400 characters: 16 lines; the roster's limit is not
    # applied here).
    too_long = dataclasses.replace(
        members[0], member_id="9999", fields={**members[0].fields, "organisation": "長" * 400}
    )
    rare = _with_a_character_beyond_u_ffff(members[0])
    names = verify.MemberNames({m.member_id: m.display_name for m in [*result.roster.members, too_long, rare]})
    out = {}
    conversions = []
    for document in ("letter", "overview"):
        template = result.templates[document]
        packages = {
            m.member_id: template.render(member_context(m, document, config.constants), m.member_id)
            for m in [*members, too_long, rare]
        }
        first = packages[members[0].member_id].package
        shared = _zip(frames.shared_package(first), folder / f"{document}-shared.docx")
        conversions.append(pdf.Conversion(shared, shared.with_suffix(".pdf")))
        for member_id, rendered in packages.items():
            direct = folder / f"{document}-{member_id}.docx"
            direct.write_bytes(rendered.docx)
            conversions.append(pdf.Conversion(direct, direct.with_suffix(".pdf")))
        out[document] = (packages, shared.with_suffix(".pdf"))
    pdf.convert_to_pdf(conversions, temp_root=folder)
    layers = []
    for document, (packages, shared_pdf) in out.items():
        pages = len(pikepdf.open(shared_pdf).pages)
        for member_id, rendered in packages.items():
            layer = _zip(frames.layer_package(rendered.package, pages), folder / f"{document}-{member_id}-layer.docx")
            layers.append(pdf.Conversion(layer, layer.with_suffix(".pdf")))
    pdf.convert_to_pdf(layers, temp_root=folder)
    return folder, config, members, too_long, names, out


def test_both_shipped_templates_can_share_their_pages():
    for name in ("letter", "overview"):
        template = bundle.docx_parts(REPO / "templates" / f"{name}.docx")
        assert frames.layering_obstacle(template, MEMBER_FIELDS) is None


def test_a_member_field_in_the_body_text_means_whole_conversion():
    template = bundle.docx_parts(TEMPLATES / "letter.docx")
    document = template[bundle.DOCUMENT].replace(
        "会員の皆さまにおかれましては".encode(), "{{ organisation }} 様におかれましては".encode()
    )
    reason = frames.layering_obstacle({**template, bundle.DOCUMENT: document}, MEMBER_FIELDS)
    assert reason == "差し込み項目 organisation が宛名枠の外（本文）にあります"


def test_composed_pdfs_pass_verification_and_look_like_direct_conversions(made):
    folder, config, members, _too_long, names, out = made
    for document, (_packages, shared_pdf) in out.items():
        with pikepdf.open(shared_pdf) as shared:
            for member in members:
                target = folder / f"{document}-{member.member_id}-composed.pdf"
                with pikepdf.open(folder / f"{document}-{member.member_id}-layer.pdf") as layer:
                    assert compose.compose_member(shared, layer, range(len(layer.pages)), target) == ""
                # The run checks the parts (shared pages once, each layer in its bundle); here the whole file, fully.
                pages = verify.verify_member_pdf(target, member.member_id, names, cycle=config.cycle, document=document)
                assert pages == len(shared.pages)
                assert (
                    compose.compare_pictures(compose.draw_pages(folder / f"{document}-{member.member_id}.pdf"), target)
                    == []
                )


def test_the_audit_catches_a_shifted_layer(made):
    folder, _config, members, _too_long, _names, out = made
    member = members[1]
    shared_pdf = out["letter"][1]
    layer = folder / f"letter-{member.member_id}-layer.pdf"
    shifted = folder / "shifted-layer.pdf"
    with pikepdf.open(layer) as pdf_file:  # the recipient block 0.5 mm to the right
        for page in pdf_file.pages:
            page.contents_add(pikepdf.Stream(pdf_file, b"1 0 0 1 1.42 0 cm"), prepend=True)
        pdf_file.save(shifted)
    with pikepdf.open(shared_pdf) as shared, pikepdf.open(shifted) as layer:
        assert compose.compose_member(shared, layer, [0], folder / "shifted.pdf") == ""
    mismatches = compose.compare_pictures(
        compose.draw_pages(folder / f"letter-{member.member_id}.pdf"), folder / "shifted.pdf"
    )
    assert [m.page for m in mismatches] == [1]
    assert mismatches[0].pixels > 100


def test_layer_packages_cut_from_the_bytes_are_the_ones_parsing_gives(monkeypatch, tmp_path):
    from mailmerge import render
    from mailmerge.roster import load_roster

    config = load_config(write_config(tmp_path))
    members = load_roster(config, REPO / "data" / "members.xlsx").members
    templates = {name: render.CompiledTemplate(path, name) for name, path in config.documents.items()}
    packages = [
        templates[d].render(member_context(m, d, config.constants), m.member_id).package
        for m in members
        for d in templates
    ]
    letter = packages[0][bundle.DOCUMENT]
    frame = letter[
        letter.rfind(b"<w:p>", 0, letter.find(b"<w:framePr")) : letter.find(b"</w:p>", letter.find(b"<w:framePr")) + 6
    ]
    end = letter.rfind(b"<w:sectPr")
    tricky = {
        # a framed paragraph in a table cell, and in a text box of a paragraph with no properties: not the body's
        "table": b"<w:tbl><w:tr><w:tc>" + frame + b"</w:tc></w:tr></w:tbl>",
        "text box": b"<w:p><w:r><w:pict><w:txbxContent>" + frame + b"</w:txbxContent></w:pict></w:r></w:p>",
        # a frame kept only in Word's tracked changes: body text
        "former frame": b'<w:p><w:pPr><w:jc w:val="left"/><w:pPrChange w:id="9" w:author="x"><w:pPr>'
        + b'<w:framePr w:w="10" w:h="10" w:hRule="exact" w:x="0" '
        b'w:y="0"/></w:pPr></w:pPrChange></w:pPr><w:r><w:t>body</w:t></w:r></w:p>',
        # custom XML around a framed paragraph, and a comment holding a tag: the whole document is parsed
        "custom XML": b'<w:customXml w:element="x">' + frame + b"</w:customXml>",
        "comment": b"<!-- <w:tbl> -->",
    }
    for _name, insert in tricky.items():
        packages.append({**packages[0], bundle.DOCUMENT: letter[:end] + insert + letter[end:]})
    # Page setup changed with Word's track changes on: the former section's properties inside the body's
    # sectPr (its last <w:sectPr> in the file is not the body's), and a bookmark's end after the last paragraph.
    former = (
        b'<w:sectPrChange w:id="7" w:author="x" w:date="2024-11-01T10:00:00Z"><w:sectPr><w:pgMar w:top="1985" '
        b'w:right="1701" w:bottom="1701" w:left="1701" w:header="851" w:footer="992" '
        b'w:gutter="0"/></w:sectPr></w:sectPrChange>'
    )
    closing = letter.find(b"</w:sectPr>", end)
    packages.insert(
        -2,
        {
            **packages[0],
            bundle.DOCUMENT: letter[:end]
            + b'<w:bookmarkEnd w:id="3"/>'
            + letter[end:closing]
            + former
            + letter[closing:],
        },
    )
    cut = [frames._frame_paragraphs_only(p[bundle.DOCUMENT]) for p in packages]
    assert all(
        len(c) < len(p[bundle.DOCUMENT]) for c, p in zip(cut[: len(members) * 2], packages, strict=False)
    )  # the real ones are cut
    assert cut[-2:] == [p[bundle.DOCUMENT] for p in packages[-2:]]  # the custom XML and the comment are not
    assert len(cut[-3]) < len(packages[-3][bundle.DOCUMENT])  # the former section's properties: cut too
    fast = [frames.layer_package(p, 2) for p in packages]
    monkeypatch.setattr(frames, "_frame_paragraphs_only", lambda xml: xml)
    assert fast == [frames.layer_package(p, 2) for p in packages]


def _mismatched_by_definition(a, b, tolerance):
    """Count, as the audit defines it, taking every pixel's 3x3 neighbourhood (the picture's edge repeated)."""
    import numpy as np

    def neighbourhood(x):
        padded = np.pad(x, 1, mode="edge")
        views = [padded[dy : dy + x.shape[0], dx : dx + x.shape[1]] for dy in range(3) for dx in range(3)]
        return np.min(views, axis=0), np.max(views, axis=0)

    low_a, high_a = neighbourhood(a)
    low_b, high_b = neighbourhood(b)
    return int(
        ((a < low_b - tolerance) | (a > high_b + tolerance) | (b < low_a - tolerance) | (b > high_a + tolerance)).sum()
    )


def test_the_audit_counts_the_pixels_its_definition_counts():
    import numpy as np

    rng = np.random.default_rng(7)
    for round_ in range(20):
        a = rng.integers(0, 256, size=(60, 45)).astype(np.int16)
        a[:, :5] = 255  # white margin, and a dark stroke touching the edge
        a[10:40, 0] = 0
        b = a.copy()
        if round_ % 2:
            b[20:50, 10:30] = a[21:51, 11:31]  # a block moved by one pixel both ways: explained
        b[rng.integers(0, 60, 25), rng.integers(0, 45, 25)] = rng.integers(0, 256, 25)  # and stray changes
        b[0, 0], b[59, 44] = 255 - a[0, 0], 255 - a[59, 44]  # corners
        expected = _mismatched_by_definition(a, b, compose.AUDIT_TOLERANCE)
        assert compose.mismatched_pixels(a, b) == expected, round_
        assert compose.mismatched_pixels(b, a) == expected, round_
    assert expected > 0
    assert compose.mismatched_pixels(a, a) == 0
    assert compose.mismatched_pixels(a, a[:59]) == a.size
    # 8-bit pictures as PDFium gives them: black against white is a difference, not a wrap-around of 1.
    white, black = np.full((4, 4), 255, np.uint8), np.full((4, 4), 255, np.uint8)
    black[1, 1] = 0
    assert _mismatched_by_definition(white.astype(np.int16), black.astype(np.int16), compose.AUDIT_TOLERANCE) == 1
    assert compose.mismatched_pixels(white, black) == compose.mismatched_pixels(black, white) == 1


def overflows(layer: Path, box, values: dict[str, str]) -> list[str]:
    """Return the fields of a layer PDF of one member (its first page) not printed whole inside ``box``, as the run
    finds them.
    """
    return compose.frame_overflows(layer, {"m": 0}, box, {"m": values}).get("m", [])


def test_a_value_too_long_for_the_frame_is_an_error_naming_member_and_field(made):
    folder, config, members, too_long, _names, out = made
    packages, _shared = out["letter"]
    columns = config.columns  # the message names the roster's column headers
    box = frames.frame_box(packages[too_long.member_id].package)
    for member in members:  # the sample's longest values fit
        assert (
            overflows(
                folder / f"letter-{member.member_id}-layer.pdf",
                box,
                {columns[f]: member.fields[f] or "" for f in FRAME_FIELDS},
            )
            == []
        )
    # The fields named by the roster's headers, in the frame's order (the run's error line: test_layering).
    assert overflows(
        folder / f"letter-{too_long.member_id}-layer.pdf",
        box,
        {columns[f]: too_long.fields[f] or "" for f in FRAME_FIELDS},
    ) == ["会員名", "部署", "代表者氏名"]


def test_a_character_beyond_u_ffff_fits_the_frame_as_any_other(made):
    folder, config, members, _too_long, _names, _out = made
    rare = _with_a_character_beyond_u_ffff(members[0])
    for document in ("letter", "overview"):
        packages, _shared = _out[document]
        box = frames.frame_box(packages[rare.member_id].package)
        values = {config.columns[f]: rare.fields[f] or "" for f in FRAME_FIELDS if f in ("organisation", "department")}
        assert overflows(folder / f"{document}-{rare.member_id}-layer.pdf", box, values) == [], document


def test_a_line_hanging_below_the_frame_by_all_but_a_sliver_is_an_overflow(made):
    import pypdfium2 as pdfium

    folder, config, members, _too_long, _names, out = made
    packages, _shared = out["letter"]
    member = members[0]
    box = frames.frame_box(packages[member.member_id].package)
    layer = folder / f"letter-{member.member_id}-layer.pdf"
    values = {config.columns[f]: member.fields[f] or "" for f in FRAME_FIELDS}
    assert overflows(layer, box, values) == []  # it fits
    document = pdfium.PdfDocument(layer)
    textpage = document[0].get_textpage()
    glyphs = [textpage.get_charbox(i) for i in range(textpage.count_chars())]  # (left, bottom, right, top)
    inside = [
        g for g in glyphs if box[0] <= g[0] and g[2] <= box[2] and box[1] <= g[1] and g[3] <= box[3] and g[2] > g[0]
    ]
    lowest = min(g[1] for g in inside)
    last_line = [g for g in inside if g[1] < lowest + 4]  # the lowest line's glyphs (a line is ~14 pt high)
    # The frame's bottom just under the top of the last line's lowest-reaching glyph: every glyph of that line
    # touches the frame, most hang below it. The frame would not print that line, yet PDFium's bounded text
    # (any glyph touching the box) has all of it.
    cut = (box[0], min(g[3] for g in last_line) - 0.1, box[2], box[3])
    assert cut[1] - compose.OVERFLOW_SLACK > lowest
    touching = "".join(textpage.get_text_bounded(*cut).split())
    whole = "".join(compose._text_inside(textpage, cut).split())
    assert touching == "".join(textpage.get_text_bounded(*box).split())  # PDFium: the whole block still inside
    document.close()
    assert len(whole) < len(touching)  # a flat glyph (一) of the line may still lie wholly inside: the rest does not
    assert overflows(layer, cut, values)  # the last line's fields


def test_shared_pages_carry_no_member_and_no_page_mark(made):
    folder, _config, members, _too_long, names, out = made
    for document, (_packages, shared_pdf) in out.items():
        text = verify.normalize(pdf_text(shared_pdf))
        assert names.mentioned(text, "") == set(), document
        assert "·2024·" not in text and "2024" in text  # no page mark (the year is in the body)
        assert "ATS会員専用保険" in text.replace(" ", "")  # the shared words are there
        with pikepdf.open(shared_pdf) as shared:
            assert verify.verify_shared_pdf(shared_pdf, names) == len(shared.pages)
    # What the run checks of shared pages before composing any member on them: a page with a
    # member's mark (here a layer) or a member's name (here a direct conversion) is refused.
    with pytest.raises(verify.VerificationError, match="共有ページにページ番号"):
        verify.verify_shared_pdf(folder / f"letter-{members[0].member_id}-layer.pdf", names)
    with pytest.raises(verify.VerificationError, match="共有ページにページ番号"):
        verify.verify_shared_pdf(folder / f"letter-{members[0].member_id}.pdf", names)
    # A member named like a phrase of the shared pages: their text names a member.
    clash = verify.MemberNames({**names.names, "8888": "ATS会員専用保険"})
    with pytest.raises(verify.VerificationError, match=r"PDF に別の会員の名前があります（会員番号 8888）"):
        verify.verify_shared_pdf(out["letter"][1], clash)


def pdf_text(path: Path) -> str:
    document = pdfium.PdfDocument(path)
    try:
        return "\n".join(page.get_textpage().get_text_range() for page in document)
    finally:
        document.close()


def _document(body: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
        f"{body}</w:body></w:document>"
    ).encode()


FRAME = (
    '<w:p><w:pPr><w:framePr w:w="4876" w:h="2324" w:hRule="exact" w:vAnchor="page" w:hAnchor="page" w:x="1417" '
    'w:y="850"/></w:pPr><w:r><w:t>{}</w:t></w:r></w:p>'
)


def test_what_members_share_is_everything_but_the_frame_and_a_former_frame_is_body_text():
    # The frame's lines (and how many there are) are the layer's; the body is shared.
    one = frames.outside_frame(
        {
            bundle.DOCUMENT: _document(
                FRAME.format("会員甲") + FRAME.format("部署甲") + "<w:p><w:r><w:t>本文</w:t></w:r></w:p>"
            )
        }
    )
    two = frames.outside_frame(
        {bundle.DOCUMENT: _document(FRAME.format("会員乙") + "<w:p><w:r><w:t>本文</w:t></w:r></w:p>")}
    )
    assert one == two
    # A paragraph Word keeps a former frame for (tracked formatting) is body text: it prints in the
    # shared pages, so it must be the same for every member.
    former = (
        '<w:p><w:pPr><w:pPrChange w:id="1" w:author="x"><w:pPr><w:framePr w:w="10" w:h="10"/></w:pPr></w:pPrChange>'
        "</w:pPr><w:r><w:t>{}</w:t></w:r></w:p>"
    )
    assert frames.outside_frame({bundle.DOCUMENT: _document(former.format("甲"))}) != frames.outside_frame(
        {bundle.DOCUMENT: _document(former.format("乙"))}
    )


def test_a_second_frame_means_whole_conversion():
    template = bundle.docx_parts(TEMPLATES / "letter.docx")
    callout = (
        '<w:p><w:pPr><w:framePr w:w="2000" w:h="500" w:hRule="exact" w:vAnchor="page" w:hAnchor="page" w:x="8000" '
        'w:y="8000"/></w:pPr><w:r><w:t>ご注意</w:t></w:r></w:p>'
    )
    document = template[bundle.DOCUMENT].replace(b"<w:sectPr", callout.encode() + b"<w:sectPr", 1)
    assert (
        frames.layering_obstacle({**template, bundle.DOCUMENT: document}, MEMBER_FIELDS)
        == "差し込み項目が複数の枠に分かれています"
    )

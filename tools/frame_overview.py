"""Put the overview's recipient block in a fixed frame anchored to the page (issue 14).

The block (organisation, department, representative) used to flow in the body, so the text
below it moved with the member's number of lines. In a frame of fixed place and size the rest
of the page lays out identically for every member, which lets LibreOffice lay the shared pages
out once per group. Run once: python tools/frame_overview.py templates/overview.docx

It also sets the overview's Normal style to ragged right (was justified): LibreOffice spreads a
justified line's spare space with a rounding that changes with what else the document holds (the
frame's text on page 1 moved glyphs of page 2 by up to 0.47 pt), so shared pages laid out once would
not match each member's own conversion. Japanese lines of full-width characters fill the line
either way; only lines with half-width characters end up to one character short.
"""

from __future__ import annotations

import io
import sys
import zipfile
from pathlib import Path

from lxml import etree

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
# Page-anchored, at the left margin (20 mm), 33.5 mm from the top: under the date, where the
# block's first line sat before. Three lines of 18 pt (organisation, department, representative).
FRAME = {
    "w": "9638",
    "h": "1080",
    "hRule": "exact",
    "wrap": "notBeside",
    "vAnchor": "page",
    "hAnchor": "page",
    "x": "1134",
    "y": "1900",
}
LINE = "360"


def q(tag: str) -> str:
    return f"{{{W}}}{tag}"


def frame_block(xml: bytes) -> bytes:
    root = etree.fromstring(xml)
    body = root.find(q("body"))
    paragraphs = list(body)
    text = ["".join(t.text or "" for t in p.iter(q("t"))) for p in paragraphs]
    start = next(i for i, t in enumerate(text) if "{{ organisation }}" in t)
    end = next(i for i, t in enumerate(text) if i > start and "representative_name }} 様" in t) + 1  # its {%p endif %}
    for p in paragraphs[start : end + 1]:
        ppr = p.find(q("pPr"))
        if ppr is None:
            ppr = etree.Element(q("pPr"))
            p.insert(0, ppr)
        for old in ppr.findall(q("framePr")) + ppr.findall(q("spacing")):
            ppr.remove(old)
        frame = etree.Element(q("framePr"), {q(k): v for k, v in FRAME.items()})
        spacing = etree.Element(q("spacing"), {q("after"): "0", q("line"): LINE, q("lineRule"): "exact"})
        # CT_PPr order: pStyle, keepNext, ..., framePr, ..., spacing, ind, ..., jc, ..., rPr
        style = ppr.find(q("pStyle"))
        if style is not None:
            style.addnext(frame)
        else:
            ppr.insert(0, frame)
        frame.addnext(spacing)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def main(path: Path) -> None:
    with zipfile.ZipFile(path) as package:
        infos = package.infolist()
        parts = {info.filename: package.read(info.filename) for info in infos}
    parts["word/document.xml"] = frame_block(parts["word/document.xml"])
    justified = b'<w:widowControl w:val="0"/><w:jc w:val="both"/>'
    if justified in parts["word/styles.xml"]:
        parts["word/styles.xml"] = parts["word/styles.xml"].replace(
            justified, b'<w:widowControl w:val="0"/><w:jc w:val="left"/>'
        )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        for info in infos:
            package.writestr(
                zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0)),
                parts[info.filename],
                zipfile.ZIP_DEFLATED,
            )
    path.write_bytes(buffer.getvalue())


if __name__ == "__main__":
    main(Path(sys.argv[1]))

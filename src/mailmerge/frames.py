"""The recipient frame in a rendered DOCX (issue 14): shared pages, member layers, what members share.

A template whose member fields all sit in one page-anchored frame of exact height (the recipient
block) and in the footer's page mark lays its other text out identically for every member: its
shared pages are converted once per group, and per member only a light "layer" (the frame's lines
as plain paragraphs where the frame is, and the mark) is converted and laid over them. lxml only;
bundle.py knows the package (parts, headers and footers), this module the frame.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from lxml import etree

from mailmerge import messages
from mailmerge.bundle import DOCUMENT, HEADER_FOOTER_PART, W

_P, _PPR, _SECTPR = f"{{{W}}}p", f"{{{W}}}pPr", f"{{{W}}}sectPr"

_FRAME_PR = f"{_PPR}/{{{W}}}framePr"
_XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"


def _w(tag: str) -> str:
    return f"{{{W}}}{tag}"


def _xml(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def shared_package(package: Mapping[str, bytes]) -> dict[str, bytes]:
    """Return a member's rendered package with the frame's text removed and the page mark hidden.

    The frame keeps its place and exact size, so the rest lays out as in every member's document.
    The mark's runs stay, hidden: without its PAGE/NUMPAGES fields LibreOffice justified some
    lines of the overview's page 2 differently (by 0.07 pt); hidden they print nothing.
    """
    out = dict(package)
    root = etree.fromstring(package[DOCUMENT])
    for paragraph in root.iter(_P):
        if paragraph.find(_FRAME_PR) is not None:
            for child in list(paragraph):
                if child.tag != _PPR:
                    paragraph.remove(child)
    out[DOCUMENT] = _xml(root)
    for name, data in package.items():
        if HEADER_FOOTER_PART.match(name) and not name.endswith(".rels"):
            part = etree.fromstring(data)
            for run in part.iter(_w("r")):
                properties = run.find(_w("rPr"))
                if properties is None:
                    properties = etree.Element(_w("rPr"))
                    run.insert(0, properties)
                etree.SubElement(properties, _w("vanish"))
            out[name] = _xml(part)
    return out


def outside_frame(package: Mapping[str, bytes]) -> dict[str, bytes]:
    """Return what a member's shared pages are made of: every part but the frame's paragraphs, headers and footers.

    The frame (its paragraphs, their number and spacing included) is the layer's, and so are the
    headers and footers (the page mark); all the rest must be the same for every member of a
    group for their shared pages to be one document.
    """
    out = {}
    for name, data in package.items():
        if HEADER_FOOTER_PART.match(name):
            continue
        out[name] = _without_frame_paragraphs(data) if name == DOCUMENT else data
    return out


def _without_frame_paragraphs(xml: bytes) -> bytes:
    """Return document.xml without its frame's paragraphs, cut out of the bytes (a third of parsing it).

    A paragraph ends at ``</w:p>``; one whose own properties hold ``<w:framePr`` (as shared_package
    and layer_package see the frame: not a former frame kept by Word's tracked changes, in
    ``<w:pPrChange>``) is cut from its ``<w:p>`` on. A frame paragraph whose start cannot be told (a
    paragraph inside it) is kept whole: its member's text then counts as outside the frame, and the
    member is converted whole: slower, never wrong.
    """
    pieces = xml.split(b"</w:p>")
    kept = []
    for number, piece in enumerate(pieces):
        if number < len(pieces) - 1 and b"<w:framePr" in piece:
            start = max(piece.rfind(b"<w:p>"), piece.rfind(b"<w:p "))
            own = piece[start:].split(b"</w:pPr>", 1)[0].split(b"<w:pPrChange", 1)[0] if start >= 0 else b""
            if b"<w:framePr" in own:
                kept.append(piece[:start])
                continue
        kept.append(piece if number == len(pieces) - 1 else piece + b"</w:p>")
    return b"".join(kept)


def layer_package(package: Mapping[str, bytes], pages: int) -> dict[str, bytes]:
    """Return a member's rendered package reduced to its frame's lines and its page mark, on ``pages`` pages.

    The frame's paragraphs become plain paragraphs at the frame's place (top margin = frame's y,
    indents = frame's x and width): LibreOffice lays plain paragraphs out ~3x cheaper than a frame,
    and they print at the same positions (checked pixel by pixel by the audit). Text that does not
    fit runs below the frame's bottom instead of being clipped, which is how overflow is found.
    """
    out = dict(package)
    root = etree.fromstring(_frame_paragraphs_only(package[DOCUMENT]))
    body = root.find(_w("body"))
    final = body.find(_SECTPR)
    margin, size = final.find(_w("pgMar")), final.find(_w("pgSz"))
    frame = None
    for child in list(body):
        found = child.find(_FRAME_PR) if child.tag == _P else None
        if child is final:
            continue
        if found is None:
            body.remove(child)
            continue
        frame = frame if frame is not None else dict(found.attrib)
        properties = found.getparent()
        properties.remove(found)
        indent = properties.find(_w("ind"))
        if indent is None:
            indent = etree.Element(_w("ind"))
            later = next(
                (c for c in properties if c.tag in (_w("jc"), _w("textAlignment"), _w("rPr"), _w("outlineLvl"))), None
            )
            properties.append(indent) if later is None else later.addprevious(indent)
        x, width = int(frame[_w("x")]), int(frame[_w("w")])
        indent.set(_w("left"), str(x - int(margin.get(_w("left")))))
        indent.set(_w("right"), str(int(size.get(_w("w"))) - int(margin.get(_w("right"))) - x - width))
    if frame is not None:
        margin.set(_w("top"), frame[_w("y")])
    body.find(_SECTPR).addprevious(etree.Element(_P))
    for _ in range(pages - 1):
        # A space in each: LibreOffice drops a section's last paragraph when it is empty, and with it its page.
        paragraph = etree.Element(_P)
        etree.SubElement(etree.SubElement(paragraph, _PPR), _w("pageBreakBefore"))
        text = etree.SubElement(etree.SubElement(paragraph, _w("r")), _w("t"))
        text.text = " "
        text.set(_XML_SPACE, "preserve")
        final.addprevious(paragraph)
    out[DOCUMENT] = _xml(root)
    return out


# The elements whose nesting tells a paragraph of the body from one inside a table, a content
# control or a text box ("<w:pPr", "<w:tblPr", "<w:sdtPr" do not match: a word character follows).
_NESTING = re.compile(rb"<(/?)w:(p|tbl|sdt|txbxContent)\b[^>]*?(/?)>")
# What else may hold paragraphs (custom XML, alternative content) or hide tags (a comment, a CDATA
# section, a processing instruction): a body with any of these is parsed whole.
_NOT_FOLLOWED = (b"<w:customXml", b"<mc:AlternateContent", b"<!", b"<?")


def _frame_paragraphs_only(xml: bytes) -> bytes:
    """Return document.xml with only what layer_package keeps in the body: its frame paragraphs and its sectPr.

    Cut from the bytes: parsing the whole document was most of a layer's cost (0.7 ms of the
    overview's 1.1). Every paragraph of the body (not one in a table or a text box) holding
    ``<w:framePr`` anywhere is kept, in order; layer_package then keeps those whose own properties
    hold the frame, as it does in the whole document. When the nesting cannot be followed
    (_NOT_FOLLOWED), or no sectPr follows the body's last paragraph, the document comes back whole:
    slower, the same result.
    """
    start, end = xml.find(b"<w:body>"), xml.rfind(b"</w:body>")
    if start < 0 or end < 0 or any(sign in xml[start:end] for sign in _NOT_FOLLOWED):
        return xml
    start += len(b"<w:body>")
    kept, depth, opened, last_end = [], 0, (b"", 0), start
    for found in _NESTING.finditer(xml, start, end):
        closing, tag, empty = found.groups()
        if empty:
            last_end = found.end() if depth == 0 else last_end
            continue
        if not closing:
            opened = (tag, found.start()) if depth == 0 else opened
            depth += 1
            continue
        depth -= 1
        if depth < 0 or (depth == 0 and opened[0] != tag):
            return xml
        if depth == 0:
            last_end = found.end()
            if tag == b"p" and b"<w:framePr" in xml[opened[1] : last_end]:
                kept.append(xml[opened[1] : last_end])
    # The body's own sectPr is the first after its last paragraph, table or content control: the
    # last one in the file may be the former section's, inside a tracked change (w:sectPrChange).
    section = xml.find(b"<w:sectPr", last_end, end)
    if depth or section < 0:
        return xml
    return xml[:start] + b"".join(kept) + xml[section:]


def frame_box(package: Mapping[str, bytes]) -> tuple[float, float, float, float] | None:
    """Return the recipient frame's rectangle in PDF points (left, bottom, right, top), or None."""
    root = etree.fromstring(package[DOCUMENT])
    found = root.find(f".//{_FRAME_PR}")
    size = root.find(f".//{_SECTPR}/{{{W}}}pgSz")
    if found is None or size is None:
        return None
    x, y, w, h = (int(found.get(_w(k))) / 20 for k in ("x", "y", "w", "h"))
    page_height = int(size.get(_w("h"))) / 20
    return (x, page_height - y - h, x + w, page_height - y)


def layering_obstacle(template: Mapping[str, bytes], member_fields: Sequence[str]) -> str | None:
    """Return why a template's pages cannot be shared by a group's members (a sentence), or None if they can.

    They can when every member field sits in one frame anchored to the page with an exact height,
    and the headers and footers use only the member ID (the page mark).
    """
    fields = "|".join(re.escape(field) for field in member_fields if field != "member_id")
    uses_field = re.compile(rf"\{{[{{%][^}}]*(?<![.\w])({fields})\b")  # not agent.postal_code
    root = etree.fromstring(template[DOCUMENT])
    # Every frame of the document, with member fields or not: shared_package empties every frame
    # and layer_package sets their lines at the one frame's place, so there must be one.
    frames = {
        tuple(sorted(frame.attrib.items()))
        for paragraph in root.iter(_P)
        if (frame := paragraph.find(_FRAME_PR)) is not None
    }
    if len(frames) > 1:
        return messages.LAYER_SEVERAL_FRAMES
    for paragraph in root.iter(_P):
        text = "".join(t.text or "" for t in paragraph.iter(_w("t")))
        found = uses_field.search(text)
        if not found:
            continue
        frame = paragraph.find(_FRAME_PR)
        if frame is None:
            return messages.LAYER_FIELD_IN_TEXT.format(field=found.group(1))
        attributes = {key.removeprefix(f"{{{W}}}"): value for key, value in frame.attrib.items()}
        if (
            attributes.get("hRule") != "exact"
            or attributes.get("vAnchor") != "page"
            or attributes.get("hAnchor") != "page"
        ):
            return messages.LAYER_FRAME_NOT_FIXED.format(field=found.group(1))
    if re.search(rb"\{\{[^}]*\bmember_id\b", template[DOCUMENT]):
        return messages.LAYER_FIELD_IN_TEXT.format(field="member_id")
    for name, data in template.items():
        if HEADER_FOOTER_PART.match(name) and not name.endswith(".rels"):
            found = uses_field.search("".join(t.text or "" for t in etree.fromstring(data).iter(_w("t"))))
            if found:
                return messages.LAYER_FIELD_IN_FOOTER.format(field=found.group(1))
    return None

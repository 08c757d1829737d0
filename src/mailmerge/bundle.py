"""Combine members' rendered DOCX into one document, so LibreOffice starts and lays out once per batch."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path

from lxml import etree

from mailmerge import messages
from mailmerge.errors import BundleError

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
WP = "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"
PACKAGE_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
CONTENT_TYPES = "http://schemas.openxmlformats.org/package/2006/content-types"

DOCUMENT = "word/document.xml"
DOCUMENT_RELS = "word/_rels/document.xml.rels"

_P, _PPR, _SECTPR, _R_ID = f"{{{W}}}p", f"{{{W}}}pPr", f"{{{W}}}sectPr", f"{{{R}}}id"
_VAL, _ID = f"{{{W}}}val", f"{{{W}}}id"

# Parts each member may have its own version of; every other part must be the template's, unchanged.
_PER_MEMBER = re.compile(
    r"^word/(document|header\d*|footer\d*)\.xml$|^word/_rels/(header\d*|footer\d*)\.xml\.rels$|^docProps/"
)
# The template's headers and footers: replaced in a bundle by each member's own copies.
HEADER_FOOTER_PART = re.compile(r"^word/(_rels/)?(header|footer)\d*\.xml(\.rels)?$")
_HEADER_FOOTER = ("/header", "/footer")
# NUMPAGES would count the whole bundle, and LibreOffice 7.4 does not compute SECTIONPAGES (it prints
# the field's cached text). PAGEREF to a bookmark on the member's last page gives that page's number,
# which is the member's page count because every member's first section restarts at page 1.
_PAGE_TOTAL = re.compile(rb'(w:instr="|<w:instrText(?: [^>]*)?>)\s*(?:NUMPAGES|SECTIONPAGES)\b[^"<]*')
# CT_SectPr children that come after pgNumType (ECMA-376 order; Word rejects other orders).
_AFTER_PGNUMTYPE = {
    f"{{{W}}}{tag}"
    for tag in (
        "cols",
        "formProt",
        "vAlign",
        "noEndnote",
        "titlePg",
        "textDirection",
        "bidi",
        "rtlGutter",
        "docGrid",
        "printerSettings",
        "sectPrChange",
    )
}
# Body children that take space on the page (bookmark ends, proofing marks and the like do not).
_BLOCKS = {f"{{{W}}}p", f"{{{W}}}tbl", f"{{{W}}}sdt"}
_NUMBERED_FORMATS = re.compile(rb'<w:numFmt w:val="(?!bullet"|none")')
_NUM_ID = re.compile(rb'<w:numId w:val="(\d+)"')
# Per-member offset for ids that must be unique in one document (bookmarks, drawings).
_ID_STRIDE = 100_000


def docx_parts(source: bytes | Path) -> dict[str, bytes]:
    """Return every part of a DOCX package (from its bytes or its file) by part name."""
    data = source if isinstance(source, bytes) else Path(source).read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        return {name: package.read(name) for name in package.namelist()}


def build_bundle(documents: Sequence[Mapping[str, bytes]], out: Path) -> None:
    """Write one DOCX holding every document in order, each its own section numbered from page 1.

    ``documents`` are full packages (part name -> bytes, see docx_parts) rendered from one
    template. Each member keeps its own headers and footers; its page total (NUMPAGES) becomes
    a PAGEREF to a bookmark on its last page, so the page mark reads n/m per member.
    Raise BundleError when the documents cannot share one package (different templates,
    numbered lists that would count on across members); convert them one by one then.
    """
    if not documents:
        raise BundleError(messages.BUNDLE_EMPTY)
    first = documents[0]
    _check_same_template(documents)
    _check_no_numbered_lists(documents)

    root = etree.fromstring(first[DOCUMENT])
    body = root.find(f"{{{W}}}body")
    for child in list(body):
        body.remove(child)
    rels = etree.fromstring(first[DOCUMENT_RELS])
    header_footer_rels = {}
    for rel in list(rels):
        if rel.get("Type", "").endswith(_HEADER_FOOTER):
            header_footer_rels[rel.get("Id")] = (rel.get("Type"), rel.get("Target"))
            rels.remove(rel)
    types = etree.fromstring(first["[Content_Types].xml"])
    for override in list(types):
        if HEADER_FOOTER_PART.match(override.get("PartName", "").lstrip("/")):
            types.remove(override)

    parts: dict[str, bytes] = {}
    last = len(documents) - 1
    for index, document in enumerate(documents):
        rid_map = _copy_headers_footers(index, document, header_footer_rels, rels, types, parts)
        xml = document[DOCUMENT]
        member_body = etree.fromstring(xml).find(f"{{{W}}}body")
        if index and (b"bookmarkStart" in xml or b"docPr" in xml):
            _renumber_ids(member_body, index)
        final_sect = _member_sections(member_body, rid_map)
        _mark_last_page(member_body, index, text_boxes=b"txbxContent" in xml)
        if index < last:
            _end_section_in_last_paragraph(member_body, final_sect)
        for child in list(member_body):
            body.append(child)

    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as package:
        # Stored, not deflated: the bundle is read once, by LibreOffice, from a local disk.
        for name, data in first.items():
            if HEADER_FOOTER_PART.match(name):
                continue
            if name == DOCUMENT:
                data = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
            elif name == DOCUMENT_RELS:
                data = etree.tostring(rels, xml_declaration=True, encoding="UTF-8", standalone=True)
            elif name == "[Content_Types].xml":
                data = etree.tostring(types, xml_declaration=True, encoding="UTF-8", standalone=True)
            package.writestr(name, data)
        for name, data in parts.items():
            package.writestr(name, data)


def _check_same_template(documents: Sequence[Mapping[str, bytes]]) -> None:
    first = documents[0]
    shared = {name: data for name, data in first.items() if not _PER_MEMBER.match(name)}
    for position, document in enumerate(documents[1:], start=2):
        if {name for name in document if not _PER_MEMBER.match(name)} != shared.keys():
            raise BundleError(messages.BUNDLE_OTHER_PARTS.format(position=position))
        for name, data in shared.items():
            other = document[name]
            if other is not data and other != data:
                raise BundleError(messages.BUNDLE_PART_DIFFERS.format(position=position, part=name))


def _check_no_numbered_lists(documents: Sequence[Mapping[str, bytes]]) -> None:
    # Word and LibreOffice count a list on across sections: member 2's list would go on from
    # member 1's last number. Bulleted lists are fine.
    numbering = documents[0].get("word/numbering.xml", b"")
    if not _NUMBERED_FORMATS.search(numbering):
        return
    tree = etree.fromstring(numbering)
    numbered_abstract = {
        definition.get(f"{{{W}}}abstractNumId")
        for definition in tree.iterfind(f"{{{W}}}abstractNum")
        if any(level.get(_VAL) not in ("bullet", "none") for level in definition.iter(f"{{{W}}}numFmt"))
    }
    numbered = set()
    for num in tree.iterfind(f"{{{W}}}num"):
        abstract = num.find(f"{{{W}}}abstractNumId")
        if abstract is not None and abstract.get(_VAL) in numbered_abstract:
            numbered.add(num.get(f"{{{W}}}numId").encode())
    used = set(_NUM_ID.findall(documents[0].get("word/styles.xml", b"")))
    for document in documents:
        used.update(_NUM_ID.findall(document[DOCUMENT]))
    if numbered & used:
        raise BundleError(messages.BUNDLE_NUMBERED_LIST)


def _copy_headers_footers(index, document, header_footer_rels, rels, types, parts) -> dict[str, str]:
    """Give the member its own copy of each header and footer; return old -> new relationship ids."""
    rid_map = {}
    for rid, (rel_type, target) in header_footer_rels.items():
        stem = target.rsplit(".", 1)[0]
        new_target = f"{stem}_m{index}.xml"
        new_rid = f"rIdM{index}{rid}"
        rid_map[rid] = new_rid
        etree.SubElement(rels, f"{{{PACKAGE_RELS}}}Relationship", Id=new_rid, Type=rel_type, Target=new_target)
        kind = rel_type.rsplit("/", 1)[1]
        etree.SubElement(
            types,
            f"{{{CONTENT_TYPES}}}Override",
            PartName=f"/word/{new_target}",
            ContentType=f"application/vnd.openxmlformats-officedocument.wordprocessingml.{kind}+xml",
        )
        bookmark = _end_bookmark(index).encode()
        parts[f"word/{new_target}"] = _PAGE_TOTAL.sub(
            rb"\1 PAGEREF " + bookmark + rb" \\h ", document[f"word/{target}"]
        )
        own_rels = document.get(f"word/_rels/{target}.rels")
        if own_rels is not None:
            parts[f"word/_rels/{new_target}.rels"] = own_rels
    return rid_map


def _end_bookmark(index: int) -> str:
    return f"_mmEnd{index}"  # a leading underscore hides it in Word's bookmark list


def _renumber_ids(body: etree._Element, index: int) -> None:
    """Keep bookmark and drawing ids unique in the bundle, as the file format requires."""
    for tag in (f"{{{W}}}bookmarkStart", f"{{{W}}}bookmarkEnd"):
        for element in body.iter(tag):
            element.set(_ID, str(int(element.get(_ID, "0")) + index * _ID_STRIDE))
    for element in body.iter(f"{{{WP}}}docPr"):
        element.set("id", str(int(element.get("id", "0")) + index * _ID_STRIDE))


def _member_sections(body: etree._Element, rid_map: Mapping[str, str]) -> etree._Element:
    """Point the member's sections at its own headers/footers, restart its page numbers; return its final sectPr."""
    final = body.find(_SECTPR)
    if final is None:
        final = etree.SubElement(body, _SECTPR)
    sections = body.findall(f"{_P}/{_PPR}/{_SECTPR}") + [final]
    for sect in sections:
        for ref in sect:
            if ref.get(_R_ID) in rid_map:
                ref.set(_R_ID, rid_map[ref.get(_R_ID)])
    first = sections[0]
    start_type = first.find(f"{{{W}}}type")
    if start_type is not None and start_type.get(_VAL) in ("continuous", "nextColumn"):
        start_type.set(_VAL, "nextPage")
    page_numbers = first.find(f"{{{W}}}pgNumType")
    if page_numbers is None:
        page_numbers = etree.Element(f"{{{W}}}pgNumType")
        later = next((child for child in first if child.tag in _AFTER_PGNUMTYPE), None)
        if later is None:
            first.append(page_numbers)
        else:
            later.addprevious(page_numbers)
    page_numbers.set(f"{{{W}}}start", "1")
    return final


def _mark_last_page(body: etree._Element, index: int, text_boxes: bool) -> None:
    """Put the member's end bookmark in its last paragraph, wherever it sits (body, table cell)."""
    if text_boxes:  # not a paragraph inside a text box: that one sits wherever its anchor is
        found = body.xpath("(.//w:p[not(ancestor::w:txbxContent)])[last()]", namespaces={"w": W})
    else:
        found = [p for p in body.iter(_P)][-1:]
    if found:
        last = found[0]
    else:
        last = etree.Element(_P)
        body.find(_SECTPR).addprevious(last)
    bookmark_id = str(900_000_000 + index)
    etree.SubElement(last, f"{{{W}}}bookmarkStart", {_ID: bookmark_id, f"{{{W}}}name": _end_bookmark(index)})
    etree.SubElement(last, f"{{{W}}}bookmarkEnd", {_ID: bookmark_id})


def _end_section_in_last_paragraph(body: etree._Element, final: etree._Element) -> None:
    """Move the body's closing sectPr into the member's last paragraph, so the next member starts a section.

    A new empty paragraph would do too, but it can spill onto a page of its own.
    """
    body.remove(final)
    blocks = [child for child in body if child.tag in _BLOCKS]
    host = blocks[-1] if blocks else None
    if host is None or host.tag != _P or host.find(f"{_PPR}/{_SECTPR}") is not None:
        host = etree.SubElement(body, _P)
    properties = host.find(_PPR)
    if properties is None:
        properties = etree.Element(_PPR)
        host.insert(0, properties)
    change = properties.find(f"{{{W}}}pPrChange")
    if change is None:
        properties.append(final)
    else:
        change.addprevious(final)


def write_package(parts: Mapping[str, bytes], out: Path) -> None:
    """Write a package (part name -> bytes) as a DOCX, stored: LibreOffice reads it once, from a local disk."""
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as package:
        for name, data in parts.items():
            package.writestr(name, data)

"""Fill the Word templates for each member: docxtpl's template language, parsed once, strict."""

from __future__ import annotations

import functools
import io
import itertools
import re
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
import jinja2.meta
from docxtpl import DocxTemplate
from jinja2.sandbox import ImmutableSandboxedEnvironment
from lxml import etree

from mailmerge import messages, ziplimits
from mailmerge.errors import TemplateRenderError
from mailmerge.framewrap import FrameLines

# The parts of a .docx that may hold template tags, by relationship type suffix.
TEMPLATED_PART = re.compile(r"^word/(document|header\d*|footer\d*|footnotes|endnotes)\.xml$")
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
_PARAGRAPH_ON_ITS_LINE = re.compile(r"\n<w:p([ >])")
_LISTING_CHARACTERS = re.compile("[\t\a\n\f]")
_NOT_WORD = messages.TEMPLATE_NOT_WORD
BODY_PART = "word/document.xml"
_CORE = "docProps/core.xml"
_STYLES = "word/styles.xml"
# The core properties docxtpl renders (DocxTemplate.render_properties), by their element in core.xml.
_DC = "{http://purl.org/dc/elements/1.1/}"
_PROPERTIES = tuple(_DC + name for name in ("creator", "description", "identifier", "language", "subject", "title"))
# A drawing's id (Word's "docPr"); docxtpl numbers them 1001, 1002, ... in the body after rendering,
# so pictures repeated by a loop do not share one (Word reports such a file as damaged).
_DOCPR_ID = re.compile(r'(<wp:docPr\b[^>]*?\sid=")[^"]*(")')
_TABLE = re.compile(r"<w:tbl[ >].*?</w:tbl>", re.DOTALL)
TEXT_RUN = re.compile(r"<w:t(?: [^>]*)?>[^<]*</w:t>")
_NESTED_TABLE = re.compile(r"<w:tbl[ >]")


def strict_environment(autoescape: bool = True) -> jinja2.Environment:
    """Return the one Jinja environment of mailmerge: sandboxed, unknown variables fail, values XML-escaped.

    docxtpl's defaults (silent blanks, no escaping) would print an empty name or break the
    XML on ``&``; cookiecutter's StrictEnvironment is the model here. Sandboxed because a template
    is a file anyone with the workspace's 管理 role uploads: a tag reaching Python's internals
    (``{{ x.__class__.__mro__ }}``, the way to a shell) is refused, not run.
    """
    return ImmutableSandboxedEnvironment(
        undefined=jinja2.StrictUndefined, autoescape=autoescape, keep_trailing_newline=True
    )


@dataclass(frozen=True)
class RenderedDocument:
    """One member's filled document: the .docx bytes and its package's parts (for a bundle)."""

    docx: bytes
    package: Mapping[str, bytes]  # every part of the .docx, the unchanged ones shared with the template


class CompiledTemplate:
    """A Word template read, patched by docxtpl and compiled by Jinja once; render() fills it per member.

    docxtpl itself reloads and re-parses the .docx on every render (~15 ms); keeping the
    compiled parts and zipping the unchanged ones as they are costs well under 1 ms.
    """

    def __init__(self, path: Path, name: str, display: str | None = None):
        self.path = path
        self.name = name
        self.display = display or str(path)
        self._env = strict_environment()
        self._tpl = _open_docxtpl(path, self.display)
        self._static: dict[str, bytes] = {}
        self._infos: list[zipfile.ZipInfo] = []
        self._sources: dict[str, str] = {}
        self._compiled: dict[str, jinja2.Template] = {}
        with zipfile.ZipFile(path) as package:
            for info in package.infolist():
                self._infos.append(info)
                data = package.read(info.filename)
                if TEMPLATED_PART.match(info.filename):
                    self._sources[info.filename] = _prepare_source(self._tpl, data)
                else:
                    self._static[info.filename] = data
        for part, source in self._sources.items():
            try:
                self._compiled[part] = self._env.from_string(source)
            except jinja2.TemplateSyntaxError as exc:
                raise TemplateRenderError(_syntax_message(self.display, part, source, exc)) from None
        self._properties = self._compile_properties()
        if self._properties:
            self._core = self._static.pop(_CORE)  # rendered per member, like the templated parts
        self._base = self._zip_static_parts()
        # What LibreOffice's work per document grows with: the body it reads, lays out and draws
        # (an overview's is 4x a letter's, and so is its conversion time).
        self.body_size = next((info.file_size for info in self._infos if info.filename == BODY_PART), 1)
        body = self._sources.get(BODY_PART, "")
        self._fix_tables = _tables_change_when_rendered(self._tpl, body)
        self._number_drawings = "<wp:docPr" in body
        # The recipient frame's long lines broken at word boundaries, measured in the styles' fonts.
        self._frame_lines = FrameLines(self._static.get(_STYLES)) if "<w:framePr" in body else None

    @functools.cached_property
    def variables(self) -> set[str]:
        """Return the names the template reads from its context (its parts and its document properties)."""
        names: set[str] = set()
        for source in [*self._sources.values(), *(source for source, _ in self._properties.values())]:
            names |= jinja2.meta.find_undeclared_variables(self._env.parse(source))
        return names

    def _compile_properties(self) -> dict[str, tuple[str, jinja2.Template]]:
        """Compile the document properties (title, subject, ...) that hold tags, as docxtpl renders them.

        Their values are plain text, not XML: rendered without XML-escaping (lxml escapes them
        when core.xml is written), but as strictly as the rest.
        """
        data = self._static.get(_CORE)
        if data is None or (b"{{" not in data and b"{%" not in data):
            return {}
        env = strict_environment(autoescape=False)
        compiled = {}
        for element in etree.fromstring(data):
            text = element.text or ""
            if element.tag in _PROPERTIES and ("{{" in text or "{%" in text):
                try:
                    compiled[element.tag] = (text, env.from_string(text))
                except jinja2.TemplateSyntaxError as exc:
                    raise TemplateRenderError(
                        messages.TEMPLATE_TAG_SYNTAX.format(
                            where=f"{self.display} {messages.TEMPLATE_PROPERTIES}", detail=exc.message, snippet=text
                        )
                    ) from None
        return compiled

    def render(self, context: Mapping[str, Any], member_id: str = "") -> RenderedDocument:
        """Fill the template for one member; a variable nothing provides is an error, never a blank."""
        rendered: dict[str, bytes] = {}
        for part, template in self._compiled.items():
            xml = self._fill(template, context, self.display, member_id)
            rendered[part] = self._finish(part, xml, member_id)
        if self._properties:
            rendered[_CORE] = self._render_properties(context, member_id)
        return RenderedDocument(docx=self._package(rendered), package={**self._static, **rendered})

    def _render_properties(self, context: Mapping[str, Any], member_id: str) -> bytes:
        core = etree.fromstring(self._core)
        for element in core:
            if element.tag in self._properties:
                where = f"{self.display} {messages.TEMPLATE_PROPERTIES}"
                element.text = self._fill(self._properties[element.tag][1], context, where, member_id)
        return etree.tostring(core, xml_declaration=True, encoding="UTF-8", standalone=True)

    @staticmethod
    def _fill(template: jinja2.Template, context: Mapping[str, Any], where: str, member_id: str) -> str:
        """Render strictly: a value nothing provides is an error naming the template and the variable."""
        try:
            return template.render(context)
        except jinja2.UndefinedError as exc:
            raise TemplateRenderError(
                messages.RENDER_UNDEFINED.format(where=where, member_id=member_id, name=_undefined_name(exc))
            ) from None
        except jinja2.TemplateError as exc:
            raise TemplateRenderError(
                messages.RENDER_FAILED.format(where=where, member_id=member_id, detail=exc)
            ) from None

    def _finish(self, part: str, xml: str, member_id: str) -> bytes:
        """Apply docxtpl's post-processing and prove the result is well-formed XML."""
        xml = _PARAGRAPH_ON_ITS_LINE.sub(r"<w:p\1", xml)
        xml = xml.replace("{_{", "{{").replace("}_}", "}}").replace("{_%", "{%").replace("%_}", "%}")
        # docxtpl turns tabs, line breaks (Alt+Enter in an Excel cell) and page breaks in values into
        # Word's own elements; its regex pass costs ~2 ms on the overview, so run it only when needed.
        if _LISTING_CHARACTERS.search(xml):
            xml = self._tpl.resolve_listing(xml)
        if part == BODY_PART:
            # As DocxTemplate.render does to the body: the table grids fitted to the cells a
            # column loop made (3 ms on the overview: only where it can change anything), and
            # the drawings numbered afresh.
            if self._fix_tables:
                xml = etree.tostring(DocxTemplate.fix_tables(self._tpl, xml), encoding="unicode")
            if self._number_drawings:
                ids = itertools.count(1001)
                xml = _DOCPR_ID.sub(lambda m: f"{m.group(1)}{next(ids)}{m.group(2)}", xml)
        data = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' + xml).encode("utf-8")
        try:
            root = etree.fromstring(data)
        except etree.XMLSyntaxError as exc:
            raise TemplateRenderError(
                messages.TEMPLATE_RENDERED_BROKEN.format(
                    display=self.display, member_id=member_id, part=part, detail=exc.msg
                )
            ) from None
        if part == BODY_PART and self._frame_lines is not None and self._frame_lines.apply(root):
            data = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
        return data

    def _package(self, rendered: Mapping[str, bytes]) -> bytes:
        # The unchanged parts were zipped once (_base); per member only the rendered parts
        # are appended: compressing 30 static parts per document would cost more than rendering.
        buffer = io.BytesIO(self._base)
        buffer.seek(0, io.SEEK_END)
        with zipfile.ZipFile(buffer, "a", zipfile.ZIP_DEFLATED, compresslevel=1) as package:
            for name, data in rendered.items():
                # A fresh ZipInfo each time: writestr() fills in sizes and offsets, and documents
                # are rendered in several threads at once.
                info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
                info.compress_type = zipfile.ZIP_DEFLATED
                package.writestr(info, data)
        return buffer.getvalue()

    def _zip_static_parts(self) -> bytes:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as package:
            for info in self._infos:
                if info.filename in self._static:
                    # A fixed date, as for the rendered parts: the same inputs give the same DOCX,
                    # byte for byte, whenever the templates were loaded.
                    static = zipfile.ZipInfo(info.filename, date_time=_ZIP_TIME)
                    static.compress_type = zipfile.ZIP_DEFLATED
                    package.writestr(static, self._static[info.filename])
        return buffer.getvalue()


def _open_docxtpl(path: Path, display: str) -> DocxTemplate:
    if not path.is_file():
        raise TemplateRenderError(messages.TEMPLATE_MISSING.format(display=display))
    if not zipfile.is_zipfile(path):
        raise TemplateRenderError(f"{display}: {_NOT_WORD}")
    # zipfile and python-docx raise many kinds for a damaged package; all mean the same here.
    try:
        bomb = ziplimits.first_too_large(path)  # before python-docx inflates every part
    except Exception:
        raise TemplateRenderError(f"{display}: {_NOT_WORD}") from None
    if bomb is not None:
        raise TemplateRenderError(
            messages.TEMPLATE_ZIP_BOMB.format(
                display=display, part=bomb.filename, size=bomb.file_size // 2**20, ratio=ziplimits.ratio(bomb)
            )
        )
    try:
        tpl = DocxTemplate(path)
        tpl.init_docx()
        with zipfile.ZipFile(path) as package:
            package.getinfo("word/document.xml")
    except Exception:
        raise TemplateRenderError(f"{display}: {_NOT_WORD}") from None
    return tpl


def _tables_change_when_rendered(tpl: DocxTemplate, body: str) -> bool:
    """Return True when docxtpl's fix_tables can change this body's tables once it is rendered.

    It can when a tag sits in a table (a column loop, {%tc %}, makes rows of another length;
    {% colspan %} and {% hm %} change the cells' spans), or when the template's own table grids
    do not match their cells (fix_tables corrects them). Decided once, on the patched source.
    """
    tables = _TABLE.findall(body)
    if not tables:
        return False
    for table in tables:
        # (A table in a table ends this match at the inner one's end: decide by rendering, then.)
        if "{%" in table or "{{" in TEXT_RUN.sub("", table) or _NESTED_TABLE.search(table, 6):
            return True
    tree = etree.fromstring(body)
    return etree.tostring(DocxTemplate.fix_tables(tpl, body)) != etree.tostring(tree)


def _prepare_source(tpl: DocxTemplate, data: bytes) -> str:
    """Return a part's XML as docxtpl would feed it to Jinja (split runs joined, {%p %} resolved)."""
    xml = etree.tostring(etree.fromstring(data), encoding="unicode")
    xml = tpl.patch_xml(xml)
    # docxtpl puts each paragraph on its own line so Jinja's line numbers point at paragraphs.
    return re.sub(r"<w:p([ >])", r"\n<w:p\1", xml)


def _paragraph_text(xml_line: str) -> str:
    return re.sub(r"<[^>]+>", "", xml_line).strip()


def _syntax_message(display: str, part: str, source: str, exc: jinja2.TemplateSyntaxError) -> str:
    lines = source.splitlines()
    around = [_paragraph_text(line) for line in lines[max((exc.lineno or 1) - 2, 0) : (exc.lineno or 1) + 1]]
    snippet = " / ".join(text for text in around if text)
    where = "" if part == "word/document.xml" else f" ({part.removeprefix('word/')})"
    return messages.TEMPLATE_TAG_SYNTAX.format(where=f"{display}{where}", detail=exc.message, snippet=snippet)


def _undefined_name(exc: jinja2.UndefinedError) -> str:
    match = re.match(r"'([^']+)' is undefined", str(exc))
    if match:
        return messages.TEMPLATE_FIELD_NAMED.format(name=match.group(1))
    match = re.match(r"'[^']+' has no attribute '([^']+)'", str(exc))
    if match:
        return messages.TEMPLATE_FIELD_NAMED.format(name=f".{match.group(1)}")
    return messages.TEMPLATE_FIELD_OTHER.format(detail=exc)

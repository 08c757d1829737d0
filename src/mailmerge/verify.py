"""Read the page marks of generated PDFs: split combined output by member and check each member's PDF.

PDFium reads the text and draws the pages; qpdf (pikepdf) writes each member's file and reads it
back strictly (pdfcheck), so no PDF is listed that a second parser rejects.

PDFium is not thread-safe: call this module from one thread only (the pipeline's main thread).
Splitting in both conversion workers at once crashed the interpreter (SIGSEGV, SIGTRAP).
"""

from __future__ import annotations

import ctypes
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pikepdf
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from mailmerge import messages, pdfcheck
from mailmerge.errors import VerificationError
from mailmerge.membernames import MemberNames, normalize
from mailmerge.models import PAGE_MARK, page_mark


@dataclass(frozen=True)
class PageMark:
    """What a page's mark says: whose page it is, for which cycle, and page n of m."""

    member_id: str
    cycle: str
    page: int
    pages: int

    def __str__(self) -> str:
        return page_mark(self.member_id, self.cycle, self.page, self.pages)


@dataclass(frozen=True)
class SplitResult:
    """What split_bundle wrote: pages per member, and why the others were left for a retry."""

    pages: Mapping[str, int] = field(default_factory=dict)
    failed: Mapping[str, str] = field(default_factory=dict)  # member_id -> reason (no personal data)


def _as_is(detail: str) -> str:
    return detail


def _read_pages(pdf: pdfium.PdfDocument, where: Callable[[str], str] = _as_is) -> list[tuple[PageMark | None, str]]:
    """Return each page's mark (None if it has none, or several) and its normalized text.

    A page that cannot be read raises VerificationError(``where(why)``): the caller's sentence, naming the PDF.
    """
    result = []
    for text in _page_texts(pdf, where):
        found = list(PAGE_MARK.finditer(text))
        mark = None
        if len(found) == 1:
            member, cycle, page, pages = found[0].group("member", "cycle", "page", "pages")
            mark = PageMark(member, cycle, int(page), int(pages))
        result.append((mark, normalize(text)))
    return result


def _page_texts(pdf: pdfium.PdfDocument, where: Callable[[str], str]) -> Iterator[str]:
    """Yield each page's text, through pdfium's C functions, once the page has been drawn.

    A third cheaper than pypdfium2's page and text-page objects (0.75 against 1.1 ms a page),
    which register a finalizer each and map character to text indices for partial ranges.
    Every page is drawn too (pdfcheck.page_problem) while it is loaded: drawing the pages of
    a combined PDF costs a fraction of drawing each member's file, whose fonts PDFium would
    load again for every file.
    """
    for index in range(len(pdf)):
        page = pdfium_c.FPDF_LoadPage(pdf.raw, index)
        if not page:
            raise VerificationError(where(messages.PDF_PAGE_UNREADABLE.format(page=index + 1)))
        textpage = pdfium_c.FPDFText_LoadPage(page)
        try:
            if not textpage:
                raise VerificationError(where(messages.PDF_PAGE_TEXT_UNREADABLE.format(page=index + 1)))
            count = pdfium_c.FPDFText_CountChars(textpage)
            problem = pdfcheck.page_problem(page, index + 1, count)
            if problem:
                raise VerificationError(where(problem))
            buffer = ctypes.create_string_buffer(2 * (count + 1))  # UTF-16 units, and the closing NUL
            written = pdfium_c.FPDFText_GetText(
                textpage, 0, count, ctypes.cast(buffer, ctypes.POINTER(ctypes.c_ushort))
            )
            yield buffer.raw[: 2 * max(written - 1, 0)].decode("utf-16-le", "replace").replace("\0", "")
        finally:
            if textpage:
                pdfium_c.FPDFText_ClosePage(textpage)
            pdfium_c.FPDF_ClosePage(page)


@dataclass(frozen=True)
class BundleReading:
    """What read_bundle found: each member's pages (content checked), and why the others failed."""

    members: Mapping[str, list[int]] = field(default_factory=dict)  # member_id -> page indices, in order
    failed: Mapping[str, str] = field(default_factory=dict)  # member_id -> reason (no personal data)
    pages: int = 0  # the combined PDF's pages, as PDFium counts them


def split_bundle(
    pdf: Path,
    targets: Mapping[str, Path],
    names: MemberNames,
    *,
    cycle: str,
    printed: Mapping[str, Sequence[tuple[str, str]]] | None = None,
) -> SplitResult:
    """Write each member's pages of a combined PDF to their own file, found and checked by the page marks.

    ``targets`` maps member ID -> PDF to write. The pages are read and checked as read_bundle
    says; the file written must be whole (pdfcheck: qpdf reads it strictly) with that many
    pages. Members that fail are returned in ``failed``, with the reason, for the caller to
    convert one by one. Raise VerificationError when the combined PDF cannot be trusted as a
    whole: unreadable, a page that does not draw, a stream that does not decode.
    """
    reading = read_bundle(pdf, targets, names, cycle=cycle, printed=printed)
    written: dict[str, int] = {}
    failed = dict(reading.failed)
    with open_bundle(pdf, reading.pages) as source:
        for member_id, indices in reading.members.items():
            try:
                problem = write_pages(source, indices, targets[member_id])
            except pikepdf.PdfError as exc:  # qpdf cannot copy these pages: convert the member alone
                problem = messages.PDF_DAMAGED.format(detail=exc)
            if problem:
                failed[member_id] = problem
            else:
                written[member_id] = len(indices)
    return SplitResult(written, failed)


def read_bundle(
    pdf: Path,
    members: Collection[str],
    names: MemberNames,
    *,
    cycle: str,
    printed: Mapping[str, Sequence[tuple[str, str]]] | None = None,
) -> BundleReading:
    """Find each member's pages of a combined PDF by the page marks, and check what they say.

    A member's pages must be together and pass what verify_member_pdf checks (marks 1/m .. m/m
    of this cycle, the member's own name and every field in ``printed``, nobody else's name),
    read from the combined PDF's text (once: reading text is most of the cost); every page
    must draw. Raise VerificationError when the combined PDF cannot be read as a whole.
    """

    def where(detail: str) -> str:
        return messages.BUNDLE_UNREADABLE.format(name=pdf.name, detail=detail)

    document = _open(pdf)
    try:
        pages = _read_pages(document, where)
    finally:
        document.close()
    marks = [mark for mark, _text in pages]
    runs: dict[str, list[list[int]]] = {}
    failed: dict[str, str] = {}
    previous: str | None = None
    for index, mark in enumerate(marks):
        if mark is None or mark.member_id not in members or mark.cycle != cycle:
            # A page nobody can claim: the members around it cannot be trusted either.
            for neighbour in (previous, _next_member(marks, index, members)):
                if neighbour is not None:
                    failed.setdefault(neighbour, messages.BUNDLE_PAGE_UNMARKED.format(page=index + 1))
            previous = None
            continue
        if mark.member_id != previous:
            runs.setdefault(mark.member_id, []).append([])
        runs[mark.member_id][-1].append(index)
        previous = mark.member_id
    found: dict[str, list[int]] = {}
    for member_id in members:
        if member_id in failed:
            continue
        member_runs = runs.get(member_id, [])
        if len(member_runs) != 1:
            failed[member_id] = messages.BUNDLE_PAGES_APART if member_runs else messages.BUNDLE_NO_PAGE
            continue
        indices = member_runs[0]
        problem = _content_problem(
            member_id, cycle, [pages[i] for i in indices], names, (printed or {}).get(member_id, ())
        )
        if problem:
            failed[member_id] = problem
        else:
            found[member_id] = indices
    return BundleReading(found, failed, len(pages))


def open_bundle(pdf: Path, pages: int) -> pikepdf.Pdf:
    """Open a combined PDF with qpdf, strictly, once every stream of it decoded (pdfcheck.streams_problem).

    ``pages`` is the count read_bundle found: the page numbers it gives by the marks are used on
    qpdf's pages, so both parsers must see the same pages. Raise VerificationError when the PDF
    cannot be trusted; the caller closes it.
    """
    try:
        source = pikepdf.open(pdf, attempt_recovery=False)
    except pikepdf.PdfError as exc:
        raise VerificationError(messages.BUNDLE_UNREADABLE.format(name=pdf.name, detail=exc)) from None
    problem = pdfcheck.streams_problem(source)
    if not problem and len(source.pages) != pages:
        problem = messages.PDF_PAGE_COUNT.format(pages=len(source.pages), expected=pages)
    if problem:
        source.close()
        raise VerificationError(messages.BUNDLE_UNREADABLE.format(name=pdf.name, detail=problem))
    return source


def _next_member(marks: list[PageMark | None], index: int, members: Collection[str]) -> str | None:
    for mark in marks[index + 1 :]:
        if mark is not None and mark.member_id in members:
            return mark.member_id
    return None


def write_pages(source: pikepdf.Pdf, indices: list[int], target: Path) -> str:
    """Write the pages ``indices`` of ``source`` to ``target`` (pdfcheck.write_checked); return why it is not whole, or
    ''.

    The pages were drawn already, in the combined PDF (_page_texts), and their streams decoded (open_bundle).
    """
    with pikepdf.new() as single:
        single.pages.extend(source.pages[i] for i in indices)
        return pdfcheck.write_checked(single, target)


def rewrite_member_pdf(pdf: Path, pages: int) -> str:
    """Write a member's PDF converted on its own again, as a split member's file is written; return why not, or ''.

    LibreOffice's own file carries its conversion's time and a random ID (pdfcheck.make_reproducible):
    copied through qpdf the same document gives the same bytes. Call it once verify_member_pdf
    checked the file (every stream decoded, every page drawn).
    """
    try:
        with pikepdf.open(pdf, attempt_recovery=False) as source:
            if len(source.pages) != pages:
                return messages.PDF_PAGE_COUNT.format(pages=len(source.pages), expected=pages)
            return write_pages(source, list(range(pages)), pdf)
    except pikepdf.PdfError as exc:
        return messages.PDF_DAMAGED.format(detail=exc)


def verify_member_pdf(
    pdf: Path,
    member_id: str,
    names: MemberNames,
    *,
    cycle: str,
    expected_pages: int | None = None,
    document: str = "",
    printed: Sequence[tuple[str, str]] = (),
) -> int:
    """Check one member's PDF and return its page count; raise VerificationError naming the member ID.

    Checked: the file exists and is a whole PDF (pdfcheck: qpdf reads it strictly, PDFium
    draws every page); it has ``expected_pages`` pages (when given); every page is marked
    "<member_id> · <cycle> · n/m" with n counting up and m the page count; its text carries
    the member's own name, every (label, value) of ``printed`` (the recipient block: 〒, address,
    department, representative) and no other member's name.
    """
    who = f"会員番号 {member_id}" + (f" ({document})" if document else "")
    # Converted on its own, nothing checked its fonts yet: every stream is decoded.
    problem = pdfcheck.structure_problem(pdf, expected_pages, streams="all")
    if problem:
        raise VerificationError(f"{who}: {problem}")

    def where(detail: str) -> str:
        return f"{who}: {detail}"

    reader = _open(pdf, where)
    try:
        pages = _read_pages(reader, where)
    finally:
        reader.close()
    problem = _content_problem(member_id, cycle, pages, names, printed)
    if problem:
        raise VerificationError(f"{who}: {problem}")
    return len(pages)


def verify_shared_pdf(pdf: Path, names: MemberNames) -> int:
    """Check a group's shared pages (issue 14) and return their count; raise VerificationError.

    Checked once per template and group, as a member's PDF converted on its own is: a whole PDF
    (every stream decoded, every page drawn), and its text carries no page mark and no member's
    name: each member's own comes with the layer, laid over these pages.
    """
    problem = pdfcheck.structure_problem(pdf, streams="all")
    if problem:
        raise VerificationError(problem)
    reader = _open(pdf)
    try:
        pages = _read_pages(reader)
    finally:
        reader.close()
    text = "".join(text for _mark, text in pages)
    if any(mark is not None for mark, _text in pages) or PAGE_MARK.search(text):
        raise VerificationError(messages.SHARED_MARKED)
    others = names.mentioned(text, "", len(pages))
    if others:
        raise VerificationError(messages.OTHER_NAMES.format(member_ids=", ".join(sorted(others))))
    return len(pages)


def _content_problem(
    member_id: str,
    cycle: str,
    pages: list[tuple[PageMark | None, str]],
    names: MemberNames,
    printed: Sequence[tuple[str, str]] = (),
) -> str:
    """Return what is wrong with a member's pages ('' if nothing): marks, own name, printed fields, other names."""
    for number, (mark, _text) in enumerate(pages, start=1):
        want = PageMark(member_id, cycle, number, len(pages))
        if mark != want:
            found = f"'{mark}'" if mark else messages.MARK_UNREADABLE
            return messages.MARK_WRONG.format(page=number, found=found, want=want)
    text = "".join(text for _mark, text in pages)
    own = names.names.get(member_id, "")
    if own and own not in text:
        return messages.NAME_MISSING
    # Every field of the recipient block must read back as entered: a character the font lacks, a
    # control character or a value cut off by its frame would otherwise pass as a good letter.
    for label, value in printed:
        wanted = normalize(value)
        if wanted and wanted not in text:
            return messages.FIELD_MISSING.format(field=label)
    others = names.mentioned(text, member_id, len(pages))
    if others:
        return messages.OTHER_NAMES.format(member_ids=", ".join(sorted(others)))
    return ""


def _open(pdf: Path, where: Callable[[str], str] = _as_is) -> pdfium.PdfDocument:
    try:
        return pdfium.PdfDocument(pdf)
    except pdfium.PdfiumError as exc:
        raise VerificationError(where(messages.PDF_UNREADABLE.format(detail=exc))) from None

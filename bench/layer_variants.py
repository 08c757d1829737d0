"""Issue 14 experiment: what LibreOffice's time for a bundle of 50 member layers is spent on.

Not part of `make bench`. Per template, 50 members of a fictional roster: LibreOffice's CPU a member
(a bundle converted once and four times by one soffice, the difference over three; the bundles take
turns, median of five rounds)
for layers built as the pipeline builds them (a section per member, the page mark in its footer) and
for variants without that footer:
  framed  - the page mark as literal text in a page-anchored frame, placed where the footer prints
            it (calibrated on one member's direct conversion); each member composed over the shared
            pages and compared with its direct conversion by the run's audit (compose.compare_pictures);
  bare    - one section, a page per member, no page mark at all (not usable: the floor);
  packed  - one section, every member's recipient lines one after another (a few pages; the floor).
Measured 2026-12-02 (ms a member, median of 5 rounds, letter / overview; single rounds range ±3 ms,
so only large differences count): pipeline's 7.5 / 6.6, framed 7.2 / 5.9 (audit: 5 of 5 members
matched, each template), bare 3.9 / 1.5, packed 4.3 / 2.4. So a frame costs LibreOffice what the
footer does, and what is left without either is the recipient lines' text, pages or no pages.
Usage: .venv/bin/python bench/layer_variants.py [letter|overview]
"""

from __future__ import annotations

import resource
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

import pikepdf
import pypdfium2 as pdfium
from lxml import etree

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

import bench  # noqa: E402  (make_roster)

from mailmerge import bundle, compose, frames, pdf, render  # noqa: E402
from mailmerge.config import load_config  # noqa: E402
from mailmerge.models import member_context  # noqa: E402
from mailmerge.roster import load_roster  # noqa: E402

OUT = ROOT / "bench" / "out" / "layer_variants"
MEMBERS = 50
SAMPLE = (0, 1, 7, 23, 49)  # members composed and compared with their direct conversion
PAGES = {"letter": 1, "overview": 2}


def _w(tag: str) -> str:
    return f"{{{bundle.W}}}{tag}"


def _xml(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def framed(layer: dict[str, bytes], mark: str, pages: int, y: int) -> dict[str, bytes]:
    """Return a layer package without its footer, its page marks in page-anchored frames at ``y`` twips."""
    layer = dict(layer)
    root = etree.fromstring(layer[bundle.DOCUMENT])
    body = root.find(_w("body"))
    final = body.find(_w("sectPr"))
    for reference in final.findall(_w("footerReference")):
        final.remove(reference)

    def frame(page: int) -> etree._Element:
        paragraph = etree.Element(_w("p"))
        properties = etree.SubElement(paragraph, _w("pPr"))
        etree.SubElement(properties, _w("pStyle")).set(_w("val"), "Footer")
        position = etree.SubElement(properties, _w("framePr"))
        for key, value in (
            ("w", 9638),
            ("h", 400),
            ("hRule", "exact"),
            ("x", 1134),
            ("y", y),
            ("hAnchor", "page"),
            ("vAnchor", "page"),
            ("wrap", "around"),
        ):
            position.set(_w(key), str(value))
        text = etree.SubElement(etree.SubElement(paragraph, _w("r")), _w("t"))
        text.text = f"{mark} · {page}/{pages}"
        return paragraph

    # A frame paragraph is anchored to the next paragraph that is not one (Word's rule, LibreOffice's
    # too): page 1's goes before the first recipient line, page i's before the break that starts page i.
    breaks = [child for child in body if child.find(f"{_w('pPr')}/{_w('pageBreakBefore')}") is not None]
    body.insert(0, frame(1))
    for page, page_break in enumerate(breaks, start=2):
        page_break.addprevious(frame(page))
    layer[bundle.DOCUMENT] = _xml(root)
    return layer


def one_section(layers: list[dict[str, bytes]], page_per_member: bool) -> dict[str, bytes]:
    """Return one package holding every layer's recipient lines in one section, without marks or footer."""
    package = dict(layers[0])
    root = etree.fromstring(package[bundle.DOCUMENT])
    body = root.find(_w("body"))
    final = body.find(_w("sectPr"))
    for reference in final.findall(_w("footerReference")):
        final.remove(reference)
    for child in list(body):
        if child is not final:
            body.remove(child)
    for number, layer in enumerate(layers):
        lines = [
            child
            for child in etree.fromstring(layer[bundle.DOCUMENT]).find(_w("body"))
            if child.tag == _w("p") and child.find(f"{_w('pPr')}/{_w('pageBreakBefore')}") is None
        ]
        if number and page_per_member:
            properties = lines[0].find(_w("pPr"))
            if properties is None:
                properties = etree.Element(_w("pPr"))
                lines[0].insert(0, properties)
            properties.insert(0, etree.Element(_w("pageBreakBefore")))
        for line in lines:
            final.addprevious(line)
    package[bundle.DOCUMENT] = _xml(root)
    return package


class Soffice:
    """One soffice at a time with one profile, its CPU read from this process's children."""

    def __init__(self, folder: Path):
        self.profile = folder / "profile"

    def convert(self, documents: list[Path], outdir: Path) -> float:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run(
            [
                "soffice",
                f"-env:UserInstallation={self.profile.as_uri()}",
                "--headless",
                "--convert-to",
                "pdf",
                "--outdir",
                str(outdir),
                *map(str, documents),
            ],
            check=True,
            capture_output=True,
        )
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        return (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)

    def per_member(self, documents: dict[str, Path], scratch: Path, rounds: int = 5) -> dict[str, list[float]]:
        """Return each bundle's LibreOffice CPU a member, per round; the bundles take turns in each round."""
        scratch.mkdir(exist_ok=True)
        copies = {}
        for name, docx in documents.items():
            copies[name] = [scratch / f"{name}-{number}.docx" for number in range(4)]
            for copy in copies[name]:
                shutil.copy(docx, copy)
        runs: dict[str, list[float]] = {name: [] for name in documents}
        for _ in range(rounds):
            for name, files in copies.items():
                once, four = self.convert(files[:1], scratch), self.convert(files, scratch)
                runs[name].append(1000 * (four - once) / 3 / MEMBERS)
        return runs


def mark_box(path: Path, page: int, text: str) -> tuple[float, float, float, float]:
    """Return the box (PDF points) of the first character of the last ``text`` on a page."""
    document = pdfium.PdfDocument(path)
    try:
        searcher = document[page].get_textpage().search(text)
        last = None
        while (found := searcher.get_next()) is not None:
            last = found
        return document[page].get_textpage().get_charbox(last[0])
    finally:
        document.close()


def main() -> None:
    document = sys.argv[1] if len(sys.argv) > 1 else "letter"
    pages = PAGES[document]
    out = OUT / document
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    roster = out / "roster.csv"
    bench.make_roster(roster, 3 * MEMBERS)
    config = load_config(ROOT / "mailmerge.toml")
    members = [m for m in load_roster(config, roster).members if m.group == "enrolled"][:MEMBERS]
    template = render.CompiledTemplate(config.documents[document], document)
    rendered = [template.render(member_context(m, document, config.constants), m.member_id) for m in members]
    packages = [r.package for r in rendered]

    bundle.write_package(frames.shared_package(packages[0]), out / "shared.docx")
    conversions = [pdf.Conversion(out / "shared.docx", out / "shared.pdf")]
    for index in SAMPLE:
        (out / f"direct-{index}.docx").write_bytes(rendered[index].docx)
        conversions.append(pdf.Conversion(out / f"direct-{index}.docx", out / f"direct-{index}.pdf"))
    pdf.convert_to_pdf(conversions, workers=2, temp_root=out)

    soffice = Soffice(out)
    layers = [frames.layer_package(p, pages) for p in packages]
    marks = [f"{m.member_id} · {config.cycle}" for m in members]
    # Calibrate the frame's y on member 0: where its direct conversion prints the mark.
    target, y = mark_box(out / "direct-0.pdf", 0, members[0].member_id), 15600
    for _ in range(4):
        bundle.build_bundle([framed(layers[0], marks[0], pages, y)], out / "calibration.docx")
        soffice.convert([out / "calibration.docx"], out)
        found = mark_box(out / "calibration.pdf", 0, members[0].member_id)
        print(
            f"frame y {y} twips: mark {found[0] - target[0]:+.2f} pt across, {found[3] - target[3]:+.2f} pt up "
            f"from the footer's"
        )
        if abs(found[3] - target[3]) < 0.025:
            break
        y += round((found[3] - target[3]) * 20)

    bundle.build_bundle(layers, out / "pipeline.docx")
    bundle.build_bundle(
        [framed(layer, mark, pages, y) for layer, mark in zip(layers, marks, strict=False)], out / "framed.docx"
    )
    bundle.write_package(one_section(layers, page_per_member=True), out / "bare.docx")
    bundle.write_package(one_section(layers, page_per_member=False), out / "packed.docx")
    for name in ("pipeline", "framed"):
        soffice.convert([out / f"{name}.docx"], out)
        with pikepdf.open(out / "shared.pdf") as shared, pikepdf.open(out / f"{name}.pdf") as layer_pages:
            matched = 0
            for index in SAMPLE:
                composed = out / f"{name}-{index}.pdf"
                assert (
                    compose.compose_member(shared, layer_pages, range(pages * index, pages * (index + 1)), composed)
                    == ""
                )
                matched += not compose.compare_pictures(compose.draw_pages(out / f"direct-{index}.pdf"), composed)
        print(f"{name}: audit {matched} of {len(SAMPLE)} members matched their direct conversion")
    measured = soffice.per_member(
        {name: out / f"{name}.docx" for name in ("pipeline", "framed", "bare", "packed")}, out / "scratch"
    )
    for name, runs in measured.items():
        print(
            f"{document} {name}: LibreOffice {statistics.median(runs):.1f} ms CPU a member (runs "
            f"{', '.join(f'{r:.1f}' for r in runs)})"
        )


if __name__ == "__main__":
    main()

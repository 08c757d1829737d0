"""Exploration for issue 14 (kept for its measurements; the library code is bundle.py and compose.py).

Functions, each run by hand (python -c "import compose_proto as c; c.cost(50, 'overview')" from bench/):
- cost(n, document): LibreOffice CPU per member (children's rusage, one start-up measured alone and
  subtracted), whole bundle vs layer bundle; letter 15.1 -> 5.4 ms, overview 54.7 -> 4.6 ms (n = 50).
- floor_cost(n): what the layer costs LibreOffice: the frame as a frame 9.5 ms/member, its paragraphs
  unframed 2.8 ms, empty pages 0.4 ms (n = 300): why layers use plain paragraphs.
- compare(n, document, layer_kind): composed vs direct, pixels, sizes, compose ms/page.
- audit_check(): the tolerant comparison against a layer shifted by 0.25 / 0.5 / 1 mm.
Figures were taken on a shared, loaded 2-core machine: CPU times, several runs, medians.
"""

from __future__ import annotations

import io
import random
import resource
import shutil
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pikepdf
import pypdfium2 as pdfium
from lxml import etree

from mailmerge import bundle, frames, pdf, verify
from mailmerge.config import load_config
from mailmerge.pipeline import check, member_context

W = bundle.W
NS = {"w": W}


def _q(tag):
    return f"{{{W}}}{tag}"


def shared_parts(package):
    """The member's package with the frame's text and the footer's runs removed (paragraphs kept)."""
    out = dict(package)
    root = etree.fromstring(package["word/document.xml"])
    for p in root.iter(_q("p")):
        if p.find("w:pPr/w:framePr", NS) is not None:
            for child in list(p):
                if child.tag != _q("pPr"):
                    p.remove(child)
    out["word/document.xml"] = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    for name in package:
        if name.startswith("word/footer") or name.startswith("word/header"):
            # The mark's runs stay, hidden: removing its PAGE/NUMPAGES fields changed how LibreOffice
            # justified some lines of page 2 (by 0.07 pt), hidden they lay out the same and print nothing.
            froot = etree.fromstring(package[name])
            for r in froot.iter(_q("r")):
                rpr = r.find(_q("rPr"))
                if rpr is None:
                    rpr = etree.Element(_q("rPr"))
                    r.insert(0, rpr)
                etree.SubElement(rpr, _q("vanish"))
            out[name] = etree.tostring(froot, xml_declaration=True, encoding="UTF-8", standalone=True)
    return out


def layer_parts(package, pages):
    """The member's package with only the frame paragraphs kept in the body, and `pages` pages."""
    out = dict(package)
    root = etree.fromstring(package["word/document.xml"])
    body = root.find(_q("body"))
    sect = body.find(_q("sectPr"))
    for child in list(body):
        if child is sect:
            continue
        if child.tag == _q("p") and child.find("w:pPr/w:framePr", NS) is not None:
            continue
        body.remove(child)
    anchor = etree.Element(_q("p"))
    sect.addprevious(anchor)
    for _ in range(pages - 1):
        p = etree.Element(_q("p"))
        ppr = etree.SubElement(p, _q("pPr"))
        etree.SubElement(ppr, _q("pageBreakBefore"))
        sect.addprevious(p)
    out["word/document.xml"] = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    return out


def children_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def convert(conversions):
    before = children_cpu()
    t = time.perf_counter()
    pdf.convert_to_pdf(conversions, workers=1, timeout=300, temp_root=TMP)
    return children_cpu() - before, time.perf_counter() - t


def render_page(path_or_pdf, index, dpi=100):
    doc = pdfium.PdfDocument(path_or_pdf)
    page = doc[index]
    img = page.render(scale=dpi / 72).to_numpy()
    n = len(doc)
    doc.close()
    return img, n


def compose(shared_pdf: pikepdf.Pdf, layer_path: Path, target: Path):
    out = pikepdf.new()
    layer = pikepdf.open(layer_path)
    for page in shared_pdf.pages:
        out.pages.append(page)
    for i, lpage in enumerate(layer.pages):
        out.pages[i].add_overlay(out.copy_foreign(lpage.obj) if False else lpage)
    out.save(target)


TMP = Path("/tmp/speed_proto")


def main(n=50, document="letter", group="enrolled"):
    shutil.rmtree(TMP, ignore_errors=True)
    TMP.mkdir(parents=True)
    config = load_config(Path("mailmerge.toml"))
    result = check(config)
    members = [m for m in result.roster.members if m.group == group]
    while len(members) < n:
        members = members + members  # repeat sample members (IDs clash -> only for timing whole/layer)
    members = members[:n]
    tpl = result.templates[document]
    packages = [tpl.render(member_context(m, document, config.constants), m.member_id).package for m in members]
    # whole bundle (as today)
    bundle.build_bundle(packages, TMP / "whole.docx")
    cpu_whole, wall_whole = convert([pdf.Conversion(TMP / "whole.docx", TMP / "whole.pdf")])
    # shared
    (TMP / "shared.docx").write_bytes(_zip(shared_parts(packages[0])))
    cpu_shared, _ = convert([pdf.Conversion(TMP / "shared.docx", TMP / "shared.pdf")])
    pages = len(pdfium.PdfDocument(TMP / "shared.pdf"))
    bundle.build_bundle([layer_parts(p, pages) for p in packages], TMP / "layer.docx")
    cpu_layer, wall_layer = convert([pdf.Conversion(TMP / "layer.docx", TMP / "layer.pdf")])
    print(
        f"{document} {group} n={n} pages={pages}: LO CPU whole {cpu_whole / n * 1000:.1f} ms/member, "
        f"layer {cpu_layer / n * 1000:.1f} ms/member, shared once {cpu_shared * 1000:.0f} ms"
    )
    return members, packages, pages


def _zip(parts):
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for k, v in parts.items():
            z.writestr(k, v)
    return buf.getvalue()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 50, *(sys.argv[2:]))


def startup_cpu():
    TMP.mkdir(parents=True, exist_ok=True)
    import docx

    d = docx.Document()
    d.add_paragraph("x")
    d.save(TMP / "tiny.docx")
    return convert([pdf.Conversion(TMP / "tiny.docx", TMP / "tiny.pdf")])[0]


def flat_layer(packages, pages, footer=False):
    """All members' frames in one section, separated by page breaks; no per-member footer."""
    first = dict(packages[0])
    root = etree.fromstring(first["word/document.xml"])
    body = root.find(_q("body"))
    sect = body.find(_q("sectPr"))
    for child in list(body):
        if child is not sect:
            body.remove(child)
    if not footer:
        for ref in list(sect):
            if ref.tag in (_q("footerReference"), _q("headerReference")):
                sect.remove(ref)
    for k, package in enumerate(packages):
        mroot = etree.fromstring(package["word/document.xml"])
        for page in range(pages):
            if page == 0:
                for p in mroot.find(_q("body")):
                    if p.tag == _q("p") and p.find("w:pPr/w:framePr", NS) is not None:
                        sect.addprevious(p)
            p = etree.Element(_q("p"))
            if k < len(packages) - 1 or page < pages - 1:
                r = etree.SubElement(p, _q("r"))
                br = etree.SubElement(r, _q("br"))
                br.set(_q("type"), "page")
            sect.addprevious(p)
    first["word/document.xml"] = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    return first


def flat_cost(n=200, document="letter", group="enrolled"):
    config = load_config(Path("mailmerge.toml"))
    result = check(config)
    members = [m for m in result.roster.members if m.group == group]
    members = (members * (n // len(members) + 1))[:n]
    tpl = result.templates[document]
    packages = [tpl.render(member_context(m, document, config.constants), m.member_id).package for m in members]
    for footer in (False, True):
        (TMP / "flat.docx").write_bytes(_zip(flat_layer(packages, 1, footer)))
        cpu, wall = convert([pdf.Conversion(TMP / "flat.docx", TMP / "flat.pdf")])
        print(
            f"flat layer footer={footer} n={n}: {cpu / n * 1000:.1f} ms/member incl startup; pages "
            f"{len(pdfium.PdfDocument(TMP / 'flat.pdf'))}"
        )


def floor_cost(n=200, document="letter", group="enrolled"):
    """LibreOffice CPU per member for: empty pages only; the frame's paragraphs unframed; framed."""
    config = load_config(Path("mailmerge.toml"))
    result = check(config)
    members = [m for m in result.roster.members if m.group == group]
    members = (members * (n // len(members) + 1))[:n]
    tpl = result.templates[document]
    packages = [tpl.render(member_context(m, document, config.constants), m.member_id).package for m in members]
    base = flat_layer(packages, 1, False)
    variants = {"framed": base["word/document.xml"]}
    root = etree.fromstring(base["word/document.xml"])
    for fp in list(root.iter(_q("framePr"))):
        fp.getparent().remove(fp)
    variants["unframed"] = etree.tostring(root)
    root = etree.fromstring(base["word/document.xml"])
    for p in list(root.iter(_q("p"))):
        if p.find("w:pPr/w:framePr", NS) is not None:
            p.getparent().remove(p)
    variants["pages only"] = etree.tostring(root)
    for label, xml in variants.items():
        (TMP / "v.docx").write_bytes(_zip({**base, "word/document.xml": xml}))
        cpu, wall = convert([pdf.Conversion(TMP / "v.docx", TMP / "v.pdf")])
        print(f"{label}: {cpu / n * 1000:.1f} ms/member incl startup (~{(cpu - 0.5) / n * 1000:.1f} without)")


def compare(n=8, document="letter", group="enrolled", layer_kind="framed"):
    """Direct conversion vs shared+layer composition for n distinct members: pixels, sizes, timings."""
    shutil.rmtree(TMP, ignore_errors=True)
    TMP.mkdir(parents=True)
    config = load_config(Path("mailmerge.toml"))
    result = check(config)
    members = [m for m in result.roster.members if m.group == group]
    # the members with the longest value of each field, then random ones
    chosen = {}
    for field in ("organisation", "department", "representative_title", "representative_name", "address1", "address2"):
        m = max(members, key=lambda m: len(m.fields.get(field) or ""))
        chosen[m.member_id] = m
    rnd = random.Random(14)
    for m in rnd.sample(members, min(len(members), n)):
        chosen.setdefault(m.member_id, m)
    members = list(chosen.values())
    names = verify.MemberNames({m.member_id: m.display_name for m in result.roster.members})
    tpl = result.templates[document]
    packages = [tpl.render(member_context(m, document, config.constants), m.member_id).package for m in members]
    bundle.build_bundle(packages, TMP / "whole.docx")
    (TMP / "shared.docx").write_bytes(_zip(shared_parts(packages[0])))
    convert(
        [pdf.Conversion(TMP / "whole.docx", TMP / "whole.pdf"), pdf.Conversion(TMP / "shared.docx", TMP / "shared.pdf")]
    )
    pages = len(pdfium.PdfDocument(TMP / "shared.pdf"))
    builder = LAYERS[layer_kind]
    bundle.build_bundle([builder(p, pages) for p in packages], TMP / "layer.docx")
    convert([pdf.Conversion(TMP / "layer.docx", TMP / "layer.pdf")])
    direct = {m.member_id: TMP / f"direct-{m.member_id}.pdf" for m in members}
    layers = {m.member_id: TMP / f"layer-{m.member_id}.pdf" for m in members}
    r1 = verify.split_bundle(TMP / "whole.pdf", direct, names, cycle=config.cycle)
    r2 = verify.split_bundle(TMP / "layer.pdf", layers, names, cycle=config.cycle)
    assert not r1.failed and not r2.failed, (r1.failed, r2.failed)
    shared = pikepdf.open(TMP / "shared.pdf")
    times, worst, sizes_d, sizes_c = [], [], [], []
    for m in members:
        target = TMP / f"composed-{m.member_id}.pdf"
        t = time.perf_counter()
        compose(shared, layers[m.member_id], target)
        times.append((time.perf_counter() - t) / pages * 1000)
        verify.verify_member_pdf(target, m.member_id, names, cycle=config.cycle)
        sizes_d.append(direct[m.member_id].stat().st_size)
        sizes_c.append(target.stat().st_size)
        for i in range(pages):
            a, _ = render_page(direct[m.member_id], i)
            b, _ = render_page(target, i)
            diff = np.abs(a.astype(int) - b.astype(int))
            worst.append((int(diff.max()), int((diff > 64).any(axis=-1).sum()), m.member_id, i))
    print(
        f"{document}/{group} [{layer_kind}] {len(members)} members, {pages} pages: compose "
        f"{statistics.median(times):.2f} ms/page "
        f"({min(times):.2f}-{max(times):.2f}); size direct {statistics.median(sizes_d) / 1024:.0f} KB, composed "
        f"{statistics.median(sizes_c) / 1024:.0f} KB"
    )
    print("  worst pixel diffs (max channel diff, pixels >64, member, page):", sorted(worst, reverse=True)[:4])
    return worst


LAYERS = {"framed": layer_parts}


# The frame's paragraphs as plain paragraphs where the frame is (LibreOffice lays them out ~3x cheaper
# than a frame): what became the library's frames.layer_package.
unframed_layer = frames.layer_package
LAYERS["unframed"] = unframed_layer


def cost(n=50, document="letter", group="enrolled", rounds=3):
    """LibreOffice CPU per member (children's rusage, minus one start-up measured alone): whole vs unframed layer."""
    config = load_config(Path("mailmerge.toml"))
    result = check(config)
    members = [m for m in result.roster.members if m.group == group]
    members = (members * (n // len(members) + 1))[:n]
    tpl = result.templates[document]
    packages = [tpl.render(member_context(m, document, config.constants), m.member_id).package for m in members]
    TMP.mkdir(parents=True, exist_ok=True)
    (TMP / "shared.docx").write_bytes(_zip(shared_parts(packages[0])))
    convert([pdf.Conversion(TMP / "shared.docx", TMP / "shared.pdf")])
    pages = len(pdfium.PdfDocument(TMP / "shared.pdf"))
    bundle.build_bundle(packages, TMP / "whole.docx")
    bundle.build_bundle([unframed_layer(p, pages) for p in packages], TMP / "layer.docx")
    rows = {"start-up": [], "whole": [], "layer": [], "shared": []}
    for _ in range(rounds):
        rows["start-up"].append(startup_cpu())
        rows["whole"].append(convert([pdf.Conversion(TMP / "whole.docx", TMP / "whole.pdf")])[0])
        rows["layer"].append(convert([pdf.Conversion(TMP / "layer.docx", TMP / "layer.pdf")])[0])
        rows["shared"].append(convert([pdf.Conversion(TMP / "shared.docx", TMP / "shared.pdf")])[0])
    s = statistics.median(rows["start-up"])
    for k in ("whole", "layer"):
        v = [(x - s) / n * 1000 for x in rows[k]]
        print(f"{document}/{group} n={n} {k}: {statistics.median(v):.1f} ms/member CPU ({min(v):.1f}-{max(v):.1f})")
    print(
        f"  shared once: {statistics.median(rows['shared']) * 1000 - s * 1000:.0f} ms CPU above start-up "
        f"({s * 1000:.0f} ms)"
    )


def mismatched_pixels(a, b, tolerance=48):
    """Pixels of a that no pixel of b's 3x3 neighbourhood explains (and vice versa), beyond `tolerance`.

    LibreOffice places the same glyph up to ~0.1 pt differently from one document to another (justified
    lines); at 100 dpi that moves anti-aliased edges, never a whole stroke by a pixel and more.
    """
    a = a.astype(np.int16).max(axis=-1) if a.ndim == 3 else a.astype(np.int16)
    b = b.astype(np.int16).max(axis=-1) if b.ndim == 3 else b.astype(np.int16)

    def bounds(x):
        p = np.pad(x, 1, mode="edge")
        stack = np.stack([p[dy : dy + x.shape[0], dx : dx + x.shape[1]] for dy in range(3) for dx in range(3)])
        return stack.min(axis=0), stack.max(axis=0)

    bl, bh = bounds(b)
    al, ah = bounds(a)
    bad_a = (a < bl - tolerance) | (a > bh + tolerance)
    bad_b = (b < al - tolerance) | (b > ah + tolerance)
    return int((bad_a | bad_b).sum())


def audit_check(document="overview", shifts=(0.0, 0.25, 0.5, 1.0)):
    """Pixels the tolerant comparison finds for the composed PDFs, with the layer shifted by `shifts` mm."""
    for mm in shifts:
        worst = 0
        for path in sorted(TMP.glob("composed-*.pdf")):
            mid = path.name.removeprefix("composed-")
            shared = pikepdf.open(TMP / "shared.pdf")
            out = pikepdf.new()
            layer = pikepdf.open(TMP / f"layer-{mid}")
            for page in shared.pages:
                out.pages.append(page)
            for i, lpage in enumerate(layer.pages):
                out.pages[i].add_overlay(
                    lpage,
                    pikepdf.Rectangle(
                        mm * 72 / 25.4, 0, float(lpage.mediabox[2]) + mm * 72 / 25.4, float(lpage.mediabox[3])
                    ),
                )
            out.save(TMP / "shifted.pdf")
            for i in range(len(out.pages)):
                a, _ = render_page(TMP / f"direct-{mid}", i)
                b, _ = render_page(TMP / "shifted.pdf", i)
                worst = max(worst, mismatched_pixels(a, b))
        print(f"{document}: layer shifted {mm} mm -> worst page has {worst} mismatched pixels")

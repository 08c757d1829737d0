"""Issue 14 bench: the shared-pages + member-layer path end to end, against the whole-document path.

Outside the pipeline (which takes this path since produce + layering; `make bench` measures it there): it runs the steps
(render, layers bundled by 50 and converted
on both cores, split and verified, composed, each member's PDF verified, overflow checked, the audit
sample converted directly and compared pixel by pixel) and reports CPU time, which a shared machine
disturbs less than wall time. Usage: .venv/bin/python bench/compose_bench.py [MEMBERS] [--pipeline] [--baseline]
"""

from __future__ import annotations

import argparse
import random
import resource
import shutil
import statistics
import sys
import time
from pathlib import Path

import pikepdf

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "src"))

import bench  # noqa: E402  (make_roster, render_all, run_baseline, run_pipeline, Usage)

from mailmerge import bundle, compose, frames, pdf, verify  # noqa: E402
from mailmerge.config import load_config  # noqa: E402
from mailmerge.pipeline import check, member_context  # noqa: E402

OUT = ROOT / "bench" / "out" / "compose"
FRAME_FIELDS = (
    "postal_code",
    "address1",
    "address2",
    "organisation",
    "department",
    "representative_title",
    "representative_name",
)
MEMBER_FIELDS = ("member_id", *FRAME_FIELDS)
AUDIT_RANDOM = 3


def cpu() -> tuple[float, float]:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime


def audit_sample(members, rng) -> list:
    chosen = {}
    for field in FRAME_FIELDS:
        longest = max(members, key=lambda m: len(m.fields.get(field) or ""))
        chosen.setdefault(longest.member_id, longest)
    for member in rng.sample(members, min(AUDIT_RANDOM, len(members))):
        chosen.setdefault(member.member_id, member)
    return list(chosen.values())


def composed_run(roster: Path, folder: Path, seed: int) -> dict:
    config = load_config(ROOT / "mailmerge.toml")
    result = check(config, roster)
    names = verify.MemberNames({m.member_id: m.display_name for m in result.roster.members})
    rng = random.Random(seed)
    self0, kids0 = cpu()
    wall0 = time.perf_counter()
    shared_dir, layer_dir, out_dir, audit_dir = (folder / n for n in ("shared", "layers", "members", "audit"))
    for d in (shared_dir, layer_dir, out_dir, audit_dir):
        d.mkdir(parents=True)
    groups = {}
    for document, template in result.templates.items():
        obstacle = frames.layering_obstacle(bundle.docx_parts(template.path), MEMBER_FIELDS)
        assert obstacle is None, obstacle
        for group in ("enrolled", "unenrolled"):
            members = [m for m in result.roster.members if m.group == group]
            if members:
                groups[(document, group)] = members

    def package(member, document):
        return result.templates[document].render(member_context(member, document, config.constants), member.member_id)

    # 1. shared pages, one document per template and group, and the audit sample converted directly
    conversions, samples = [], {}
    for (document, group), members in groups.items():
        shared = shared_dir / f"{document}-{group}.docx"
        shared.write_bytes(_zip(frames.shared_package(package(members[0], document).package)))
        conversions.append(pdf.Conversion(shared, shared.with_suffix(".pdf"), weight=2))
        samples[(document, group)] = audit_sample(members, rng)
        for member in samples[(document, group)]:
            direct = audit_dir / f"{document}-{member.member_id}.docx"
            direct.write_bytes(package(member, document).docx)
            conversions.append(pdf.Conversion(direct, direct.with_suffix(".pdf")))
    self1, kids1 = cpu()
    pdf.convert_to_pdf(conversions, workers=2, timeout=300, temp_root=folder)
    self2, kids2 = cpu()
    pages = {key: len(pikepdf.open(shared_dir / f"{key[0]}-{key[1]}.pdf").pages) for key in groups}

    # 2. layers, bundled by 50, converted on both cores; each bundle split and verified as today
    bundles = {}
    for (document, group), members in groups.items():
        for start in range(0, len(members), 50):
            chunk = members[start : start + 50]
            docx = layer_dir / f"{document}-{group}-{start:05d}.docx"
            bundles[pdf.Conversion(docx, docx.with_suffix(".pdf"), weight=len(chunk))] = (document, group, chunk)

    # Built first, split after (not overlapped as the pipeline would): CPU is what is compared, and
    # this keeps to convert_to_pdf's plainest form, the same before and after the conversion split.
    self3, kids3 = cpu()
    for conversion, (document, _group, chunk) in bundles.items():
        bundle.build_bundle(
            [frames.layer_package(package(m, document).package, pages[(document, group)]) for m in chunk],
            conversion.docx,
        )
    pdf.convert_to_pdf(list(bundles), workers=2, timeout=300, batch_size=8, temp_root=folder)
    failed = []
    for conversion, (document, _group, chunk) in bundles.items():
        targets = {m.member_id: layer_dir / f"{document}-{m.member_id}.pdf" for m in chunk}
        failed.extend(verify.split_bundle(conversion.pdf, targets, names, cycle=config.cycle).failed.items())
    self4, kids4 = cpu()
    assert not failed, failed[:3]

    # 3. overflow, composition, verification of every member's PDF, audit
    compose_cpu = overflow_cpu = verify_cpu = 0.0
    composed_pages = 0
    sizes = {}
    for (document, group), members in groups.items():
        box = None
        used = result.templates[document].variables  # parsed once: Jinja's parse is ~50 ms
        with pikepdf.open(shared_dir / f"{document}-{group}.pdf") as shared:
            for member in members:
                layer = layer_dir / f"{document}-{member.member_id}.pdf"
                target = out_dir / f"{document}-{member.member_id}.pdf"
                t = time.process_time()
                if box is None:
                    box = frames.frame_box(package(member, document).package)
                values = {config.columns[f]: member.fields.get(f) or "" for f in FRAME_FIELDS if f in used}
                assert not compose.frame_overflows(layer, {member.member_id: 0}, box, {member.member_id: values})
                t2 = time.process_time()
                with pikepdf.open(layer) as layer_pages:
                    indices = range(len(layer_pages.pages))
                    assert compose.compose_member(shared, layer_pages, indices, target) == ""
                composed_pages += len(indices)
                t3 = time.process_time()
                verify.verify_member_pdf(target, member.member_id, names, cycle=config.cycle, document=document)
                t4 = time.process_time()
                overflow_cpu += t2 - t
                compose_cpu += t3 - t2
                verify_cpu += t4 - t3
        mismatches = {}
        for member in samples[(document, group)]:
            direct = compose.draw_pages(audit_dir / f"{document}-{member.member_id}.pdf")
            found = compose.compare_pictures(direct, out_dir / f"{document}-{member.member_id}.pdf")
            if found:
                mismatches[member.member_id] = found
            sizes.setdefault(document, []).append(
                (
                    (audit_dir / f"{document}-{member.member_id}.pdf").stat().st_size,
                    (out_dir / f"{document}-{member.member_id}.pdf").stat().st_size,
                )
            )
        groups[(document, group)] = (members, mismatches)
    self5, kids5 = cpu()
    wall = time.perf_counter() - wall0
    documents = sum(len(m) for m, _ in groups.values())
    return {
        "documents": documents,
        "wall_s": wall,
        "cpu_s": (self5 - self0) + (kids5 - kids0),
        "lo_layers_ms_member": 1000 * (kids4 - kids3) / documents,
        "lo_shared_audit_s": kids2 - kids1,
        "compose_ms_page": 1000 * compose_cpu / composed_pages,
        "overflow_ms_doc": 1000 * overflow_cpu / documents,
        "verify_ms_doc": 1000 * verify_cpu / documents,
        "python_layers_s": self4 - self3,
        "audit": {f"{d}/{g}": (len(samples[(d, g)]), mm) for (d, g), (_, mm) in groups.items()},
        "sizes_kb": {
            d: (statistics.median(a for a, _ in v) / 1024, statistics.median(b for _, b in v) / 1024)
            for d, v in sizes.items()
        },
    }


def _zip(parts):
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        for name, data in parts.items():
            package.writestr(name, data)
    return buffer.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("members", type=int, nargs="?", default=1000)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument(
        "--pipeline", action="store_true", help="also run today's whole-document pipeline once (CPU compared)"
    )
    parser.add_argument("--baseline", action="store_true", help="also run the baseline (two soffice) once")
    parser.add_argument(
        "--out", type=Path, default=OUT, help=f"scratch folder (default {OUT.relative_to(ROOT)}), emptied first"
    )
    args = parser.parse_args()
    out = args.out
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    roster = out / "roster.csv"
    bench.make_roster(roster, args.members)
    for run in range(args.runs):
        row = composed_run(roster, out / f"run{run}", seed=run)
        n = row["documents"]
        print(
            f"composed {args.members} members, {n} documents: {1000 * row['wall_s'] / n:.1f} ms/doc wall, "
            f"{1000 * row['cpu_s'] / n:.1f} ms/doc CPU (all processes); LibreOffice "
            f"{row['lo_layers_ms_member']:.1f} ms CPU per "
            f"member-document for layers (+{row['lo_shared_audit_s']:.1f} s for shared pages and the audit sample); "
            f"compose {row['compose_ms_page']:.2f} ms CPU/page; overflow check {row['overflow_ms_doc']:.2f} ms/doc; "
            f"verify {row['verify_ms_doc']:.2f} ms/doc; Python around the layer conversion "
            f"{row['python_layers_s']:.1f} s",
            flush=True,
        )
        print(f"  audit (sample size, mismatches): {row['audit']}")
        print(
            f"  size per document, median of the audit sample (direct KB, composed KB): {row['sizes_kb']}", flush=True
        )
        shutil.rmtree(out / f"run{run}", ignore_errors=True)
    if args.pipeline:
        with bench.Usage() as usage:
            seconds, documents, _progress, _rows = bench.run_pipeline(roster, out / "pipeline")
        print(
            f"whole-document pipeline: {1000 * seconds / documents:.1f} ms/doc wall, "
            f"{1000 * usage.cpu / documents:.1f} ms/doc CPU, "
            f"peak {usage.peak / 2**30:.2f} GB",
            flush=True,
        )
    if args.baseline:
        _render_s, files = bench.render_all(roster, out / "docx")
        seconds, made, usage = bench.timed_baseline(files, out)
        print(
            f"baseline (two soffice): {1000 * seconds / made:.1f} ms/doc wall, {1000 * usage.cpu / made:.1f} "
            f"ms/doc CPU",
            flush=True,
        )


if __name__ == "__main__":
    main()

"""The LibreOffice engine, against the real soffice: batches, deadlines, retries, clean-up."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

import pytest
from fixtures.samples import write_member_docx
from helpers import named, pdf_text
from helpers import processes_naming as soffice_processes

from mailmerge import pdf
from mailmerge.errors import BundleError, ConversionError

# Fictional members; names without Latin letters, which pdftotext would space out.
NAMES = {"A001": "医療法人社団青葉会", "A002": "株式会社白樺画像診断", "A003": "合同会社みなと読影", "A004": "一般社団法人ひかり支援機構"}


class SofficeWatch:
    """Note the profile of every soffice started under a folder while a test runs."""

    def __init__(self, root: Path):
        self.root = root
        self.profiles: set[str] = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._look, daemon=True)
        self._thread.start()

    def _look(self) -> None:
        while not self._stop.wait(0.01):
            for process in soffice_processes(self.root):
                for argument in process.info["cmdline"] or []:
                    if argument.startswith("-env:UserInstallation="):
                        self.profiles.add(argument.split("=", 1)[1])

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """The temp root the engine works in; every test checks it is empty afterwards."""
    folder = tmp_path / "scratch"
    folder.mkdir()
    return folder


@pytest.fixture
def watch(root: Path):
    watcher = SofficeWatch(root)
    yield watcher
    watcher.stop()


def assert_nothing_left(root: Path, watch: SofficeWatch) -> None:
    """No soffice process, no file under the temp root, no single-instance pipe in /tmp."""
    watch.stop()
    assert soffice_processes(root) == []
    assert list(root.iterdir()) == []
    assert watch.profiles, "the test never saw a soffice"
    assert [pipe for url in watch.profiles for pipe in pdf.ipc_pipes(url) if pipe.exists()] == []


def test_converts_in_parallel_and_cleans_up(tmp_path: Path, root: Path, watch: SofficeWatch):
    # Every member has a letter.docx: the engine must not mix up outputs of the same name.
    conversions = [
        pdf.Conversion(
            write_member_docx(tmp_path / "in" / member / "letter.docx", member, NAMES[member], pages),
            tmp_path / "out" / member / "letter.pdf",
            f"{member} letter",
        )
        for member, pages in (("A001", 1), ("A002", 2), ("A003", 1), ("A004", 1))
    ]
    done = []

    failures = pdf.convert_to_pdf(conversions, workers=2, timeout=60, on_done=done.append, temp_root=root)

    assert failures == ()
    assert sorted(c.label for c in done) == ["A001 letter", "A002 letter", "A003 letter", "A004 letter"]
    assert "A002 · 2024 · 2/2" in pdf_text(tmp_path / "out" / "A002" / "letter.pdf")
    text = pdf_text(tmp_path / "out" / "A003" / "letter.pdf")
    assert "A003 · 2024 · 1/1" in text and "合同会社みなと読影" in text
    assert (tmp_path / "out" / "A001" / "letter.pdf").stat().st_mode & 0o777 == 0o600
    assert_nothing_left(root, watch)


def test_corrupt_docx_is_a_clear_error_and_the_others_still_convert(tmp_path: Path, root: Path, watch: SofficeWatch):
    good = write_member_docx(tmp_path / "good.docx", "A001", "医療法人テスト会")
    random_bytes = tmp_path / "random.docx"
    random_bytes.write_bytes(os.urandom(4000))
    empty = tmp_path / "empty.docx"
    empty.write_bytes(b"")
    broken_xml = tmp_path / "broken.docx"
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(broken_xml, "w") as target:
        for name in source.namelist():
            data = source.read(name)
            target.writestr(name, data[: len(data) // 2] if name == "word/document.xml" else data)
    conversions = [pdf.Conversion(path, path.with_suffix(".pdf")) for path in (random_bytes, good, empty, broken_xml)]

    with pytest.raises(ConversionError) as caught:
        pdf.convert_to_pdf(conversions, workers=1, timeout=60, temp_root=root)

    assert str(caught.value).splitlines() == [
        "LibreOffice で PDF に変換できなかった文書があります:",
        "  random.docx: not a Word document (.docx): the file is damaged or of another kind",
        "  empty.docx: not a Word document (.docx): the file is damaged or of another kind",
        "  broken.docx: LibreOffice could not read it or wrote no PDF (Error: source file could not be loaded)",
        "Word で開けるか確かめてから、もう一度実行してください。",
    ]
    assert "A001 · 2024 · 1/1" in pdf_text(tmp_path / "good.pdf")
    assert not (tmp_path / "random.pdf").exists() and not (tmp_path / "broken.pdf").exists()
    assert_nothing_left(root, watch)


def test_a_hung_soffice_is_killed_at_the_deadline_and_reported(tmp_path: Path, root: Path, watch: SofficeWatch):
    # A deadline shorter than soffice's start-up stands in for a hang: every attempt is killed.
    conversions = [
        pdf.Conversion(write_member_docx(tmp_path / f"{m}.docx", m, "医療法人テスト会"), tmp_path / f"{m}.pdf", f"{m} letter")
        for m in ("A001", "A002")
    ]

    with pytest.raises(ConversionError) as caught:
        pdf.convert_to_pdf(conversions, workers=1, timeout=0.05, temp_root=root)

    assert str(caught.value).splitlines()[1:3] == [
        "  A001 letter: LibreOffice took longer than 0.05 s; its processes were stopped",
        "  A002 letter: LibreOffice took longer than 0.05 s; its processes were stopped",
    ]
    assert not (tmp_path / "A001.pdf").exists()
    time.sleep(1)  # a soffice that survived its kill would write its PDF about now
    assert not (tmp_path / "A001.pdf").exists()
    assert_nothing_left(root, watch)


@pytest.mark.parametrize("target", ["soffice.bin", "process group"])
def test_a_killed_soffice_is_retried_and_the_batch_completes(tmp_path: Path, root: Path, watch: SofficeWatch, target: str):
    members = [f"A{n:03d}" for n in range(1, 7)]
    conversions = [pdf.Conversion(write_member_docx(tmp_path / f"{m}.docx", m, NAMES["A001"]), tmp_path / f"{m}.pdf") for m in members]
    killed = []

    def kill_the_first_soffice() -> None:
        # A crash (soffice.bin dies) or someone killing the whole soffice process group, mid-batch.
        deadline = time.monotonic() + 300  # against a hang only: on a busy machine soffice starts slowly
        while not killed and time.monotonic() < deadline:
            for process in soffice_processes(root):
                if process.name() == "soffice.bin":
                    if target == "soffice.bin":
                        process.send_signal(signal.SIGKILL)
                    else:
                        os.killpg(os.getpgid(process.pid), signal.SIGKILL)
                    killed.append(process.pid)
                    return
            time.sleep(0.01)

    killer = threading.Thread(target=kill_the_first_soffice)
    killer.start()
    failures = pdf.convert_to_pdf(conversions, workers=1, batch_size=6, timeout=60, temp_root=root)
    killer.join()

    assert killed, "the test never saw a soffice.bin to kill"
    assert failures == ()
    for member in members:
        assert f"{member} · 2024 · 1/1" in pdf_text(tmp_path / f"{member}.pdf")
    assert_nothing_left(root, watch)


def test_prepare_writes_each_docx_in_a_worker_and_its_error_fails_that_document_only(tmp_path: Path, root: Path, watch: SofficeWatch):
    conversions = [pdf.Conversion(tmp_path / f"{m}.docx", tmp_path / f"{m}.pdf", f"{m} letter") for m in ("A001", "A002", "A003")]
    prepared = []

    def prepare(conversion: pdf.Conversion) -> None:
        member = conversion.docx.stem
        if member == "A002":
            raise BundleError("the template uses a numbered list, which would count on from one member to the next")
        write_member_docx(conversion.docx, member, NAMES[member])
        prepared.append((member, threading.current_thread() is threading.main_thread()))

    failures = pdf.convert_to_pdf(conversions, workers=2, timeout=60, prepare=prepare, check=False, temp_root=root)

    assert [str(f) for f in failures] == ["A002 letter: the template uses a numbered list, which would count on from one member to the next"]
    assert sorted(prepared) == [("A001", False), ("A003", False)]
    assert "A003 · 2024 · 1/1" in pdf_text(tmp_path / "A003.pdf")
    assert not (tmp_path / "A002.pdf").exists()
    assert_nothing_left(root, watch)


def test_later_files_are_written_while_libreoffice_converts_the_first(tmp_path: Path, root: Path, watch: SofficeWatch):
    # The first soffice starts once its first file is written; the rest are written meanwhile,
    # so the cores do not wait for a whole batch of rendering.
    conversions = [pdf.Conversion(tmp_path / f"A{n:03d}.docx", tmp_path / f"A{n:03d}.pdf", f"A{n:03d} letter") for n in range(6)]
    converting_while_written = []

    def prepare(conversion: pdf.Conversion) -> None:
        if conversion.docx.stem != "A000":
            time.sleep(0.3)  # as long as rendering a bundle takes
        write_member_docx(conversion.docx, conversion.docx.stem, "医療法人テスト会")
        converting_while_written.append(bool(soffice_processes(root)))

    failures = pdf.convert_to_pdf(conversions, workers=1, batch_size=4, timeout=60, prepare=prepare, check=False, temp_root=root)

    assert failures == ()
    assert any(converting_while_written[1:]), converting_while_written
    for conversion in conversions:
        assert f"{conversion.docx.stem} · 2024 · 1/1" in pdf_text(conversion.pdf)
    assert_nothing_left(root, watch)


def test_a_file_written_after_libreoffice_got_to_it_is_converted_on_its_retry(tmp_path: Path, root: Path, watch: SofficeWatch):
    # soffice starts before the rest of its batch is written; should it get to a file first, it
    # skips it ("source file could not be loaded"), and the file is converted on its own afterwards.
    conversions = [pdf.Conversion(tmp_path / f"A{n:03d}.docx", tmp_path / f"A{n:03d}.pdf", f"A{n:03d} letter") for n in range(3)]

    late = []

    def prepare(conversion: pdf.Conversion) -> None:
        if conversion.docx.stem == "A001":  # written only once the first soffice is over
            seen, deadline = False, time.monotonic() + 300  # against a hang only
            while time.monotonic() < deadline and not (seen and not soffice_processes(root)):
                seen = seen or bool(soffice_processes(root))
                time.sleep(0.05)
            late.append(seen)
        write_member_docx(conversion.docx, conversion.docx.stem, "医療法人テスト会")

    failures = pdf.convert_to_pdf(conversions, workers=1, batch_size=3, timeout=60, prepare=prepare, check=False, temp_root=root)

    assert late == [True]
    assert failures == ()
    for conversion in conversions:
        assert f"{conversion.docx.stem} · 2024 · 1/1" in pdf_text(conversion.pdf)
    assert_nothing_left(root, watch)


def test_ctrl_c_kills_soffice_and_removes_its_files(tmp_path: Path, root: Path, watch: SofficeWatch):
    documents = [str(write_member_docx(tmp_path / f"A{n:03d}.docx", f"A{n:03d}", "医療法人テスト会", 2)) for n in range(40)]
    script = (
        "import sys; from pathlib import Path; from mailmerge import pdf\n"
        "jobs = [pdf.Conversion(Path(d), Path(d).with_suffix('.pdf')) for d in sys.argv[2:]]\n"
        "pdf.convert_to_pdf(jobs, workers=2, timeout=60, temp_root=Path(sys.argv[1]))\n"
    )
    run = subprocess.Popen([sys.executable, "-c", script, str(root), *documents], stderr=subprocess.PIPE, text=True)
    # Ctrl-C once soffice.bin converts, however long it takes to start on a busy machine.
    deadline = time.monotonic() + 300
    while not named(soffice_processes(root), "soffice.bin"):
        assert run.poll() is None, run.stderr.read()
        assert time.monotonic() < deadline, "soffice.bin never started"
        time.sleep(0.01)

    run.send_signal(signal.SIGINT)
    _, errors = run.communicate(timeout=120)

    assert run.returncode != 0 and "KeyboardInterrupt" in errors
    assert_nothing_left(root, watch)


def test_missing_soffice_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    docx = write_member_docx(tmp_path / "a.docx", "A001", "医療法人テスト会")
    conversions = [pdf.Conversion(docx, tmp_path / "a.pdf")]

    monkeypatch.setenv(pdf.SOFFICE_ENV, str(tmp_path / "no" / "soffice"))
    with pytest.raises(ConversionError) as caught:
        pdf.convert_to_pdf(conversions)
    assert str(caught.value) == (
        f"MAILMERGE_SOFFICE={tmp_path}/no/soffice: no such program; point it at LibreOffice's soffice, or unset it "
        "(install LibreOffice: sudo apt-get install libreoffice-writer-nogui)"
    )

    monkeypatch.delenv(pdf.SOFFICE_ENV)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(ConversionError) as caught:
        pdf.convert_to_pdf(conversions)
    assert str(caught.value) == "LibreOffice (soffice) was not found on PATH; install LibreOffice: sudo apt-get install libreoffice-writer-nogui"

"""The LibreOffice engine, against the real soffice: batches, deadlines, retries, clean-up, files fed by a queue."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

import psutil
import pytest

from fixtures.samples import write_member_docx
from mailmerge import pdf
from mailmerge.errors import ConversionError, LibreOfficeNotWorking

from helpers import SOFFICE_TIMEOUT, named, pdf_text
from helpers import processes_naming as soffice_processes

# Fictional members; names without Latin letters, which pdftotext would space out.
NAMES = {
    "A001": "医療法人社団青葉会",
    "A002": "株式会社白樺画像診断",
    "A003": "合同会社みなと読影",
    "A004": "一般社団法人ひかり支援機構",
}


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
            self.note(soffice_processes(self.root))

    def note(self, processes: list[psutil.Process]) -> None:
        """Record the profiles of processes a test found itself (a busy machine may starve the watching thread)."""
        for process in processes:
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
    with pdf.Converter(conversions, workers=2, timeout=SOFFICE_TIMEOUT, temp_root=root) as converter:
        done = list(converter)

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
        pdf.convert_to_pdf(conversions, workers=1, timeout=SOFFICE_TIMEOUT, temp_root=root)

    assert str(caught.value).splitlines() == [
        "LibreOffice で PDF に変換できなかった文書があります:",
        "  random.docx: Word 文書（.docx）ではありません: ファイルが壊れているか、別の種類のファイルです",
        "  empty.docx: Word 文書（.docx）ではありません: ファイルが壊れているか、別の種類のファイルです",
        "  broken.docx: LibreOffice がこの文書を読めないか、PDF を書きませんでした。"
        "LibreOffice のメッセージ: Error: source file could not be loaded",
        "Word で開けるか確かめてから、もう一度実行してください。",
    ]
    assert "A001 · 2024 · 1/1" in pdf_text(tmp_path / "good.pdf")
    assert not (tmp_path / "random.pdf").exists() and not (tmp_path / "broken.pdf").exists()
    assert_nothing_left(root, watch)


def test_a_hung_soffice_stops_the_conversion_early_with_one_message(
    tmp_path: Path, root: Path, watch: SofficeWatch, monkeypatch: pytest.MonkeyPatch
):
    # A program that hangs as a broken LibreOffice does, with soffice's arguments on its command line:
    # every run is killed at its deadline, and after two fruitless runs LibreOffice is taken as not
    # working (not two tries for every file at the full deadline).
    hung = tmp_path / "soffice"
    hung.write_text(f'#!/bin/sh\necho $$ >> "{tmp_path}/starts.log"\nsleep 600\n', encoding="utf-8")
    hung.chmod(0o755)
    monkeypatch.setenv(pdf.SOFFICE_ENV, str(hung))
    conversions = [
        pdf.Conversion(
            write_member_docx(tmp_path / f"{m}.docx", m, "医療法人テスト会"), tmp_path / f"{m}.pdf", f"{m} letter"
        )
        for m in ("A001", "A002", "A003", "A004")
    ]

    with pytest.raises(LibreOfficeNotWorking) as caught:
        # 3 s, not 1: the fake must start and write its log before its deadline even on a loaded machine.
        pdf.convert_to_pdf(conversions, workers=1, batch_size=1, timeout=3, temp_root=root)

    assert str(caught.value).startswith(
        "LibreOffice が動いていません: PDF を 1 件も作れないまま、2 回続けて止まりました"
        "（LibreOffice が 3 秒以内に終わらなかったため止めました）。変換を中止しました"
    )
    assert len((tmp_path / "starts.log").read_text().split()) == 2
    assert_nothing_left(root, watch)


@pytest.mark.parametrize("target", ["soffice.bin", "process group"])
def test_a_killed_soffice_is_retried_and_the_batch_completes(
    tmp_path: Path, root: Path, watch: SofficeWatch, target: str
):
    members = [f"A{n:03d}" for n in range(1, 7)]
    conversions = [
        pdf.Conversion(write_member_docx(tmp_path / f"{m}.docx", m, NAMES["A001"]), tmp_path / f"{m}.pdf")
        for m in members
    ]
    killed, converted = [], threading.Event()

    def kill_the_first_soffice() -> None:
        # A crash (soffice.bin dies) or someone killing the whole soffice process group, mid-batch.
        deadline = time.monotonic() + 300  # against a hang only: on a busy machine soffice starts slowly
        while not killed and not converted.is_set() and time.monotonic() < deadline:
            for process in soffice_processes(root):
                # A soffice.bin may exit between the scan and the kill (its first start restarts
                # itself): look for the next one rather than end the thread.
                try:
                    if process.name() != "soffice.bin":
                        continue
                    if target == "soffice.bin":
                        process.send_signal(signal.SIGKILL)
                    else:
                        group = os.getpgid(process.pid)
                        if group == os.getpgrp():  # never the test's own group (soffice starts its own session)
                            continue
                        os.killpg(group, signal.SIGKILL)
                except (psutil.NoSuchProcess, ProcessLookupError):
                    continue
                killed.append(process.pid)
                return
            time.sleep(0.01)

    killer = threading.Thread(target=kill_the_first_soffice, daemon=True)
    killer.start()
    try:
        pdf.convert_to_pdf(conversions, workers=1, batch_size=6, timeout=SOFFICE_TIMEOUT, temp_root=root)
    finally:
        converted.set()
        killer.join(timeout=330)
    assert not killer.is_alive(), "the killing thread never finished"

    assert killed, "the test never saw a soffice.bin to kill"
    for member in members:
        assert f"{member} · 2024 · 1/1" in pdf_text(tmp_path / f"{member}.pdf")
    assert_nothing_left(root, watch)


def write_in_a_thread(conversions, write) -> tuple[queue.Queue, threading.Thread]:
    """Feed the converter as produce does: a thread writes each file in order and puts it in the queue."""
    written: queue.Queue = queue.Queue()

    def writer() -> None:
        for conversion in conversions:
            written.put(write(conversion))
        written.put(pdf.END)

    thread = threading.Thread(target=writer)
    return written, thread


def feed(conversions, write, **options) -> list:
    written, thread = write_in_a_thread(conversions, write)
    with pdf.Converter(conversions, written=written, **options) as converter:
        thread.start()
        outcomes = list(converter)
    thread.join()
    return outcomes


def test_files_that_cannot_be_written_fail_alone_and_the_others_convert(
    tmp_path: Path, root: Path, watch: SofficeWatch
):
    conversions = [
        pdf.Conversion(tmp_path / f"{m}.docx", tmp_path / f"{m}.pdf", f"{m} letter") for m in ("A001", "A002", "A003")
    ]

    def write(conversion: pdf.Conversion):
        member = conversion.docx.stem
        if member == "A002":
            return pdf.ConversionFailure(conversion, "テンプレートに番号付きの段落があります")
        write_member_docx(conversion.docx, member, NAMES[member])
        return conversion

    outcomes = feed(conversions, write, workers=2, timeout=SOFFICE_TIMEOUT, temp_root=root)

    assert [str(f) for f in outcomes if isinstance(f, pdf.ConversionFailure)] == [
        "A002 letter: テンプレートに番号付きの段落があります"
    ]
    assert sorted(c.label for c in outcomes if isinstance(c, pdf.Conversion)) == ["A001 letter", "A003 letter"]
    assert "A003 · 2024 · 1/1" in pdf_text(tmp_path / "A003.pdf")
    assert not (tmp_path / "A002.pdf").exists()
    assert_nothing_left(root, watch)


def test_later_files_are_written_while_libreoffice_converts_the_first(tmp_path: Path, root: Path, watch: SofficeWatch):
    # The first soffice starts once its first file is written; the rest are written meanwhile,
    # so the cores do not wait for a whole batch of rendering.
    conversions = [
        pdf.Conversion(tmp_path / f"A{n:03d}.docx", tmp_path / f"A{n:03d}.pdf", f"A{n:03d} letter") for n in range(6)
    ]
    converting_while_written = []

    def write(conversion: pdf.Conversion):
        if conversion.docx.stem != "A000":
            time.sleep(0.3)  # as long as rendering a bundle takes
        write_member_docx(conversion.docx, conversion.docx.stem, "医療法人テスト会")
        converting_while_written.append(bool(soffice_processes(root)))
        return conversion

    outcomes = feed(conversions, write, workers=1, batch_size=4, timeout=SOFFICE_TIMEOUT, temp_root=root)

    assert all(isinstance(outcome, pdf.Conversion) for outcome in outcomes) and len(outcomes) == 6
    assert any(converting_while_written[1:]), converting_while_written
    for conversion in conversions:
        assert f"{conversion.docx.stem} · 2024 · 1/1" in pdf_text(conversion.pdf)
    assert_nothing_left(root, watch)


def test_a_file_written_after_libreoffice_got_to_it_is_converted_on_its_retry(
    tmp_path: Path, root: Path, watch: SofficeWatch
):
    # soffice starts before the rest of its batch is written; should it get to a file first, it
    # skips it ("source file could not be loaded"), and the file is converted on its own afterwards.
    conversions = [
        pdf.Conversion(tmp_path / f"A{n:03d}.docx", tmp_path / f"A{n:03d}.pdf", f"A{n:03d} letter") for n in range(3)
    ]
    late = []

    def write(conversion: pdf.Conversion):
        if conversion.docx.stem == "A001":  # written only once the first soffice is over
            seen, deadline = False, time.monotonic() + 300  # against a hang only
            while time.monotonic() < deadline and not (seen and not soffice_processes(root)):
                seen = seen or bool(soffice_processes(root))
                time.sleep(0.05)
            late.append(seen)
        write_member_docx(conversion.docx, conversion.docx.stem, "医療法人テスト会")
        return conversion

    outcomes = feed(conversions, write, workers=1, batch_size=3, timeout=SOFFICE_TIMEOUT, temp_root=root)

    assert late == [True]
    assert all(isinstance(outcome, pdf.Conversion) for outcome in outcomes) and len(outcomes) == 3
    for conversion in conversions:
        assert f"{conversion.docx.stem} · 2024 · 1/1" in pdf_text(conversion.pdf)
    assert_nothing_left(root, watch)


def test_files_are_to_be_written_in_the_order_the_workers_need_them(tmp_path: Path):
    # Two workers share 8 files by weight: the first takes files 0-2 (weight 6 of 12), the second
    # 3-7. Each converts its batch from the start, so both first files come first.
    weights = [2, 2, 2, 1, 1, 1, 2, 1]
    conversions = [
        pdf.Conversion(tmp_path / f"{n}.docx", tmp_path / f"{n}.pdf", str(n), w) for n, w in enumerate(weights)
    ]
    converter = pdf.Converter(conversions, workers=2, batch_size=8)
    assert [c.label for c in converter.order] == ["0", "3", "1", "4", "2", "5", "6", "7"]
    assert [c.label for c in pdf.Converter(conversions, workers=2, batch_size=2).order] == [
        "0",
        "2",
        "1",
        "3",
        "4",
        "5",
        "6",
        "7",
    ]


def test_ctrl_c_kills_soffice_and_removes_its_files(tmp_path: Path, root: Path, watch: SofficeWatch):
    documents = [
        str(write_member_docx(tmp_path / f"A{n:03d}.docx", f"A{n:03d}", "医療法人テスト会", 2)) for n in range(40)
    ]
    script = (
        "import sys; from pathlib import Path; from mailmerge import pdf\n"
        "jobs = [pdf.Conversion(Path(d), Path(d).with_suffix('.pdf')) for d in sys.argv[2:]]\n"
        f"pdf.convert_to_pdf(jobs, workers=2, timeout={SOFFICE_TIMEOUT}, temp_root=Path(sys.argv[1]))\n"
    )
    run = subprocess.Popen([sys.executable, "-c", script, str(root), *documents], stderr=subprocess.PIPE, text=True)
    # Ctrl-C once soffice.bin converts, however long it takes to start on a busy machine.
    deadline = time.monotonic() + 300
    while True:
        found = soffice_processes(root)
        watch.note(found)
        if named(found, "soffice.bin"):
            break
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
        f"MAILMERGE_SOFFICE={tmp_path}/no/soffice: そのようなプログラムはありません。LibreOffice の soffice "
        f"を指すようにするか、"
        "MAILMERGE_SOFFICE を外してください。LibreOffice を入れてください（sudo apt-get install "
        "libreoffice-writer-nogui）"
    )

    monkeypatch.delenv(pdf.SOFFICE_ENV)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(ConversionError) as caught:
        pdf.convert_to_pdf(conversions)
    assert (
        str(caught.value)
        == "LibreOffice（soffice）が見つかりません。LibreOffice を入れてください（sudo apt-get install "
        "libreoffice-writer-nogui）"
    )

"""Whether two PDFs print the same (issue 21): a forced run keeps the approved file when they do."""

from __future__ import annotations

from pathlib import Path

import pikepdf

from mailmerge.sameprint import prints_the_same


def _rewritten(source: Path, target: Path, change: bytes = b"", into: bytes = b"") -> Path:
    """Save ``source`` again with other bytes (object streams, no /ID), a content string changed when asked."""
    with pikepdf.open(source) as pdf:
        for page in pdf.pages:
            for stream in _streams(page.obj.Contents):
                data = stream.read_bytes()
                if change and change in data:
                    stream.write(data.replace(change, into, 1))
                    change = b""
        pdf.save(target, object_stream_mode=pikepdf.ObjectStreamMode.generate)
    return target


def _streams(contents: pikepdf.Object) -> list[pikepdf.Stream]:
    return [contents] if isinstance(contents, pikepdf.Stream) else list(contents)


def test_the_same_pages_in_other_bytes_print_the_same_and_another_glyph_does_not(sample_run: Path, tmp_path) -> None:
    letter = sample_run / "unenrolled" / "0003" / "letter.pdf"
    again = _rewritten(letter, tmp_path / "again.pdf")
    assert again.read_bytes() != letter.read_bytes()
    assert prints_the_same(letter, again)
    # One character code shown in another glyph: the first text string of the page, its first code bumped.
    with pikepdf.open(letter) as pdf:
        data = b"".join(s.read_bytes() for s in _streams(pdf.pages[0].obj.Contents))
    start = data.index(b"Tf<") + 3
    code = data[start : start + 2]
    other = b"%02X" % ((int(code, 16) % 200) + 1)
    assert not prints_the_same(letter, _rewritten(letter, tmp_path / "glyph.pdf", b"Tf<" + code, b"Tf<" + other))
    # Moved by a point: another place on the page.
    assert not prints_the_same(letter, _rewritten(letter, tmp_path / "moved.pdf", b" Td ", b" Td 1 0 Td "))
    assert not prints_the_same(letter, sample_run / "unenrolled" / "0004" / "letter.pdf")
    assert not prints_the_same(letter, tmp_path / "missing.pdf")

"""Page images for the review app: drawn from the real sample PDFs, cached by hash, never of a changed file."""

from __future__ import annotations

import io
import threading
from pathlib import Path

import pytest
from PIL import Image

from mailmerge import thumbnails
from mailmerge.fsutil import sha256_of
from mailmerge.manifest import read_manifest

from conftest import copy_run


def _first_letter(out: Path):
    row = next(r for r in read_manifest(out / "manifest.csv") if r.document == "letter")
    return row, out / row.pdf


def test_thumbnail_is_a_small_grey_png_of_the_page_and_is_cached(sample_run: Path, tmp_path: Path) -> None:
    out = copy_run(sample_run, tmp_path)
    row, pdf = _first_letter(out)
    png = thumbnails.page_image(out, pdf, row.pdf_sha256, "thumb", 1)
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.mode == "L"
    assert image.width == 150 and abs(image.height - thumbnails.image_height("thumb")) <= 1  # A4, rounded
    # A page with text on white: mostly white, some dark pixels.
    histogram = image.histogram()
    assert sum(histogram[:200]) > 500 and sum(histogram[200:]) > 0.8 * sum(histogram)
    cached = thumbnails.cache_path(out, row.pdf_sha256, "thumb", 1)
    assert cached.read_bytes() == png
    assert cached.stat().st_mode & 0o777 == 0o600


def test_page_image_is_readable_size_in_colour(sample_run: Path, tmp_path: Path) -> None:
    out = copy_run(sample_run, tmp_path)
    row = next(r for r in read_manifest(out / "manifest.csv") if r.document == "overview")
    image = Image.open(io.BytesIO(thumbnails.page_image(out, out / row.pdf, row.pdf_sha256, "page", row.pages)))
    assert image.mode == "RGB" and image.width == 1100


def test_a_changed_pdf_is_refused_not_drawn(sample_run: Path, tmp_path: Path) -> None:
    out = copy_run(sample_run, tmp_path)
    row, pdf = _first_letter(out)
    other = next(
        r for r in read_manifest(out / "manifest.csv") if r.member_id != row.member_id and r.document == "letter"
    )
    pdf.write_bytes((out / other.pdf).read_bytes())
    with pytest.raises(thumbnails.PageImageError) as caught:
        thumbnails.page_image(out, pdf, row.pdf_sha256, "thumb", 1)
    assert str(caught.value) == (
        f"{row.pdf}: manifest.csv の作成後にファイルが変わっています。mailmerge run をもう一度実行してください。"
    )
    # The image of the new file is cached under its own hash, apart from the old one.
    new = thumbnails.page_image(out, pdf, sha256_of(pdf), "thumb", 1)
    assert thumbnails.cache_path(out, sha256_of(pdf), "thumb", 1).read_bytes() == new


def test_a_cached_image_copied_from_another_member_is_never_shown(sample_run: Path, tmp_path: Path) -> None:
    out = copy_run(sample_run, tmp_path)
    letters = [r for r in read_manifest(out / "manifest.csv") if r.document == "letter"][:2]
    own, other = (thumbnails.page_image(out, out / r.pdf, r.pdf_sha256, "page", 1) for r in letters)
    assert own != other
    forged, source = (thumbnails.cache_path(out, r.pdf_sha256, "page", 1) for r in letters)
    for path in source.parent.glob(source.name + "*"):  # B's page and its tag, where A's is looked up
        (forged.parent / path.name).write_bytes(path.read_bytes())
    assert thumbnails.page_image(out, out / letters[0].pdf, letters[0].pdf_sha256, "page", 1) == own


def test_page_past_the_end_is_refused(sample_run: Path, tmp_path: Path) -> None:
    out = copy_run(sample_run, tmp_path)
    row, pdf = _first_letter(out)
    with pytest.raises(thumbnails.PageImageError, match="ページ目はありません"):
        thumbnails.page_image(out, pdf, row.pdf_sha256, "thumb", row.pages + 1)


def test_threads_drawing_at_once_get_whole_images(sample_run: Path, tmp_path: Path) -> None:
    # PDFium is not thread-safe; waitress serves in threads. Eight threads, every page, no cache.
    out = copy_run(sample_run, tmp_path)
    rows = read_manifest(out / "manifest.csv")[:16]
    results: dict[tuple[str, str], bytes] = {}
    errors: list[BaseException] = []

    def draw(row) -> None:
        try:
            results[(row.member_id, row.document)] = thumbnails.render_page((out / row.pdf).read_bytes(), "thumb", 1)
        except BaseException as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=draw, args=(row,)) for row in rows for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    for row in rows:
        expected = thumbnails.render_page((out / row.pdf).read_bytes(), "thumb", 1)
        assert results[(row.member_id, row.document)] == expected

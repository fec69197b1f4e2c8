"""Preview writes a PNG of every page; the layout overlay draws its marks where they belong."""

from __future__ import annotations

import os
import shutil
import stat
import time
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from PIL import Image, ImageChops
from PIL.PngImagePlugin import PngInfo

import letterpress
from letterpress.checks.preflight import preflight_bytes
from letterpress.cli import main
from letterpress.finish.overlay import overlay
from letterpress.geometry import ENVELOPE_WINDOWS

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "letters" / "ks-storbynettverk-innspill.yaml"


@pytest.fixture(scope="module")
def seed_pdf() -> bytes:
    return letterpress.render(letterpress.load(SEED), letterpress.Options(pdfa=False))


def test_preview_writes_one_png_per_page(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stale = tmp_path / "ks-storbynettverk-innspill-9.png"
    info = PngInfo()
    info.add_text("Software", "letterpress preview")
    Image.new("L", (10, 10)).save(stale, pnginfo=info)  # a page of a longer earlier version
    notes = tmp_path / "ks-storbynettverk-innspill-notes.png"
    notes.write_bytes(b"not ours")
    scan = tmp_path / "ks-storbynettverk-innspill-8.png"
    Image.new("L", (10, 10)).save(scan)  # someone's own picture with a name like a page
    assert main(["preview", str(SEED), "-o", str(tmp_path)]) == 0
    pages = len(pdfium.PdfDocument(tmp_path / "ks-storbynettverk-innspill.pdf"))
    pngs = sorted(p for p in tmp_path.glob("ks-storbynettverk-innspill-[0-9].png") if p != scan)
    assert [p.name for p in pngs] == [
        f"ks-storbynettverk-innspill-{n}.png" for n in range(1, pages + 1)
    ]
    assert str(pngs[0]) in capsys.readouterr().out
    with Image.open(pngs[0]) as image:
        assert image.size == pytest.approx((827, 1169), abs=2)  # A4 at 100 dpi
        grey = image.convert("L")
        # The letterhead's logo is dark; the left margin is empty paper.
        assert grey.crop((100, 40, 380, 140)).getextrema()[0] < 100
        assert grey.crop((0, 300, 60, 900)).getextrema()[0] > 240
    assert not stale.exists()
    assert notes.exists() and scan.exists()


def test_preview_of_a_broken_letter_fails_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    letter = tmp_path / "brev.yaml"
    letter.write_text("title: [ikke lukket\n", encoding="utf-8")
    assert main(["preview", str(letter), "-o", str(tmp_path / "out")]) == 1
    assert f"{letter}:" in capsys.readouterr().err
    assert not list(tmp_path.glob("out/*.png"))


def fake_viewer(folder: Path, record: Path) -> None:
    """An ``xdg-open`` (and ``open``) that notes what it was asked to show, then lingers."""
    folder.mkdir()
    for name in ("xdg-open", "open"):
        script = folder / name
        script.write_text(f'#!/bin/sh\necho "$1" > "{record}"\nsleep 3\n', encoding="utf-8")
        script.chmod(script.stat().st_mode | stat.S_IEXEC)


@pytest.mark.skipif(os.name == "nt", reason="a shell script stands in for the viewer")
def test_open_shows_the_pdf_without_waiting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    record = tmp_path / "opened.txt"
    fake_viewer(tmp_path / "bin", record)
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    letter = tmp_path / "brev.yaml"
    shutil.copy(SEED, letter)
    (tmp_path / "letterheads").mkdir()
    shutil.copy(ROOT / "letters" / "letterheads" / "ks.yaml", tmp_path / "letterheads")
    shutil.copytree(ROOT / "letters" / "logos", tmp_path / "logos")
    started = time.monotonic()
    assert main(["preview", str(letter), "-o", str(tmp_path / "out"), "--open"]) == 0
    assert time.monotonic() - started < 2.5  # the viewer sleeps 3 s; preview did not wait
    deadline = time.monotonic() + 5
    while not record.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert record.read_text().strip() == str((tmp_path / "out" / "brev.pdf").resolve())


def page_image(pdf: bytes, index: int = 0) -> Image.Image:
    document = pdfium.PdfDocument(pdf)
    return document[index].render(scale=100 / 72).to_pil().convert("RGB")


def pixel(image: Image.Image, x_mm: float, y_mm: float) -> tuple[int, int, int]:
    return image.getpixel((round(x_mm * 100 / 25.4), round(y_mm * 100 / 25.4)))


def test_overlay_draws_windows_and_zones_on_page_1_only(seed_pdf: bytes) -> None:
    marked = overlay(seed_pdf)
    assert len(pdfium.PdfDocument(marked)) == len(pdfium.PdfDocument(seed_pdf))
    first = page_image(marked)
    # The barcode zone is tinted red; the same spot is white paper in the letter itself.
    r, g, b = pixel(first, 7, 135)
    assert r > 200 and g < 200 and b < 200
    assert pixel(page_image(seed_pdf), 7, 135) == (255, 255, 255)
    # The C5 window's left edge is a blue line at x 20 mm, halfway down the window.
    c5 = ENVELOPE_WINDOWS["C5"]
    column = [pixel(first, c5.x + dx / 10, c5.y + c5.height / 2) for dx in range(-5, 6)]
    assert any(b > 150 and r < 120 for r, g, b in column)
    # Later pages are untouched.
    assert ImageChops.difference(page_image(marked, 1), page_image(seed_pdf, 1)).getbbox() is None


def test_overlay_labels_are_text_on_page_1(seed_pdf: bytes) -> None:
    document = pdfium.PdfDocument(overlay(seed_pdf))
    text = document[0].get_textpage().get_text_range()
    for name in ENVELOPE_WINDOWS:
        assert f"{name} window" in text
    assert "barcode zone" in text
    assert "C5 window" not in document[1].get_textpage().get_text_range()


def test_overlay_marks_are_where_preflight_looks(seed_pdf: bytes) -> None:
    assert preflight_bytes(seed_pdf, Path("brev.pdf")) == []
    findings = preflight_bytes(overlay(seed_pdf), Path("brev.pdf"))
    barcode = [f for f in findings if f.page == 1 and "graphics in the barcode zone" in f.message]
    assert barcode and (barcode[0].x, barcode[0].y) == pytest.approx((0.0, 95.0), abs=0.3)
    assert all(f.page == 1 for f in findings)

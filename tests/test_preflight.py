"""Preflight finds each way a PDF breaks the rules of central print, and nothing in a clean one."""

from __future__ import annotations

import io
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pikepdf
import pytest
from reportlab.lib.pagesizes import A4, landscape, letter
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from letterpress.checks.preflight import Finding, preflight, preflight_bytes

ROOT = Path(__file__).resolve().parent.parent
FONT = "PreflightSans"
pdfmetrics.registerFont(TTFont(FONT, str(ROOT / "fonts" / "LiberationSans-Regular.ttf")))

Draw = Callable[[Canvas, float], None]


def make_pdf(
    tmp_path: Path, name: str, draw: Draw | None = None, size: tuple[float, float] = A4,
    font: str = FONT,
) -> Path:
    """A one-page PDF with a line of text in the body area, plus whatever ``draw`` adds.

    ``draw`` gets the canvas and the page height, to place things in mm from the top.
    """
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=size, pdfVersion=(1, 4))
    canvas.setFont(font, 11)
    canvas.drawString(30 * mm, size[1] - 60 * mm, "Med hilsen")
    if draw is not None:
        draw(canvas, size[1])
    canvas.showPage()
    canvas.save()
    path = tmp_path / name
    path.write_bytes(buffer.getvalue())
    return path


def only(findings: list[Finding]) -> Finding:
    assert len(findings) == 1, [str(f) for f in findings]
    return findings[0]


def test_clean_pdf_has_no_findings(tmp_path: Path) -> None:
    assert preflight(make_pdf(tmp_path, "clean.pdf")) == []


def test_text_in_barcode_zone_is_found_with_its_position(tmp_path: Path) -> None:
    path = make_pdf(tmp_path, "x.pdf", lambda c, h: c.drawString(12 * mm, h - 142 * mm, "Kopi"))
    finding = only(preflight(path))
    assert finding.page == 1
    assert finding.x == pytest.approx(12.0, abs=0.5)
    assert 135 < finding.y < 142
    assert re.fullmatch(
        rf"{re.escape(str(path))}: page 1: x 12\.\d mm, y 1[34]\d\.\d mm: "
        r"text in the barcode zone \(x 0–15 mm, y 95–175 mm\)",
        str(finding),
    )


def test_text_at_5_mm_outside_the_barcode_zone_breaks_the_control_margin(tmp_path: Path) -> None:
    path = make_pdf(tmp_path, "x.pdf", lambda c, h: c.drawString(5 * mm, h - 50 * mm, "Side"))
    finding = only(preflight(path))
    assert "left of 18 mm" in finding.message
    assert finding.x == pytest.approx(5.0, abs=0.5)


def test_each_object_in_the_margin_counts_but_is_reported_once_per_page(tmp_path: Path) -> None:
    def lines(canvas: Canvas, height: float) -> None:
        for i in range(5):
            canvas.drawString(8 * mm, height - (30 + 8 * i) * mm, f"linje {i}")

    finding = only(preflight(make_pdf(tmp_path, "x.pdf", lines)))
    assert "(and 4 more on this page)" in finding.message


def test_content_inside_a_form_xobject_is_placed_where_it_is_drawn(tmp_path: Path) -> None:
    def form(canvas: Canvas, height: float) -> None:
        canvas.beginForm("stamp")
        canvas.setFont(FONT, 9)
        canvas.drawString(0, 0, "stempel")
        canvas.endForm()
        canvas.saveState()
        canvas.translate(3 * mm, height - 120 * mm)
        canvas.doForm("stamp")
        canvas.restoreState()

    finding = only(preflight(make_pdf(tmp_path, "x.pdf", form)))
    assert "barcode zone" in finding.message
    assert finding.x == pytest.approx(3.0, abs=0.5)
    assert 115 < finding.y < 120


def test_graphics_near_the_bottom_edge(tmp_path: Path) -> None:
    path = make_pdf(tmp_path, "x.pdf", lambda c, h: c.line(100 * mm, 5 * mm, 150 * mm, 5 * mm))
    finding = only(preflight(path))
    assert finding.message == "graphics within 10 mm of the bottom edge"
    assert finding.x == pytest.approx(100.0, abs=0.5)


def test_white_page_background_is_not_content(tmp_path: Path) -> None:
    def background(canvas: Canvas, height: float) -> None:
        canvas.setFillColorRGB(1, 1, 1)
        canvas.rect(0, 0, A4[0], height, stroke=0, fill=1)

    assert preflight(make_pdf(tmp_path, "x.pdf", background)) == []


def test_font_not_embedded(tmp_path: Path) -> None:
    finding = only(preflight(make_pdf(tmp_path, "x.pdf", font="Helvetica")))
    assert finding.page == 1
    assert "Helvetica is not embedded" in finding.message


@pytest.mark.parametrize(
    ("size", "expected"),
    [(letter, "215.9 × 279.4 mm"), (landscape(A4), "A4 landscape")],
)
def test_page_that_is_not_a4_portrait(
    tmp_path: Path, size: tuple[float, float], expected: str
) -> None:
    finding = only(preflight(make_pdf(tmp_path, "x.pdf", size=size)))
    assert expected in finding.message
    assert finding.page == 1


def test_encrypted_pdf(tmp_path: Path) -> None:
    clean = make_pdf(tmp_path, "clean.pdf")
    encrypted = tmp_path / "encrypted.pdf"
    with pikepdf.open(clean) as pdf:
        pdf.save(encrypted, encryption=pikepdf.Encryption(owner="eier", user=""))
    assert "encrypted" in only(preflight(encrypted)).message


def test_password_protected_pdf(tmp_path: Path) -> None:
    clean = make_pdf(tmp_path, "clean.pdf")
    locked = tmp_path / "locked.pdf"
    with pikepdf.open(clean) as pdf:
        pdf.save(locked, encryption=pikepdf.Encryption(owner="eier", user="hemmelig"))
    assert "password" in only(preflight(locked)).message


def test_pdf_2_0(tmp_path: Path) -> None:
    data = make_pdf(tmp_path, "clean.pdf").read_bytes().replace(b"%PDF-1.4", b"%PDF-2.0", 1)
    finding = only(preflight_bytes(data, Path("v2.pdf")))
    assert finding.message.startswith("PDF version 2.0")
    assert str(finding).startswith("v2.pdf: PDF version 2.0")


def test_not_a_pdf(tmp_path: Path) -> None:
    path = tmp_path / "note.pdf"
    path.write_text("not a pdf")
    assert only(preflight(path)).message.startswith("not a PDF (it does not begin with %PDF-)")
    damaged = tmp_path / "damaged.pdf"
    damaged.write_bytes(b"%PDF-1.7\nnothing else")
    message = only(preflight(damaged)).message
    assert message.startswith("not a readable PDF (") and "BytesIO" not in message


def test_command_exits_1_on_findings_and_0_when_clean(tmp_path: Path) -> None:
    clean = make_pdf(tmp_path, "clean.pdf")
    bad = make_pdf(tmp_path, "bad.pdf", lambda c, h: c.drawString(5 * mm, h - 140 * mm, "x"))
    command = [sys.executable, "-m", "letterpress", "preflight"]
    ok = subprocess.run([*command, str(clean)], capture_output=True, text=True, cwd=ROOT)
    assert ok.returncode == 0, ok.stderr
    failed = subprocess.run([*command, str(clean), str(bad)], capture_output=True, text=True,
                            cwd=ROOT)
    assert failed.returncode == 1
    assert f"{bad}: page 1: x 5.0 mm" in failed.stderr
    assert str(clean) not in failed.stderr


def test_command_checks_every_pdf_in_a_folder_and_its_subfolders(tmp_path: Path) -> None:
    make_pdf(tmp_path, "clean.pdf")
    (tmp_path / "merge").mkdir()
    bad = make_pdf(tmp_path / "merge", "001-kari.pdf", font="Helvetica")
    result = subprocess.run([sys.executable, "-m", "letterpress", "preflight", str(tmp_path)],
                            capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 1
    assert result.stdout.strip() == "checked 2, 1 finding"
    assert f"{bad}: page 1: the font Helvetica is not embedded" in result.stderr

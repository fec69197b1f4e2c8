"""Appended attachments: pages after the letter's own, bad files refused by name, and what
keeps an attachment from PDF/A-2b reported (or refused when strict)."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import page
import pikepdf
import pypdfium2 as pdfium
import pytest
from reportlab.pdfgen.canvas import Canvas
from test_pdfa import FONT_NAME, INFO, failures, letter_pdf

from letterpress import limits
from letterpress.errors import LetterError
from letterpress.finish.attachments import PdfaProblem, append_attachments, breaks_pdfa
from letterpress.finish.metadata import write_metadata
from letterpress.finish.pdfa import make_pdfa, save_pdf

A5_LANDSCAPE = (595.0, 420.0)


def write_pdf(
    path: Path,
    lines: list[str],
    *,
    font: str | None = FONT_NAME,
    size: tuple[float, float] = A5_LANDSCAPE,
    draw: Callable[[Canvas], None] | None = None,
) -> Path:
    """A one-page-per-line PDF; ``font=None`` keeps ReportLab's Helvetica (not embedded)."""
    letter_pdf(pages=1)  # registers the TrueType font
    canvas = Canvas(str(path), pagesize=size, invariant=1, **_initial_font(font))
    for line in lines:
        if font:
            canvas.setFont(font, 12)
        canvas.drawString(60, size[1] - 80, line)
        if draw:
            draw(canvas)
        canvas.showPage()
    canvas.save()
    return path


def _initial_font(font: str | None) -> dict[str, object]:
    return {"initialFontName": font} if font else {}


def texts(data: bytes) -> list[str]:
    document = pdfium.PdfDocument(data)
    try:
        return [document[i].get_textpage().get_text_range() for i in range(len(document))]
    finally:
        document.close()


def letter() -> pikepdf.Pdf:
    return pikepdf.open(io.BytesIO(letter_pdf(pages=2)))


def finished(pdf: pikepdf.Pdf) -> bytes:
    write_metadata(pdf, INFO)
    make_pdfa(pdf)
    return save_pdf(pdf, deterministic=True)


def test_pages_follow_the_letter_in_order_with_their_own_size(tmp_path: Path) -> None:
    first = write_pdf(tmp_path / "vedtak.pdf", ["Vedtak side 1", "Vedtak side 2"])
    second = write_pdf(tmp_path / "kart.pdf", ["Kart over tomta"], size=(842.0, 595.0))
    with letter() as pdf:
        problems = append_attachments(pdf, [first, second], strict=True)
        out = finished(pdf)
    assert problems == []
    pages = texts(out)
    assert len(pages) == 5
    assert "side 1 av 2" in pages[0] and "side 2 av 2" in pages[1]
    assert "Vedtak side 1" in pages[2] and "Vedtak side 2" in pages[3]
    assert "Kart over tomta" in pages[4]
    with pikepdf.open(io.BytesIO(out)) as result:
        sizes = [[float(v) for v in p.mediabox] for p in result.pages]
    assert sizes[2] == sizes[3] == [0, 0, *A5_LANDSCAPE]
    assert sizes[4] == [0, 0, 842.0, 595.0]
    report = page.validate_pdf_bytes(out, profile=page.ValidationProfile.PDF_A_2B)
    assert report.is_compliant, failures(report)


def test_helvetica_attachment_is_a_warning_naming_file_and_font(tmp_path: Path) -> None:
    path = write_pdf(tmp_path / "skjema.pdf", ["Skjema"], font=None)
    with letter() as pdf:
        problems = append_attachments(pdf, [path], strict=False)
        assert len(pdf.pages) == 3
    (problem,) = problems
    assert isinstance(problem, PdfaProblem) and problem.warning
    assert problem.path == path
    assert "Helvetica" in problem.message and "embedded" in problem.message
    assert str(problem).startswith(f"{path}: warning: ")
    assert breaks_pdfa(problems)


def test_strict_makes_the_helvetica_attachment_an_error(tmp_path: Path) -> None:
    path = write_pdf(tmp_path / "skjema.pdf", ["Skjema"], font=None)
    with letter() as pdf:
        with pytest.raises(LetterError) as caught:
            append_attachments(pdf, [path], strict=True)
        assert len(pdf.pages) == 2, "nothing is appended when the letter fails"
    (problem,) = caught.value.problems
    assert not problem.warning
    assert problem.path == path and "Helvetica" in problem.message


def test_a_text_file_named_pdf_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "notat.pdf"
    path.write_text("Dette er et notat, ikke en PDF.\n", encoding="utf-8")
    with letter() as pdf, pytest.raises(LetterError) as caught:
        append_attachments(pdf, [path], strict=False)
    (problem,) = caught.value.problems
    assert problem.path == path
    assert "not a PDF" in problem.message and "as PDF" in problem.message


@pytest.mark.parametrize("user_password", ["", "hemmelig"])
def test_an_encrypted_pdf_is_an_error(tmp_path: Path, user_password: str) -> None:
    plain = write_pdf(tmp_path / "plain.pdf", ["Taushetsbelagt"])
    path = tmp_path / "kryptert.pdf"
    with pikepdf.open(plain) as source:
        source.save(path, encryption=pikepdf.Encryption(owner="eier", user=user_password))
    with letter() as pdf, pytest.raises(LetterError) as caught:
        append_attachments(pdf, [path], strict=False)
    (problem,) = caught.value.problems
    assert problem.path == path
    assert "encrypted" in problem.message and "without password" in problem.message


def test_a_damaged_pdf_is_an_error(tmp_path: Path) -> None:
    whole = write_pdf(tmp_path / "whole.pdf", ["Hel"]).read_bytes()
    path = tmp_path / "skadet.pdf"
    path.write_bytes(whole[: len(whole) // 2])
    with letter() as pdf, pytest.raises(LetterError) as caught:
        append_attachments(pdf, [path], strict=False)
    (problem,) = caught.value.problems
    assert problem.path == path and "damaged" in problem.message


def test_limits_on_size_and_pages(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_pdf(tmp_path / "lang.pdf", ["1", "2", "3"])
    monkeypatch.setattr(limits, "MAX_ATTACHMENT_PAGES", 2)
    with letter() as pdf, pytest.raises(LetterError) as caught:
        append_attachments(pdf, [path], strict=False)
    assert "3 pages" in caught.value.problems[0].message
    monkeypatch.setattr(limits, "MAX_ATTACHMENT_BYTES", 1000)
    with letter() as pdf, pytest.raises(LetterError) as caught:
        append_attachments(pdf, [path], strict=False)
    assert "at most" in caught.value.problems[0].message
    assert "split" in caught.value.problems[0].message


def test_every_bad_file_is_named_at_once(tmp_path: Path) -> None:
    text = tmp_path / "a.pdf"
    text.write_text("tekst", encoding="utf-8")
    helvetica = write_pdf(tmp_path / "b.pdf", ["Skjema"], font=None)
    good = write_pdf(tmp_path / "c.pdf", ["God"])
    with letter() as pdf, pytest.raises(LetterError) as caught:
        append_attachments(pdf, [text, helvetica, good], strict=True)
    assert [p.path for p in caught.value.problems] == [text, helvetica]


def test_javascript_and_hidden_annotations_are_mended_and_reported(tmp_path: Path) -> None:
    def link(canvas: Canvas) -> None:
        canvas.linkURL("https://example.no", (60, 300, 200, 320), relative=0)

    plain = write_pdf(tmp_path / "plain.pdf", ["Med skript"], draw=link)
    path = tmp_path / "skript.pdf"
    with pikepdf.open(plain) as source:
        script = pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String("app.alert(1)"))
        source.Root.OpenAction = script
        annot = source.pages[0].Annots[0]
        annot.A = script
        annot.F = 2  # hidden
        source.save(path)
    with letter() as pdf:
        problems = append_attachments(pdf, [path], strict=True)
        out = finished(pdf)
    (note,) = problems
    assert note.warning and not breaks_pdfa(problems)
    assert "JavaScript" in note.message and "print" in note.message
    assert b"app.alert" not in out
    report = page.validate_pdf_bytes(out, profile=page.ValidationProfile.PDF_A_2B)
    assert report.is_compliant, failures(report)


def test_cmyk_colour_is_reported(tmp_path: Path) -> None:
    def cmyk_box(canvas: Canvas) -> None:
        canvas.setFillColorCMYK(0, 0.6, 1, 0)
        canvas.rect(60, 60, 100, 100, fill=1, stroke=0)

    path = write_pdf(tmp_path / "trykk.pdf", ["Trykksak"], draw=cmyk_box)
    with letter() as pdf:
        problems = append_attachments(pdf, [path], strict=False)
    (problem,) = problems
    assert isinstance(problem, PdfaProblem) and "DeviceCMYK" in problem.message


def test_embedded_files_are_left_out_and_reported(tmp_path: Path) -> None:
    plain = write_pdf(tmp_path / "plain.pdf", ["Med vedlegg"])
    path = tmp_path / "med-fil.pdf"
    with pikepdf.open(plain) as source:
        source.attachments["regneark.xlsx"] = pikepdf.AttachedFileSpec(source, b"PK\x03\x04")
        source.save(path)
    with letter() as pdf:
        (problem,) = append_attachments(pdf, [path], strict=False)
        assert "/EmbeddedFiles" not in pdf.Root.get("/Names", {})
    assert problem.path == path and "embedded file" in problem.message
    with letter() as pdf, pytest.raises(LetterError):
        append_attachments(pdf, [path], strict=True)

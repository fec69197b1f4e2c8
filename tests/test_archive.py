"""Archive grade: every example letter as two independent PDF/A validators see it."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import page
import pikepdf
import pikepdf.pdfa
import pytest
from conftest import LETTERS, write_letter
from reportlab.pdfgen.canvas import Canvas

import letterpress
from letterpress.errors import LetterError, Problem

EXAMPLES = sorted(p for p in LETTERS.glob("*.yaml") if "recipients:" not in p.read_text("utf-8"))

# pikepdf's 2b flavour knows no extension schemas and no level A; a 2a file that also claims
# PDF/UA-1 must declare the pdfuaid schema, so these findings are the claim, not a defect.
LEVEL_A_CLAIM = (
    "pdfaExtension",
    "pdfaSchema",
    "pdfaProperty",
    "pdfuaid:part",
    "pdfaid:conformance is 'A'",
)


def pikepdf_findings(pdf: bytes) -> list[str]:
    report = pikepdf.pdfa.validate_written(io.BytesIO(pdf), "2b")
    return [str(f) for f in report.findings]


@pytest.mark.parametrize("letter_path", EXAMPLES, ids=lambda p: p.stem)
def test_examples_pass_two_independent_pdfa_validators(letter_path: Path) -> None:
    pdf = letterpress.render(letterpress.load(letter_path))
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        status = doc.open_metadata().pdfa_status
    assert status in ("2A", "2B")
    report = page.validate_pdf_bytes(pdf, profile=f"PDF_A_{status}")
    assert report.is_compliant, [(f.rule_id, f.message) for f in report.failures]
    findings = pikepdf_findings(pdf)
    if status == "2B":
        assert findings == []
    else:
        assert [f for f in findings if not any(claim in f for claim in LEVEL_A_CLAIM)] == []


def _helvetica_pdf(path: Path) -> Path:
    canvas = Canvas(str(path))
    canvas.setFont("Helvetica", 12)
    canvas.drawString(72, 720, "Skjema fra et annet system")
    canvas.save()
    return path


def test_attachment_that_breaks_pdfa_removes_the_claim_and_says_why(tmp_path: Path) -> None:
    attachment = _helvetica_pdf(tmp_path / "skjema.pdf")
    path = write_letter(tmp_path, attachments=[{"title": "Skjema", "file": str(attachment)}])
    warnings: list[Problem] = []
    pdf = letterpress.render(letterpress.load(path), warnings=warnings)
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        assert doc.open_metadata().pdfa_status == ""
        assert len(doc.pages) == 2
    text = "\n".join(str(w) for w in warnings)
    assert "skjema.pdf" in text and "Helvetica" in text
    assert "without a PDF/A claim" in text
    with pytest.raises(LetterError) as caught:
        letterpress.render(letterpress.load(path), letterpress.Options(strict_archive=True))
    assert "skjema.pdf" in str(caught.value)


def test_two_processes_write_identical_bytes(tmp_path: Path) -> None:
    outputs = []
    for run in ("a", "b"):
        out = tmp_path / run
        subprocess.run(
            [
                sys.executable,
                "-m",
                "letterpress",
                "build",
                str(LETTERS / "fjordvik-byggesak-vedtak.yaml"),
                "-o",
                str(out),
                "-j",
                "1",
            ],
            check=True,
            capture_output=True,
            timeout=120,
            env={**os.environ, "SOURCE_DATE_EPOCH": "1714000000"},
        )
        outputs.append((out / "fjordvik-byggesak-vedtak.pdf").read_bytes())
    assert outputs[0] == outputs[1]

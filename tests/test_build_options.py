"""The build command's options as a clerk uses them: --sign, --strict, --show-layout."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time
from pathlib import Path

import page
import pikepdf
import pki
import pypdfium2 as pdfium
import pytest
from conftest import LETTERS, SEED, write_letter


def letterpress(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "letterpress", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **(env or {})},
    )


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("keys")
    ca = pki.make_ca()
    p12 = pki.write_p12(folder / "saksbehandler.p12", pki.issue(ca), ca)
    return p12, pki.write_pem(folder / "ca.pem", ca.cert)


def signing_env() -> dict[str, str]:
    # The signing time must fall inside the test certificate's validity.
    return {
        "LETTERPRESS_SIGN_PASSWORD": pki.PASSWORD.decode(),
        "SOURCE_DATE_EPOCH": str(int(time.time()) - 3600),
    }


def test_signed_letters_verify_and_stay_archive_grade(tmp_path: Path, keys) -> None:
    p12, ca = keys
    out = tmp_path / "out"
    built = letterpress(
        "build",
        str(SEED),
        str(LETTERS / "fjordvik-exempt-english.yaml"),
        "-o",
        str(out),
        "-j",
        "2",
        "--sign",
        str(p12),
        env=signing_env(),
    )
    assert built.returncode == 0, built.stderr
    pdfs = sorted(out.glob("*.pdf"))
    assert len(pdfs) == 2
    verified = letterpress("verify", *map(str, pdfs), "--trust", str(ca))
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "Kari Nordmann" in verified.stdout
    for pdf in pdfs:
        for profile in ("PDF_A_2A", "PDF_UA_1"):
            report = page.validate_pdf(pdf, profile=profile)
            assert report.is_compliant, (pdf.name, profile, [f.rule_id for f in report.failures])


def test_wrong_signing_password_writes_nothing(tmp_path: Path, keys) -> None:
    p12, _ = keys
    out = tmp_path / "out"
    env = {**signing_env(), "LETTERPRESS_SIGN_PASSWORD": "feil"}
    built = letterpress("build", str(SEED), "-o", str(out), "--sign", str(p12), env=env)
    assert built.returncode == 1
    assert str(p12) in built.stderr and "Traceback" not in built.stderr
    assert not out.exists() or not list(out.iterdir())


def test_strict_turns_address_warnings_into_errors(tmp_path: Path) -> None:
    letter = write_letter(
        tmp_path, recipient={"name": "Ola Nordmann", "address": ["Storgata 1", "Oslo"]}
    )
    out = tmp_path / "out"
    lenient = letterpress("build", str(letter), "-o", str(out))
    assert lenient.returncode == 0
    assert "warning" in lenient.stderr and "recipient" in lenient.stderr
    (out / "letter.pdf").unlink()
    strict = letterpress("build", str(letter), "-o", str(out), "--strict")
    assert strict.returncode == 1
    assert not (out / "letter.pdf").exists()
    checked = letterpress("check", str(letter), "--strict")
    assert checked.returncode == 1


def test_show_layout_draws_the_envelope_windows(tmp_path: Path) -> None:
    out = tmp_path / "out"
    built = letterpress("build", str(SEED), "-o", str(out), "--show-layout")
    assert built.returncode == 0, built.stderr
    document = pdfium.PdfDocument(out / "ks-storbynettverk-innspill.pdf")
    text = document[0].get_textpage().get_text_range()
    assert "C5" in text and "E65" in text
    with pikepdf.open(out / "ks-storbynettverk-innspill.pdf") as pdf:
        assert len(pdf.pages) == 2
    again = tmp_path / "again"
    assert letterpress("build", str(SEED), "-o", str(again), "--show-layout").returncode == 0
    # Same input, same bytes: the proof too (SOURCE_DATE_EPOCH is set by the suite).
    name = "ks-storbynettverk-innspill.pdf"
    assert (again / name).read_bytes() == (out / name).read_bytes()


def test_build_checks_its_own_output_for_print(tmp_path: Path) -> None:
    """An appended attachment with text in the barcode zone is reported, with its page."""
    from reportlab.pdfgen.canvas import Canvas

    attachment = tmp_path / "skisse.pdf"
    canvas = Canvas(str(attachment))
    canvas.drawString(10, 400, "Margtekst")
    canvas.save()
    letter = write_letter(tmp_path, attachments=[{"title": "Skisse", "file": str(attachment)}])
    built = letterpress("build", str(letter), "-o", str(tmp_path / "out"))
    assert built.returncode == 0
    assert "page 2" in built.stderr and "barcode zone" in built.stderr
    with pikepdf.open(io.BytesIO((tmp_path / "out" / "letter.pdf").read_bytes())) as pdf:
        assert len(pdf.pages) == 2

"""``letterpress verify``: what it says about signed, changed, unsigned and broken files."""

from __future__ import annotations

import io
import subprocess
import sys
import time
from pathlib import Path

import pikepdf
import pki
import pytest
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

from letterpress.checks.verify import verify
from letterpress.finish.sign import load_signer, sign_pdf

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def pki_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A CA, its certificate as CA.pem, a stranger CA, and a signing key in kari.p12."""
    folder = tmp_path_factory.mktemp("pki")
    ca = pki.make_ca()
    pki.write_pem(folder / "ca.pem", ca.cert)
    pki.write_pem(folder / "stranger.pem", pki.make_ca("Ukjent CA").cert)
    pki.write_p12(folder / "kari.p12", pki.issue(ca), ca)
    return folder


@pytest.fixture(scope="module")
def files(pki_dir: Path) -> dict[str, Path]:
    """Letters in every state verify has to describe."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", str(int(time.time()) - 3600))
        signer = load_signer(pki_dir / "kari.p12", pki.PASSWORD)
        letter = pki.pdfa_letter()
        signed = sign_pdf(letter, signer)
        countersigned = sign_pdf(signed, signer)
        form_letter = sign_pdf(_with_text_field(letter), signer)
    tampered = bytearray(signed)
    tampered[tampered.index(b"pdfaid")] ^= 0x01
    contents = signed.rindex(b"/Contents <") + len(b"/Contents <")
    garbled = signed[:contents] + b"0" * 40 + signed[contents + 40 :]
    made = {
        "signed": signed,
        "appended": signed + b"x" * 100,
        "forged_field": _forged_signature_field(signed),
        "form_filled": _filled_in(form_letter),
        "form_letter": form_letter,
        "countersigned": countersigned,
        "tampered": bytes(tampered),
        "changed": _changed_after_signing(signed),
        "unsigned": letter,
        "false_claim": _claims_pdfa_without_meeting_it(),
        "truncated": signed[: len(signed) // 3],
        "garbled_signature": garbled,
        "not_pdf": b"Dette er ikke en PDF.\n",
    }
    for name, data in made.items():
        (pki_dir / f"{name}.pdf").write_bytes(data)
    return {name: pki_dir / f"{name}.pdf" for name in made}


def _changed_after_signing(signed: bytes) -> bytes:
    """The signed file with a later revision that draws over its first page."""
    writer = IncrementalPdfFileWriter(io.BytesIO(signed))
    scribble = generic.StreamObject(stream_data=b"0 0 0 rg 72 700 200 20 re f")
    writer.add_stream_to_page(0, writer.add_object(scribble))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _forged_signature_field(signed: bytes) -> bytes:
    """The forger's revision: an unsigned signature field whose appearance adds a sentence."""
    from pyhanko.sign import fields

    writer = IncrementalPdfFileWriter(io.BytesIO(signed))
    spec = fields.SigFieldSpec("Tillegg", on_page=0, box=(72, 600, 500, 640))
    fields.append_signature_field(writer, spec)
    _name, _value, ref = next(fields.enumerate_sig_fields(writer, with_name="Tillegg"))
    text = b"BT /Helv 12 Tf 4 14 Td (TILLEGG: Klagefristen er 3 dager, ikke 3 uker.) Tj ET"
    look = generic.StreamObject(
        {
            generic.pdf_name("/Type"): generic.pdf_name("/XObject"),
            generic.pdf_name("/Subtype"): generic.pdf_name("/Form"),
            generic.pdf_name("/BBox"): generic.ArrayObject(
                map(generic.NumberObject, (0, 0, 428, 40))
            ),
        },
        stream_data=text,
    )
    widget = ref.get_object()
    widget[generic.pdf_name("/AP")] = generic.DictionaryObject(
        {generic.pdf_name("/N"): writer.add_object(look)}
    )
    writer.update_container(widget)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _with_text_field(letter: bytes) -> bytes:
    """The letter with an empty text field on page 1, as a form attachment could bring."""
    with pikepdf.open(io.BytesIO(letter)) as pdf:
        field = pdf.make_indirect(
            pikepdf.Dictionary(
                Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Widget, FT=pikepdf.Name.Tx,
                T=pikepdf.String("Klagefrist"), Rect=[72, 500, 300, 520], F=4,
                P=pdf.pages[0].obj, V=pikepdf.String("3 uker"),
            )
        )
        pdf.pages[0].obj.Annots = pdf.make_indirect(pikepdf.Array([field]))
        pdf.Root.AcroForm = pikepdf.Dictionary(Fields=pikepdf.Array([field]))
        out = io.BytesIO()
        pdf.save(out)
    return out.getvalue()


def _filled_in(signed: bytes) -> bytes:
    """A later revision that changes the text field's value."""
    writer = IncrementalPdfFileWriter(io.BytesIO(signed))
    for ref in writer.root["/AcroForm"]["/Fields"]:
        field = ref.get_object()
        if field.get("/FT") == "/Tx":
            field[generic.pdf_name("/V")] = generic.TextStringObject("3 dager")
            writer.update_container(field)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _claims_pdfa_without_meeting_it() -> bytes:
    """A letter whose XMP claims PDF/A-2B but that has lost its output intent."""
    with pikepdf.open(io.BytesIO(pki.pdfa_letter())) as pdf:
        del pdf.Root.OutputIntents
        out = io.BytesIO()
        pdf.save(out)
    return out.getvalue()


# -- the API --------------------------------------------------------------------------------


def test_a_signed_letter_checks_out(files: dict[str, Path], pki_dir: Path) -> None:
    result = verify(files["signed"], [pki_dir / "ca.pem"])

    (signature,) = result.signatures
    assert signature.signer == "Kari Nordmann"
    assert signature.signing_time is not None
    assert signature.intact and signature.valid and signature.trusted
    assert signature.entire_file and signature.coverage == "the entire file"
    assert result.pdfa_claim == "PDF/A-2B" and result.pdfa_meets is True
    assert result.ok


def test_nothing_is_trusted_without_a_trusted_ca(files: dict[str, Path], pki_dir: Path) -> None:
    for trust in ([], [pki_dir / "stranger.pem"]):
        (signature,) = verify(files["signed"], trust).signatures
        assert signature.intact and signature.valid
        assert not signature.trusted and not signature.ok
        assert any("not trusted" in p for p in signature.problems)


def test_a_changed_byte_breaks_the_signature(files: dict[str, Path], pki_dir: Path) -> None:
    result = verify(files["tampered"], [pki_dir / "ca.pem"])

    (signature,) = result.signatures
    assert not signature.intact and not result.ok
    assert "changed after signing" in signature.problems[0]


def test_a_revision_after_signing_is_reported(files: dict[str, Path], pki_dir: Path) -> None:
    (signature,) = verify(files["changed"], [pki_dir / "ca.pem"]).signatures

    assert signature.intact and signature.valid, "the signed revision itself is untouched"
    assert not signature.entire_file and not signature.ok
    assert signature.coverage == "revision 2 of 3; the file was changed after signing"


def test_a_countersignature_leaves_the_first_signature_good(
    files: dict[str, Path], pki_dir: Path
) -> None:
    result = verify(files["countersigned"], [pki_dir / "ca.pem"])

    first, second = result.signatures
    assert first.coverage.startswith("revision 2 of 3; later revisions only add signatures")
    assert first.ok and second.ok and second.entire_file
    assert result.ok


def test_unsigned_broken_and_foreign_files_give_results_not_tracebacks(
    files: dict[str, Path], pki_dir: Path
) -> None:
    trust = [pki_dir / "ca.pem"]
    unsigned = verify(files["unsigned"], trust)
    assert unsigned.signatures == () and unsigned.error is None
    assert unsigned.pdfa_meets is True and unsigned.ok, "unsigned, and meets its claim"
    assert not unsigned.passes(require_signature=True)

    assert verify(files["not_pdf"], trust).error == "not a PDF file"
    assert "cannot read" in (verify(pki_dir / "missing.pdf", trust).error or "")
    for broken in ("truncated", "garbled_signature"):
        result = verify(files[broken], trust)
        assert not result.ok and "damaged PDF" in (result.error or ""), broken


def test_a_pdfa_claim_is_checked_not_believed(files: dict[str, Path], pki_dir: Path) -> None:
    result = verify(files["false_claim"], [pki_dir / "ca.pem"])

    assert result.pdfa_claim == "PDF/A-2B" and result.pdfa_meets is False
    assert result.pdfa_problems, "the reasons are reported"


def test_a_b_b_letter_is_named_and_not_offline(files: dict[str, Path], pki_dir: Path) -> None:
    (signature,) = verify(files["signed"], [pki_dir / "ca.pem"]).signatures

    assert signature.level == "B-B" and signature.timestamp is None
    assert not signature.offline and "no validation data" in signature.offline_problem
    assert signature.certifies, "the first signature certifies the letter"


def test_bytes_appended_after_the_end_are_a_modification(
    files: dict[str, Path], pki_dir: Path
) -> None:
    result = verify(files["appended"], [pki_dir / "ca.pem"])

    (signature,) = result.signatures
    assert signature.intact and signature.valid, "the signed bytes themselves are untouched"
    assert not result.ok and not signature.coverage_ok
    assert any("100 bytes after the end" in p for p in signature.problems)


def test_a_later_field_that_draws_on_the_page_is_a_modification(
    files: dict[str, Path], pki_dir: Path
) -> None:
    result = verify(files["forged_field"], [pki_dir / "ca.pem"])

    (signature,) = result.signatures
    assert not result.ok and not signature.coverage_ok
    assert "the file was changed after signing" in signature.coverage
    assert any("'Tillegg' shows an appearance" in p for p in signature.problems)


def test_filling_in_a_form_field_after_signing_is_a_modification(
    files: dict[str, Path], pki_dir: Path
) -> None:
    (before,) = verify(files["form_letter"], [pki_dir / "ca.pem"]).signatures
    assert before.ok, "signed as it came"
    result = verify(files["form_filled"], [pki_dir / "ca.pem"])

    (signature,) = result.signatures
    assert not result.ok
    assert any("'Klagefrist' was filled in" in p for p in signature.problems)


# -- the command ----------------------------------------------------------------------------


def letterpress(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "letterpress", "verify", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )


def test_command_passes_a_signed_trusted_letter(files: dict[str, Path], pki_dir: Path) -> None:
    result = letterpress(files["signed"], "--trust", pki_dir / "ca.pem")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "signature Signature1: Kari Nordmann (certifies the letter)" in result.stdout
    assert "level:   PAdES B-B" in result.stdout
    assert "intact:  yes   valid: yes   trusted: yes" in result.stdout
    assert "covers:  the entire file" in result.stdout
    assert "PDF/A: claims PDF/A-2B, meets it" in result.stdout
    assert "verified 1, failed 0" in result.stdout


def test_command_fails_when_any_file_fails(files: dict[str, Path], pki_dir: Path) -> None:
    names = (
        "signed", "tampered", "unsigned", "not_pdf", "garbled_signature", "false_claim",
        "appended", "forged_field",
    )
    result = letterpress(*(files[n] for n in names), "--trust", pki_dir / "ca.pem")

    assert result.returncode == 1
    assert "Traceback" not in result.stdout + result.stderr
    blocks = _blocks(result.stdout)
    assert blocks[str(files["signed"])].startswith(f"{files['signed']}: OK")
    assert "intact:  no" in blocks[str(files["tampered"])]
    assert "not signed" in blocks[str(files["unsigned"])]
    assert "error: not a PDF file" in blocks[str(files["not_pdf"])]
    assert "does NOT meet it" in blocks[str(files["false_claim"])]
    assert blocks[str(files["unsigned"])].startswith(f"{files['unsigned']}: OK")
    assert "100 bytes were appended after signing" in blocks[str(files["appended"])]
    assert "FAILED" in blocks[str(files["forged_field"])].splitlines()[0]
    assert "verified 8, failed 6" in result.stdout


def test_command_without_trust_reports_untrusted(files: dict[str, Path]) -> None:
    result = letterpress(files["signed"])

    assert result.returncode == 1
    assert "trusted: no" in result.stdout
    assert "no --trust CA certificate given" in result.stdout


def test_command_line_mistakes_exit_2(files: dict[str, Path], pki_dir: Path) -> None:
    assert letterpress().returncode == 2
    unreadable = letterpress(files["signed"], "--trust", pki_dir / "no-such-ca.pem")
    assert unreadable.returncode == 2
    assert "no-such-ca.pem" in unreadable.stderr and "trust" in unreadable.stderr
    not_a_cert = letterpress(files["signed"], "--trust", files["signed"])
    assert not_a_cert.returncode == 2 and "holds no certificate" in not_a_cert.stderr


def _blocks(stdout: str) -> dict[str, str]:
    """The lines printed for each file, keyed by its path."""
    blocks: dict[str, str] = {}
    current = ""
    for line in stdout.splitlines():
        if not line.startswith(" ") and ": " in line and not line.startswith("verified"):
            current = line.rsplit(": ", 1)[0]
            blocks[current] = ""
        if current:
            blocks[current] += line + "\n"
    return blocks

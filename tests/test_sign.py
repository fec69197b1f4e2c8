"""Signing: the signature a recipient's validator sees, what signing keeps of PDF/A and PDF/UA,
and the errors a person gets for an unusable key."""

from __future__ import annotations

import io
import pickle
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import page
import pikepdf
import pki
import pytest
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives.serialization import Encoding
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import SignatureCoverageLevel, validate_pdf_signature
from pyhanko.sign.validation.settings import KeyUsageConstraints
from pyhanko_certvalidator import ValidationContext

from letterpress.errors import LetterError
from letterpress.finish.sign import (
    PASSWORD_VARIABLE,
    Stamp,
    load_signer,
    sign_pdf,
    signing_password,
)

STAMP = Stamp(page=0, box=(110.0, 230.0, 80.0, 20.0))
MM = 72 / 25.4


@pytest.fixture(autouse=True)
def signing_epoch(monkeypatch: pytest.MonkeyPatch) -> int:
    """A reproducible signing time an hour ago, inside the test certificates' validity."""
    epoch = int(time.time()) - 3600
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(epoch))
    return epoch


@pytest.fixture(scope="module")
def ca() -> pki.Issued:
    return pki.make_ca()


@pytest.fixture(scope="module")
def letter() -> bytes:
    return pki.pdfa_letter()


@pytest.fixture
def p12(tmp_path: Path, ca: pki.Issued) -> Path:
    return pki.write_p12(tmp_path / "kari.p12", pki.issue(ca), ca)


@pytest.fixture
def signer(p12: Path):
    return load_signer(p12, pki.PASSWORD)


def validate(pdf: bytes, ca: pki.Issued):
    """pyHanko's verdict on the only signature, offline, trusting only the test CA."""
    root = asn1_x509.Certificate.load(ca.cert.public_bytes(Encoding.DER))
    context = ValidationContext(trust_roots=[root], allow_fetching=False)
    (embedded,) = PdfFileReader(io.BytesIO(pdf)).embedded_signatures
    usage = KeyUsageConstraints(key_usage={"digital_signature", "non_repudiation"})
    return validate_pdf_signature(embedded, context, key_usage_settings=usage)


def pdfa_2b(pdf: bytes) -> bool:
    return page.validate_pdf_bytes(pdf, profile=page.ValidationProfile.PDF_A_2B).is_compliant


@dataclass(frozen=True)
class Widget:
    flags: int
    rect: tuple[float, ...]
    appearance: bool
    tooltip: str


def widget(pdf: bytes) -> Widget:
    """The signature field's widget, as a PDF/A validator reads it."""
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        (field,) = [f for f in doc.Root.AcroForm.Fields if f.get("/FT") == "/Sig"]
        return Widget(
            flags=int(field.get("/F", 0)),
            rect=tuple(float(v) for v in field.Rect),
            appearance="/N" in field.get("/AP", {}),
            tooltip=str(field.get("/TU", "")),
        )


PRINT = 4
HIDDEN_FLAGS = 1 | 2 | 32 | 256
"""Invisible, Hidden, NoView, ToggleNoView: PDF/A forbids them on annotations."""


def _byte_range(pdf: bytes) -> list[int]:
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        (field,) = [f for f in doc.Root.AcroForm.Fields if f.get("/FT") == "/Sig"]
        return [int(v) for v in field.V.ByteRange]


# -- the signature -------------------------------------------------------------------------


def test_signature_validates_offline_against_the_ca_and_covers_the_whole_file(
    signer, letter: bytes, ca: pki.Issued
) -> None:
    signed = sign_pdf(letter, signer)

    status = validate(signed, ca)
    assert status.intact and status.valid and status.trusted
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    assert status.signing_cert.subject.native["common_name"] == "Kari Nordmann"
    assert signed.startswith(letter), "signing must append, not rewrite, the letter"
    assert b"/ETSI.CAdES.detached" in signed[len(letter) :], "a PAdES signature"


def test_one_flipped_byte_inside_the_signed_range_is_detected(
    signer, letter: bytes, ca: pki.Issued
) -> None:
    signed = bytearray(sign_pdf(letter, signer))
    at = signed.index(b"pdfaid")  # in the letter's XMP metadata: inside the first signed range
    assert at < _byte_range(bytes(signed))[1]
    signed[at] ^= 0x01

    status = validate(bytes(signed), ca)
    assert not status.intact
    assert not status.bottom_line


def test_signing_time_comes_from_source_date_epoch_and_bytes_repeat(
    signer, letter: bytes, ca: pki.Issued, signing_epoch: int
) -> None:
    first, second = sign_pdf(letter, signer), sign_pdf(letter, signer)

    assert first == second
    reported = validate(first, ca).signer_reported_dt
    assert reported == datetime.fromtimestamp(signing_epoch, UTC)


def test_a_signing_time_outside_the_certificate_is_refused(
    signer, letter: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    long_ago = datetime.now(UTC) - timedelta(days=3 * 365)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(long_ago.timestamp())))

    with pytest.raises(LetterError, match="outside the certificate's validity"):
        sign_pdf(letter, signer)


def test_an_rsa_key_signs_reproducibly_too(tmp_path: Path, ca: pki.Issued, letter: bytes) -> None:
    rsa_p12 = pki.write_p12(tmp_path / "rsa.p12", pki.issue(ca, rsa_bits=2048), ca)
    signer = load_signer(rsa_p12, pki.PASSWORD)

    signed = sign_pdf(letter, signer)
    status = validate(signed, ca)
    assert status.intact and status.valid and status.trusted
    assert sign_pdf(letter, signer) == signed


def test_a_loaded_signer_reaches_build_workers_intact(
    signer, letter: bytes, ca: pki.Issued
) -> None:
    # build -j N hands the options, signer included, to worker processes by pickling
    copy = pickle.loads(pickle.dumps(signer))

    status = validate(sign_pdf(letter, copy), ca)
    assert status.intact and status.valid and status.trusted


# -- what signing keeps -----------------------------------------------------------------------


def test_invisible_signature_keeps_pdfa_2b(signer, letter: bytes) -> None:
    assert pdfa_2b(letter)
    signed = sign_pdf(letter, signer)

    assert pdfa_2b(signed)
    found = widget(signed)
    assert found.flags & PRINT and not found.flags & HIDDEN_FLAGS
    x0, y0, x1, y1 = found.rect
    assert x0 == x1 and y0 == y1, "an invisible signature has a zero-size box"


def test_visible_stamp_keeps_pdfa_2b_and_says_who_signed(
    signer, letter: bytes, ca: pki.Issued
) -> None:
    signed = sign_pdf(letter, signer, stamp=STAMP)

    assert pdfa_2b(signed)
    assert validate(signed, ca).trusted
    found = widget(signed)
    assert found.flags & PRINT and not found.flags & HIDDEN_FLAGS
    assert found.appearance, "a visible widget needs an appearance stream"
    x0, y0, x1, y1 = found.rect
    assert abs((x1 - x0) - 80 * MM) < 1 and abs((y1 - y0) - 20 * MM) < 1
    assert abs(y1 - (297 - 230) * MM) < 1, "the box is measured from the top of the page"
    assert "Kari Nordmann" in found.tooltip, "what a screen reader announces"


def test_a_tagged_letter_stays_pdfa_2a_and_pdfua_with_either_signature(
    signer, render_letter
) -> None:
    letter = render_letter()
    for stamp in (None, STAMP):
        signed = sign_pdf(letter, signer, stamp=stamp)
        for profile in (page.ValidationProfile.PDF_A_2A, page.ValidationProfile.PDF_UA_1):
            report = page.validate_pdf_bytes(signed, profile=profile)
            assert report.is_compliant, (stamp, profile, [f.message for f in report.failures])


def test_a_stamp_off_the_page_is_refused(signer, letter: bytes) -> None:
    with pytest.raises(LetterError, match="does not fit on the page"):
        sign_pdf(letter, signer, stamp=Stamp(page=0, box=(180.0, 280.0, 80.0, 20.0)))
    with pytest.raises(LetterError, match="on page 3, but the PDF has 1"):
        sign_pdf(letter, signer, stamp=Stamp(page=2, box=(10.0, 10.0, 80.0, 20.0)))


def test_what_is_not_a_pdf_cannot_be_signed(signer) -> None:
    with pytest.raises(LetterError, match="cannot be read"):
        sign_pdf(b"not a PDF at all", signer)


def test_an_ec_key_keeps_the_letter_at_pdf_1_7(signer, letter: bytes) -> None:
    # pyHanko marks ECDSA signatures with the PDF 2.0 extension ISO/TS 32002; central print
    # and PDF/A-2 take PDF 1.7 at most, and the build's own preflight refuses 2.0.
    from letterpress.checks.preflight import preflight_bytes

    signed = sign_pdf(letter, signer)
    with pikepdf.open(io.BytesIO(signed)) as pdf:
        version = str(pdf.Root.get("/Version", pdf.pdf_version)).lstrip("/")
        extensions = pdf.Root.get("/Extensions", {})
        assert version <= "1.7" and pdf.pdf_version <= "1.7"
        assert "/ISO_" not in extensions, "no PDF 2.0 extension"
        assert "/ESIC" in extensions, "the PAdES extension of PDF 1.7"
    assert not [f for f in preflight_bytes(signed, Path("x.pdf")) if "version" in f.message]


def test_every_signature_field_has_a_name_and_a_form_element(signer, render_letter) -> None:
    signed = sign_pdf(render_letter(), signer)

    with pikepdf.open(io.BytesIO(signed)) as pdf:
        (field,) = pdf.Root.AcroForm.Fields
        assert str(field.TU) == "Elektronisk signatur av Kari Nordmann"
        nums = pdf.Root.StructTreeRoot.ParentTree.Nums
        parents = {int(nums[i]): nums[i + 1] for i in range(0, len(nums), 2)}
        element = parents[int(field.StructParent)]
        assert element.S == "/Form" and element.K.Obj.objgen == field.objgen
        assert element in list(element.P.K), "the Form element hangs in the tree"


def test_the_first_signature_certifies_and_later_ones_approve(signer, letter: bytes) -> None:
    once = sign_pdf(letter, signer)
    twice = sign_pdf(once, signer)

    with pikepdf.open(io.BytesIO(twice)) as pdf:
        certification = pdf.Root.Perms.DocMDP
        (reference,) = certification.Reference
        assert reference.TransformMethod == "/DocMDP"
        assert int(reference.TransformParams.P) == 2, "signatures and timestamps may follow"
        first, second = (f.V for f in pdf.Root.AcroForm.Fields)
        assert first.objgen == certification.objgen and "/Reference" not in second


# -- an unusable key ------------------------------------------------------------------------


def refused(p12: Path, password: bytes | None, capfd: pytest.CaptureFixture[str]) -> str:
    """The message of the LetterError loading ``p12`` gives; nothing may be printed."""
    with pytest.raises(LetterError) as caught:
        load_signer(p12, password)
    (problem,) = caught.value.problems
    assert problem.path == p12 and problem.field == "sign"
    out, err = capfd.readouterr()
    assert out == "" and err == "", "no traceback or log noise"
    return problem.message


def test_wrong_password(p12: Path, capfd: pytest.CaptureFixture[str]) -> None:
    message = refused(p12, b"feil-passord", capfd)
    assert "wrong password" in message and PASSWORD_VARIABLE in message


def test_expired_certificate(tmp_path: Path, ca: pki.Issued, capfd) -> None:
    old = pki.issue(ca, valid_from=timedelta(days=-400), valid_for=timedelta(days=365))
    message = refused(pki.write_p12(tmp_path / "old.p12", old, ca), pki.PASSWORD, capfd)
    assert "expired on" in message and "renew" in message


def test_certificate_not_yet_valid(tmp_path: Path, ca: pki.Issued, capfd) -> None:
    future = pki.issue(ca, valid_from=timedelta(days=10))
    message = refused(pki.write_p12(tmp_path / "new.p12", future, ca), pki.PASSWORD, capfd)
    assert "not valid before" in message


def test_certificate_without_signing_key_usage(tmp_path: Path, ca: pki.Issued, capfd) -> None:
    other = pki.issue(ca, usage=pki.KEY_AGREEMENT_ONLY)
    message = refused(pki.write_p12(tmp_path / "tls.p12", other, ca), pki.PASSWORD, capfd)
    assert "may not be used for signing" in message


def test_not_a_pkcs12_file(tmp_path: Path, ca: pki.Issued, capfd) -> None:
    pem = pki.write_pem(tmp_path / "cert.pem", ca.cert)
    assert "is not a PKCS#12 file" in refused(pem, pki.PASSWORD, capfd)
    assert "cannot read" in refused(tmp_path / "missing.p12", pki.PASSWORD, capfd)


def test_a_key_without_password_loads_with_none(tmp_path: Path, ca: pki.Issued) -> None:
    p12 = pki.write_p12(tmp_path / "open.p12", pki.issue(ca), ca, password=None)
    assert load_signer(p12, None).name == "Kari Nordmann"


# -- the password -----------------------------------------------------------------------------


def test_password_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PASSWORD_VARIABLE, "hemmelig-æøå")
    assert signing_password() == "hemmelig-æøå".encode()


def test_password_asked_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(PASSWORD_VARIABLE, raising=False)
    monkeypatch.setattr(sys, "stdin", _Terminal())
    monkeypatch.setattr("getpass.getpass", lambda prompt: "fra-terminalen")
    assert signing_password(Path("kari.p12")) == b"fra-terminalen"


def test_no_password_and_no_terminal_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(PASSWORD_VARIABLE, raising=False)
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    with pytest.raises(LetterError, match=PASSWORD_VARIABLE):
        signing_password(Path("kari.p12"))


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True

"""Signatures that still validate in ten years: PAdES B-T and B-LTA against a real PKI.

certomancer serves a root CA, an issuing CA with OCSP and CRL, and a time-stamping authority on
127.0.0.1 (tests/certomancer.yml). The offline claim is proved with pyHanko's own validator and
fetching disabled; the archive claims with page-validation, knowing that only the DSS and the
document timestamp follow the signature.
"""

from __future__ import annotations

import io
import os
import socket
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import local_pki
import page
import pikepdf
import pypdfium2 as pdfium
import pytest
from asn1crypto import x509 as asn1_x509
from conftest import SEED, installed_tool
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation import (
    DocumentSecurityStore,
    SignatureCoverageLevel,
    validate_pdf_signature,
    validate_pdf_timestamp,
)
from pyhanko.sign.validation.settings import KeyUsageConstraints

import letterpress
from letterpress.checks.verify import verify
from letterpress.finish.sign import load_signer, sign_pdf, timestamp_authority

TSA_NAME = "Testkommune Tidsstempel"
USAGE = KeyUsageConstraints(key_usage={"digital_signature", "non_repudiation"})


@pytest.fixture(scope="module")
def local(tmp_path_factory: pytest.TempPathFactory):
    with local_pki.serve(tmp_path_factory.mktemp("pki")) as pki:
        yield pki


@pytest.fixture(scope="module")
def seed() -> bytes:
    """The seed letter as letterpress builds it: tagged PDF/A-2a with PDF/UA-1."""
    return letterpress.render(letterpress.load(SEED))


@pytest.fixture(scope="module")
def signed(local: local_pki.LocalPki, seed: bytes) -> dict[str, bytes]:
    signer = load_signer(local.p12, local_pki.PASSWORD)
    tsa = timestamp_authority(local.tsa)
    return {
        "B-T": sign_pdf(seed, signer, tsa=tsa),
        "B-LTA": sign_pdf(seed, signer, tsa=tsa, ltv=True),
    }


def root_of(local: local_pki.LocalPki) -> asn1_x509.Certificate:
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import Encoding

    cert = x509.load_pem_x509_certificate(local.root_pem.read_bytes())
    return asn1_x509.Certificate.load(cert.public_bytes(Encoding.DER))


def offline_context(reader: PdfFileReader, root: asn1_x509.Certificate):
    """pyHanko's validation context from the file's DSS alone: no fetching, and revocation
    data required for every certificate."""
    return DocumentSecurityStore.read_dss(reader).as_validation_context(
        {"trust_roots": [root], "allow_fetching": False, "revocation_mode": "require"}
    )


# -- B-T ------------------------------------------------------------------------------------


def test_b_t_signature_carries_a_trusted_timestamp_of_the_authority(
    local: local_pki.LocalPki, signed: dict[str, bytes]
) -> None:
    from pyhanko_certvalidator import ValidationContext

    reader = PdfFileReader(io.BytesIO(signed["B-T"]))
    (embedded,) = reader.embedded_signatures
    context = ValidationContext(trust_roots=[root_of(local)], allow_fetching=False)
    status = validate_pdf_signature(
        embedded, context, ts_validation_context=context, key_usage_settings=USAGE
    )
    token = status.timestamp_validity
    assert status.intact and status.valid and status.trusted
    assert token is not None and token.intact and token.valid and token.trusted
    assert token.signing_cert.subject.native["common_name"] == TSA_NAME
    assert abs(token.timestamp - datetime.now(UTC)) < timedelta(minutes=5)

    result = verify(_write(local, "bt.pdf", signed["B-T"]), [local.root_pem])
    (check,) = result.signatures
    assert result.ok, check.problems
    assert check.level == "B-T" and check.timestamp_authority == TSA_NAME
    assert check.timestamp == token.timestamp
    assert not check.offline, "no validation data is embedded at B-T"
    assert result.pdfa_claim == "PDF/A-2A" and result.pdfa_meets


# -- B-LTA ----------------------------------------------------------------------------------


def test_b_lta_validates_offline_with_fetching_disabled(
    local: local_pki.LocalPki, signed: dict[str, bytes]
) -> None:
    reader = PdfFileReader(io.BytesIO(signed["B-LTA"]))
    dss = DocumentSecurityStore.read_dss(reader)
    assert dss.ocsps and dss.crls, "OCSP responses and CRLs fetched before signing"
    context = offline_context(reader, root_of(local))

    (signature,) = reader.embedded_regular_signatures
    status = validate_pdf_signature(
        signature, context, ts_validation_context=context, key_usage_settings=USAGE
    )
    assert status.intact and status.valid and status.trusted
    assert status.timestamp_validity is not None and status.timestamp_validity.trusted
    assert status.modification_level == ModificationLevel.LTA_UPDATES, (
        "only the DSS and the document timestamp follow the signature"
    )
    (archive,) = reader.embedded_timestamp_signatures
    stamp = validate_pdf_timestamp(archive, context)
    assert stamp.intact and stamp.valid and stamp.trusted
    assert stamp.coverage == SignatureCoverageLevel.ENTIRE_FILE

    result = verify(_write(local, "lta.pdf", signed["B-LTA"]), [local.root_pem])
    (check,) = result.signatures
    assert result.ok, check.problems
    assert check.level == "B-LTA" and check.offline and check.certifies
    assert [authority for _time, authority in check.archive_timestamps] == [TSA_NAME]


def test_validation_data_without_a_document_timestamp_is_named_b_lt(
    local: local_pki.LocalPki, signed: dict[str, bytes]
) -> None:
    from pyhanko.sign.validation import add_validation_info
    from pyhanko_certvalidator import ValidationContext

    (embedded,) = PdfFileReader(io.BytesIO(signed["B-T"])).embedded_signatures
    fetching = ValidationContext(trust_roots=[root_of(local)], allow_fetching=True)
    b_lt = add_validation_info(embedded, fetching).getvalue()

    result = verify(_write(local, "lt.pdf", b_lt), [local.root_pem])
    (check,) = result.signatures
    assert check.level == "B-LT" and check.offline and not check.archive_timestamps
    assert all(s.ok for s in result.signatures), check.problems


def test_b_lta_keeps_pdfa_2a_pdfua_and_pdf_1_7(
    local: local_pki.LocalPki, seed: bytes, signed: dict[str, bytes]
) -> None:
    lta = signed["B-LTA"]
    assert _xmp(lta) == _xmp(seed), "the timestamp revision must not rewrite the XMP metadata"
    with pikepdf.open(io.BytesIO(lta)) as pdf:
        assert pdf.pdf_version == "1.7" and "/Version" not in pdf.Root
        meta = pdf.open_metadata()
        assert meta.pdfa_status == "2A" and meta.get("pdfuaid:part") == "1"
    for profile in (page.ValidationProfile.PDF_A_2A, page.ValidationProfile.PDF_UA_1):
        failures = archive_failures(lta, profile)
        assert not failures, (profile, failures)


def archive_failures(pdf: bytes, profile: page.ValidationProfile) -> list[str]:
    """page-validation's findings, less the one about a signature that only validation data
    and document timestamps follow.

    page-validation 0.11 reads ISO 19005-2 6.4.3 ("the entire file") literally and flags
    every signature that a later revision follows; PAdES B-LTA adds exactly such revisions,
    and pyHanko's diff analysis tells that they hold nothing else.
    """
    reader = PdfFileReader(io.BytesIO(pdf))
    archived = {
        s.sig_field.raw_get("/V").idnum
        for s in reader.embedded_regular_signatures
        if _modification_level(s) == ModificationLevel.LTA_UPDATES
    }
    report = page.validate_pdf_bytes(pdf, profile=profile)
    return [
        f"{f.rule_id}: {f.message}"
        for f in report.failures
        if not (
            f.rule_id.endswith("SIGNATURE-BYTERANGE-001")
            and f.object_id is not None
            and f.object_id.object_number in archived
        )
    ]


def _modification_level(embedded) -> ModificationLevel | None:
    """pyHanko's diff analysis of the revisions after ``embedded``'s own."""
    embedded.compute_integrity_info()
    return getattr(embedded.diff_result, "modification_level", None)


# -- the command line and the API -------------------------------------------------------------


def letterpress_cli(*args: str | Path, password: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LETTERPRESS_SIGN_PASSWORD": local_pki.PASSWORD.decode()}
    if password:
        env["LETTERPRESS_TSA_PASSWORD"] = password
    return subprocess.run(
        [sys.executable, "-m", "letterpress", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )


def test_build_makes_b_lta_letters_with_a_visible_tagged_stamp(
    local: local_pki.LocalPki, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    built = letterpress_cli(
        "build", SEED, "-o", out, "-j", "2", "--strict", "--sign", local.p12,
        "--tsa", local.tsa, "--ltv", "--stamp",
    )
    assert built.returncode == 0, built.stderr
    pdf = out / f"{SEED.stem}.pdf"

    checked = letterpress_cli("verify", pdf, "--trust", local.root_pem)
    assert checked.returncode == 0, checked.stdout
    assert "level:   PAdES B-LTA" in checked.stdout
    assert f"timestamp: {datetime.now(UTC):%Y-%m-%d}" in checked.stdout
    assert f"by {TSA_NAME}" in checked.stdout and "document timestamp:" in checked.stdout
    assert "offline: yes" in checked.stdout
    assert "(certifies the letter)" in checked.stdout

    data = pdf.read_bytes()
    stamp = _visible_widget(data)
    assert stamp.page == stamp.pages - 1, "on the last page"
    assert "Kari Nordmann" in stamp.tooltip
    _beside_the_signatory_over_no_text(data, stamp)
    assert _drawn(pdf, stamp), "the stamp shows on the page"
    assert not archive_failures(data, page.ValidationProfile.PDF_UA_1)
    assert not archive_failures(data, page.ValidationProfile.PDF_A_2A)
    outloud = installed_tool("outloud")
    assert outloud, "outloud is installed with the test extra"
    heard = subprocess.run([outloud, "-q", str(pdf)], capture_output=True, text=True)
    assert heard.returncode == 0, heard.stdout  # FRM-001 /TU and FRM-003 Form element included


def test_the_python_api_takes_the_same_options(local: local_pki.LocalPki, tmp_path: Path) -> None:
    signer = load_signer(local.p12, local_pki.PASSWORD)
    options = letterpress.Options(signer=signer, tsa=timestamp_authority(local.tsa))
    report = letterpress.build([SEED], tmp_path / "out", options, jobs=1)

    assert report.ok
    (check,) = verify(tmp_path / "out" / f"{SEED.stem}.pdf", [local.root_pem]).signatures
    assert check.level == "B-T" and check.timestamp_authority == TSA_NAME


def test_an_unreachable_or_wrong_authority_is_one_line_and_no_pdf(
    local: local_pki.LocalPki, tmp_path: Path
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]  # nothing listens once the socket is closed
    not_a_tsa = f"{local.url}/{local_pki.ARCH}/crls/root/latest.crl"
    for url in (f"http://127.0.0.1:{closed}/tsa", not_a_tsa):
        out = tmp_path / "out"
        built = letterpress_cli("build", SEED, "-o", out, "--sign", local.p12, "--tsa", url)
        assert built.returncode == 1, url
        lines = built.stderr.strip().splitlines()
        assert len(lines) == 1 and "time-stamping authority" in lines[0], built.stderr
        assert url in lines[0] and "Traceback" not in built.stderr
        assert not list(out.rglob("*.pdf")) if out.exists() else True


def test_ltv_without_a_tsa_and_tsa_user_without_password_are_clear_errors(
    local: local_pki.LocalPki, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    alone = letterpress_cli("build", SEED, "-o", out, "--sign", local.p12, "--ltv")
    assert alone.returncode == 2 and "--ltv needs --tsa" in alone.stderr
    user = letterpress_cli(
        "build", SEED, "-o", out, "--sign", local.p12, "--tsa", local.tsa, "--tsa-user", "kari"
    )
    assert user.returncode != 0 and "LETTERPRESS_TSA_PASSWORD" in user.stderr
    assert not out.exists() or not list(out.rglob("*.pdf"))


# -- helpers ----------------------------------------------------------------------------------


def _write(local: local_pki.LocalPki, name: str, data: bytes) -> Path:
    path = local.p12.parent / name
    path.write_bytes(data)
    return path


def _xmp(pdf: bytes) -> bytes:
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        return bytes(doc.Root.Metadata.read_bytes())


class _Widget:
    def __init__(self, page: int, pages: int, rect: list[float], tooltip: str) -> None:
        self.page, self.pages, self.rect, self.tooltip = page, pages, rect, tooltip


def _visible_widget(pdf: bytes) -> _Widget:
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        for number, sheet in enumerate(doc.pages):
            for annot in sheet.obj.get("/Annots", []):
                rect = [float(v) for v in annot.Rect]
                if annot.get("/FT") == "/Sig" and rect[2] > rect[0]:
                    return _Widget(number, len(doc.pages), rect, str(annot.get("/TU", "")))
    raise AssertionError("no visible signature widget")


def _beside_the_signatory_over_no_text(pdf: bytes, widget: _Widget) -> None:
    from conftest import MM, find, words

    x0, y0, x1, y1 = widget.rect
    top, bottom = 297 - y1 / MM, 297 - y0 / MM
    left, right = x0 / MM, x1 / MM
    on_page = [w for w in words(pdf) if w.page == widget.page]
    covered = [
        w.text for w in on_page
        if w.left < right and left < w.right and w.top < bottom and top < w.bottom
    ]
    assert not covered, f"the stamp covers {covered}"
    name = find(on_page, "Malones", page=widget.page)
    assert abs(name.top - top) < 20, "level with the signatory, not somewhere else"


def _drawn(path: Path, widget: _Widget) -> bool:
    """Whether the widget's box has dark pixels with forms drawn and none without."""
    document = pdfium.PdfDocument(path)
    document.init_forms()
    sheet = document[widget.page]
    height = sheet.get_height()
    x0, y0, x1, y1 = widget.rect
    box = (int(x0), int(height - y1), int(x1), int(height - y0))
    with_forms = sheet.render(scale=1, may_draw_forms=True).to_pil().convert("L").crop(box)
    without = sheet.render(scale=1, may_draw_forms=False).to_pil().convert("L").crop(box)
    dark = sum(with_forms.histogram()[:128])
    dark_without = sum(without.histogram()[:128])
    return dark > 50 and dark_without == 0

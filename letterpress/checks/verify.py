"""Checking finished letters: are the signatures intact, valid and trusted, and are the PDF/A and
PDF/UA claims real?

``verify(path, trust)`` never raises for a bad PDF: a damaged, unsigned or non-PDF file gives a
``Verification`` that says what is wrong. Only unusable ``trust`` files raise ``LetterError``,
because they are a mistake on the command line rather than a finding about the letter.

Checks are offline: no certificate or revocation data is fetched; the validation data a file
carries (its DSS) is used. A signature is trusted only when its certificate chains up to one of
the ``trust`` CA certificates and is valid now, or at the time of its trusted timestamp; with
no ``trust`` given, nothing is trusted. Reading signatures goes through
``letterpress.finish.pades``, the one module that uses pyHanko.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from io import BytesIO
from pathlib import Path
from typing import Any

from letterpress.errors import LetterError

PDF_HEADER_WINDOW = 1024
"""A PDF's %PDF- header must start within this many bytes (ISO 32000-1, 7.5.2)."""

MAX_PDFA_FAILURES = 5
"""Reasons a PDF/A check failed that are kept, so a report stays readable."""


@dataclass(frozen=True)
class SignatureCheck:
    """What one signature in a PDF proves."""

    field: str
    signer: str
    """Common name of the signing certificate's subject ('' when it cannot be read)."""
    signing_time: datetime | None
    """The time the signer states (its own clock: no time-stamping authority vouches for it)."""
    intact: bool
    """The signed bytes are unchanged."""
    valid: bool
    """The signature was made with the key of the certificate it names."""
    trusted: bool
    """The certificate chains up to a ``trust`` CA and is valid now."""
    entire_file: bool
    """The signature covers every byte of the file."""
    coverage: str
    """What the signature covers, in words."""
    coverage_ok: bool
    """The whole file, or the file as signed with only signatures, form data or metadata
    added after it (pyHanko's judgment of the later revisions)."""
    problems: tuple[str, ...] = ()
    """Why a check failed, in words."""
    object_number: int | None = None
    """The signature dictionary's object number, which PDF/A findings refer to."""
    level: str = ""
    """The PAdES baseline level: B-B, B-T, B-LT or B-LTA ('' when it cannot be read)."""
    timestamp: datetime | None = None
    """When a time-stamping authority vouches the signature existed (B-T and up)."""
    timestamp_authority: str = ""
    """Common name of that authority's certificate."""
    archive_timestamps: tuple[tuple[datetime | None, str], ...] = ()
    """Document timestamps after the signature (B-LTA): time and authority of each."""
    offline: bool = False
    """The file carries the data to validate the signature without any network access."""
    offline_problem: str = ""
    """Why not, when ``offline`` is False."""
    certifies: bool = False
    """A certification (DocMDP) signature: the author's, which fixes what may follow."""

    @property
    def ok(self) -> bool:
        return self.intact and self.valid and self.trusted and not self.problems


@dataclass(frozen=True)
class Verification:
    """The signature and PDF/A status of one file."""

    path: Path
    signatures: tuple[SignatureCheck, ...] = ()
    pdfa_claim: str | None = None
    """The PDF/A level the file's XMP metadata claims, e.g. ``PDF/A-2B``; None if none."""
    pdfa_meets: bool | None = None
    """Whether the file meets its claim; None when it claims none or the level is not checked."""
    pdfa_problems: tuple[str, ...] = ()
    error: str | None = None
    """Why the file could not be checked at all (not a PDF, damaged, unreadable)."""
    pdfua_claim: str | None = None
    """The PDF/UA part the file's XMP metadata claims, e.g. ``PDF/UA-1``; None if none."""
    pdfua_meets: bool | None = None
    """Whether the file meets its PDF/UA claim; None when it claims none."""
    pdfua_problems: tuple[str, ...] = ()

    @property
    def signed(self) -> bool:
        return bool(self.signatures)

    @property
    def ok(self) -> bool:
        """Every check passed: readable, every signature (if any) good, the PDF/A and PDF/UA
        claims met. An unsigned letter that meets its claims is ok; see ``passes``."""
        return (
            self.error is None
            and all(s.ok for s in self.signatures)
            and self.pdfa_meets is not False
            and self.pdfua_meets is not False
        )

    def passes(self, *, require_signature: bool = False) -> bool:
        """``ok``, and signed as well when ``require_signature``."""
        return self.ok and (self.signed or not require_signature)


def verify(path: Path, trust: list[Path]) -> Verification:
    """Check every signature in the PDF at ``path`` and its PDF/A claim.

    ``trust`` are CA certificate files (PEM or DER); a signature is trusted only if its
    certificate chains up to one of them. Raises ``LetterError`` only for a ``trust`` file that
    cannot be used.
    """
    path = Path(path)
    roots = load_trust(trust)
    try:
        data = path.read_bytes()
    except OSError as exc:
        return Verification(path, error=f"cannot read the file: {exc.strerror}")
    if b"%PDF-" not in data[:PDF_HEADER_WINDOW]:
        return Verification(path, error="not a PDF file")
    signatures, error = _signatures(data, roots)
    claim, meets, pdfa_problems = _pdfa(data, _countersigned(signatures))
    ua_claim, ua_meets, ua_problems = _pdfua(data)
    return Verification(
        path,
        signatures,
        claim,
        meets,
        pdfa_problems,
        error,
        pdfua_claim=ua_claim,
        pdfua_meets=ua_meets,
        pdfua_problems=ua_problems,
    )


# -- trust ------------------------------------------------------------------------------------


def load_trust(files: list[Path]) -> list[Any]:
    """The CA certificates in ``files`` (PEM, possibly several each, or DER), for pyHanko."""
    roots: list[Any] = []
    for file in files:
        roots.extend(_certificates(Path(file)))
    return roots


def _certificates(file: Path) -> list[Any]:
    from asn1crypto import x509 as asn1_x509
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import Encoding

    try:
        data = file.read_bytes()
    except OSError as exc:
        raise LetterError.at(
            file, None, "trust", f"cannot read: {exc.strerror}; give a CA certificate file"
        ) from None
    try:
        if b"-----BEGIN" in data:
            certs = x509.load_pem_x509_certificates(data)
        else:
            certs = [x509.load_der_x509_certificate(data)]
    except ValueError:
        raise LetterError.at(
            file,
            None,
            "trust",
            "holds no certificate; give the CA's certificate as a PEM file "
            "(-----BEGIN CERTIFICATE-----)",
        ) from None
    return [asn1_x509.Certificate.load(c.public_bytes(Encoding.DER)) for c in certs]


# -- signatures -------------------------------------------------------------------------------


def _signatures(data: bytes, roots: list[Any]) -> tuple[tuple[SignatureCheck, ...], str | None]:
    from letterpress.finish import pades

    try:
        found = pades.examine(data, roots)
    except pades.Unusable as exc:
        return (), f"damaged PDF or signature, cannot be read ({exc})"
    checks = [_check_signature(s, has_roots=bool(roots)) for s in found.signatures]
    if found.appended and checks:
        # Bytes after the last revision are covered by no signature: the reader may show
        # them (an incremental update without a proper trailer) or a tool may trust them.
        last = checks[-1]
        problem = f"{found.appended} bytes after the end of the file are covered by no signature"
        where = last.coverage.split(";")[0]
        checks[-1] = replace(
            last,
            coverage=f"{where}; {found.appended} bytes were appended after signing",
            coverage_ok=False,
            entire_file=False,
            problems=(*last.problems, problem),
        )
    return tuple(checks), None


def _check_signature(found: Any, *, has_roots: bool) -> SignatureCheck:
    from letterpress.finish import pades

    if isinstance(found, pades.Broken):
        return _broken(found)
    coverage, coverage_ok = _coverage(found)
    problems = []
    if not found.intact:
        problems.append("the signed content was changed after signing")
    elif not found.valid:
        problems.append("the signature does not match the signing certificate")
    if not found.trusted:
        problems.append(_trust_problem(found.trust_problem, has_roots))
    if not coverage_ok:
        problems.append(f"the signature does not cover the whole file: {coverage}")
    problems.extend(found.later_changes)
    token = found.timestamp
    if token is not None and not (token.intact and token.valid):
        problems.append("the signature's timestamp is broken")
    elif token is not None and not token.trusted and has_roots:
        # The certificate was checked at the timestamp's time; that needs a trusted time.
        problems.append(f"the timestamp's authority {token.authority!r} is not trusted")
    for stamp in found.archive_timestamps:
        if not (stamp.intact and stamp.valid):
            problems.append(f"the document timestamp {stamp.field} is broken")
    return SignatureCheck(
        field=found.field,
        signer=found.signer,
        signing_time=found.claimed_time,
        intact=found.intact,
        valid=found.valid,
        trusted=found.trusted,
        entire_file=found.entire_file,
        coverage=coverage,
        coverage_ok=coverage_ok,
        problems=tuple(problems),
        object_number=found.object_number,
        level=found.level,
        timestamp=token.time if token else None,
        timestamp_authority=token.authority if token else "",
        archive_timestamps=tuple((t.time, t.authority) for t in found.archive_timestamps),
        offline=found.offline,
        offline_problem=found.offline_problem,
        certifies=found.certifies,
    )


def _countersigned(signatures: tuple[SignatureCheck, ...]) -> set[int]:
    """Earlier signatures of a countersigned file: their own revision, and only accepted
    changes after it."""
    return {
        s.object_number
        for s in signatures
        if s.object_number is not None and not s.entire_file and s.coverage_ok
    }


def _coverage(found: Any) -> tuple[str, bool]:
    """What the signature covers in words, and whether that is acceptable."""
    if found.entire_file:
        return "the entire file", True
    if found.partial:
        return "only part of its revision", False
    where = f"revision {found.revision} of {found.total}"
    # After a signature only further signatures, document timestamps and validation data
    # may follow, none of them visible; anything else changed what the signer saw.
    if found.later_harmless and not found.later_changes:
        later = "later revisions only add signatures, timestamps or validation data"
        return f"{where}; {later}", True
    return f"{where}; the file was changed after signing", False


def _trust_problem(reason: str | None, has_roots: bool) -> str:
    if not has_roots:
        return "not trusted: no --trust CA certificate given"
    if reason is None:
        return "not trusted: no chain to a --trust CA"
    return f"not trusted: {reason}"


def _broken(found: Any) -> SignatureCheck:
    return SignatureCheck(
        field=found.field,
        signer=found.signer,
        signing_time=None,
        intact=False,
        valid=False,
        trusted=False,
        entire_file=False,
        coverage="unknown",
        coverage_ok=False,
        problems=(f"the signature cannot be checked ({found.reason})",),
    )


def _describe(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


# -- PDF/A ------------------------------------------------------------------------------------


def _pdfa(data: bytes, countersigned: set[int]) -> tuple[str | None, bool | None, tuple[str, ...]]:
    """The file's PDF/A claim, whether it meets it, and why not."""
    claim = _pdfa_claim(data)
    if claim is None:
        return None, None, ()
    label = f"PDF/A-{claim}"
    import page

    try:
        profile = page.ValidationProfile(claim.lower())
    except ValueError:
        return label, None, (f"{label} cannot be checked by this version of letterpress",)
    try:
        report = page.validate_pdf_bytes(data, profile=profile)
    except page.PageError as exc:
        return label, False, (f"cannot be checked: {_describe(exc)}",)
    if report.is_compliant or not report.failures:
        return label, report.is_compliant, ()
    failures = [f for f in report.failures if not _earlier_signature(f, countersigned)]
    reasons = tuple(f"{f.rule_id}: {f.message}" for f in failures[:MAX_PDFA_FAILURES])
    return label, not failures, reasons


def _earlier_signature(failure: Any, countersigned: set[int]) -> bool:
    """A byte-range finding about a signature that a later signature was added after.

    ISO 19005-2 6.4.3 asks a signature to cover "the entire file"; an earlier signature of a
    countersigned file covers the file as it was when signed, which veraPDF accepts
    (veraPDF issue 1493) and page-validation 0.11 does not.
    """
    found = failure.object_id
    return (
        failure.rule_id.endswith("SIGNATURE-BYTERANGE-001")
        and found is not None
        and found.object_number in countersigned
    )


def _pdfa_claim(data: bytes) -> str | None:
    """Part and conformance from the XMP metadata (pdfaid), e.g. ``2B``; None if absent."""
    import pikepdf

    try:
        with pikepdf.open(BytesIO(data)) as pdf:
            status = pdf.open_metadata().pdfa_status
    except Exception:
        # No readable metadata is no claim; the signature check reports the damage.
        return None
    return status.upper() or None


# -- PDF/UA -----------------------------------------------------------------------------------


def _pdfua(data: bytes) -> tuple[str | None, bool | None, tuple[str, ...]]:
    """The file's PDF/UA claim, whether it meets it (page-validation's PDF/UA-1 profile), and
    why not."""
    part = _pdfua_part(data)
    if part is None:
        return None, None, ()
    label = f"PDF/UA-{part}"
    if part != "1":
        return label, None, (f"{label} cannot be checked by this version of letterpress",)
    import page

    try:
        report = page.validate_pdf_bytes(data, profile=page.ValidationProfile.PDF_UA_1)
    except page.PageError as exc:
        return label, False, (f"cannot be checked: {_describe(exc)}",)
    reasons = tuple(f"{f.rule_id}: {f.message}" for f in report.failures[:MAX_PDFA_FAILURES])
    return label, report.is_compliant, reasons


def _pdfua_part(data: bytes) -> str | None:
    """The pdfuaid:part of the XMP metadata, e.g. ``1``; None if absent."""
    import pikepdf

    try:
        with pikepdf.open(BytesIO(data)) as pdf:
            part = pdf.open_metadata().get("pdfuaid:part")
    except Exception:
        # No readable metadata is no claim; the signature check reports the damage.
        return None
    if part is None:
        return None
    return str(part).strip() or None

"""Signing finished letters: a PAdES baseline (B-B) signature, appended as an incremental update.

The key is decrypted once and reused for every letter of a batch::

    signer = load_signer(p12, signing_password(p12))   # once; LetterError if unusable
    options = Options(signer=signer)                    # picklable: reaches -j N workers
    signed = sign_pdf(finished_pdf, signer)             # per letter, 5-10 ms (EC or RSA)

The signature covers the whole file. Because it is an incremental update, every byte of the
input stays as it was, including its XMP metadata, so a PDF/A-2b (or 2a with PDF/UA-1) letter
keeps its claim: the widget has the print flag, an invisible one a zero-size box outside the
page, and a visible stamp an appearance stream with an embedded font and a Form element in the
structure tree.

Determinism, with ``SOURCE_DATE_EPOCH`` set (and the same pyHanko and ReportLab versions):

* The signing time (/M) is that instant, and the second half of the trailer /ID is derived from
  the input and that time instead of being random.
* ECDSA signatures use RFC 6979 (deterministic nonces) where the cryptography library supports
  it, and RSA PKCS#1 v1.5 is deterministic by construction; the visible stamp is drawn in
  ReportLab's invariant mode. So the signed bytes depend only on the input, the key and the
  time.
* Not deterministic: RSA-PSS keys (random salt), and ECDSA where the cryptography library has
  no RFC 6979 support (older releases, or built against OpenSSL before 3.2).

Without ``SOURCE_DATE_EPOCH`` the signing time is the current time of this computer, which a
reader of the PDF has to take on trust (there is no time-stamping authority in B-B).
"""

from __future__ import annotations

import asyncio
import getpass
import hashlib
import logging
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from io import BytesIO
from pathlib import Path

from asn1crypto import cms
from asn1crypto.algos import SignedDigestAlgorithm
from asn1crypto.x509 import Certificate as Asn1Certificate
from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, padding, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from pyhanko.keys.internal import (
    translate_pyca_cryptography_cert_to_asn1,
    translate_pyca_cryptography_key_to_asn1,
)
from pyhanko.pdf_utils import generic, layout
from pyhanko.pdf_utils.content import PdfContent
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.attributes import CMSAttributeProvider, SignedAttributeProviderSpec
from pyhanko.sign.general import as_signing_certificate_v2, simple_cms_attribute
from pyhanko.sign.signers.pdf_cms import PdfCMSSignedAttributes
from pyhanko.sign.signers.pdf_signer import PdfSigningSession
from pyhanko.stamp import StaticStampStyle
from pyhanko_certvalidator.registry import SimpleCertificateStore
from pyhanko_certvalidator.util import get_pyca_cryptography_hash

from letterpress import clock
from letterpress.errors import LetterError
from letterpress.geometry import MM
from letterpress.limits import MAX_INPUT_BYTES
from letterpress.options import Signer

# pyHanko logs failures with a traceback; letterpress reports them as LetterError instead, and
# without a handler of their own Python would print them on standard error.
for _name in ("pyhanko", "pyhanko_certvalidator"):
    logging.getLogger(_name).addHandler(logging.NullHandler())

SIGNING_KEYS = (
    rsa.RSAPrivateKey,
    dsa.DSAPrivateKey,
    ec.EllipticCurvePrivateKey,
    ed25519.Ed25519PrivateKey,
    ed448.Ed448PrivateKey,
)
"""The kinds of private key a PKCS#12 file holds that pyHanko signs with."""

PASSWORD_VARIABLE = "LETTERPRESS_SIGN_PASSWORD"
FIELD = "sign"

_INVISIBLE = fields.InvisSigSettings(set_print_flag=True, box_out_of_bounds=True)
"""PDF/A wants the print flag on every widget; PDF/UA wants an untagged one hidden or outside
the page, and a zero-size box far outside the page is both."""


@dataclass(frozen=True)
class Stamp:
    """A visible signature: a box on one page showing who signed and when.

    ``box`` is (left, top, width, height) in millimetres from the top-left corner of the page.
    Each line may use ``{name}`` (the certificate's common name), ``{time}`` (the signing time)
    and ``{subject}`` (the certificate's subject).
    """

    page: int
    """Index of the page: 0 is the first."""
    box: tuple[float, float, float, float]
    lines: tuple[str, ...] = ("Signert elektronisk av {name}", "{time}", "{subject}")
    font: Path | None = None
    """A TrueType font for the text; default: the bundled Liberation Sans."""


# -- loading the key ------------------------------------------------------------------------


def load_signer(p12: Path, password: bytes | None) -> Signer:
    """Read and decrypt a PKCS#12 (.p12/.pfx) file and check that it can sign letters today.

    Raises ``LetterError`` (field ``sign``) when the file cannot be read, is not PKCS#12, the
    password is wrong, the certificate is not valid now, or it may not be used for signing.
    """
    p12 = Path(p12)
    key, cert, extra = _decrypt(p12, _read_p12(p12), password)
    _check_usable(p12, key, cert)
    return Signer(
        p12=p12,
        name=_common_name(cert),
        subject=cert.subject.rfc4514_string(),
        valid_from=cert.not_valid_before_utc,
        valid_until=cert.not_valid_after_utc,
        cms=_cms_signer(key, cert, extra),
    )


def signing_password(p12: Path | None = None) -> bytes | None:
    """The password of the signing key: ``LETTERPRESS_SIGN_PASSWORD``, else asked on a terminal.

    An empty password gives None (a PKCS#12 file without a password). Raises ``LetterError``
    when the variable is not set and there is no terminal to ask on.
    """
    value = os.environ.get(PASSWORD_VARIABLE)
    if value is None:
        value = _ask_password(p12)
    return value.encode("utf-8") or None


def _ask_password(p12: Path | None) -> str:
    if not sys.stdin.isatty():
        raise _problem(
            p12,
            f"no password for the signing key: set {PASSWORD_VARIABLE} to the password of "
            "the .p12 file, or run letterpress on a terminal to be asked for it",
        )
    try:
        return getpass.getpass(f"Password for {p12 or 'the signing key'}: ")
    except EOFError:
        raise _problem(p12, f"no password given; set {PASSWORD_VARIABLE}") from None


def _read_p12(p12: Path) -> bytes:
    try:
        with p12.open("rb") as handle:
            data = handle.read(MAX_INPUT_BYTES + 1)
    except OSError as exc:
        raise _problem(
            p12, f"cannot read the signing key: {exc.strerror}; give the path of a .p12 file"
        ) from None
    if len(data) > MAX_INPUT_BYTES or not _looks_like_pkcs12(data):
        raise _problem(
            p12,
            "is not a PKCS#12 file; export the certificate together with its private key "
            "as .p12 or .pfx (for example: openssl pkcs12 -export -inkey key.pem -in "
            "cert.pem -out sign.p12)",
        )
    return data


def _looks_like_pkcs12(data: bytes) -> bool:
    """True if ``data`` parses as a PKCS#12 PFX structure, whatever the password."""
    from asn1crypto import pkcs12 as asn1_pkcs12

    try:
        pfx = asn1_pkcs12.Pfx.load(data, strict=True)
        return pfx["version"].native == "v3" and pfx["auth_safe"]["content_type"].native in (
            "data",
            "signed_data",
        )
    except (ValueError, TypeError, KeyError):
        return False


def _decrypt(
    p12: Path, data: bytes, password: bytes | None
) -> tuple[pkcs12.PKCS12PrivateKeyTypes, x509.Certificate, list[x509.Certificate]]:
    # A file "without a password" may be encrypted with an empty one, or not at all.
    attempts = [password] if password else [None, b""]
    for attempt in attempts:
        try:
            key, cert, extra = pkcs12.load_key_and_certificates(data, attempt)
        except (ValueError, UnsupportedAlgorithm):
            continue
        if key is None or cert is None:
            missing = "private key" if key is None else "certificate"
            raise _problem(p12, f"holds no {missing}; export the key and certificate together")
        if not isinstance(key, SIGNING_KEYS):
            raise _problem(p12, "holds a key that cannot sign; use an RSA or elliptic-curve key")
        return key, cert, extra
    raise _problem(
        p12,
        f"wrong password for the signing key; set {PASSWORD_VARIABLE} to the password the "
        ".p12 file was exported with",
    )


def _check_usable(p12: Path, key: pkcs12.PKCS12PrivateKeyTypes, cert: x509.Certificate) -> None:
    now = datetime.now(UTC)
    if now < cert.not_valid_before_utc:
        raise _problem(
            p12,
            f"the certificate is not valid before {cert.not_valid_before_utc:%Y-%m-%d %H:%M} "
            "UTC; check the computer's clock or wait until then",
        )
    if now > cert.not_valid_after_utc:
        raise _problem(
            p12,
            f"the certificate expired on {cert.not_valid_after_utc:%Y-%m-%d}; "
            "renew it with your certificate authority and export a new .p12 file",
        )
    if not _may_sign(cert):
        raise _problem(
            p12,
            "the certificate may not be used for signing (its key usage has neither "
            "digitalSignature nor nonRepudiation); use a signing certificate",
        )
    if key.public_key() != cert.public_key():
        raise _problem(p12, "the private key does not belong to the certificate")


def _may_sign(cert: x509.Certificate) -> bool:
    # A certificate without a key usage extension is refused too: validators such as pyHanko
    # then cannot tell it was meant for signing and report the signature untrusted.
    try:
        usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return False
    return usage.digital_signature or usage.content_commitment


def _common_name(cert: x509.Certificate) -> str:
    for oid in (x509.NameOID.COMMON_NAME, x509.NameOID.ORGANIZATION_NAME):
        values = cert.subject.get_attributes_for_oid(oid)
        if values:
            return str(values[0].value)
    return cert.subject.rfc4514_string()


def _cms_signer(
    key: pkcs12.PKCS12PrivateKeyTypes, cert: x509.Certificate, extra: list[x509.Certificate]
) -> _KeptKeySigner:
    store = SimpleCertificateStore()
    store.register_multiple(translate_pyca_cryptography_cert_to_asn1(c) for c in extra)
    return _KeptKeySigner(
        key,
        signing_cert=translate_pyca_cryptography_cert_to_asn1(cert),
        signing_key=translate_pyca_cryptography_key_to_asn1(key),
        cert_registry=store,
    )


class _KeptKeySigner(signers.SimpleSigner):
    """A SimpleSigner that keeps the decrypted key object and signs ECDSA per RFC 6979.

    pyHanko's SimpleSigner parses the key again for every signature; keeping it parsed saves
    that work in a batch (for RSA keys most of the time a signature takes), and deterministic
    nonces make signed letters reproducible. RSA-PSS and other schemes are left to pyHanko.
    """

    def __init__(self, key: pkcs12.PKCS12PrivateKeyTypes, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._key = key
        self.container_size: int | None = None
        self.signed_attr_prov_spec = _PadesAttributes(self.signing_cert)

    def __reduce__(self) -> tuple[object, tuple[object, ...]]:
        # Build workers (-j N) receive the signer through the process pool's private pipe; the
        # key object cannot be pickled, so it travels as unencrypted PKCS#8 and is never
        # written anywhere.
        key = self._key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        others = [cert.dump() for cert in self.cert_registry]
        assert self.signing_cert is not None  # set by __init__ from the .p12 file
        return _restore_signer, (key, self.signing_cert.dump(), others, self.container_size)

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        algorithm = get_pyca_cryptography_hash(digest_algorithm)
        if isinstance(self._key, ec.EllipticCurvePrivateKey):
            ecdsa = ec.ECDSA(algorithm, deterministic_signing=True) if _rfc6979() else None
            return self._key.sign(data, ecdsa or ec.ECDSA(algorithm))
        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm)
        if isinstance(self._key, rsa.RSAPrivateKey) and _pkcs1v15(mechanism):
            # Parsing an RSA key checks it, which costs 50 ms or more each time.
            return self._key.sign(data, padding.PKCS1v15(), algorithm)
        return super().sign_raw(data, digest_algorithm)


def _restore_signer(
    key: bytes, cert: bytes, others: list[bytes], container_size: int | None
) -> _KeptKeySigner:
    """The inverse of ``_KeptKeySigner.__reduce__``."""
    restored = _cms_signer(
        serialization.load_der_private_key(key, password=None),  # type: ignore[arg-type]
        x509.load_der_x509_certificate(cert),
        [x509.load_der_x509_certificate(other) for other in others],
    )
    restored.container_size = container_size
    return restored


class _PadesAttributes(SignedAttributeProviderSpec):
    """The signed attributes of a PAdES signature, the certificate reference built only once.

    pyHanko adds content type and message digest itself; PAdES forbids a signing-time
    attribute, which leaves signing-certificate-v2. asn1crypto re-encodes a freshly built
    nested structure many times over (about 20 ms per signature); one parsed from DER is
    encoded once.
    """

    def __init__(self, cert: Asn1Certificate) -> None:
        value = as_signing_certificate_v2(cert)
        self._der = simple_cms_attribute("signing_certificate_v2", value).dump()

    def signed_attr_providers(
        self, data_digest: bytes, digest_algorithm: str
    ) -> Iterator[CMSAttributeProvider]:
        yield _Prebuilt(self._der)


class _Prebuilt(CMSAttributeProvider):
    attribute_type = "signing_certificate_v2"

    def __init__(self, der: bytes) -> None:
        self._der = der

    async def get_attribute(self, dry_run: bool = False) -> cms.CMSAttribute:
        return cms.CMSAttribute.load(self._der)


def _pkcs1v15(mechanism: SignedDigestAlgorithm) -> bool:
    try:
        return bool(mechanism.signature_algo == "rsassa_pkcs1v15")
    except ValueError:  # an algorithm asn1crypto cannot name
        return False


@cache
def _rfc6979() -> bool:
    """Whether the cryptography library can make deterministic ECDSA signatures."""
    try:
        ec.ECDSA(hashes.SHA256(), deterministic_signing=True)
    except (UnsupportedAlgorithm, TypeError):
        return False
    return True


def _problem(p12: Path | None, message: str) -> LetterError:
    return LetterError.at(p12, None, FIELD, message)


# -- signing ----------------------------------------------------------------------------------


def sign_pdf(pdf: bytes, signer: Signer, *, stamp: Stamp | None = None) -> bytes:
    """Add a PAdES B-B signature over the whole of ``pdf`` and return the signed file.

    Invisible unless ``stamp`` is given. Raises ``LetterError`` when the PDF cannot be read or
    the stamp does not fit on its page.
    """
    when = signing_time()
    _check_time(signer, when)
    writer = _writer(pdf, signer)
    if clock.fixed_time() is not None:
        _derive_document_id(writer, pdf, when)
    name = _field_name(writer)
    spec = fields.SigFieldSpec(sig_field_name=name, invis_sig_settings=_INVISIBLE)
    style = None
    if stamp is not None:
        lines = _stamp_lines(stamp, signer, when)
        spec = fields.SigFieldSpec(
            sig_field_name=name,
            on_page=stamp.page,
            box=_stamp_rect(writer, stamp, signer),
            readable_field_name=" ".join(lines),
        )
        fields.append_signature_field(writer, spec)
        _tag_widget(writer, name, stamp.page, " ".join(lines))
        style = _stamp_style(stamp, lines)
    meta = signers.PdfSignatureMetadata(
        field_name=name,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
    )
    pdf_signer = signers.PdfSigner(meta, signer.cms, stamp_style=style, new_field_spec=spec)
    return asyncio.run(_sign(pdf_signer, writer, when))


def signing_time() -> datetime:
    """``SOURCE_DATE_EPOCH`` when it is set (reproducible builds), else now, in local time."""
    return clock.local_now()


def _check_time(signer: Signer, when: datetime) -> None:
    if not signer.valid_from <= when <= signer.valid_until:
        raise _problem(
            signer.p12,
            f"the signing time {when:%Y-%m-%d %H:%M} (from SOURCE_DATE_EPOCH) lies outside "
            f"the certificate's validity ({signer.valid_from:%Y-%m-%d} to "
            f"{signer.valid_until:%Y-%m-%d}); unset SOURCE_DATE_EPOCH or set it inside it",
        )


def _writer(pdf: bytes, signer: Signer) -> IncrementalPdfFileWriter:
    try:
        writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
    except (PdfError, ValueError, KeyError, TypeError) as exc:
        raise _problem(signer.p12, f"the PDF to sign cannot be read ({exc})") from None
    if writer.security_handler is not None:
        raise _problem(signer.p12, "cannot sign an encrypted PDF")
    # pyHanko rewrites the XMP metadata (producer, modification date) on every incremental
    # write, and its round trip breaks the PDF/A extension schemas (pdfuaid), so the letter
    # would lose its PDF/A-2a and PDF/UA-1 claims. The maintainer's documented way to keep the
    # metadata as it is: replace this internal hook (pyHanko issues 223 and 755).
    writer._update_meta = lambda: None  # type: ignore[method-assign]
    return writer


def _derive_document_id(writer: IncrementalPdfFileWriter, pdf: bytes, when: datetime) -> None:
    # pyHanko gives the new revision a random second /ID; derive it from what was signed
    # instead, so a reproducible build stays reproducible after signing.
    first = generic.ByteStringObject(writer.document_id[0])
    digest = hashlib.sha256(pdf + when.isoformat().encode("ascii")).digest()[:16]
    writer._document_id = generic.ArrayObject([first, generic.ByteStringObject(digest)])


def _field_name(writer: IncrementalPdfFileWriter) -> str:
    taken = {name for name, _value, _ref in fields.enumerate_sig_fields(writer.prev)}
    number = 1
    while f"Signature{number}" in taken:
        number += 1
    return f"Signature{number}"


async def _sign(
    pdf_signer: signers.PdfSigner, writer: IncrementalPdfFileWriter, when: datetime
) -> bytes:
    """pyHanko's ``async_sign_pdf``, step by step, because it has no way to set the time."""
    session = pdf_signer.init_signing_session(writer)
    session.system_time = when
    reserved = await _container_size(session)
    document = session.prepare_tbs_document(validation_info=None, bytes_reserved=reserved)
    output = BytesIO()
    digest, _ = document.digest_tbs_document(output=output)
    signed = await document.perform_signature(
        document_digest=digest.document_digest,
        pdf_cms_signed_attrs=PdfCMSSignedAttributes(signing_time=when),
    )
    await signed.post_signature_processing(output)
    return output.getvalue()


async def _container_size(session: PdfSigningSession) -> int:
    """Bytes to reserve for the signature: measured by a dry run once per key, then reused."""
    cms_signer = session.pdf_signer.signer
    size: int | None = getattr(cms_signer, "container_size", None)
    if size is None:
        # The dry run's exact size plus slack: an ECDSA signature is a few bytes longer or
        # shorter from one signature to the next (pyHanko's own default wastes 50 %).
        size = await session.estimate_signature_container_size(None, tight=True) + 64
        if isinstance(cms_signer, _KeptKeySigner):
            cms_signer.container_size = size
    return size


# -- the visible stamp ------------------------------------------------------------------------


def _stamp_rect(
    writer: IncrementalPdfFileWriter, stamp: Stamp, signer: Signer
) -> tuple[int, int, int, int]:
    """The stamp's box in PDF user space (points, origin bottom-left of the media box)."""
    pages = writer.root["/Pages"]["/Count"]
    if not 0 <= stamp.page < pages:
        raise _problem(
            signer.p12, f"the stamp is on page {stamp.page + 1}, but the PDF has {pages}"
        )
    page = writer.find_page_for_modification(stamp.page)[0].get_object()
    x0, y0, x1, y1 = (float(v) for v in page["/MediaBox"])
    left, top, width, height = stamp.box
    rect = (x0 + left * MM, y1 - (top + height) * MM, x0 + (left + width) * MM, y1 - top * MM)
    inside = x0 <= rect[0] and y0 <= rect[1] and rect[2] <= x1 and rect[3] <= y1
    if width <= 0 or height <= 0 or not inside:
        raise _problem(
            signer.p12,
            f"the stamp box {stamp.box} mm (left, top, width, height) does not fit on the "
            "page; give a positive size inside the page",
        )
    return tuple(round(v) for v in rect)  # type: ignore[return-value]


def _stamp_style(stamp: Stamp, lines: list[str]) -> StaticStampStyle:
    width, height = stamp.box[2] * MM, stamp.box[3] * MM
    appearance = _ReportLabPage(_stamp_pdf(lines, width, height, stamp.font), width, height)
    return StaticStampStyle(
        background=appearance,
        border_width=0,
        background_layout=layout.SimpleBoxLayoutRule(
            x_align=layout.AxisAlignment.ALIGN_MIN,
            y_align=layout.AxisAlignment.ALIGN_MIN,
            margins=layout.Margins.uniform(0),
        ),
    )


def _stamp_lines(stamp: Stamp, signer: Signer, when: datetime) -> list[str]:
    offset = "UTC" if when.utcoffset() == timedelta(0) else f"{when:%z}"
    values = {
        "name": signer.name,
        "time": f"{when:%d.%m.%Y %H:%M:%S} {offset}",
        "subject": signer.subject,
    }
    try:
        return [line.format_map(values) for line in stamp.lines]
    except (KeyError, ValueError, IndexError) as exc:
        raise _problem(
            signer.p12,
            f"the stamp text has an unknown placeholder ({exc}); use {{name}}, {{time}} "
            "or {subject}",
        ) from None


def _stamp_pdf(lines: list[str], width: float, height: float, font: Path | None) -> bytes:
    """A one-page PDF of the stamp's size, drawn by ReportLab with the font embedded."""
    from reportlab.pdfgen.canvas import Canvas

    from letterpress.fonts import register_font, regular_font

    name = register_font(font or regular_font())
    pad = 3.0
    size = _fit_size(lines, name, width - 2 * pad, height - 2 * pad)
    out = BytesIO()
    canvas = Canvas(out, pagesize=(width, height), invariant=1, pageCompression=1)
    canvas.setLineWidth(0.75)
    canvas.rect(0.5, 0.5, width - 1, height - 1)
    canvas.setFont(name, size)
    y = height - pad - size
    for line in lines:
        canvas.drawString(pad, y, line)
        y -= size * 1.2
    canvas.showPage()
    canvas.save()
    return _mend_unicode(out.getvalue())


def _mend_unicode(pdf: bytes) -> bytes:
    """The stamp PDF with ReportLab's U+0000 ToUnicode entries dropped, as PDF/A-2a asks."""
    import pikepdf

    from letterpress.finish.pdfa import mend_unicode_maps

    with pikepdf.open(BytesIO(pdf)) as doc:
        mend_unicode_maps(doc)
        out = BytesIO()
        doc.save(out, deterministic_id=True)
    return out.getvalue()


def _fit_size(lines: list[str], font: str, width: float, height: float) -> float:
    """The largest font size up to 9 pt at which every line fits the box."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    size = min(9.0, height / (1.2 * max(len(lines), 1)))
    widest = max((stringWidth(line, font, 1.0) for line in lines), default=0.0)
    if widest > 0:
        size = min(size, width / widest)
    return max(size, 1.0)


def _tag_widget(writer: IncrementalPdfFileWriter, name: str, page: int, alt: str) -> None:
    """Put the stamp's widget in the structure tree as a Form element, as PDF/UA-1 asks.

    Untagged PDFs, and parent trees that are not a flat /Nums array, are left alone.
    """
    tree = writer.root.get("/StructTreeRoot")
    parents = tree.get_object().get("/ParentTree") if tree is not None else None
    if tree is None or parents is None or "/Nums" not in parents.get_object():
        return
    tree, parents = tree.get_object(), parents.get_object()
    document = _top_element(tree)
    _name, _value, widget_ref = next(fields.enumerate_sig_fields(writer, with_name=name))
    page_ref = writer.find_page_for_modification(page)[0]
    key = _next_parent_key(tree, parents)
    element = writer.add_object(
        generic.DictionaryObject(
            {
                generic.pdf_name("/Type"): generic.pdf_name("/StructElem"),
                generic.pdf_name("/S"): generic.pdf_name("/Form"),
                generic.pdf_name("/P"): document,
                generic.pdf_name("/Pg"): page_ref,
                generic.pdf_name("/Alt"): generic.TextStringObject(alt),
                generic.pdf_name("/K"): generic.DictionaryObject(
                    {
                        generic.pdf_name("/Type"): generic.pdf_name("/OBJR"),
                        generic.pdf_name("/Obj"): widget_ref,
                        generic.pdf_name("/Pg"): page_ref,
                    }
                ),
            }
        )
    )
    widget_ref.get_object()[generic.pdf_name("/StructParent")] = generic.NumberObject(key)
    parents["/Nums"].extend([generic.NumberObject(key), element])
    tree[generic.pdf_name("/ParentTreeNextKey")] = generic.NumberObject(key + 1)
    _append_kid(writer, document.get_object(), element)
    for changed in (parents, tree):
        writer.update_container(changed)


def _top_element(tree: generic.DictionaryObject) -> generic.IndirectObject:
    """The element the stamp is added to: the tree's (first) top element, e.g. Document."""
    kids = tree["/K"]
    top: generic.IndirectObject = (
        kids.raw_get(0) if isinstance(kids, generic.ArrayObject) else tree.raw_get("/K")
    )
    return top


def _next_parent_key(tree: generic.DictionaryObject, parents: generic.DictionaryObject) -> int:
    nums = parents["/Nums"]
    keys = [int(nums[i]) for i in range(0, len(nums), 2)]
    return max([int(tree.get("/ParentTreeNextKey", 0)), *(k + 1 for k in keys)])


def _append_kid(
    writer: IncrementalPdfFileWriter,
    element: generic.DictionaryObject,
    kid: generic.IndirectObject,
) -> None:
    kids = element.get("/K")
    if kids is None:
        element[generic.pdf_name("/K")] = generic.ArrayObject([kid])
    elif isinstance(kids, generic.ArrayObject):
        kids.append(kid)
    else:
        element[generic.pdf_name("/K")] = generic.ArrayObject([element.raw_get("/K"), kid])
    writer.update_container(element)


class _ReportLabPage(PdfContent):
    """The first page of a PDF made in memory, drawn as a form XObject (the stamp's look)."""

    def __init__(self, pdf: bytes, width: float, height: float) -> None:
        super().__init__(box=layout.BoxConstraints(width=width, height=height))
        self.pdf = pdf

    def render(self) -> bytes:
        reader = PdfFileReader(BytesIO(self.pdf))
        xobject = self._ensure_writer.import_page_as_xobject(reader, page_ix=0)
        # A fixed resource name (pyHanko's own importer uses a random one).
        self.resources.xobject["/LetterpressStamp"] = xobject
        return b"/LetterpressStamp Do"

"""The one module that uses pyHanko: signing, timestamps, validation data, reading signatures.

letterpress drives pyHanko below its one-call API: signing sessions step by step (to set the
signing time and keep the XMP metadata), the writer's extension registry (to stay at PDF 1.7),
the document security store, and the revision history of a file (to tell what changed after a
signature). None of that is a stable interface, so all of it lives here, and pyproject.toml pins
the pyHanko releases this module is tested with (``pyhanko>=0.38,<0.39``). Nothing outside this
module imports pyHanko; other modules get plain data (``Examined``) or ``Unusable`` errors.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from io import BytesIO
from typing import Any, Protocol

from asn1crypto import cms, tsp  # noqa: F401  (registers the timestamp types)
from asn1crypto.algos import SignedDigestAlgorithm
from asn1crypto.x509 import Certificate as Asn1Certificate
from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
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
from pyhanko.pdf_utils.writer import BasePdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko.sign.attributes import CMSAttributeProvider, SignedAttributeProviderSpec
from pyhanko.sign.general import as_signing_certificate_v2, simple_cms_attribute
from pyhanko.sign.signers import constants
from pyhanko.sign.signers.pdf_cms import PdfCMSSignedAttributes
from pyhanko.sign.signers.pdf_signer import PdfSigningSession
from pyhanko.sign.timestamps import HTTPTimeStamper
from pyhanko.stamp import StaticStampStyle
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore
from pyhanko_certvalidator.util import get_pyca_cryptography_hash

# asn1crypto names content types through a reverse map built once, on first use; the
# timestamp module adds 'tst_info' when it is imported. If anything used a content type
# before (reading the .p12 file does), re-encoding a timestamp token fails with "invalid
# literal for int(): 'tst_info'". Importing it here and completing a stale map fixes that.
if cms.ContentType._reverse_map is not None:
    cms.ContentType._reverse_map.update({v: k for k, v in cms.ContentType._map.items()})


def _end_streams_unambiguously() -> None:
    """Make pyHanko write CR LF before ``endstream`` when a stream's data ends in CR.

    pyHanko writes ``data LF endstream``; data that ends in CR (deflated data does about one
    time in 256: its checksum is random) then reads as ``CR LF endstream``, a validator takes
    the CR LF for the end-of-line marker, and the /Length is one byte too long (ISO 19005-2
    6.1.7.1, page-validation's STREAM-LENGTH-001). The signed revisions' cross-reference
    streams and validation data are written by pyHanko, after which no byte can change.
    """
    original = generic.StreamObject.write_to_stream
    if getattr(original, "letterpress", False):
        return

    def write_to_stream(
        self: Any, stream: Any, handler: Any = None, container_ref: Any = None
    ) -> None:
        if not self.encoded_data.endswith(b"\r") or handler is not None:
            original(self, stream, handler, container_ref)
            return
        buffer = BytesIO()
        original(self, buffer, handler, container_ref)
        written = buffer.getvalue()
        assert written.endswith(b"\nendstream")
        stream.write(written[: -len(b"\nendstream")] + b"\r\nendstream")

    write_to_stream.letterpress = True  # type: ignore[attr-defined]
    generic.StreamObject.write_to_stream = write_to_stream  # type: ignore[method-assign]


_end_streams_unambiguously()

# pyHanko logs failures with a traceback; letterpress reports them itself, and without a
# handler of their own Python would print them on standard error.
for _name in ("pyhanko", "pyhanko_certvalidator", "aiohttp"):
    logging.getLogger(_name).addHandler(logging.NullHandler())

MD = "sha256"
HIGHEST_VERSION = (1, 7)
"""Central print and PDF/A-2 take PDF 1.4-1.7; signing must never raise a letter above it."""

_INVISIBLE = fields.InvisSigSettings(set_print_flag=True, box_out_of_bounds=True)
"""PDF/A wants the print flag on every widget; a zero-size box far outside the page shows
nothing and needs no appearance stream."""

TSA_TIMEOUT = 20
"""Seconds to wait for a time-stamping authority, an OCSP responder or a CRL download."""


class Unusable(Exception):
    """The PDF cannot be signed, or a service the signature needs failed; the text says why."""

    def __init__(self, message: str, service: str | None = None) -> None:
        super().__init__(message)
        self.service = service
        """``tsa`` or ``validation`` when that service failed, else None."""


class Authority(Protocol):
    """Where timestamps come from (``letterpress.options.TimestampAuthority``)."""

    @property
    def url(self) -> str: ...
    @property
    def user(self) -> str | None: ...
    @property
    def password(self) -> str | None: ...


# -- the signing key --------------------------------------------------------------------------


def cms_signer(
    key: pkcs12.PKCS12PrivateKeyTypes, cert: x509.Certificate, extra: list[x509.Certificate]
) -> signers.SimpleSigner:
    """pyHanko's signer for a decrypted key, its certificate and the chain that came with it."""
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
        assert self.signing_cert is not None  # set by the constructor
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
    restored = cms_signer(
        serialization.load_der_private_key(key, password=None),  # type: ignore[arg-type]
        x509.load_der_x509_certificate(cert),
        [x509.load_der_x509_certificate(other) for other in others],
    )
    assert isinstance(restored, _KeptKeySigner)
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


# -- timestamps -------------------------------------------------------------------------------


def check_authority(authority: Authority) -> None:
    """Ask the time-stamping authority for one timestamp; ``Unusable`` if it gives none."""
    asyncio.run(_timestamper(authority).async_dummy_response(MD))


def _timestamper(authority: Authority) -> Any:
    return _cached_timestamper(authority.url, authority.user, authority.password)


@cache
def _cached_timestamper(url: str, user: str | None, password: str | None) -> _CheckedTimeStamper:
    """One client per authority and process: it keeps the authority's certificates."""
    auth = (user, password or "") if user else None
    return _CheckedTimeStamper(url, timeout=TSA_TIMEOUT, auth=auth)


class _CheckedTimeStamper(HTTPTimeStamper):
    """An RFC 3161 client whose every failure is an ``Unusable`` naming the authority."""

    async def async_timestamp(self, message_digest: bytes, md_algorithm: str) -> Any:
        try:
            return await super().async_timestamp(message_digest, md_algorithm)
        except Exception as exc:
            # Network errors, HTTP errors, refusals and undecodable answers alike.
            raise Unusable(
                f"the time-stamping authority at {self.url} gave no timestamp ({_reason(exc)})",
                "tsa",
            ) from None


def _reason(exc: BaseException) -> str:
    """The innermost explanation in an exception chain (the most specific), on one line."""
    seen: list[str] = []
    current: BaseException | None = exc
    while current is not None and len(seen) < 6:
        text = " ".join(str(current).split())
        if text and text not in seen:
            seen.append(text)
        current = current.__cause__ or current.__context__
    return seen[-1] if seen else type(exc).__name__


# -- signing ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Appearance:
    """A visible signature: the page, the box in PDF points, and a one-page PDF of its look."""

    page: int
    rect: tuple[float, float, float, float]
    pdf: bytes


@dataclass(frozen=True)
class Request:
    """What one signature is to be."""

    when: datetime
    tooltip: str
    """What a screen reader announces for the signature field (/TU)."""
    reproducible: bool = False
    """Derive the new document ID from the input and time instead of a random one."""
    appearance: Appearance | None = None
    authority: Authority | None = None
    """Timestamp the signature (PAdES B-T)."""
    archive: bool = False
    """Embed validation data and add a document timestamp (PAdES B-LTA); needs ``authority``."""
    timestamp_tooltip: str = "Document timestamp"


class Draft:
    """A finished PDF opened for signing: an incremental update that keeps every byte."""

    def __init__(self, pdf: bytes) -> None:
        try:
            self.writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
        except (PdfError, ValueError, KeyError, TypeError) as exc:
            raise Unusable(f"the PDF to sign cannot be read ({exc})") from None
        if self.writer.security_handler is not None:
            raise Unusable("cannot sign an encrypted PDF")
        _keep_metadata(self.writer)
        self.pdf = pdf

    @property
    def pages(self) -> int:
        return int(self.writer.root["/Pages"]["/Count"])

    def media_box(self, page: int) -> tuple[float, float, float, float]:
        found = self.writer.find_page_for_modification(page)[0].get_object()
        x0, y0, x1, y1 = (float(v) for v in found["/MediaBox"])
        return x0, y0, x1, y1

    def sign(self, signer: signers.Signer, request: Request) -> bytes:
        """The signed PDF; raises ``Unusable`` when a service the signature needs fails."""
        writer = self.writer
        if request.reproducible:
            _derive_document_id(writer, self.pdf, request.when)
        certify = not any(True for _ in fields.enumerate_sig_fields(writer.prev, True))
        name = _free_name(writer, "Signature")
        spec = _field(writer, name, request.tooltip, request.appearance)
        timestamp_field = None
        if request.archive:
            # The document timestamp's field is made now, tagged, in the signed revision: a
            # field added later would change the structure tree after the signature.
            timestamp_field = _free_name(writer, "Timestamp")
            _field(writer, timestamp_field, request.timestamp_tooltip, None)
        timestamper = _timestamper(request.authority) if request.authority else None
        context = None
        if request.archive and timestamper is not None:
            # The authority's certificates come with its first answer (cached per process).
            asyncio.run(timestamper.async_dummy_response(MD))
            context = _collecting_context(signer, timestamper)
        meta = signers.PdfSignatureMetadata(
            field_name=name,
            md_algorithm=MD,
            subfilter=fields.SigSeedSubFilter.PADES,
            certify=certify,
            docmdp_permissions=fields.MDPPerm.FILL_FORMS,
            validation_context=context,
            signer_key_usage=set(),
        )
        style = _style(request.appearance) if request.appearance else None
        pdf_signer = _Pdf17Signer(
            meta, signer, timestamper=timestamper, stamp_style=style, new_field_spec=spec
        )
        try:
            return asyncio.run(_released(_sign(pdf_signer, writer, request, timestamp_field), meta))
        except Unusable:
            raise
        except Exception as exc:
            if request.archive and _is_validation_failure(exc):
                message = f"cannot collect the validation data for --ltv ({_reason(exc)})"
                raise Unusable(message, "validation") from None
            raise


async def _released(work: Any, meta: signers.PdfSignatureMetadata) -> bytes:
    """Run ``work``, then close the HTTP sessions its validation context opened, while their
    event loop still runs."""
    try:
        return bytes(await work)
    finally:
        if meta.validation_context is not None:
            await meta.validation_context.aclose()


def _keep_metadata(writer: IncrementalPdfFileWriter) -> None:
    # pyHanko rewrites the XMP metadata (producer, modification date) on every incremental
    # write, and its round trip breaks the PDF/A extension schemas (pdfuaid), so the letter
    # would lose its PDF/A-2a and PDF/UA-1 claims. The maintainer's documented way to keep the
    # metadata as it is: replace this internal hook (pyHanko issues 223 and 755).
    writer._update_meta = lambda: None  # type: ignore[method-assign]


def _derive_document_id(writer: IncrementalPdfFileWriter, pdf: bytes, when: datetime) -> None:
    # pyHanko gives the new revision a random second /ID; derive it from what was signed
    # instead, so a reproducible build stays reproducible after signing.
    first = generic.ByteStringObject(writer.document_id[0])
    digest = hashlib.sha256(pdf + when.isoformat().encode("ascii")).digest()[:16]
    writer._document_id = generic.ArrayObject([first, generic.ByteStringObject(digest)])


def _free_name(writer: IncrementalPdfFileWriter, stem: str) -> str:
    taken = {name for name, _value, _ref in fields.enumerate_sig_fields(writer)}
    number = 1
    while f"{stem}{number}" in taken:
        number += 1
    return f"{stem}{number}"


def _field(
    writer: IncrementalPdfFileWriter, name: str, tooltip: str, appearance: Appearance | None
) -> fields.SigFieldSpec:
    """Add an empty signature field named ``name``, with /TU, tagged as a Form element."""
    if appearance is None:
        spec = fields.SigFieldSpec(
            sig_field_name=name, invis_sig_settings=_INVISIBLE, readable_field_name=tooltip
        )
        page = 0
    else:
        spec = fields.SigFieldSpec(
            sig_field_name=name,
            on_page=appearance.page,
            box=tuple(round(v) for v in appearance.rect),  # type: ignore[arg-type]
            readable_field_name=tooltip,
        )
        page = appearance.page
    fields.append_signature_field(writer, spec)
    _tag_widget(writer, name, page, tooltip)
    return spec


class _Pdf17Signer(signers.PdfSigner):
    """A PdfSigner that registers only the PAdES extension of PDF 1.7.

    For ECDSA on the NIST and Brainpool curves pyHanko also registers ISO/TS 32002, which
    exists only for PDF 2.0, and so marks the letter PDF 2.0: central print refuses that, and
    PDF/A-2 is based on PDF 1.7. ECDSA signatures are valid PAdES in PDF 1.7 without it.
    """

    def register_extensions(self, pdf_out: BasePdfFileWriter, *, md_algorithm: str) -> None:
        pdf_out.ensure_output_version(version=HIGHEST_VERSION)
        pdf_out.register_extension(constants.ESIC_EXTENSION_1)


async def _sign(
    pdf_signer: signers.PdfSigner,
    writer: IncrementalPdfFileWriter,
    request: Request,
    timestamp_field: str | None,
) -> bytes:
    """pyHanko's ``async_sign_pdf``, step by step, because it has no way to set the time."""
    session = pdf_signer.init_signing_session(writer)
    session.system_time = request.when
    # B-LT: the chain, OCSP responses and CRLs are fetched before signing, so that they show
    # the certificate good at the time of signing.
    info = await session.perform_presign_validation(writer) if request.archive else None
    reserved = await _container_size(session, timestamped=request.authority is not None)
    document = session.prepare_tbs_document(validation_info=info, bytes_reserved=reserved)
    _check_version(writer)
    output = BytesIO()
    digest, _same = document.digest_tbs_document(output=output)
    signed = await document.perform_signature(
        document_digest=digest.document_digest,
        pdf_cms_signed_attrs=PdfCMSSignedAttributes(signing_time=request.when),
    )
    await signed.post_signature_processing(output)
    if info is None or timestamp_field is None:
        return output.getvalue()
    return await _archive(output.getvalue(), info, session.timestamper, timestamp_field)


async def _archive(signed: bytes, info: Any, timestamper: Any, field_name: str) -> bytes:
    """B-LTA: the validation data in a DSS, then a document timestamp over everything."""
    from pyhanko.sign.validation import DocumentSecurityStore

    writer = IncrementalPdfFileWriter(BytesIO(signed), strict=False)
    _keep_metadata(writer)
    DocumentSecurityStore.supply_dss_in_writer(
        writer,
        sig_contents=None,
        paths=info.validation_paths,
        ocsps=info.ocsps_to_embed,
        crls=info.crls_to_embed,
        embed_roots=True,
    )
    output = BytesIO()
    stamper = signers.PdfTimeStamper(timestamper, field_name=field_name)
    await stamper.async_timestamp_pdf(writer, MD, output=output)
    _check_version(writer)
    return output.getvalue()


def _check_version(writer: BasePdfFileWriter) -> None:
    if writer.output_version > HIGHEST_VERSION:
        raise Unusable(
            "signing would mark the letter PDF {}.{}; letterpress writes PDF 1.7 at most".format(
                *writer.output_version
            )
        )


async def _container_size(session: PdfSigningSession, *, timestamped: bool) -> int:
    """Bytes to reserve for the signature: measured by a dry run once per key, then reused."""
    cms_signer = session.pdf_signer.signer
    if timestamped:
        # A timestamp token's size varies from one answer to the next: pyHanko's margin.
        return int(await session.estimate_signature_container_size(None, tight=False))
    size = getattr(cms_signer, "container_size", None)
    if size is None:
        # The dry run's exact size plus slack: an ECDSA signature is a few bytes longer or
        # shorter from one signature to the next (pyHanko's own default wastes 50 %).
        size = await session.estimate_signature_container_size(None, tight=True) + 64
        if isinstance(cms_signer, _KeptKeySigner):
            cms_signer.container_size = size
    return int(size)


def _collecting_context(signer: signers.Signer, timestamper: Any) -> ValidationContext:
    """Where validation data is fetched from: the OCSP and CRL URLs in the certificates.

    The paths end at the root certificates that the .p12 file and the time-stamping
    authority's answer carry (or, failing those, at the topmost certificate the .p12 has):
    this collects evidence, and whoever validates the letter decides which roots to trust.
    A revocation source that cannot be reached is an error, so that a B-LTA letter never
    lacks the data it claims to carry.
    """
    known = [*signer.cert_registry, *timestamper.cert_registry]
    roots = [c for c in known if c.self_issued]
    if not roots:
        subjects = {c.subject for c in known}
        roots = [c for c in signer.cert_registry if c.issuer not in subjects]
    return ValidationContext(
        trust_roots=roots,
        other_certs=known,
        allow_fetching=True,
        revocation_mode="hard-fail",
    )


def _is_validation_failure(exc: BaseException) -> bool:
    from pyhanko.sign.general import SigningError
    from pyhanko_certvalidator.errors import PathBuildingError, PathValidationError

    return isinstance(exc, SigningError | PathBuildingError | PathValidationError | OSError)


# -- the visible stamp and the structure tree ------------------------------------------------


def _style(appearance: Appearance) -> StaticStampStyle:
    x0, y0, x1, y1 = appearance.rect
    width, height = x1 - x0, y1 - y0
    return StaticStampStyle(
        background=_PdfPage(appearance.pdf, width, height),
        border_width=0,
        background_layout=layout.SimpleBoxLayoutRule(
            x_align=layout.AxisAlignment.ALIGN_MIN,
            y_align=layout.AxisAlignment.ALIGN_MIN,
            margins=layout.Margins.uniform(0),
        ),
    )


class _PdfPage(PdfContent):
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


def _tag_widget(writer: IncrementalPdfFileWriter, name: str, page: int, alt: str) -> None:
    """Put a signature field's widget in the structure tree as a Form element (PDF/UA-1 7.18).

    Untagged PDFs, and parent trees that are not a flat /Nums array, are left alone.
    """
    found = writer.root.get("/StructTreeRoot")
    if found is None:
        return
    tree = found.get_object()
    parents = tree.get("/ParentTree")
    if parents is None or "/Nums" not in parents.get_object():
        return
    parents = parents.get_object()
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
    widget = widget_ref.get_object()
    widget[generic.pdf_name("/StructParent")] = generic.NumberObject(key)
    widget[generic.pdf_name("/P")] = page_ref
    writer.update_container(widget)
    parents["/Nums"].extend([generic.NumberObject(key), element])
    tree[generic.pdf_name("/ParentTreeNextKey")] = generic.NumberObject(key + 1)
    _append_kid(writer, document.get_object(), element)
    for changed in (parents, tree):
        writer.update_container(changed)


def _top_element(tree: generic.DictionaryObject) -> generic.IndirectObject:
    """The element the field is added to: the tree's (first) top element, e.g. Document."""
    kids = tree["/K"]
    top = kids.raw_get(0) if isinstance(kids, generic.ArrayObject) else tree.raw_get("/K")
    assert isinstance(top, generic.IndirectObject)
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


# -- reading signatures back ----------------------------------------------------------------


@dataclass(frozen=True)
class Timestamp:
    """An RFC 3161 timestamp: on a signature (B-T), or over the document (B-LTA)."""

    time: datetime | None
    authority: str
    """Common name of the time-stamping authority's certificate."""
    intact: bool
    valid: bool
    trusted: bool
    revision: int = 0
    """For a document timestamp: the (0-based) revision it signs."""
    field: str = ""


@dataclass(frozen=True)
class Found:
    """What one regular signature in a file proves, in plain data."""

    field: str
    signer: str
    claimed_time: datetime | None
    intact: bool
    valid: bool
    trusted: bool
    trust_problem: str | None
    entire_file: bool
    partial: bool
    """The signature covers only part of its own revision."""
    revision: int
    """The signed revision, counted from 1."""
    total: int
    later_harmless: bool
    """pyHanko's judgment: later revisions only add signatures, form data, metadata, DSS."""
    later_changes: tuple[str, ...]
    """Later changes to what a page shows or to a form value, in words."""
    certifies: bool
    timestamp: Timestamp | None
    validation_data: bool
    """The file has a DSS with validation data, written with or after this signature."""
    archive_timestamps: tuple[Timestamp, ...]
    offline: bool
    """Validates with fetching disabled, using only the certificates, OCSP responses and
    CRLs the file carries (and the trust anchors)."""
    offline_problem: str
    object_number: int | None

    @property
    def level(self) -> str:
        if self.timestamp is None:
            return "B-B"
        if not self.validation_data:
            return "B-T"
        return "B-LTA" if self.archive_timestamps else "B-LT"


@dataclass(frozen=True)
class Broken:
    """A signature that cannot be checked at all."""

    field: str
    signer: str
    reason: str


@dataclass(frozen=True)
class Examined:
    signatures: tuple[Found | Broken, ...]
    appended: int
    """Bytes after the end of the file's last revision, which no signature covers."""


def examine(data: bytes, roots: list[Asn1Certificate]) -> Examined:
    """Every signature in ``data``, checked offline against ``roots``; ``Unusable`` if the
    file or its signatures cannot be read at all."""
    try:
        reader = PdfFileReader(BytesIO(data), strict=False)
        regular = list(reader.embedded_regular_signatures)
        stamps = list(reader.embedded_timestamp_signatures)
        dss = _dss(reader)
    except Exception as exc:
        # A damaged file can fail anywhere in the reader.
        raise Unusable(_first_line(exc)) from None
    archive = [_check_document_timestamp(s, roots, dss) for s in stamps]
    found = tuple(_check(s, roots, dss, archive) for s in regular)
    return Examined(found, _appended(data, reader))


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


@dataclass(frozen=True)
class _Dss:
    revision: int
    """The revision the DSS was last written in (0-based)."""
    certs: list[Any]
    ocsps: list[Any]
    crls: list[Any]


def _dss(reader: PdfFileReader) -> _Dss | None:
    from pyhanko.sign.validation import DocumentSecurityStore

    ref = reader.root.raw_get("/DSS") if "/DSS" in reader.root else None
    if ref is None:
        return None
    store = DocumentSecurityStore.read_dss(reader)
    context = store.as_validation_context({"trust_roots": []})
    revision = (
        reader.xrefs.get_last_change(ref.reference)
        if isinstance(ref, generic.IndirectObject)
        else reader.xrefs.get_last_change(reader.root_ref)
    )
    certs = list(store.load_certs())
    return _Dss(revision, certs, list(context.ocsps), list(context.crls))


def _context(
    roots: list[Asn1Certificate],
    dss: _Dss | None,
    *,
    moment: datetime | None = None,
    offline: bool = False,
) -> ValidationContext:
    """Fetching disabled; with the file's own validation data. ``offline`` demands revocation
    data for every certificate, and without ``roots`` anchors on the file's own root."""
    certs = dss.certs if dss else []
    anchors = roots or ([c for c in certs if c.self_issued] if offline else [])
    return ValidationContext(
        trust_roots=anchors,
        allow_fetching=False,
        other_certs=certs,
        ocsps=dss.ocsps if dss else [],
        crls=dss.crls if dss else [],
        moment=moment,
        # At a past moment (the timestamp's), an OCSP response or CRL issued later still
        # shows the certificate was not revoked then: B-LT data is often fetched after signing.
        retroactive_revinfo=moment is not None,
        revocation_mode="require" if offline else "soft-fail",
    )



def _usage() -> Any:
    # letterpress signs with digitalSignature or nonRepudiation certificates; pyHanko's
    # default demands nonRepudiation alone.
    from pyhanko.sign.validation.settings import KeyUsageConstraints

    return KeyUsageConstraints(key_usage={"digital_signature", "non_repudiation"})


def _check(
    embedded: Any, roots: list[Asn1Certificate], dss: _Dss | None, archive: list[Timestamp]
) -> Found | Broken:
    from pyhanko.sign.validation import validate_pdf_signature

    try:
        moment = _token_time(embedded)
        status = validate_pdf_signature(
            embedded,
            _context(roots, dss, moment=moment),
            ts_validation_context=_context(roots, dss),
            key_usage_settings=_usage(),
        )
        offline, offline_problem = _offline(embedded, roots, dss, moment, archive)
    except Exception as exc:
        # Malformed signature containers raise many kinds of errors inside pyHanko.
        return Broken(str(embedded.field_name), _signer_of(embedded), _first_line(exc))
    return _found(embedded, status, dss, archive, offline, offline_problem)


def _found(
    embedded: Any,
    status: Any,
    dss: _Dss | None,
    archive: list[Timestamp],
    offline: bool,
    offline_problem: str,
) -> Found:
    from pyhanko.sign.diff_analysis import ModificationLevel
    from pyhanko.sign.validation import SignatureCoverageLevel

    revision = embedded.signed_revision
    level = status.modification_level
    indication = getattr(status, "trust_problem_indic", None)
    token = status.timestamp_validity
    return Found(
        field=str(embedded.field_name),
        signer=_common_name(status.signing_cert),
        claimed_time=status.signer_reported_dt,
        intact=bool(status.intact),
        valid=bool(status.valid),
        trusted=bool(status.trusted),
        trust_problem=indication.name.lower().replace("_", " ") if indication else None,
        entire_file=status.coverage == SignatureCoverageLevel.ENTIRE_FILE,
        partial=status.coverage < SignatureCoverageLevel.ENTIRE_REVISION,
        revision=revision + 1,
        total=embedded.reader.xrefs.total_revisions,
        later_harmless=(level is None or level <= ModificationLevel.FORM_FILLING)
        and status.docmdp_ok is not False,
        later_changes=tuple(_later_changes(embedded.reader, revision)),
        certifies=embedded.docmdp_level is not None,
        timestamp=_timestamp(token) if token is not None else None,
        validation_data=dss is not None and dss.revision >= revision,
        archive_timestamps=tuple(t for t in archive if t.revision > revision),
        offline=offline,
        offline_problem=offline_problem,
        object_number=getattr(embedded.sig_field.raw_get("/V"), "idnum", None),
    )


def _timestamp(status: Any, revision: int = 0, field_name: str = "") -> Timestamp:
    return Timestamp(
        time=status.timestamp,
        authority=_common_name(status.signing_cert),
        intact=bool(status.intact),
        valid=bool(status.valid),
        trusted=bool(status.trusted),
        revision=revision,
        field=field_name,
    )


def _check_document_timestamp(
    embedded: Any, roots: list[Asn1Certificate], dss: _Dss | None
) -> Timestamp:
    from pyhanko.sign.validation import validate_pdf_timestamp

    try:
        status = validate_pdf_timestamp(embedded, _context(roots, dss), skip_diff=True)
    except Exception:
        return Timestamp(None, "", False, False, False, embedded.signed_revision)
    return _timestamp(status, embedded.signed_revision, str(embedded.field_name))


def _offline(
    embedded: Any,
    roots: list[Asn1Certificate],
    dss: _Dss | None,
    moment: datetime | None,
    archive: list[Timestamp],
) -> tuple[bool, str]:
    """Whether the signature validates with only the data in the file, and if not, why."""
    from pyhanko.sign.validation import validate_pdf_signature

    if dss is None:
        return False, "the file carries no validation data (OCSP responses or CRLs)"
    status = validate_pdf_signature(
        embedded,
        _context(roots, dss, moment=moment, offline=True),
        ts_validation_context=_context(roots, dss, offline=True),
        key_usage_settings=_usage(),
        skip_diff=True,
    )
    token = status.timestamp_validity
    if not status.trusted:
        return False, "the embedded validation data does not prove the signer's certificate"
    if token is None or not token.trusted:
        return False, "the signature has no timestamp that the embedded data proves"
    return True, ""


def _token_time(embedded: Any) -> datetime | None:
    """The time in the signature's timestamp token, if it has one (read, not yet checked)."""
    attributes = embedded.signer_info["unsigned_attrs"]
    if attributes.native is None:
        return None
    for attribute in attributes:
        if attribute["type"].native == "signature_time_stamp_token":
            token = attribute["values"][0]
            info = token["content"]["encap_content_info"]["content"].parsed
            return info["gen_time"].native  # type: ignore[no-any-return]
    return None


def _signer_of(embedded: Any) -> str:
    try:
        return _common_name(embedded.signer_cert)
    except Exception:
        return ""


def _common_name(cert: Any) -> str:
    if cert is None:
        return ""
    subject = cert.subject.native
    return str(subject.get("common_name") or subject.get("organization_name") or "")


# -- what changed after a signature ---------------------------------------------------------

_HIDDEN_FLAGS = 2 | 32
"""Hidden and NoView: a widget with either shows nothing."""


def _later_changes(reader: PdfFileReader, revision: int) -> Iterator[str]:
    """Form fields changed after ``revision`` (0-based) in a way a reader could see.

    Allowed after a signature are further signatures and document timestamps in fields
    that show nothing. A form value filled in, or any field whose widget shows something,
    changes what the letter says, even where pyHanko's policy calls it form filling.
    """
    form = reader.root.get("/AcroForm")
    if form is None:
        return
    for name, field_dict, refs in _fields(form.get_object().get("/Fields", []), "", None):
        if not any(_changed_after(reader, ref, revision) for ref in refs):
            continue
        kind, widgets = field_dict[0], field_dict[1]
        if kind != "/Sig":
            yield f"the form field {name!r} was filled in or changed after signing"
        elif any(_visible(widget) for widget in widgets):
            yield f"the signature field {name!r} shows an appearance added after signing"


def _fields(
    kids: Any, prefix: str, inherited_type: str | None
) -> Iterator[tuple[str, tuple[str | None, list[Any]], list[Any]]]:
    """(full name, (field type, widgets), object references) of every terminal field."""
    for ref in kids:
        node = ref.get_object()
        part = str(node.get("/T", ""))
        name = f"{prefix}.{part}" if prefix and part else prefix or part
        own_type = node.get("/FT")
        kind = str(own_type) if own_type is not None else inherited_type
        children = node.get("/Kids")
        named_kids = [k for k in children or [] if "/T" in k.get_object()]
        if named_kids:
            yield from _fields(named_kids, name, kind)
            continue
        widgets = [k.get_object() for k in children or []] or [node]
        refs = [ref, *(children or [])]
        for widget in widgets:
            refs.extend(_appearance_refs(widget))
        yield name, (kind, widgets), refs


def _appearance_refs(widget: Any) -> Iterator[Any]:
    appearances = widget.get("/AP")
    if appearances is None:
        return
    raw = widget.raw_get("/AP")
    if isinstance(raw, generic.IndirectObject):
        yield raw
    for key in ("/N", "/R", "/D"):
        if key in appearances:
            entry = appearances.raw_get(key)
            if isinstance(entry, generic.IndirectObject):
                yield entry
            value = entry.get_object()
            if isinstance(value, generic.DictionaryObject) and not isinstance(
                value, generic.StreamObject
            ):
                for state in value:
                    sub = value.raw_get(state)
                    if isinstance(sub, generic.IndirectObject):
                        yield sub


def _changed_after(reader: PdfFileReader, ref: Any, revision: int) -> bool:
    if not isinstance(ref, generic.IndirectObject):
        return False
    try:
        return int(reader.xrefs.get_last_change(ref.reference)) > revision
    except Exception:
        return True


def _visible(widget: Any) -> bool:
    if int(widget.get("/F", 0)) & _HIDDEN_FLAGS:
        return False
    rect = widget.get("/Rect")
    if rect is None or len(rect) != 4:
        return False
    x0, y0, x1, y1 = (float(v) for v in rect)
    return abs(x1 - x0) > 0 and abs(y1 - y0) > 0


def _appended(data: bytes, reader: PdfFileReader) -> int:
    """Bytes after the %%EOF that ends the file's last revision (one end-of-line allowed)."""
    last = reader.xrefs.total_revisions - 1
    end = reader.xrefs.get_xref_container_info(last).end_location
    marker = data.find(b"%%EOF", end)
    if marker < 0:
        return 0
    rest = data[marker + len(b"%%EOF") :]
    for newline in (b"\r\n", b"\n", b"\r"):
        if rest.startswith(newline):
            rest = rest[len(newline) :]
            break
    return len(rest)

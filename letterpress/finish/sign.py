"""Signing finished letters with PAdES signatures, appended as incremental updates.

B-B by default; with a time-stamping authority B-T; with its validation data and a document
timestamp B-LTA (see docs/signing.md). The first signature on a letter certifies it (DocMDP,
form filling and signing allowed). pyHanko is used only through ``letterpress.finish.pades``.

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
reader of the PDF has to take on trust unless a time-stamping authority vouches for it (B-T and
up). A timestamp, and so a B-T or B-LTA letter, is never byte-for-byte reproducible.
"""

from __future__ import annotations

import getpass
import os
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from io import BytesIO
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa
from cryptography.hazmat.primitives.serialization import pkcs12

from letterpress import clock
from letterpress.errors import LetterError
from letterpress.geometry import MM
from letterpress.limits import MAX_INPUT_BYTES
from letterpress.options import LTV_WITHOUT_TSA, Signer, TimestampAuthority

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
TSA_PASSWORD_VARIABLE = "LETTERPRESS_TSA_PASSWORD"


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


def _problem(p12: Path | None, message: str) -> LetterError:
    return LetterError.at(p12, None, FIELD, message)


def _cms_signer(
    key: pkcs12.PKCS12PrivateKeyTypes, cert: x509.Certificate, extra: list[x509.Certificate]
) -> Any:
    from letterpress.finish import pades

    return pades.cms_signer(key, cert, extra)


# -- the time-stamping authority --------------------------------------------------------------


def timestamp_authority(url: str, user: str | None = None) -> TimestampAuthority:
    """The authority at ``url``, checked by asking it for one timestamp.

    The password for ``user`` comes from ``LETTERPRESS_TSA_PASSWORD``. Raises ``LetterError``
    (field ``tsa``) when the URL is not http(s), the password is missing, or the authority
    gives no timestamp: better one error before the build than one per letter.
    """
    from letterpress.finish import pades

    if not url.lower().startswith(("http://", "https://")):
        raise LetterError.at(
            None, None, "tsa", f"{url!r} is not an http:// or https:// URL of a time-stamping "
            "authority; give the RFC 3161 URL your certificate provider names",
        )
    password = os.environ.get(TSA_PASSWORD_VARIABLE) if user else None
    if user and password is None:
        raise LetterError.at(
            None, None, "tsa", f"no password for the time-stamping authority user {user!r}; "
            f"set {TSA_PASSWORD_VARIABLE}",
        )
    authority = TimestampAuthority(url, user, password)
    try:
        pades.check_authority(authority)
    except pades.Unusable as exc:
        raise LetterError.at(None, None, "tsa", str(exc)) from None
    return authority


# -- signing ----------------------------------------------------------------------------------

TOOLTIPS = {
    "nb": ("Elektronisk signatur av {name}", "Dokumenttidsstempel"),
    "nn": ("Elektronisk signatur av {name}", "Dokumenttidsstempel"),
    "en": ("Electronic signature of {name}", "Document timestamp"),
}
"""What a screen reader announces for the signature field and the document timestamp field."""

STAMP_LINES = {
    "nb": ("Signert elektronisk av {name}", "{time}"),
    "nn": ("Signert elektronisk av {name}", "{time}"),
    "en": ("Signed electronically by {name}", "{time}"),
}


def sign_pdf(
    pdf: bytes,
    signer: Signer,
    *,
    stamp: Stamp | None = None,
    tsa: TimestampAuthority | None = None,
    ltv: bool = False,
    language: str = "nb",
) -> bytes:
    """Sign ``pdf`` (PAdES) and return the signed file; the first signature certifies it.

    B-B by default; with ``tsa`` B-T (a timestamp on the signature); with ``tsa`` and ``ltv``
    B-LTA (validation data and a document timestamp). Invisible unless ``stamp`` is given.
    Raises ``LetterError`` when the PDF cannot be read, the stamp does not fit on its page, or
    the authority or a revocation service fails; nothing is returned half-signed.
    """
    from letterpress.finish import pades

    if ltv and tsa is None:
        raise _problem(signer.p12, LTV_WITHOUT_TSA)
    when = signing_time()
    _check_time(signer, when)
    tooltip, timestamp_tooltip = TOOLTIPS.get(language, TOOLTIPS["nb"])
    try:
        draft = pades.Draft(pdf)
        appearance = _appearance(draft, stamp, signer, when) if stamp is not None else None
        request = pades.Request(
            when=when,
            tooltip=" ".join(_stamp_lines(stamp, signer, when))
            if stamp is not None
            else tooltip.format(name=signer.name),
            reproducible=clock.fixed_time() is not None,
            appearance=appearance,
            authority=tsa,
            archive=ltv,
            timestamp_tooltip=timestamp_tooltip,
        )
        return draft.sign(signer.cms, request)
    except pades.Unusable as exc:
        # A service that failed is named as the option that asked for it.
        option = {"tsa": "tsa", "validation": "ltv"}.get(exc.service or "", FIELD)
        path = signer.p12 if option == FIELD else None
        raise LetterError.at(path, None, option, str(exc)) from None


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


# -- the visible stamp ------------------------------------------------------------------------


def _appearance(draft: Any, stamp: Stamp, signer: Signer, when: datetime) -> Any:
    from letterpress.finish import pades

    rect = _stamp_rect(draft, stamp, signer)
    lines = _stamp_lines(stamp, signer, when)
    width, height = stamp.box[2] * MM, stamp.box[3] * MM
    return pades.Appearance(stamp.page, rect, _stamp_pdf(lines, width, height, stamp.font))


def _stamp_rect(draft: Any, stamp: Stamp, signer: Signer) -> tuple[float, float, float, float]:
    """The stamp's box in PDF user space (points, origin bottom-left of the media box)."""
    pages = draft.pages
    if not 0 <= stamp.page < pages:
        raise _problem(
            signer.p12, f"the stamp is on page {stamp.page + 1}, but the PDF has {pages}"
        )
    x0, y0, x1, y1 = draft.media_box(stamp.page)
    left, top, width, height = stamp.box
    rect = (x0 + left * MM, y1 - (top + height) * MM, x0 + (left + width) * MM, y1 - top * MM)
    inside = x0 <= rect[0] and y0 <= rect[1] and rect[2] <= x1 and rect[3] <= y1
    if width <= 0 or height <= 0 or not inside:
        raise _problem(
            signer.p12,
            f"the stamp box {stamp.box} mm (left, top, width, height) does not fit on the "
            "page; give a positive size inside the page",
        )
    return rect


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


# -- where the stamp goes -------------------------------------------------------------------

STAMP_SIZE = (72.0, 12.0)
"""Width and height of the stamp in mm: two lines of 9 pt."""
STAMP_GAP = 4.0
"""Space in mm between the signatories (or the last text) and the stamp."""
CLEARANCE = 2.0
"""Free space in mm kept around the stamp."""
DESCENT = 1.5
"""How far in mm text reaches below its baseline."""


def stamp_for(document: Any, signer: Signer) -> Stamp:
    """A stamp on the letter's last page: beside the signatories where nothing else is drawn,
    else under the last thing on the page; without signatories, under the last text.

    ``document`` is the laid-out letter (``letterpress.layout.page.Document``); appended
    attachments come after its pages and are not considered. Raises ``LetterError`` when
    the last page has no free place of the stamp's size.
    """
    from letterpress import geometry as g

    index = len(document.pages) - 1
    items = document.pages[index].items
    boxes = [box for box in map(_box, items) if box is not None]
    group = _signatory_nodes(document.structure)
    ours = [_box(i) for i in items if group and getattr(i, "node", None) in group]
    top_limit = g.TITLE_MIN_TOP if index == 0 else g.BODY_TOP_LATER
    bottom_limit = g.BODY_BOTTOM_FIRST if index == 0 else g.BODY_BOTTOM_LATER
    width, height = STAMP_SIZE
    lines = STAMP_LINES.get(_language(document.language), STAMP_LINES["nb"])
    candidates = []
    if ours:
        # Beside the signatories at the right margin: level with their first line if the
        # place is free, else the nearest free place up or down, in steps of 1 mm.
        first = min(box[1] for box in ours if box is not None)
        tops = [first + step * sign for step in range(40) for sign in (1, -1)]
        candidates += [(g.RIGHT - width, top) for top in tops if top >= top_limit]
    content = [box for box, item in zip(boxes, items, strict=False) if _is_content(item)]
    below = max((box[3] for box in content), default=top_limit - STAMP_GAP)
    candidates.append((g.LEFT, below + STAMP_GAP))
    for left, top in candidates:
        box = (left, top, left + width, top + height)
        clear = (left - CLEARANCE, top - CLEARANCE, box[2] + CLEARANCE, box[3] + CLEARANCE)
        if box[3] <= bottom_limit and not any(_overlap(clear, other) for other in boxes):
            return Stamp(index, (left, top, width, height), lines)
    raise _problem(
        signer.p12,
        "no room for the visible signature (--stamp) on the last page beside or under the "
        "signatories; sign without --stamp, or shorten the letter's last page",
    )


def _signatory_nodes(root: Any) -> set[Any] | None:
    """The structure elements of the signatories block, by identity; None if it has none."""
    found: list[Any] = []
    stack = [root]
    while stack:
        node = stack.pop()
        if node.attributes.get("letterpress") == "signatories":
            found.append(node)
        stack.extend(node.children)
    if not found:
        return None
    members: set[Any] = set()
    stack = list(found)
    while stack:
        node = stack.pop()
        members.add(node)
        stack.extend(node.children)
    return members


def _box(item: Any) -> tuple[float, float, float, float] | None:
    """Left, top, right, bottom in mm of what ``item`` draws."""
    from letterpress.layout.page import Line, Text

    if isinstance(item, Text):
        from reportlab.pdfbase.pdfmetrics import stringWidth

        right = item.x + stringWidth(item.text, item.font, item.size) / MM
        return item.x, item.y - item.size * 0.75 / MM, right, item.y + DESCENT
    if hasattr(item, "height"):  # images, rectangles, links
        return item.x, item.y, item.x + item.width, item.y + item.height
    if isinstance(item, Line):
        return (
            min(item.x1, item.x2), min(item.y1, item.y2), max(item.x1, item.x2),
            max(item.y1, item.y2),
        )
    return None


def _is_content(item: Any) -> bool:
    """Part of the letter's text flow (not running header, footer or page number)."""
    from letterpress import geometry as g

    box = _box(item)
    return box is not None and getattr(item, "node", None) is not None and box[3] < g.FOOTER_RULE


def _overlap(a: tuple[float, ...], b: tuple[float, ...] | None) -> bool:
    if b is None:
        return False
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _language(tag: str) -> str:
    return tag.split("-")[0].lower()

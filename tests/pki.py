"""Test material for signing: a private CA, signing certificates in .p12 files, a PDF/A-2b letter.

Keys are EC P-256 unless asked otherwise, so that making them costs microseconds. Nothing here
touches the network or the system's trust store.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pikepdf
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

FONT = Path(__file__).resolve().parents[1] / "fonts" / "LiberationSans-Regular.ttf"
PASSWORD = b"hemmelig-passord"


@dataclass(frozen=True)
class Issued:
    """A key and the certificate for it."""

    key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey
    cert: x509.Certificate


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "NO"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Testkommune"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _usage(**allowed: bool) -> x509.KeyUsage:
    flags = dict.fromkeys(
        (
            "digital_signature",
            "content_commitment",
            "key_encipherment",
            "data_encipherment",
            "key_agreement",
            "key_cert_sign",
            "crl_sign",
            "encipher_only",
            "decipher_only",
        ),
        False,
    )
    flags.update(allowed)
    return x509.KeyUsage(**flags)


SIGNING = _usage(digital_signature=True, content_commitment=True)
KEY_AGREEMENT_ONLY = _usage(key_agreement=True)


def make_ca(common_name: str = "Testkommune Rot-CA") -> Issued:
    """A self-signed root that may issue certificates."""
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name))
        .issuer_name(_name(common_name))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=365))
        .not_valid_after(now + timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(_usage(key_cert_sign=True, crl_sign=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        .sign(key, hashes.SHA256())
    )
    return Issued(key, cert)


def issue(
    ca: Issued,
    common_name: str = "Kari Nordmann",
    *,
    valid_from: timedelta = timedelta(days=-30),
    valid_for: timedelta = timedelta(days=365),
    usage: x509.KeyUsage | None = SIGNING,
    rsa_bits: int | None = None,
) -> Issued:
    """A certificate signed by ``ca``, valid from now + ``valid_from`` for ``valid_for``.

    The key is EC P-256, or RSA of ``rsa_bits`` bits (as most enterprise certificates are).
    """
    key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey = (
        rsa.generate_private_key(public_exponent=65537, key_size=rsa_bits)
        if rsa_bits
        else ec.generate_private_key(ec.SECP256R1())
    )
    start = datetime.now(UTC) + valid_from
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name))
        .issuer_name(ca.cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + valid_for)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.key.public_key()), False
        )
    )
    if usage is not None:
        builder = builder.add_extension(usage, critical=True)
    return Issued(key, builder.sign(ca.key, hashes.SHA256()))


def write_p12(path: Path, who: Issued, ca: Issued, password: bytes | None = PASSWORD) -> Path:
    """Write ``who``'s key and certificate, with the CA certificate, as a PKCS#12 file."""
    encryption = (
        serialization.BestAvailableEncryption(password)
        if password
        else serialization.NoEncryption()
    )
    data = pkcs12.serialize_key_and_certificates(
        b"signer", who.key, who.cert, [ca.cert], encryption
    )
    path.write_bytes(data)
    return path


def write_pem(path: Path, cert: x509.Certificate) -> Path:
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return path


def pdfa_letter(text: str = "Vedtak i formannskapet: æøå ÆØÅ", pages: int = 1) -> bytes:
    """A small PDF/A-2b file: ReportLab text in an embedded TrueType font, sRGB output intent."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen.canvas import Canvas

    from letterpress.finish.pdfa import srgb_profile

    pdfmetrics.registerFont(TTFont("PkiTestSans", str(FONT)))
    raw = io.BytesIO()
    canvas = Canvas(raw, pagesize=A4, invariant=1)
    canvas.setTitle("Testbrev")
    canvas.setAuthor("Testkommune")
    for number in range(1, pages + 1):
        canvas.setFont("PkiTestSans", 12)
        canvas.drawString(72, 760, f"{text} (side {number})")
        canvas.showPage()
    canvas.save()

    pdf = pikepdf.open(io.BytesIO(raw.getvalue()))
    # The bundled profile, not one LittleCMS makes now: its header holds the time it was made,
    # and for about one time in sixty the compressed stream breaks PDF/A-2b, failing tests that
    # only wanted a valid letter to sign.
    profile = pdf.make_stream(srgb_profile())
    profile.N = 3
    pdf.Root.OutputIntents = pikepdf.Array(
        [
            pikepdf.Dictionary(
                Type=pikepdf.Name.OutputIntent,
                S=pikepdf.Name.GTS_PDFA1,
                OutputConditionIdentifier=pikepdf.String("sRGB IEC61966-2.1"),
                DestOutputProfile=profile,
            )
        ]
    )
    with pdf.open_metadata() as meta:
        meta["pdfaid:part"] = "2"
        meta["pdfaid:conformance"] = "B"
    out = io.BytesIO()
    pdf.save(out, deterministic_id=True)
    return out.getvalue()

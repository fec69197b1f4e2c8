"""A real PKI on 127.0.0.1 for the signing tests: certomancer's CA, OCSP responder, CRL server
and time-stamping authority, configured by tests/certomancer.yml and served over HTTP from a
thread. Nothing leaves this machine.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12

CONFIG = Path(__file__).with_name("certomancer.yml")
ARCH = "kommune"
KEYS = ("root", "issuing", "ocsp", "tsa", "signer")
PASSWORD = b"kommune-passord"


@dataclass(frozen=True)
class LocalPki:
    url: str
    """http://127.0.0.1:PORT, where every service answers."""
    p12: Path
    """Kari Nordmann's key and certificate with the issuing CA and root, as a .p12 file."""
    root_pem: Path
    """The root CA certificate, for --trust."""

    @property
    def tsa(self) -> str:
        return f"{self.url}/{ARCH}/tsa/tsa"


@contextmanager
def serve(folder: Path) -> Iterator[LocalPki]:
    """Start the PKI's services on a free port of 127.0.0.1 until the block ends."""
    from certomancer.integrations.animator import Animator, AnimatorArchStore
    from certomancer.registry import CertomancerConfig
    from werkzeug.serving import make_server

    for name in KEYS:
        key = ec.generate_private_key(ec.SECP256R1())
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        (folder / f"{name}.key.pem").write_bytes(pem)
    app = _Deferred()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    url = f"http://127.0.0.1:{server.server_port}"
    config = CertomancerConfig.from_file(
        str(CONFIG), key_search_dir=str(folder), external_url_prefix=url
    )
    arch = config.get_pki_arch(ARCH)
    app.target = Animator(AnimatorArchStore(config.pki_archs), with_web_ui=False)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield LocalPki(url, _write_p12(folder, arch), _write_root(folder, arch))
    finally:
        server.shutdown()
        thread.join(timeout=10)


class _Deferred:
    """A WSGI app whose target is set once the server's port (and so the URLs) is known."""

    target = None

    def __call__(self, environ, start_response):  # type: ignore[no-untyped-def]
        return self.target(environ, start_response)


def _write_p12(folder: Path, arch) -> Path:  # type: ignore[no-untyped-def]
    key = serialization.load_pem_private_key((folder / "signer.key.pem").read_bytes(), None)
    cert, *chain = (_pyca(arch.get_cert(label)) for label in ("signer", "issuing", "root"))
    data = pkcs12.serialize_key_and_certificates(
        b"Kari Nordmann",
        key,  # type: ignore[arg-type]
        cert,
        chain,
        serialization.BestAvailableEncryption(PASSWORD),
    )
    path = folder / "kari.p12"
    path.write_bytes(data)
    return path


def _write_root(folder: Path, arch) -> Path:  # type: ignore[no-untyped-def]
    path = folder / "root.pem"
    path.write_bytes(_pyca(arch.get_cert("root")).public_bytes(serialization.Encoding.PEM))
    return path


def _pyca(cert) -> x509.Certificate:  # type: ignore[no-untyped-def]
    return x509.load_der_x509_certificate(cert.dump())

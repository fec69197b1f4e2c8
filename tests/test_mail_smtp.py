"""``letterpress mail --send`` against a real SMTP server on 127.0.0.1, started by the tests."""

from __future__ import annotations

import asyncio
import datetime as dt
import email
import ipaddress
import json
import os
import signal
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from conftest import KS_LETTERHEAD, ROOT, pdf_text, write_yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from letterpress.cli import main

USER, PASSWORD = "brevsender", "hemmelig-Passord-æøå-42"
FAST = ["--attempts", "3", "--retry-delay", "0.01", "--timeout", "5"]
PEOPLE = [
    ("Kari Nordmann", "kari@example.no"),
    ("Per Ås", "per@example.no"),
    ("Ola Bakke", "ola@example.no"),
    ("Anne Lie", "anne@example.no"),
]


# ---------------------------------------------------------------------------------------------
# The server


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    content: bytes
    tls: bool
    authenticated: bool

    @property
    def message(self) -> EmailMessage:
        message = email.message_from_bytes(self.content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        return message


@dataclass
class Inbox:
    """An aiosmtpd handler that keeps what it accepts and answers as a test tells it to."""

    received: list[Received] = field(default_factory=list)
    rcpt_replies: dict[str, list[str]] = field(default_factory=dict)
    """Replies to RCPT for an address, used up one by one; the last one stays."""
    data_replies: list[str] = field(default_factory=list)
    """Replies to DATA before the server starts accepting."""
    drop_from: int | None = None
    """Drop the connection at DATA once this many messages have been accepted."""
    hold_from: int | None = None
    """Stall at DATA once this many messages have been accepted, until ``release``."""
    release: bool = False
    data_calls: int = 0
    sessions: list[Any] = field(default_factory=list)
    """One per connection (a session lives as long as its connection)."""

    async def handle_EHLO(self, server, session, envelope, hostname, responses) -> list[str]:
        if not any(known is session for known in self.sessions):
            self.sessions.append(session)
        session.host_name = hostname  # what aiosmtpd does itself when there is no hook
        return responses

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options) -> str:
        replies = self.rcpt_replies.get(address)
        if replies:
            reply = replies.pop(0) if len(replies) > 1 else replies[0]
            if not reply.startswith("250"):
                return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope) -> str:
        self.data_calls += 1
        if self.drop_from is not None and len(self.received) >= self.drop_from:
            server.transport.abort()
            return "451 4.3.0 gone"
        if self.hold_from is not None and len(self.received) >= self.hold_from:
            while not self.release:
                await asyncio.sleep(0.01)
            return "451 4.3.0 interrupted"
        if self.data_replies:
            return self.data_replies.pop(0)
        self.received.append(Received(
            envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content,
            session.ssl is not None, bool(session.authenticated),
        ))
        return "250 2.0.0 Message accepted"

    def addresses(self) -> list[str]:
        return sorted(a for r in self.received for a in r.rcpt_tos)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def authenticator(server, session, envelope, mechanism: str, auth_data: Any) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and auth_data == (
        USER.encode(), PASSWORD.encode()
    )
    return AuthResult(success=ok, handled=False)


@pytest.fixture
def smtp_server() -> Iterator[Any]:
    """Start servers on free ports; ``start(**kwargs)`` returns (inbox, port)."""
    controllers: list[Controller] = []

    def start(inbox: Inbox | None = None, **kwargs: Any) -> tuple[Inbox, int]:
        inbox = inbox or Inbox()
        port = free_port()
        controller = Controller(inbox, hostname="127.0.0.1", port=port, **kwargs)
        controller.start()
        controllers.append(controller)
        return inbox, port

    yield start
    for controller in controllers:
        controller.stop()


@dataclass(frozen=True)
class Certificate:
    cert: Path
    key: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert, self.key)
        return context


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> Certificate:
    """A self-signed certificate for localhost and 127.0.0.1."""
    folder = tmp_path_factory.mktemp("tls")
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "letterpress test SMTP")])
    now = dt.datetime.now(dt.UTC)
    public = key.public_key()
    cert = (
        x509.CertificateBuilder()
        .subject_name(name).issuer_name(name).public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([
            x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
        ]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(
            digital_signature=True, key_cert_sign=True, content_commitment=False,
            key_encipherment=False, data_encipherment=False, key_agreement=False,
            crl_sign=False, encipher_only=False, decipher_only=False,
        ), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(public), critical=False
        )
        .sign(key, hashes.SHA256())
    )
    paths = Certificate(folder / "cert.pem", folder / "key.pem")
    paths.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths.key.write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ))
    return paths


@pytest.fixture(autouse=True)
def _environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1714640400")
    monkeypatch.delenv("LETTERPRESS_SMTP_USER", raising=False)
    monkeypatch.delenv("LETTERPRESS_SMTP_PASSWORD", raising=False)


# ---------------------------------------------------------------------------------------------
# Letters


def write_letter(folder: Path, name: str = "svar.yaml", **fields: object) -> Path:
    data: dict[str, object] = {
        "letterhead": str(KS_LETTERHEAD),
        "date": "2024-05-02",
        "reference": {"ours": "24/00123-1", "archive_code": "035"},
        "recipient": {"name": "Kari Nordmann", "address": ["Storgata 1", "0155 OSLO"],
                      "email": "kari@example.no"},
        "title": "Svar på søknad om tilskudd",
        "body": "Vi viser til søknaden din om tilskudd til kulturtiltak.\n",
    }
    return write_yaml(folder / name, {**data, **fields})


def write_merge(folder: Path, people: list[tuple[str, str]] = PEOPLE) -> Path:
    return write_letter(
        folder, "invitasjon.yaml", recipient=None,
        recipients=[{"name": name, "email": address} for name, address in people],
        title="Invitasjon til {{ recipient.name }}",
        body="Kjære {{ recipient.name }}, velkommen til møtet.\n",
    )


def send(letter: Path, out: Path, port: int, *extra: str, tls: str = "none") -> int:
    return main(["mail", str(letter), "-o", str(out), "--send",
                 "--smtp", f"127.0.0.1:{port}", "--tls", tls, *FAST, *extra])



def ledger(out: Path) -> list[dict[str, Any]]:
    path = out / ".letterpress-sent.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


# ---------------------------------------------------------------------------------------------
# Delivery


def test_message_as_received(tmp_path: Path, smtp_server, capsys) -> None:
    inbox, port = smtp_server()
    letter = write_letter(tmp_path, email={"cc": ["leder@example.no"], "bcc": ["arkiv@ks.no"]})
    assert send(letter, tmp_path / "out", port) == 0
    (got,) = inbox.received
    assert got.mail_from == "ks@ks.no"
    assert got.rcpt_tos == ["kari@example.no", "leder@example.no", "arkiv@ks.no"]
    message = got.message
    assert message["From"] == "KS <ks@ks.no>"
    assert message["To"] == "Kari Nordmann <kari@example.no>"
    assert message["Cc"] == "leder@example.no"
    assert message["Subject"] == "Svar på søknad om tilskudd"
    # Blind copies travel in the envelope only; a delivered message is no draft.
    assert message["Bcc"] is None and message["X-Unsent"] is None
    text = message.get_body(("plain",)).get_content()
    assert text.replace("\r\n", "\n").startswith("Vedlagt følger brev fra KS.\n")
    (part,) = message.iter_attachments()
    assert part.get_filename() == "Svar på søknad om tilskudd.pdf"
    assert part.get_content_type() == "application/pdf"
    assert "Vi viser til søknaden din om tilskudd til kulturtiltak." in pdf_text(
        part.get_content()
    )
    saved = email.message_from_bytes((tmp_path / "out" / "svar.eml").read_bytes(),
                                     policy=policy.default)
    assert saved["Message-ID"] == message["Message-ID"]
    assert saved["Bcc"] == "arkiv@ks.no" and saved["X-Unsent"] is None
    assert "delivered 1" in capsys.readouterr().out


def test_starttls_and_login(tmp_path: Path, smtp_server, certificate, capsys,
                            monkeypatch) -> None:
    inbox, port = smtp_server(
        tls_context=certificate.server_context(), require_starttls=True,
        authenticator=authenticator, auth_required=True,
    )
    monkeypatch.setenv("LETTERPRESS_SMTP_USER", USER)
    monkeypatch.setenv("LETTERPRESS_SMTP_PASSWORD", PASSWORD)
    out = tmp_path / "out"
    code = send(write_letter(tmp_path), out, port, "--cafile", str(certificate.cert),
                tls="starttls")
    captured = capsys.readouterr()
    assert code == 0, captured.err
    (got,) = inbox.received
    assert got.tls and got.authenticated
    assert_password_nowhere(out, captured.out + captured.err)


# With implicit TLS aiosmtpd cannot tell that the connection is encrypted and warns.
@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_implicit_tls_and_login(tmp_path: Path, smtp_server, certificate, capsys,
                                monkeypatch) -> None:
    inbox, port = smtp_server(
        ssl_context=certificate.server_context(), authenticator=authenticator,
        auth_required=True, auth_require_tls=False,
    )
    monkeypatch.setenv("LETTERPRESS_SMTP_USER", USER)
    monkeypatch.setenv("LETTERPRESS_SMTP_PASSWORD", PASSWORD)
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate.cert))
    code = send(write_letter(tmp_path), tmp_path / "out", port, tls="ssl")
    assert code == 0, capsys.readouterr().err
    assert inbox.received[0].authenticated


def test_wrong_password_is_reported_without_the_password(
    tmp_path: Path, smtp_server, certificate, capsys, monkeypatch
) -> None:
    inbox, port = smtp_server(
        tls_context=certificate.server_context(), require_starttls=True,
        authenticator=authenticator, auth_required=True,
    )
    monkeypatch.setenv("LETTERPRESS_SMTP_USER", USER)
    monkeypatch.setenv("LETTERPRESS_SMTP_PASSWORD", PASSWORD + "-feil")
    out = tmp_path / "out"
    code = send(write_letter(tmp_path), out, port, "--cafile", str(certificate.cert),
                tls="starttls")
    captured = capsys.readouterr()
    assert code == 1
    assert f"refused the login of '{USER}'" in captured.err
    assert "Traceback" not in captured.err
    assert inbox.received == []
    assert (out / "svar.eml").exists()
    assert_password_nowhere(out, captured.out + captured.err, PASSWORD + "-feil")


def test_untrusted_certificate_is_refused(tmp_path: Path, smtp_server, certificate,
                                          capsys) -> None:
    inbox, port = smtp_server(tls_context=certificate.server_context(), require_starttls=True)
    assert send(write_letter(tmp_path), tmp_path / "out", port, tls="starttls") == 1
    err = capsys.readouterr().err
    assert f"the certificate of 127.0.0.1:{port} is not trusted" in err
    assert "--cafile" in err
    assert inbox.received == []


def test_server_without_starttls_gets_nothing(tmp_path: Path, smtp_server, capsys) -> None:
    inbox, port = smtp_server()
    assert send(write_letter(tmp_path), tmp_path / "out", port, tls="starttls") == 1
    assert "does not offer STARTTLS" in capsys.readouterr().err
    assert inbox.received == []


def test_password_is_never_sent_unencrypted(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.setenv("LETTERPRESS_SMTP_USER", USER)
    monkeypatch.setenv("LETTERPRESS_SMTP_PASSWORD", PASSWORD)
    code = main(["mail", str(write_letter(tmp_path)), "-o", str(tmp_path / "out"), "--send",
                 "--smtp", "smtp.example.no", "--tls", "none"])
    err = capsys.readouterr().err
    assert code == 2
    assert "will not send the password" in err and PASSWORD not in err


def assert_password_nowhere(out: Path, printed: str, password: str = PASSWORD) -> None:
    assert password not in printed
    for path in out.rglob("*"):
        if path.is_file():
            assert password.encode() not in path.read_bytes(), path


def test_temporary_failure_is_retried(tmp_path: Path, smtp_server, capsys) -> None:
    inbox, port = smtp_server(Inbox(data_replies=["451 4.3.0 Mail server busy, try later"]))
    assert send(write_letter(tmp_path), tmp_path / "out", port) == 0, capsys.readouterr().err
    assert inbox.data_calls == 2
    assert inbox.addresses() == ["kari@example.no"]


def test_temporary_refusal_of_one_recipient_is_retried_for_that_one(
    tmp_path: Path, smtp_server, capsys
) -> None:
    later = ["450 4.2.1 Mailbox busy, try later", "250 OK"]
    inbox, port = smtp_server(Inbox(rcpt_replies={
        "per@example.no": list(later), "ola@example.no": list(later),
    }))
    letter = write_letter(tmp_path, email={
        "to": ["kari@example.no", "per@example.no"], "cc": ["ola@example.no"],
    })
    assert send(letter, tmp_path / "out", port) == 0, capsys.readouterr().err
    assert [r.rcpt_tos for r in inbox.received] == [
        ["kari@example.no"], ["per@example.no", "ola@example.no"],
    ]
    assert "not delivered" not in capsys.readouterr().err


def test_temporary_failure_that_lasts_is_reported(tmp_path: Path, smtp_server, capsys) -> None:
    inbox, port = smtp_server(Inbox(data_replies=["451 4.3.0 Busy"] * 5))
    assert send(write_letter(tmp_path), tmp_path / "out", port) == 1
    err = capsys.readouterr().err
    assert "svar.eml: not delivered to kari@example.no (message refused: 451 4.3.0 Busy)" in err
    assert inbox.data_calls == 3


def test_permanent_refusal_of_one_recipient_of_a_merge(
    tmp_path: Path, smtp_server, capsys
) -> None:
    inbox, port = smtp_server(Inbox(rcpt_replies={"per@example.no": ["550 5.1.1 No such user"]}))
    letter = write_merge(tmp_path)
    out = tmp_path / "out"
    assert send(letter, out, port) == 1
    captured = capsys.readouterr()
    assert ("invitasjon/002-per-as.eml: the server refused per@example.no "
            "(550 5.1.1 No such user)") in captured.err
    assert inbox.addresses() == ["anne@example.no", "kari@example.no", "ola@example.no"]
    assert "delivered 3" in captured.out
    assert len(inbox.sessions) == 1
    subjects = sorted(r.message["Subject"] for r in inbox.received)
    assert subjects == ["Invitasjon til Anne Lie", "Invitasjon til Kari Nordmann",
                        "Invitasjon til Ola Bakke"]
    # Running again sends nothing twice; only the refused recipient is tried again.
    assert send(letter, out, port) == 1
    assert inbox.addresses() == ["anne@example.no", "kari@example.no", "ola@example.no"]
    assert "already delivered before 3" in capsys.readouterr().out


def test_server_that_is_not_there(tmp_path: Path, capsys) -> None:
    port = free_port()
    out = tmp_path / "out"
    started = time.monotonic()
    assert send(write_merge(tmp_path), out, port) == 1
    captured = capsys.readouterr()
    assert f"cannot connect to the SMTP server 127.0.0.1:{port}: connection refused" in captured.err
    assert "Traceback" not in captured.err
    assert "4 message(s) not sent" in captured.err
    # The messages are written all the same, and sending gives up once, not once a letter.
    assert len(list((out / "invitasjon").glob("*.eml"))) == 4
    assert time.monotonic() - started < 10


def test_second_run_after_dropped_connection_sends_only_the_rest(
    tmp_path: Path, smtp_server, capsys
) -> None:
    inbox, port = smtp_server(Inbox(drop_from=2))
    letter, out = write_merge(tmp_path), tmp_path / "out"
    assert send(letter, out, port, "-j", "1") == 1
    captured = capsys.readouterr()
    assert inbox.addresses() == ["kari@example.no", "per@example.no"]
    # The server dropped the connection after taking the message: it may have stored it, so it
    # is not tried again in this run (each of the two got DATA once, and no more).
    assert inbox.data_calls == 4
    assert ("invitasjon/003-ola-bakke.eml: ola@example.no: no answer from "
            f"127.0.0.1:{port} after the message was handed over") in captured.err
    assert "may have arrived 2" in captured.out
    inbox.drop_from = None
    assert send(letter, out, port) == 0
    captured = capsys.readouterr()
    assert inbox.addresses() == sorted(address for _, address in PEOPLE)
    assert "delivered 2, already delivered before 2" in captured.out
    # The messages being handed over when the connection dropped may have arrived: said once.
    assert captured.err.count("may arrive twice") == 1
    assert "2 message(s) were handed to the server by an earlier run" in captured.err
    # A third run finds everything delivered.
    assert send(letter, out, port) == 0
    assert len(inbox.received) == 4
    assert "already delivered before 4" in capsys.readouterr().out


def test_second_run_after_the_process_was_killed(tmp_path: Path, smtp_server, capsys) -> None:
    inbox, port = smtp_server(Inbox(hold_from=2))
    letter, out = write_merge(tmp_path), tmp_path / "out"
    command = [sys.executable, "-m", "letterpress", "mail", str(letter), "-o", str(out),
               "--send", "--smtp", f"127.0.0.1:{port}", "--tls", "none", "-j", "1", *FAST]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while inbox.data_calls < 3 and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        assert inbox.data_calls == 3, process.communicate()
        process.send_signal(signal.SIGKILL)
        process.wait(10)
    finally:
        inbox.release = True
        if process.poll() is None:
            process.kill()
            process.wait()
    assert inbox.addresses() == ["kari@example.no", "per@example.no"]
    inbox.hold_from = None
    assert send(letter, out, port) == 0
    assert inbox.addresses() == sorted(address for _, address in PEOPLE)
    assert "delivered 2, already delivered before 2" in capsys.readouterr().out
    events = [(r["event"], r["file"]) for r in ledger(out)]
    assert events.count(("delivered", "invitasjon/001-kari-nordmann.eml")) == 1
    assert events.count(("delivered", "invitasjon/003-ola-bakke.eml")) == 1


def test_resend_sends_again(tmp_path: Path, smtp_server, capsys) -> None:
    inbox, port = smtp_server()
    letter, out = write_letter(tmp_path), tmp_path / "out"
    assert send(letter, out, port) == 0
    assert send(letter, out, port) == 0
    assert len(inbox.received) == 1
    assert send(letter, out, port, "--resend") == 0
    assert len(inbox.received) == 2
    assert inbox.received[0].content == inbox.received[1].content


def test_letter_changed_after_delivery_is_pointed_out(tmp_path: Path, smtp_server,
                                                      capsys) -> None:
    inbox, port = smtp_server()
    out = tmp_path / "out"
    assert send(write_letter(tmp_path), out, port) == 0
    changed = write_letter(tmp_path, body="Vi viser til søknaden din. Beløpet er endret.\n")
    assert send(changed, out, port) == 0
    assert len(inbox.received) == 1
    assert "1 letter(s) changed since they were sent; they were not sent again" in (
        capsys.readouterr().err
    )


def test_ledger_torn_by_a_crash_is_read_past(tmp_path: Path, smtp_server) -> None:
    inbox, port = smtp_server()
    out = tmp_path / "out"
    out.mkdir()
    (out / ".letterpress-sent.jsonl").write_bytes(b'{"event": "delivered", "file": "sv')
    letter = write_letter(tmp_path)
    assert send(letter, out, port) == 0
    assert send(letter, out, port) == 0
    assert len(inbox.received) == 1
    # The torn line was never a record: it is cut off, and every line is a JSON object.
    lines = (out / ".letterpress-sent.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["event"] for line in lines] == ["sending", "delivered"]


def test_two_runs_never_send_from_one_folder_at_once(tmp_path: Path, smtp_server,
                                                    capsys) -> None:
    from letterpress.mail.ledger import Ledger

    inbox, port = smtp_server()
    out = tmp_path / "out"
    with Ledger(out):
        assert send(write_letter(tmp_path), out, port) == 1
    assert f"another letterpress mail is sending from {out}" in capsys.readouterr().err
    assert inbox.received == []


def test_exempt_letter_is_not_sent(tmp_path: Path, smtp_server, capsys) -> None:
    inbox, port = smtp_server()
    letter = write_letter(tmp_path, exempt="Offl. § 13 jf. fvl. § 13")
    assert send(letter, tmp_path / "out", port) == 1
    assert "exempt from public disclosure" in capsys.readouterr().err
    assert inbox.received == []


def test_header_injection_is_not_sent(tmp_path: Path, smtp_server, capsys) -> None:
    inbox, port = smtp_server()
    letter = write_letter(tmp_path, email={"subject": "Svar\nBcc: spion@example.com"})
    assert send(letter, tmp_path / "out", port) == 1
    assert "email.subject: the subject must be one line" in capsys.readouterr().err
    assert inbox.received == []

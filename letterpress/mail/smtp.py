"""Delivering messages over SMTP: one connection for a batch, a deadline on every network step,
bounded retries of temporary failures, and no password in any message, log or exception.

Every network step (connecting with the server's greeting, each command with its whole reply,
the message with the answer to it) has an overall deadline, not only a limit on each read: a
server that keeps sending a never-ending reply slowly is cut off when the deadline passes.

A reply of the 4xx class, a dropped connection or a timeout before the message itself was
handed over is temporary: the message is tried again, after a delay that doubles each time,
up to a fixed number of attempts. Once the message has been handed over (after DATA), a lost
connection or a missing answer leaves it *uncertain*: the server may have stored it, so it is
never tried again in the same run. A 5xx reply is permanent and final: that recipient (or, for
a refused sender or message, the message) is reported and the batch goes on. A server that
cannot be used at all (not reachable after every attempt, no STARTTLS, an untrusted
certificate, a refused login) stops the sending of the batch with one clear error; the
messages not sent are sent by the next run.
"""

from __future__ import annotations

import base64
import ipaddress
import os
import re
import smtplib
import socket
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol

TlsMode = Literal["starttls", "ssl", "none"]
DEFAULT_PORTS: dict[TlsMode, int] = {"starttls": 587, "ssl": 465, "none": 25}
USER_VARIABLE = "LETTERPRESS_SMTP_USER"
PASSWORD_VARIABLE = "LETTERPRESS_SMTP_PASSWORD"


class Secret:
    """A password that shows as ``***`` wherever it is printed, logged or put in a repr."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__


class SmtpError(Exception):
    """The SMTP server cannot be used; no message of the batch can be delivered through it."""


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how to deliver."""

    host: str
    port: int
    tls: TlsMode = "starttls"
    user: str = ""
    password: Secret | None = None
    timeout: float = 30.0
    """Seconds any one network step (connect, handshake, command, reply) may take."""
    attempts: int = 4
    """Tries of one message before a temporary failure is reported."""
    retry_delay: float = 2.0
    """Seconds before the second try; each later try waits twice as long as the one before."""
    cafile: Path | None = None
    """PEM file of the certificate authorities to trust instead of the system's."""
    ssl_context: ssl.SSLContext | None = field(default=None, repr=False)
    """A ready TLS context; takes precedence over ``cafile``."""

    @property
    def where(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"


def parse_server(text: str, tls: TlsMode) -> tuple[str, int]:
    """``HOST``, ``HOST:PORT`` or ``[IPv6]:PORT``; the port defaults to that of ``tls``."""
    text = text.strip()
    host, port = text, ""
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        port = rest.removeprefix(":")
    elif text.count(":") == 1:
        host, _, port = text.partition(":")
    if not host:
        raise ValueError(f"{text!r} names no server; write HOST or HOST:PORT")
    if not port:
        return host, DEFAULT_PORTS[tls]
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"{port!r} is not a port number (1-65535)")
    return host, int(port)


def credentials_from_environment(
    environ: dict[str, str] | os._Environ[str] = os.environ,
) -> tuple[str, Secret | None]:
    """The user and password from the environment; ``ValueError`` if only one is set."""
    user = environ.get(USER_VARIABLE, "")
    password = environ.get(PASSWORD_VARIABLE, "")
    if bool(user) != bool(password):
        missing = PASSWORD_VARIABLE if user else USER_VARIABLE
        raise ValueError(f"{missing} is not set; set both {USER_VARIABLE} and "
                         f"{PASSWORD_VARIABLE}, or neither")
    return user, Secret(password) if password else None


@dataclass
class Delivery:
    """What became of one message."""

    accepted: list[str] = field(default_factory=list)
    refused: dict[str, str] = field(default_factory=dict)
    """Permanently refused recipients and the server's reply."""
    failed: dict[str, str] = field(default_factory=dict)
    """Recipients still failing temporarily after the last attempt, and why."""
    uncertain: dict[str, str] = field(default_factory=dict)
    """Recipients of a message handed over without an answer: it may have arrived."""
    stopped: list[str] = field(default_factory=list)
    """Recipients not tried again because the run is stopping."""


class Journal(Protocol):
    """Told what happens to a message while it happens, so that it can be recorded."""

    def sending(self, recipients: list[str]) -> None: ...
    def delivered(self, recipients: list[str]) -> None: ...
    def refused(self, recipients: list[str]) -> None: ...


BYTES_PER_SECOND = 100_000
"""Slowest upload allowed for the message itself: its deadline grows with its size."""
_LEADING_DOT = re.compile(rb"(?m)^\.")


class _SMTP(smtplib.SMTP):
    """An SMTP connection that gives every network step one overall deadline.

    smtplib's own timeout limits each read, so a server that sends one byte a second (or an
    endless multi-line greeting) would hold it forever. Here a step starts when a command is
    sent (or the connection is opened) and every read and write of that step shares its time.
    """

    step_seconds: float = 30.0
    _deadline: float = 0.0

    def _start(self, seconds: float) -> None:
        self._deadline = time.monotonic() + seconds

    def left(self) -> float:
        """Seconds left of the step; ``TimeoutError`` when none are."""
        left = self._deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("timed out")
        return left

    def connect(
        self, host: str = "localhost", port: int = 0, source_address: Any = None
    ) -> tuple[int, bytes]:
        self._start(self.step_seconds)
        self._host = host  # what TLS checks the certificate against, as smtplib's __init__ sets
        return super().connect(host, port, source_address)

    def send(self, s: Any) -> None:
        size = len(s) if isinstance(s, (bytes, str)) else 0
        self._start(self.step_seconds + size / BYTES_PER_SECOND)
        if self.sock is not None:
            self.sock.settimeout(self.left())
        super().send(s)

    def getreply(self) -> tuple[int, bytes]:
        if self.file is None and self.sock is not None:
            self.file = _DeadlineReader(self)
        return super().getreply()


class _SMTP_SSL(_SMTP):
    """``smtplib.SMTP_SSL`` with the deadlines of ``_SMTP``: TLS from the first byte."""

    default_port = smtplib.SMTP_SSL_PORT

    def __init__(self, local_hostname: str, timeout: float, context: ssl.SSLContext) -> None:
        self.context = context
        super().__init__(local_hostname=local_hostname, timeout=timeout)

    def _get_socket(self, host: str, port: int, timeout: float) -> socket.socket:
        # What smtplib's own SMTP_SSL does, here on top of the deadlines.
        plain = socket.create_connection((host, port), timeout, self.source_address)
        return self.context.wrap_socket(plain, server_hostname=host)


class _DeadlineReader:
    """The line reader smtplib reads replies with, bounded by the step's deadline."""

    def __init__(self, owner: _SMTP) -> None:
        self._owner = owner
        self._buffer = bytearray()

    def readline(self, limit: int = -1) -> bytes:
        while True:
            end = self._buffer.find(b"\n")
            if end >= 0 or 0 < limit <= len(self._buffer):
                cut = end + 1 if end >= 0 else limit
                if limit > 0:
                    cut = min(cut, limit)
                line = bytes(self._buffer[:cut])
                del self._buffer[:cut]
                return line
            sock = self._owner.sock
            if sock is None:
                return b""
            sock.settimeout(self._owner.left())
            chunk = sock.recv(4096)
            if not chunk:
                line = bytes(self._buffer)
                self._buffer.clear()
                return line
            self._buffer += chunk

    def close(self) -> None:
        self._buffer.clear()


class _Temporary(Exception):
    def __init__(self, reason: str, connecting: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.connecting = connecting


class Mailer:
    """One SMTP connection, opened on the first message and kept for the whole batch."""

    def __init__(
        self, settings: SmtpSettings, sleep: Callable[[float], None] = time.sleep
    ) -> None:
        _refuse_clear_password(settings)
        self.settings = settings
        self._sleep = sleep
        self._connection: smtplib.SMTP | None = None
        self._broken: str | None = None
        self._secrets = _secret_forms(settings)

    def __enter__(self) -> Mailer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Say goodbye to the server, or just drop the connection if it no longer answers."""
        connection, self._connection = self._connection, None
        if connection is None:
            return
        try:
            connection.quit()
        except (smtplib.SMTPException, OSError):
            connection.close()

    def send(
        self, sender: str, recipients: list[str], data: bytes, journal: Journal,
        stopping: Callable[[], bool] = lambda: False,
    ) -> Delivery:
        """Deliver ``data`` to ``recipients``; ``SmtpError`` when the server cannot be used.

        ``stopping`` is asked before every new try: once it says yes, the recipients still
        pending are left in ``Delivery.stopped``. An exception raised by ``journal`` (the
        ledger cannot be written) drops the connection and is passed on.
        """
        if self._broken:
            raise SmtpError(self._broken)
        delivery = Delivery()
        pending = {address: "" for address in recipients}
        connecting = False
        for attempt in range(max(1, self.settings.attempts)):
            if attempt and not self._wait(self.settings.retry_delay * 2 ** (attempt - 1),
                                          stopping):
                delivery.stopped.extend(pending)
                return delivery
            try:
                pending = self._transaction(sender, list(pending), data, journal, delivery)
            except _Temporary as exc:
                pending = dict.fromkeys(pending, exc.reason)
                connecting = exc.connecting
                continue
            connecting = False
            if not pending:
                return delivery
        if connecting:
            self._broken = next(iter(pending.values()))
            raise SmtpError(self._broken)
        delivery.failed.update(pending)
        return delivery

    def _wait(self, seconds: float, stopping: Callable[[], bool]) -> bool:
        """Wait before a new try; False as soon as the run is stopping."""
        end = time.monotonic() + seconds
        while not stopping():
            left = end - time.monotonic()
            if left <= 0:
                return True
            self._sleep(min(left, 0.1))
        return False

    def _transaction(
        self, sender: str, pending: list[str], data: bytes, journal: Journal, delivery: Delivery
    ) -> dict[str, str]:
        """One MAIL/RCPT/DATA exchange; returns the recipients that failed temporarily, and why."""
        connection = self._connect()
        try:
            return self._exchange(connection, sender, pending, data, journal, delivery)
        except (smtplib.SMTPException, OSError) as exc:
            self._drop()
            raise _Temporary(self._scrub(
                f"the connection to {self.settings.where} was lost ({_describe(exc)})"
            )) from None
        except BaseException:
            # The journal failed, or the run is being killed: whatever the server holds of an
            # unfinished message is thrown away when the connection closes without its end.
            self._drop()
            raise

    def _exchange(
        self, connection: smtplib.SMTP, sender: str, pending: list[str], data: bytes,
        journal: Journal, delivery: Delivery,
    ) -> dict[str, str]:
        code, reply = connection.mail(sender)
        if code != 250:
            what = f"sender {sender} refused"
            return self._refused_whole(connection, what, code, reply, pending, delivery)
        refusals: dict[str, tuple[int, bytes]] = {}
        for address in pending:
            code, reply = connection.rcpt(address)
            if code not in (250, 251):
                refusals[address] = (code, reply)
        accepted = [address for address in pending if address not in refusals]
        if not accepted:
            self._reset(connection)
            return self._settle(refusals, delivery)
        code, reply = connection.docmd("DATA")
        if code != 354:
            # A definite answer before the message was handed over: nothing was delivered.
            what = "message refused"
            return self._refused_whole(connection, what, code, reply, accepted, delivery) | (
                self._settle(refusals, delivery)
            )
        # Recorded only now: everything before this point is certain not to deliver anything.
        journal.sending(accepted)
        try:
            code, reply = self._hand_over(connection, data)
        except (smtplib.SMTPException, OSError) as exc:
            # The server may have stored the message and lost only its answer: trying again
            # could deliver it twice, so it is left for the next run to report.
            self._drop()
            reason = self._scrub(
                f"no answer from {self.settings.where} after the message was handed over "
                f"({_describe(exc)}); it may have arrived"
            )
            delivery.uncertain.update(dict.fromkeys(accepted, reason))
            return self._settle(refusals, delivery)
        if code != 250:
            journal.refused(accepted)
            what = "message refused"
            return self._refused_whole(connection, what, code, reply, accepted, delivery) | (
                self._settle(refusals, delivery)
            )
        journal.delivered(accepted)
        delivery.accepted.extend(accepted)
        return self._settle(refusals, delivery)

    @staticmethod
    def _hand_over(connection: smtplib.SMTP, data: bytes) -> tuple[int, bytes]:
        """The message and the end-of-data line after a 354; the server's answer."""
        body = _LEADING_DOT.sub(b"..", data)
        if not body.endswith(b"\r\n"):
            body += b"\r\n"
        connection.send(body + b".\r\n")
        return connection.getreply()

    def _settle(
        self, refusals: dict[str, tuple[int, bytes]], delivery: Delivery
    ) -> dict[str, str]:
        again = {}
        for address, (code, reply) in refusals.items():
            text = self._scrub(_reply(code, reply))
            if 500 <= code < 600:
                delivery.refused[address] = text
            else:
                again[address] = text
        return again

    def _refused_whole(
        self, connection: smtplib.SMTP, what: str, code: int, reply: bytes, pending: list[str],
        delivery: Delivery,
    ) -> dict[str, str]:
        """The sender or the message itself was refused: every recipient shares the answer."""
        text = self._scrub(f"{what}: {_reply(code, reply)}")
        if code == 421:
            self._drop()
        else:
            self._reset(connection)
        if 500 <= code < 600:
            delivery.refused.update(dict.fromkeys(pending, text))
            return {}
        return dict.fromkeys(pending, text)

    def _connect(self) -> smtplib.SMTP:
        if self._connection is not None:
            return self._connection
        settings = self.settings
        try:
            connection = self._open()
        except ssl.SSLCertVerificationError as exc:
            raise SmtpError(
                f"the certificate of {settings.where} is not trusted ({exc.verify_message}); "
                "give --cafile with the certificate of the authority that issued it"
            ) from None
        except ssl.SSLError as exc:
            raise SmtpError(self._scrub(
                f"TLS with {settings.where} failed ({exc.reason or exc}); check --tls"
            )) from None
        except socket.gaierror:
            raise SmtpError(
                f"the SMTP server {settings.host!r} is not known; check --smtp"
            ) from None
        except (smtplib.SMTPException, OSError) as exc:
            raise _Temporary(self._scrub(
                f"cannot connect to the SMTP server {settings.where}: {_describe(exc)}"
            ), connecting=True) from None
        self._connection = connection
        return connection

    def _open(self) -> smtplib.SMTP:
        settings = self.settings
        hostname = socket.gethostname()
        if settings.tls == "ssl":
            connection: _SMTP | _SMTP_SSL = _SMTP_SSL(
                local_hostname=hostname, timeout=settings.timeout, context=self._context(),
            )
        else:
            connection = _SMTP(local_hostname=hostname, timeout=settings.timeout)
        connection.step_seconds = settings.timeout
        try:
            code, reply = connection.connect(settings.host, settings.port)
            if code != 220:
                raise smtplib.SMTPConnectError(code, reply)
            self._greet(connection)
        except BaseException:
            connection.close()
            raise
        return connection

    def _greet(self, connection: smtplib.SMTP) -> None:
        settings = self.settings
        connection.ehlo()
        if settings.tls == "starttls":
            if not connection.has_extn("starttls"):
                raise SmtpError(
                    f"{settings.where} does not offer STARTTLS, so the password and the letters "
                    "would travel unencrypted; use --tls ssl, or the server's submission port"
                )
            connection.starttls(context=self._context())
            connection.ehlo()
        if settings.user and settings.password is not None:
            self._login(connection)

    def _login(self, connection: smtplib.SMTP) -> None:
        settings = self.settings
        assert settings.password is not None
        mechanisms = connection.esmtp_features.get("auth", "").upper().split()
        if not mechanisms:
            raise SmtpError(f"{settings.where} does not offer AUTH; unset {USER_VARIABLE} and "
                            f"{PASSWORD_VARIABLE} if it needs no login")
        # smtplib's login() encodes the password as ASCII and fails on "æøå"; PLAIN and LOGIN
        # carry UTF-8 (RFC 4616), so the exchange is done here.
        user = settings.user.encode("utf-8")
        password = settings.password.reveal().encode("utf-8")
        if "PLAIN" in mechanisms:
            code, reply = connection.docmd("AUTH", "PLAIN " + _b64(b"\0" + user + b"\0" + password))
        elif "LOGIN" in mechanisms:
            code, reply = connection.docmd("AUTH", "LOGIN " + _b64(user))
            if code == 334:
                code, reply = connection.docmd(_b64(password))
        else:
            raise SmtpError(f"{settings.where} offers no login method letterpress knows "
                            f"(PLAIN or LOGIN; it offers {' '.join(mechanisms)})")
        if code != 235:
            raise SmtpError(self._scrub(
                f"{settings.where} refused the login of {settings.user!r} "
                f"({_reply(code, reply)}); check {USER_VARIABLE} and {PASSWORD_VARIABLE}"
            ))

    def _context(self) -> ssl.SSLContext:
        settings = self.settings
        if settings.ssl_context is not None:
            return settings.ssl_context
        cafile = str(settings.cafile) if settings.cafile else None
        return ssl.create_default_context(cafile=cafile)

    def _reset(self, connection: smtplib.SMTP) -> None:
        """End a refused transaction; a server that no longer answers is reconnected later."""
        try:
            connection.rset()
        except (smtplib.SMTPException, OSError):
            self._drop()

    def _drop(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            connection.close()

    def _scrub(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text


def _refuse_clear_password(settings: SmtpSettings) -> None:
    if settings.tls == "none" and settings.password is not None and not _loopback(settings.host):
        raise SmtpError(
            f"will not send the password to {settings.where} unencrypted; "
            "use --tls starttls or --tls ssl"
        )


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _secret_forms(settings: SmtpSettings) -> list[str]:
    """The password as text and in each encoding a login sends it in."""
    if settings.password is None or not settings.password.reveal():
        return []
    password = settings.password.reveal()
    plain = f"\0{settings.user}\0{password}"
    forms = [password, plain]
    forms += [base64.b64encode(form.encode()).decode() for form in (password, plain)]
    return sorted(forms, key=len, reverse=True)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _reply(code: int, reply: bytes | str) -> str:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
    return f"{code} {' '.join(text.split())}"


def _describe(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError) or "timed out" in str(exc):
        return "no answer in time"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused (is the server running, and is the port right?)"
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return "the server closed the connection"
    if isinstance(exc, smtplib.SMTPResponseException):
        return _reply(exc.smtp_code, exc.smtp_error)
    return getattr(exc, "strerror", None) or exc.__class__.__name__

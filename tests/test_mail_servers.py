"""``letterpress mail --send`` against scripted SMTP servers that misbehave where aiosmtpd cannot:
dropping the connection after the message, answering after the deadline, refusing with 554,
and greeting forever. Each message reaches the server at most once per run, and each run
says clearly what became of it.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_mail_smtp import PEOPLE, ledger, write_letter, write_merge

from letterpress.cli import main


class Scripted:
    """A small SMTP server on 127.0.0.1, one thread per connection, misbehaving as ``mode``
    says: ``ok``, ``drop`` (close after the message), ``late`` (answer the message after
    ``late`` seconds), ``drip`` (answer the message with lines that never end), ``554-data``
    (refuse DATA), ``554-message`` (refuse the message), ``tarpit`` (a greeting that never
    ends)."""

    def __init__(self, mode: str, late: float = 2.5) -> None:
        self.mode = mode
        self.late = late
        self.data_commands = 0
        self.messages: list[list[str]] = []
        """The recipients of every message handed over completely (up to the final dot)."""
        self._closed = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.1)
        self.port = self._listener.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def close(self) -> None:
        self._closed.set()
        self._listener.close()

    def _serve(self) -> None:
        while not self._closed.is_set():
            try:
                connection, _ = self._listener.accept()
            except (TimeoutError, OSError):
                continue
            threading.Thread(target=self._session, args=(connection,), daemon=True).start()

    def _session(self, connection: socket.socket) -> None:
        with contextlib.suppress(OSError), connection:
            if self.mode == "tarpit":
                connection.sendall(b"220-welcome\r\n")
                while not self._closed.is_set():
                    time.sleep(0.05)
                    connection.sendall(b"220-still greeting you\r\n")
                return
            connection.sendall(b"220 scripted ESMTP\r\n")
            reader = connection.makefile("rb")
            recipients: list[str] = []
            for line in reader:
                verb = line[:4].upper()
                if verb in (b"EHLO", b"HELO"):
                    connection.sendall(b"250-scripted\r\n250 8BITMIME\r\n")
                elif verb == b"MAIL":
                    recipients = []
                    connection.sendall(b"250 OK\r\n")
                elif verb == b"RCPT":
                    recipients.append(line.split(b"<")[1].split(b">")[0].decode())
                    connection.sendall(b"250 OK\r\n")
                elif verb == b"DATA":
                    self.data_commands += 1
                    if not self._message(connection, reader, recipients):
                        return
                elif verb == b"QUIT":
                    connection.sendall(b"221 bye\r\n")
                    return
                else:  # RSET, NOOP
                    connection.sendall(b"250 OK\r\n")

    def _message(self, connection: socket.socket, reader, recipients: list[str]) -> bool:
        if self.mode == "554-data":
            connection.sendall(b"554 5.7.1 not from you\r\n")
            return True
        connection.sendall(b"354 go ahead\r\n")
        for line in reader:
            if line == b".\r\n":
                break
        self.messages.append(list(recipients))
        if self.mode == "drop":
            return False
        if self.mode == "late":
            time.sleep(self.late)
        while self.mode == "drip" and not self._closed.is_set():
            connection.sendall(b"250-still thinking\r\n")  # each line in time, never the last
            time.sleep(0.05)
        if self.mode == "554-message":
            connection.sendall(b"554 5.6.0 content refused\r\n")
        else:
            connection.sendall(b"250 2.0.0 queued\r\n")
        return True


@pytest.fixture
def scripted() -> Iterator:
    servers: list[Scripted] = []

    def start(mode: str, **kwargs: float) -> Scripted:
        servers.append(Scripted(mode, **kwargs))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


@pytest.fixture(autouse=True)
def _environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1714640400")
    monkeypatch.delenv("LETTERPRESS_SMTP_USER", raising=False)
    monkeypatch.delenv("LETTERPRESS_SMTP_PASSWORD", raising=False)


def send(letter: Path, out: Path, server: Scripted, *extra: str) -> int:
    return main(["mail", str(letter), "-o", str(out), "--send", "--smtp",
                 f"127.0.0.1:{server.port}", "--tls", "none", "-j", "1", "--attempts", "3",
                 "--retry-delay", "0.01", "--timeout", "1", *extra])


def test_connection_dropped_after_the_message_is_not_sent_again_in_that_run(
    tmp_path: Path, scripted, capsys
) -> None:
    server = scripted("drop")
    letter, out = write_merge(tmp_path), tmp_path / "out"
    assert send(letter, out, server) == 1
    captured = capsys.readouterr()
    # Each message was handed over once, though three tries were allowed.
    assert sorted(r for m in server.messages for r in m) == sorted(a for _, a in PEOPLE)
    assert server.data_commands == len(PEOPLE)
    assert captured.err.count("after the message was handed over") == len(PEOPLE)
    assert "it is not sent again in this run" in captured.err
    assert "delivered 0, already delivered before 0, may have arrived 4" in captured.out
    # They may have arrived, so the copies are kept as what was sent, without X-Unsent.
    for path in (out / "invitasjon").glob("*.eml"):
        assert b"X-Unsent" not in path.read_bytes()
    # The next run sends them again and says so once.
    server.mode = "ok"
    assert send(letter, out, server) == 0
    captured = capsys.readouterr()
    assert captured.err.count("may arrive twice") == 1
    assert "4 message(s) were handed to the server by an earlier run" in captured.err
    assert "delivered 4" in captured.out
    # What the first run handed over stays as it was; the second sending has its own copy.
    assert len(list((out / "invitasjon").glob("*.2.eml"))) == len(PEOPLE)
    assert send(letter, out, server) == 0
    assert server.data_commands == 2 * len(PEOPLE)


def test_an_answer_after_the_deadline_is_not_followed_by_a_second_try(
    tmp_path: Path, scripted, capsys
) -> None:
    server = scripted("late", late=2.5)
    letter, out = write_letter(tmp_path), tmp_path / "out"
    started = time.monotonic()
    assert send(letter, out, server) == 1
    assert time.monotonic() - started < 10
    captured = capsys.readouterr()
    assert server.data_commands == 1
    assert "no answer in time" in captured.err and "it may have arrived" in captured.err
    events = [r["event"] for r in ledger(out)]
    assert events == ["sending"]


def test_an_answer_that_never_ends_is_cut_off_and_not_followed_by_a_second_try(
    tmp_path: Path, scripted, capsys
) -> None:
    server = scripted("drip")
    letter, out = write_letter(tmp_path), tmp_path / "out"
    started = time.monotonic()
    assert send(letter, out, server) == 1
    assert time.monotonic() - started < 10
    assert server.data_commands == 1
    assert "no answer in time" in capsys.readouterr().err


@pytest.mark.parametrize("mode", ["554-data", "554-message"])
def test_a_permanent_refusal_is_final_and_reported_per_recipient(
    tmp_path: Path, scripted, capsys, mode: str
) -> None:
    server = scripted(mode)
    letter = write_letter(tmp_path, email={"cc": ["leder@example.no"]})
    out = tmp_path / "out"
    assert send(letter, out, server) == 1
    captured = capsys.readouterr()
    assert server.data_commands == 1  # not tried again
    for address in ("kari@example.no", "leder@example.no"):
        assert f"the server refused {address} (message refused: 554" in captured.err
    assert "delivered 0" in captured.out
    assert b"X-Unsent: 1" in (out / "svar.eml").read_bytes()
    # Never accepted, so the next run has nothing that may arrive twice.
    assert send(letter, out, server) == 1
    assert "may arrive twice" not in capsys.readouterr().err


def test_a_greeting_that_never_ends_is_cut_off_at_the_deadline(
    tmp_path: Path, scripted, capsys
) -> None:
    server = scripted("tarpit")
    letter, out = write_letter(tmp_path), tmp_path / "out"
    started = time.monotonic()
    code = main(["mail", str(letter), "-o", str(out), "--send", "--smtp",
                 f"127.0.0.1:{server.port}", "--tls", "none", "--timeout", "1",
                 "--attempts", "1"])
    assert time.monotonic() - started < 10
    assert code == 1
    captured = capsys.readouterr()
    assert f"cannot connect to the SMTP server 127.0.0.1:{server.port}" in captured.err
    assert "no answer in time" in captured.err
    assert "wrote 1 .eml, delivered 0" in captured.out
    assert b"X-Unsent: 1" in (out / "svar.eml").read_bytes()

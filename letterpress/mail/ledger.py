"""The delivery ledger: which message reached which recipient, so a second run sends the rest.

The ledger is ``DIR/.letterpress-sent.jsonl`` beside the ``.eml`` files, one JSON object a
line, only ever appended to. Every record is flushed and fsynced before the program goes on,
so a record that was written survives a crash or a power cut. A message is identified by its
file name inside DIR (``x.eml``, ``x/001-kari-nordmann.eml``) and each recipient address, not
by its bytes: the PDF is built anew on every run, and what matters to the person receiving it
is whether this letter has reached them. Each record also holds a fingerprint of the letter's
content, so a letter changed after it was sent is pointed out instead of silently skipped.

Three events are recorded for a message and its recipients:

- ``sending``: written before the message is handed to the server;
- ``delivered``: written as soon as the server has accepted it (250 after DATA), for the
  recipients the server accepted;
- ``refused``: the server gave a definite answer that it did not take it.

Delivery is **at least once**. The server accepts the message before the ``delivered``
record can be written; a crash between the two (a window of milliseconds), or a connection
lost after the message was sent but before the server's answer arrived, leaves a
``sending`` record with nothing after it. The next run sends that message again and warns
that it may arrive twice. The alternative, sending at most once, would turn the same rare
crash into a letter that silently never arrives; an official letter that must reach its
recipient (a decision with a deadline for appeal) is better duplicated than lost.

Only one run may send from a DIR at a time: the ledger is locked while it is open.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

LEDGER_NAME = ".letterpress-sent.jsonl"


class LedgerBusy(Exception):
    """Another run holds the ledger of this output folder."""


@dataclass(frozen=True)
class Record:
    """One line of the ledger."""

    event: str
    file: str
    recipients: tuple[str, ...]
    message_id: str
    fingerprint: str
    time: str


class Ledger:
    """The ledger of one output folder, open for appending and locked against other runs."""

    def __init__(self, directory: Path) -> None:
        self.path = directory / LEDGER_NAME
        self._by_file: dict[str, list[Record]] = {}
        self._handle: IO[bytes] | None = None

    def __enter__(self) -> Ledger:
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def open(self) -> None:
        """Open the ledger for appending and lock it; ``LedgerBusy`` if another run has it."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        created = not self.path.exists()
        handle = open(self.path, "ab")  # noqa: SIM115 - held open until close()
        try:
            _lock(handle, self.path.parent)
        except BaseException:
            handle.close()
            raise
        self._handle = handle
        if created:
            _fsync_directory(self.path.parent)
        self._by_file = {}
        for record in _read(self.path):
            self._by_file.setdefault(record.file, []).append(record)
        self._end_torn_line()

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None

    def delivered(self, file: str) -> dict[str, Record]:
        """The recipients (lower case) ``file`` has reached, each with its latest record."""
        found: dict[str, Record] = {}
        for record in self._by_file.get(file, []):
            if record.event == "delivered":
                for address in record.recipients:
                    found[address.lower()] = record
        return found

    def unsettled(self, file: str) -> set[str]:
        """Recipients (lower case) whose last record for ``file`` is ``sending``: a run stopped
        while handing the message to the server, so it may or may not have arrived."""
        last: dict[str, str] = {}
        for record in self._by_file.get(file, []):
            for address in record.recipients:
                last[address.lower()] = record.event
        return {address for address, event in last.items() if event == "sending"}

    def append(
        self, event: str, file: str, recipients: list[str], message_id: str, fingerprint: str
    ) -> None:
        """Write one record and make it durable before returning."""
        if self._handle is None:
            raise RuntimeError("the ledger is not open")
        record = Record(
            event=event,
            file=file,
            recipients=tuple(recipients),
            message_id=message_id,
            fingerprint=fingerprint,
            time=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        )
        line = json.dumps(_as_json(record), ensure_ascii=False) + "\n"
        self._handle.write(line.encode("utf-8"))
        self._handle.flush()
        os.fsync(self._handle.fileno())
        self._by_file.setdefault(file, []).append(record)

    def _end_torn_line(self) -> None:
        # A crash in the middle of a write can leave a last line without its newline; the next
        # record must start on a line of its own to be read back.
        assert self._handle is not None
        with open(self.path, "rb") as reader:
            reader.seek(0, os.SEEK_END)
            if reader.tell() == 0:
                return
            reader.seek(-1, os.SEEK_END)
            if reader.read(1) != b"\n":
                self._handle.write(b"\n")
                self._handle.flush()
                os.fsync(self._handle.fileno())


def _read(path: Path) -> list[Record]:
    if not path.exists():
        return []
    records = []
    for line in path.read_bytes().splitlines():
        record = _parse(line)
        if record is not None:
            records.append(record)
    return records


def _parse(line: bytes) -> Record | None:
    # A torn or damaged line is skipped: at worst its message is sent again, never lost.
    try:
        data = json.loads(line)
        return Record(
            event=str(data["event"]),
            file=str(data["file"]),
            recipients=tuple(str(a) for a in data["recipients"]),
            message_id=str(data.get("message_id", "")),
            fingerprint=str(data.get("fingerprint", "")),
            time=str(data.get("time", "")),
        )
    except (ValueError, KeyError, TypeError):
        return None


def _as_json(record: Record) -> dict[str, Any]:
    return {
        "event": record.event,
        "file": record.file,
        "recipients": list(record.recipients),
        "message_id": record.message_id,
        "fingerprint": record.fingerprint,
        "time": record.time,
    }


def _lock(handle: IO[bytes], directory: Path) -> None:
    try:
        import fcntl
    except ImportError:  # Windows: msvcrt locks byte ranges, which an appending file outgrows
        return
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        raise LedgerBusy(
            f"another letterpress mail is sending from {directory}; wait until it has finished"
        ) from None


def _fsync_directory(directory: Path) -> None:
    # The new file's name is durable only once its directory is; not possible on Windows.
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

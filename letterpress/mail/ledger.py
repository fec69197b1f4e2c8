"""The delivery ledger: which message reached which recipient, so a second run sends the rest.

The ledger is ``DIR/.letterpress-sent.jsonl`` beside the ``.eml`` files, one JSON object a
line, only ever appended to. Every record is flushed and fsynced before the program goes on,
so a record that was written survives a crash or a power cut; a write that fails is cut off
again, so every line stays a complete JSON object.

A message is identified by what it is, not by where it was written: the letter file (its
resolved path), the merge row's own data (a hash of its values, not its position: inserting,
removing or reordering rows changes no other row's identity) and each recipient address. Each
record also holds the ``.eml`` file the message was written to, and a fingerprint of its
content (the letter's data, the texts and the bytes of appended PDFs), so a letter changed
after it was sent is pointed out instead of silently skipped or silently sent again.

Three events are recorded for a message and its recipients:

- ``sending``: written after the server has said it will take the message (354) and before
  the message is handed over;
- ``delivered``: written as soon as the server has accepted it (250 after the message), for
  the recipients the server accepted;
- ``refused``: the server gave a definite answer that it did not take it.

A ``sending`` record with nothing after it means the message may or may not have arrived (the
connection was lost, or no answer came in time, after the message was handed over; or the
process was killed in the milliseconds between the server's answer and the record). Such a
message is never tried again in the same run. The next run sends it and warns, once, that it
may arrive twice: an official letter that must reach its recipient (a decision with a
deadline for appeal) is better duplicated than lost.

Only one run may send from a DIR at a time: the ledger is locked while it is open.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

LEDGER_NAME = ".letterpress-sent.jsonl"


class LedgerBusy(Exception):
    """Another run holds the ledger of this output folder."""


class LedgerError(Exception):
    """A record could not be written: sending must stop, or things could be sent twice."""

    def __init__(self, path: Path, event: str, reason: str) -> None:
        super().__init__(f"cannot write to {path} ({reason})")
        self.event = event


@dataclass(frozen=True)
class Record:
    """One line of the ledger."""

    event: str
    file: str
    """The ``.eml`` file inside DIR the message was written to."""
    recipients: tuple[str, ...]
    message_id: str
    fingerprint: str
    time: str
    letter: str = ""
    """The letter file, resolved; empty in records of older versions."""
    row: str = ""
    """A hash of the merge row's values; empty for a letter without recipients."""


Key = tuple[str, str, str]
"""(letter, row, recipient address in lower case): one recipient of one message."""


class Ledger:
    """The ledger of one output folder, open for appending and locked against other runs."""

    def __init__(self, directory: Path) -> None:
        self.path = directory / LEDGER_NAME
        self._handle: IO[bytes] | None = None
        self._delivered: dict[Key, Record] = {}
        self._last: dict[Key, str] = {}
        self._rows: dict[tuple[str, str], list[str]] = {}
        self._claimed: set[Key] = set()
        self._files: set[str] = set()
        self._legacy: dict[tuple[str, str], Record] = {}
        self._handed: set[str] = set()

    def __enter__(self) -> Ledger:
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def open(self) -> None:
        """Open the ledger for appending and lock it; ``LedgerBusy`` if another run has it."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        created = not self.path.exists()
        # Unbuffered: a failed write leaves nothing in a buffer to be written later by close().
        handle = open(self.path, "ab", buffering=0)  # noqa: SIM115 - held open until close()
        try:
            _lock(handle, self.path.parent)
        except BaseException:
            handle.close()
            raise
        self._handle = handle
        if created:
            _fsync_directory(self.path.parent)
        self._end_torn_line()
        self.read()

    def read(self) -> None:
        """Read the records (also without ``open``: a run that only writes drafts looks up
        which files are copies of sent messages, and never writes over them)."""
        self._delivered, self._last, self._rows, self._files = {}, {}, {}, set()
        self._legacy, self._handed = {}, set()
        for record in _read(self.path):
            self._index(record)

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None

    def _index(self, record: Record) -> None:
        if record.event == "delivered":
            self._files.add(record.file.casefold())
        elif record.event == "sending":
            self._handed.add(record.file.casefold())
        if not record.letter:
            # A record of an older version, which knew messages by file name only.
            if record.event == "delivered":
                stem = record.file.split("/")[0].removesuffix(".eml").casefold()
                for address in record.recipients:
                    self._legacy[stem, address.lower()] = record
            return
        for address in record.recipients:
            key = (record.letter, record.row, address.lower())
            self._last[key] = record.event
            if record.event == "delivered":
                self._delivered[key] = record
                rows = self._rows.setdefault((record.letter, address.lower()), [])
                if record.row not in rows:
                    rows.append(record.row)

    def delivered(
        self, key: Key, current_rows: Callable[[], frozenset[str]] = frozenset
    ) -> Record | None:
        """The latest record of ``key`` having been delivered, or None.

        A merge row edited since (a name corrected) has another hash; a delivery to the same
        address from the same letter, of a row that is no longer in the recipients list,
        stands for it, each such delivery for one row only.
        """
        found = self._delivered.get(key)
        if found is not None:
            return found
        letter, _, address = key
        candidates = self._rows.get((letter, address), [])
        today = current_rows() if candidates else frozenset()
        for other in candidates:
            stand_in = (letter, other, address)
            if other not in today and stand_in not in self._claimed:
                self._claimed.add(stand_in)
                return self._delivered[stand_in]
        return None

    def delivered_exactly(self, key: Key) -> Record | None:
        """The latest delivery of exactly ``key`` (no stand-in for an edited row)."""
        return self._delivered.get(key)

    def delivered_before(self, stem: str, address: str) -> Record | None:
        """A delivery to ``address`` of the letter file named ``stem``, recorded by an older
        version, which knew a message only by its file name (``svar.eml``,
        ``invitasjon/001-kari-nordmann.eml``)."""
        return self._legacy.get((stem.casefold(), address.lower()))

    def unsettled(self, key: Key) -> bool:
        """True when the last record of ``key`` is ``sending``: a run stopped while handing the
        message to the server (or had no answer), so it may or may not have arrived."""
        return self._last.get(key) == "sending"

    def taken(self, file: str) -> bool:
        """True when ``file`` is the copy of a message that was sent, or that was handed over
        without an answer and written as what may have arrived."""
        key = file.casefold()
        if key in self._files:
            return True
        return key in self._handed and (self.path.parent / file).exists()

    def append(
        self, event: str, file: str, recipients: list[str], message_id: str, fingerprint: str,
        *, letter: str = "", row: str = "",
    ) -> None:
        """Write one record and make it durable before returning; ``LedgerError`` if it cannot
        be, with the ledger left as it was."""
        if self._handle is None:
            raise RuntimeError("the ledger is not open")
        record = Record(
            event=event,
            file=file,
            recipients=tuple(recipients),
            message_id=message_id,
            fingerprint=fingerprint,
            time=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            letter=letter,
            row=row,
        )
        line = json.dumps(_as_json(record), ensure_ascii=False) + "\n"
        handle = self._handle
        size = os.fstat(handle.fileno()).st_size
        try:
            _write_all(handle, line.encode("utf-8"))
            os.fsync(handle.fileno())
        except OSError as exc:
            self._cut_back(size)
            raise LedgerError(self.path, event, exc.strerror or str(exc)) from None
        self._index(record)

    def _cut_back(self, size: int) -> None:
        """Remove what a failed write left, so no torn line stays behind; should even that
        fail, the next run cuts the torn line off when it opens the ledger."""
        assert self._handle is not None
        with contextlib.suppress(OSError):
            os.ftruncate(self._handle.fileno(), size)
            os.fsync(self._handle.fileno())

    def _end_torn_line(self) -> None:
        # A crash in the middle of a write can leave a last line without its newline. A complete
        # record is ended; a torn one is cut off (it was never a record), so that every line is
        # a JSON object and the next record starts on a line of its own.
        assert self._handle is not None
        data = self.path.read_bytes()
        if not data or data.endswith(b"\n"):
            return
        start = data.rfind(b"\n") + 1
        if _parse(data[start:]) is not None:
            _write_all(self._handle, b"\n")
        else:
            os.truncate(self.path, start)
        os.fsync(self._handle.fileno())


def _write_all(handle: IO[bytes], data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = handle.write(view)
        if not written:
            raise OSError(28, "nothing could be written")
        view = view[written:]


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
            letter=str(data.get("letter", "")),
            row=str(data.get("row", "")),
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
        "letter": record.letter,
        "row": record.row,
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

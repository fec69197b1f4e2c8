"""filekey: what a cache of something read from a file is keyed by, and where caches on disk live.

A file's path together with its size and modification time: a font or logo that changes on
disk (a letterhead being designed while ``watch`` runs) is read again, and an unchanged one is
read once per process. What is kept between processes (hyphenation patterns, fonts without
hinting, fonts as ReportLab parses them, encoded images) lies in ``cache_dir()``; entries
written with ``write_entry`` are checked whole by ``read_entry`` before anything trusts them.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from pathlib import Path
from typing import NamedTuple

CACHE_VARIABLE = "LETTERPRESS_CACHE_DIR"


class FileKey(NamedTuple):
    path: Path
    size: int
    mtime_ns: int


def file_key(path: Path) -> FileKey:
    """The key of the file at ``path`` as it is now; ``OSError`` when it cannot be read."""
    stat = path.stat()
    return FileKey(path, stat.st_size, stat.st_mtime_ns)


def cache_dir() -> Path:
    """Where data derived from files is kept between runs (hyphenation patterns, fonts without
    hinting, fonts read through): ``$LETTERPRESS_CACHE_DIR``, else
    ``$XDG_CACHE_HOME/letterpress``, else ``~/.cache/letterpress``; ``RuntimeError`` when there
    is no home folder to name."""
    if os.environ.get(CACHE_VARIABLE):
        return Path(os.environ[CACHE_VARIABLE])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "letterpress"


ENTRY_MARK = b"letterpress cache 1\n"
"""The first bytes of every entry ``write_entry`` makes: a file that starts otherwise was not
written by it (or by this format of it) and is never read as one."""
_DIGEST = 32


def code_version(module_file: str) -> object:
    """What names the version of the module at ``module_file`` in an entry's name: its size
    and modification time, so an entry made by other code of that module is never read."""
    try:
        code = file_key(Path(module_file))
    except OSError:
        return "?"
    return (code.size, code.mtime_ns)


def entry_path(kind: str, *parts: object) -> Path | None:
    """Where the entry of ``kind`` derived from ``parts`` is kept in ``cache_dir()``, or None
    when there is no cache folder to name. ``parts`` name the entry completely: the source's
    content (or a digest of it) and the versions of every piece of code that made it."""
    key = hashlib.sha256("\x1f".join(map(str, (kind, *parts))).encode()).hexdigest()[:32]
    try:
        return cache_dir() / f"{kind}-{key}.bin"
    except RuntimeError:  # no home folder
        return None


def read_entry(path: Path | None, kind: str) -> bytes | None:
    """The payload of the entry at ``path``, or None when there is none or it is not whole.

    An entry carries its mark, its kind and a SHA-256 digest of its payload: a file cut short
    by a full disk, damaged, or written by something else is found out here and ignored, so
    the caller makes the data again (and writes a good entry over the bad one)."""
    if path is None:
        return None
    try:
        data = path.read_bytes()
    except OSError:
        return None
    head = ENTRY_MARK + kind.encode() + b"\n"
    if not data.startswith(head):
        return None
    digest, payload = data[len(head) : len(head) + _DIGEST], data[len(head) + _DIGEST :]
    if hashlib.sha256(payload).digest() != digest:
        return None
    return payload


def write_entry(path: Path | None, kind: str, payload: bytes) -> None:
    """Keep ``payload`` at ``path`` for the next run. A cache folder that cannot be written
    (read-only, full, missing rights) only means the next run works it out again."""
    if path is None:
        return
    from letterpress.output import write_atomic

    head = ENTRY_MARK + kind.encode() + b"\n"
    with contextlib.suppress(OSError):
        write_atomic(path, head + hashlib.sha256(payload).digest() + payload)

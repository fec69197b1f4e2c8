"""filekey: what a cache of something read from a file is keyed by.

A file's path together with its size and modification time: a font or logo that changes on
disk (a letterhead being designed while ``watch`` runs) is read again, and an unchanged one is
read once per process.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple


class FileKey(NamedTuple):
    path: Path
    size: int
    mtime_ns: int


def file_key(path: Path) -> FileKey:
    """The key of the file at ``path`` as it is now; ``OSError`` when it cannot be read."""
    stat = path.stat()
    return FileKey(path, stat.st_size, stat.st_mtime_ns)

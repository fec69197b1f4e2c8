"""filekey: what a cache of something read from a file is keyed by, and where caches on disk live.

A file's path together with its size and modification time: a font or logo that changes on
disk (a letterhead being designed while ``watch`` runs) is read again, and an unchanged one is
read once per process. What is kept between processes (hyphenation patterns, fonts read through)
lies in ``cache_dir()``.
"""

from __future__ import annotations

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

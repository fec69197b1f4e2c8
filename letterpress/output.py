"""Writing output files whole or not at all: a reader never sees a half-written PDF or .eml."""

from __future__ import annotations

import contextlib
import functools
import os
import re
import tempfile
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows: no advisory locks, and an open file cannot be removed anyway
    fcntl = None  # type: ignore[assignment]


def write_atomic(path: Path, data: bytes, *, exclusive: bool = False) -> None:
    """Write ``data`` to a temporary file beside ``path``, flush it to disk, then rename it.

    The rename is atomic on POSIX and Windows, so ``path`` holds either its old content or
    the complete new content, also when the process is killed or the disk fills up. With
    ``exclusive``, an existing ``path`` is never replaced: ``FileExistsError`` is raised.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = _claimed_part(path)
    # Locked until it has its final name, so that ``remove_leftovers`` tells it from the
    # temporary file of a killed process (whose lock the system has let go).
    held = os.dup(fd)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        # mkstemp makes the file private; a letter gets the permissions of any new file.
        os.chmod(tmp, 0o666 & ~_umask())
        if exclusive:
            _link_new(tmp, path, data)
        else:
            os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    finally:
        os.close(held)
    if exclusive:
        with contextlib.suppress(OSError):
            os.unlink(tmp)


PART = re.compile(r"\..+\.[A-Za-z0-9_]+\.part")
"""The temporary files of ``write_atomic``: ``.svar.pdf.k3j2_x9q.part``."""


def _claimed_part(path: Path) -> tuple[int, str]:
    """A new temporary file beside ``path``, open and locked by this process."""
    while True:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
        if fcntl is None:
            return fd, tmp
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
        except OSError:  # a file system without locks: leftovers are then not removed
            return fd, tmp
        if os.fstat(fd).st_nlink > 0:
            return fd, tmp
        os.close(fd)  # removed as a leftover in the moment before it was locked: again


def remove_leftovers(folder: Path) -> None:
    """Remove temporary files that a killed process left in ``folder``; a file another
    process is writing now is locked by it and stays."""
    if fcntl is None:
        return
    try:
        names = [entry.name for entry in os.scandir(folder) if PART.fullmatch(entry.name)]
    except OSError:
        return
    for name in names:
        with contextlib.suppress(OSError):
            _remove_if_unlocked(folder / name)


def _remove_if_unlocked(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return  # being written now
        if os.path.samestat(os.fstat(fd), os.lstat(path)):
            os.unlink(path)
    finally:
        os.close(fd)


def folder_problem(folder: Path) -> str | None:
    """Why no file can be written into ``folder`` (made when first needed), or None.

    Asked before a build starts, so that a wrong ``-o`` costs one clear message instead of a
    failed write for every letter after its typesetting.
    """
    try:
        existing = next(p for p in (folder, *folder.parents) if p.exists())
    except OSError as exc:
        return f"{folder} cannot be used ({exc.strerror or exc})"
    except StopIteration:  # not even the root exists: a drive that is not there
        return f"{folder} cannot be made"
    if not existing.is_dir():
        return f"{existing} is a file, not a folder; choose another output folder"
    if not os.access(existing, os.W_OK | os.X_OK):
        return f"{existing} may not be written to; choose another output folder"
    return None


def _link_new(tmp: str, path: Path, data: bytes) -> None:
    """Give the complete file its name only if the name is free (a rename would replace)."""
    try:
        os.link(tmp, path)  # raises FileExistsError when the name is taken
    except FileExistsError:
        raise
    except OSError:  # a file system without hard links: claim the name, then fill it
        with open(path, "xb") as handle:
            try:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            except BaseException:
                handle.close()
                with contextlib.suppress(OSError):
                    os.unlink(path)  # a half-written file must not keep the name
                raise


@functools.cache
def _umask() -> int:
    """The process's umask, read once: reading it means setting it for a moment, which another
    thread creating a file at that moment (watch, a desktop front end) would notice."""
    mask = os.umask(0)
    os.umask(mask)
    return mask

"""A merge's folder shared by builds that run at once.

Every build writing into a merge's folder holds a shared lock on it. Only a build that can
have the folder to itself tidies it (removes the letters of recipients it does not have, and
temporary files left by a killed build): another build's temporary file, or a letter that
build has just written, is never taken for a leftover. The lock is the folder's own file
descriptor, so nothing is added to the folder, and the system releases it when a build dies.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows: no advisory locks; tidying is not guarded there
    fcntl = None  # type: ignore[assignment]


class FolderLock:
    """A shared lock on ``folder`` (made when missing), held until ``release``."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self._fd: int | None = None
        self._guarded = fcntl is not None
        if fcntl is not None:
            self._fd = os.open(folder, os.O_RDONLY)
            try:
                fcntl.flock(self._fd, fcntl.LOCK_SH)
            except OSError:  # a file system without locks
                self.release()
                self._guarded = False

    def alone(self) -> bool:
        """Whether no other build holds the folder now; if so it stays ours until released."""
        if self._fd is None:
            return not self._guarded
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        except OSError:  # an exclusive lock is not possible here (NFS, a read-only folder)
            return True
        return True

    def release(self) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._fd)
            self._fd = None

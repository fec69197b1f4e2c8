"""Open a file in the system's viewer (xdg-open, open, or the Windows shell), never waiting."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path


class NoViewer(OSError):
    """This system has no way to open a file in a viewer."""


def open_in_viewer(path: Path) -> None:
    """Ask the desktop to show ``path``; returns at once, while the viewer runs on its own."""
    path = Path(path).resolve()
    if sys.platform == "win32":
        os.startfile(path)  # type: ignore[attr-defined]  # returns once the shell has it
        return
    opener = "open" if sys.platform == "darwin" else "xdg-open"
    if shutil.which(opener) is None:
        raise NoViewer(f"cannot open {path}: {opener} was not found; open the file yourself")
    # A new session, so the viewer neither blocks this process nor dies with its terminal.
    subprocess.Popen(
        [opener, str(path)],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,
    )

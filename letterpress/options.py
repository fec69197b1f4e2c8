"""How a letter is finished: the choices a build makes that are not part of the letter."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Options:
    """Build options shared by every front end (cli, batch, mail, watch)."""

    pdfa: bool = True
    """Write PDF/A (and, where the letter allows, tagged PDF/A-2a with PDF/UA-1)."""

    strict_archive: bool = False
    """An appended attachment that breaks PDF/A is an error instead of a warning."""

    show_layout: bool = False
    """Draw envelope windows, print zones and frames over the letter."""

    signer: Any = None
    """A loaded signer (see ``letterpress.finish.sign``); None writes an unsigned PDF."""

    strict: bool = False
    """Warnings (address checks, preflight findings) are errors."""

    tsa: Any = None
    """A time-stamping authority (``letterpress.finish.sign.TimestampAuthority``): signatures
    get a trusted timestamp (PAdES B-T). Only with ``signer``."""

    ltv: bool = False
    """Embed validation data and add a document timestamp (PAdES B-LTA). Needs ``tsa``."""

    stamp: bool = False
    """Show the signature on the letter's last page, beside or under the signatories."""

"""How a letter is finished: the choices a build makes that are not part of the letter."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyhanko.sign.signers import SimpleSigner


@dataclass(frozen=True)
class Signer:
    """A decrypted signing key and its certificate, loaded once and used for many letters
    (``letterpress.finish.sign.load_signer`` makes one; ``finish`` signs with it)."""

    p12: Path
    name: str
    """Common name of the certificate's subject (or the organisation, if it has none)."""
    subject: str
    """The certificate's whole subject, e.g. ``CN=Kari Nordmann,O=Testkommune,C=NO``."""
    valid_from: dt.datetime
    valid_until: dt.datetime
    cms: SimpleSigner = field(repr=False)
    """pyHanko's signer, which makes the CMS signature container."""


LTV_WITHOUT_TSA = (
    "--ltv needs --tsa: long-term validation data is protected by a document timestamp; "
    "give the URL of your time-stamping authority"
)
"""Why ``ltv`` without ``tsa`` is refused; here, not with the signing code, so that checking
the command line does not load the cryptography library."""


@dataclass(frozen=True)
class Options:
    """Build options shared by every front end (cli, batch, mail, watch)."""

    pdfa: bool = True
    """Write PDF/A (and, where the letter allows, tagged PDF/A-2a with PDF/UA-1)."""

    strict_archive: bool = False
    """An appended attachment that breaks PDF/A is an error instead of a warning."""

    show_layout: bool = False
    """Draw envelope windows, print zones and frames over the letter."""

    signer: Signer | None = None
    """A loaded signer (see ``letterpress.finish.sign``); None writes an unsigned PDF."""

    strict: bool = False
    """Warnings (address checks, preflight findings) are errors."""

    tsa: TimestampAuthority | None = None
    """A time-stamping authority: signatures get a trusted timestamp (PAdES B-T). Only with
    ``signer``; ``letterpress.finish.sign.timestamp_authority`` makes a checked one."""

    ltv: bool = False
    """Embed validation data and add a document timestamp (PAdES B-LTA). Needs ``tsa``."""

    stamp: bool = False
    """Show the signature on the letter's last page, beside or under the signatories."""


@dataclass(frozen=True)
class TimestampAuthority:
    """An RFC 3161 time-stamping authority (TSA): its URL and, if it asks for them, a login.

    Picklable, so it reaches -j N build workers; each process makes its own client.
    """

    url: str
    user: str | None = None
    password: str | None = field(default=None, repr=False)

"""What the mail command refuses to send: letters exempt from public disclosure.

A letter marked ``exempt`` (Unntatt offentlighet) holds information that ordinary e-mail,
unencrypted between servers, must not carry; it goes through a secure channel such as
SvarUt or eDialog instead. ``--allow-exempt`` is the deliberate exception.
"""

from __future__ import annotations

from letterpress.errors import LetterError
from letterpress.model import Letter


def refuse_exempt(letter: Letter, allow_exempt: bool) -> None:
    """Raise a ``LetterError`` for an exempt letter unless exempt letters are allowed."""
    if not letter.exempt or allow_exempt:
        return
    path = letter.source.path if letter.source else None
    line = letter.source.line_of("exempt") if letter.source else None
    raise LetterError.at(
        path, line, "exempt",
        f"the letter is exempt from public disclosure ({letter.exempt}) and is not put into "
        "ordinary e-mail; send it through a secure channel (SvarUt, eDialog), or give "
        "--allow-exempt if this e-mail may carry it",
    )

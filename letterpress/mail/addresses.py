"""Who a letter is from and to: e-mail addresses read from a letter, checked and resolved.

Every text that ends up in a header is checked to be a single line without control
characters, so that no value in a letter (or a CSV of a mail merge) can add a header of its
own or a recipient the writer did not name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from email.headerregistry import Address
from pathlib import Path

from letterpress.errors import LetterError, Problem
from letterpress.model import Letter

_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LOCAL_PART = re.compile(rf"^{_ATOM}(\.{_ATOM})*$")
_LABEL = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")
_NAMED = re.compile(r"^(?P<name>[^<>]*?)\s*<(?P<address>[^<>]*)>$")
# C0 and C1 controls, DEL, and the Unicode line and paragraph separators: any of them in a
# header either breaks it into a new header or hides text from the person reading it.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_MAX_LOCAL = 64
_MAX_ADDRESS = 254


@dataclass(frozen=True)
class Mailbox:
    """A display name and an ASCII address (an internationalised domain is in its xn-- form)."""

    name: str
    address: str

    def header(self) -> Address:
        return Address(display_name=self.name, addr_spec=self.address)


@dataclass(frozen=True)
class Addressing:
    """The sender and the recipients of one message."""

    sender: Mailbox
    to: tuple[Mailbox, ...]
    cc: tuple[Mailbox, ...] = ()
    bcc: tuple[Mailbox, ...] = ()
    reply_to: tuple[Mailbox, ...] = ()
    """Where answers go: ``email.reply_to``, or the case officer."""

    @property
    def recipients(self) -> list[str]:
        """Every address the message is delivered to, each once, in the order given."""
        seen: dict[str, str] = {}
        for box in (*self.to, *self.cc, *self.bcc):
            seen.setdefault(box.address.lower(), box.address)
        return list(seen.values())


def check_one_line(text: str) -> None:
    """Raise ``ValueError`` if ``text`` could break out of the header it is written into."""
    if "\n" in text or "\r" in text:
        raise ValueError("must be one line, but it contains a line break; join the lines")
    found = _CONTROL.search(text)
    if found:
        raise ValueError(
            f"contains the control character U+{ord(found.group()):04X}; remove it"
        )


def parse_address(text: str) -> str:
    """Check an address such as ``postmottak@bærum.kommune.no``; return its ASCII form."""
    check_one_line(text)
    local, at, domain = text.strip().rpartition("@")
    if not at or not local or not domain:
        raise ValueError(f"{text!r} is not an e-mail address; write it as name@example.no")
    if not _LOCAL_PART.match(local) or len(local) > _MAX_LOCAL:
        raise ValueError(
            f"{text!r}: the part before @ may hold only the letters a-z, digits and . _ - +"
        )
    ascii_domain = _ascii_domain(text, domain)
    address = f"{local}@{ascii_domain}"
    if len(address) > _MAX_ADDRESS:
        raise ValueError(f"{text!r} is longer than {_MAX_ADDRESS} characters")
    return address


def _ascii_domain(text: str, domain: str) -> str:
    try:
        ascii_domain = domain.encode("idna").decode("ascii")
    except UnicodeError:
        raise ValueError(f"{text!r}: {domain!r} is not a valid domain name") from None
    labels = ascii_domain.split(".")
    if len(labels) < 2 or not all(_LABEL.match(label) for label in labels):
        raise ValueError(f"{text!r}: {domain!r} is not a domain name like example.no")
    if labels[-1].isdigit():
        raise ValueError(f"{text!r}: write a domain name, not an IP address")
    return ascii_domain


def parse_mailbox(text: str, name: str = "") -> Mailbox:
    """Read ``name@example.no`` or ``Kari Nordmann <kari@example.no>``."""
    check_one_line(text)
    match = _NAMED.match(text.strip())
    if match:
        name, text = match.group("name").strip().strip('"'), match.group("address")
    check_one_line(name)
    return Mailbox(name, parse_address(text))


def resolve(letter: Letter, sender: Mailbox | None = None) -> Addressing:
    """The sender and recipients of ``letter``, or a ``LetterError`` naming every bad field."""
    problems: list[Problem] = []
    found_sender = sender or _sender(letter, problems)
    email = letter.email
    to = _boxes(letter, "email.to", email.to if email else [], problems)
    if not to and not (email and email.to):
        to = _default_to(letter, problems)
    cc = _boxes(letter, "email.cc", email.cc if email else [], problems)
    bcc = _boxes(letter, "email.bcc", email.bcc if email else [], problems)
    reply_to = _reply_to(letter, problems)
    if problems:
        raise LetterError(problems)
    assert found_sender is not None
    return Addressing(found_sender, to, cc, bcc, reply_to)


def _reply_to(letter: Letter, problems: list[Problem]) -> tuple[Mailbox, ...]:
    """Answers go to the person handling the case, not to the system that sent the letter."""
    given = letter.email.reply_to.strip() if letter.email else ""
    if given:
        return _boxes(letter, "email.reply_to", [given], problems, indexed=False)
    officer = letter.reference.case_officer
    if officer is None or not officer.email.strip():
        return ()
    try:
        check_one_line(officer.name)
        return (Mailbox(officer.name, parse_address(officer.email)),)
    except ValueError as exc:
        path, line = _where(letter, "reference.case_officer.email")
        problems.append(Problem(path, line, "reference.case_officer.email", str(exc)))
        return ()


def _sender(letter: Letter, problems: list[Problem]) -> Mailbox | None:
    head = letter.letterhead
    path, line = _where(letter, "letterhead")
    if head.source is not None:
        path, line = head.source, None
    try:
        check_one_line(head.name)
    except ValueError as exc:
        problems.append(Problem(path, line, "name", f"the organisation name {exc}"))
        return None
    if not head.email:
        problems.append(Problem(
            path, line, "email",
            "no sender address: set email in the letterhead, or give --from ADDRESS",
        ))
        return None
    try:
        return Mailbox(head.name, parse_address(head.email))
    except ValueError as exc:
        problems.append(Problem(path, line, "email", str(exc)))
        return None


def _default_to(letter: Letter, problems: list[Problem]) -> tuple[Mailbox, ...]:
    recipient = letter.recipient
    field = "recipient.email"
    if recipient is None or not recipient.email:
        path, line = _where(letter, "recipient" if letter.recipients is None else "recipients")
        problems.append(Problem(
            path, line, field, "no address to send to: set recipient.email or email.to"
        ))
        return ()
    path, line = _where(letter, field)
    try:
        check_one_line(recipient.name)
    except ValueError as exc:
        problems.append(Problem(path, _where(letter, "recipient.name")[1], "recipient.name",
                                str(exc)))
        return ()
    try:
        return (Mailbox(recipient.name, parse_address(recipient.email)),)
    except ValueError as exc:
        problems.append(Problem(path, line, field, str(exc)))
        return ()


def _boxes(
    letter: Letter, field: str, values: Iterable[str], problems: list[Problem],
    *, indexed: bool = True,
) -> tuple[Mailbox, ...]:
    boxes = []
    for index, value in enumerate(values):
        if not value.strip():
            continue  # an empty {{ recipient.cc }}: this recipient has no copy to send
        try:
            boxes.append(parse_mailbox(value))
        except ValueError as exc:
            path, line = _where(letter, f"{field}.{index}" if indexed else field)
            problems.append(Problem(path, line, field, str(exc)))
    return tuple(boxes)


def _where(letter: Letter, field: str) -> tuple[Path | None, int | None]:
    if letter.source is None:
        return None, None
    return letter.source.path, letter.source.line_of(field)

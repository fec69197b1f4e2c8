"""One letter as an RFC 5322 message: a short plain-text note with the letter's PDF attached.

The same message is written to a ``.eml`` file and, with ``--send``, delivered. The file is
the sender's copy: it keeps the ``Bcc`` header (as a mail client keeps it in its Sent folder),
so a clerk who opens the file sees every recipient. The bytes delivered over SMTP never carry
``Bcc``; those recipients get the message through the SMTP envelope only, and the To and Cc
recipients cannot see them. A file of a message that was not sent is a draft: ``X-Unsent: 1``
makes Outlook open it as a new message ready to send (Thunderbird opens it as a message and
sends it with "Edit as New Message"). The copy of a message that was delivered has no
``X-Unsent``, so opening it does not invite sending it again.

With ``SOURCE_DATE_EPOCH`` set, the bytes depend on the letter alone: the Date is that
moment, and the Message-ID and MIME boundary are derived from a hash of the content.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from email import policy
from email.header import Header
from email.message import EmailMessage, MIMEPart
from email.utils import format_datetime, localtime
from pathlib import Path

from letterpress import clock
from letterpress.errors import LetterError
from letterpress.mail.addresses import Addressing, Mailbox, check_one_line
from letterpress.model import Letter

_INTRO = {
    "nb": "Vedlagt følger brev fra {organisation}.",
    "nn": "Vedlagt følgjer brev frå {organisation}.",
    "en": "Please find attached a letter from {organisation}.",
}
_CLOSING = {"nb": "Med hilsen", "nn": "Med helsing", "en": "Yours sincerely"}
_LANGUAGE_TAG = {"nb": "nb-NO", "nn": "nn-NO", "en": "en", "se": "se-NO"}
# Characters Windows, macOS or a mail client will not keep in a file name.
_UNSAFE_IN_FILE_NAME = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]+')
_MAX_FILE_NAME = 120


@dataclass(frozen=True)
class Composed:
    """A message ready to write and to send."""

    eml: bytes
    """The sender's copy of what was sent, written to the .eml file once it was."""
    draft: bytes
    """The same with ``X-Unsent: 1``: written when the message was not sent."""
    wire: bytes
    """What the SMTP server receives: the same message without Bcc and X-Unsent."""
    message_id: str
    sender: str
    recipients: list[str]
    fingerprint: str
    """What was sent (letter, text, people) but not when: it changes when the letter does."""


def compose(letter: Letter, pdf: bytes, addressing: Addressing) -> Composed:
    """Build the message for ``letter`` and its rendered ``pdf``."""
    subject = subject_of(letter)
    text = text_of(letter)
    filename = attachment_name(letter)
    date = _date()
    digest = _digest(addressing, subject, date, text, filename, pdf)
    message_id = f"<{digest[:32]}@{_domain(addressing.sender)}>"
    message = _message(addressing, subject, date, message_id)
    message.set_content(text, charset="utf-8", cte="quoted-printable")
    message.add_attachment(pdf, maintype="application", subtype="pdf", filename=filename)
    pdf_part = message.get_payload(1)
    assert isinstance(pdf_part, MIMEPart)  # add_attachment made the message multipart
    # Some clients show only Content-Type's name, others only Content-Disposition's filename.
    pdf_part.set_param("name", filename)
    del pdf_part["MIME-Version"]
    # Added last: making the message multipart moves every Content-* header into the text part.
    message["Content-Language"] = _LANGUAGE_TAG[letter.language]
    # Base64 and quoted-printable never produce "=_", so this boundary cannot occur in a part.
    message.set_boundary(f"=_letterpress_{digest[32:64]}")
    eml = message.as_bytes()
    message["X-Unsent"] = "1"
    draft = message.as_bytes()
    del message["Bcc"]
    del message["X-Unsent"]
    return Composed(
        eml=eml,
        draft=draft,
        wire=message.as_bytes(),
        message_id=message_id,
        sender=addressing.sender.address,
        recipients=addressing.recipients,
        fingerprint=fingerprint(letter, addressing),
    )


def subject_of(letter: Letter) -> str:
    """The subject line: ``email.subject``, or the title; checked to be one line."""
    given = letter.email.subject if letter.email else ""
    # The title also names the attached file, so it must be one line even when not the subject.
    _one_line(letter, "title", letter.title)
    if given:
        _one_line(letter, "email.subject", given)
    return (given or letter.title).strip()


def _one_line(letter: Letter, field: str, text: str) -> None:
    try:
        check_one_line(text)
    except ValueError as exc:
        line = letter.source.line_of(field) if letter.source else None
        path = letter.source.path if letter.source else None
        what = "the title (it names the attached PDF)" if field == "title" else "the subject"
        raise LetterError.at(path, line, field, f"{what} {exc}") from None


def text_of(letter: Letter) -> str:
    """The plain-text body: ``email.text``, or a short note in the letter's language."""
    given = letter.email.text if letter.email else ""
    if given.strip():
        return _lines(given)
    head = letter.letterhead
    signature = head.name if not head.unit else f"{head.name}\n{head.unit}"
    if letter.language not in _INTRO:  # North Sámi: no attested wording of the note
        line = letter.source.line_of("email") if letter.source else None
        path = letter.source.path if letter.source else None
        raise LetterError.at(
            path,
            line,
            "email.text",
            f"letterpress has no attested {letter.language} wording of the covering note; "
            "write the message in email.text",
        )
    intro = _INTRO[letter.language].format(organisation=head.name)
    return f"{intro}\n\n{_CLOSING[letter.language]}\n{signature}\n"


def attachment_name(letter: Letter) -> str:
    """The PDF's file name as the recipient sees it: the title, with æ, ø and å kept."""
    name = _UNSAFE_IN_FILE_NAME.sub(" ", letter.title)
    name = " ".join(name.split()).strip(" .")[:_MAX_FILE_NAME].rstrip(" .")
    if not name and letter.source is not None:
        name = letter.source.path.stem
    return f"{name or 'brev'}.pdf"


def _message(
    addressing: Addressing, subject: str, date: str, message_id: str
) -> EmailMessage:
    message = EmailMessage(policy=policy.SMTP)
    message["From"] = addressing.sender.header()
    message["To"] = [box.header() for box in addressing.to]
    if addressing.cc:
        message["Cc"] = [box.header() for box in addressing.cc]
    if addressing.bcc:
        message["Bcc"] = [box.header() for box in addressing.bcc]
    if addressing.reply_to:
        message["Reply-To"] = [box.header() for box in addressing.reply_to]
    _set_subject(message, subject)
    message["Date"] = date
    message["Message-ID"] = message_id
    return message


def _set_subject(message: EmailMessage, subject: str) -> None:
    if subject.isascii():
        message["Subject"] = subject
        return
    # The email package's own folding drops the space where it splits "Øyvind: «svar»" into
    # two encoded words; the older Header class keeps every space inside the encoded words.
    folded = Header(subject, "utf-8", header_name="Subject").encode(linesep="\n")
    message.set_raw("Subject", folded)


def _date() -> str:
    return format_datetime(clock.fixed_time() or localtime())


def _lines(text: str) -> str:
    text = "\n".join(line.rstrip() for line in text.splitlines())
    return text.strip("\n") + "\n"


def _digest(
    addressing: Addressing, subject: str, date: str, text: str, filename: str, pdf: bytes
) -> str:
    content = {
        "addressing": _people(addressing),
        "subject": subject,
        "date": date,
        "text": text,
        "filename": filename,
        "pdf": hashlib.sha256(pdf).hexdigest(),
    }
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


def fingerprint(letter: Letter, addressing: Addressing) -> str:
    """What is sent (letter, texts, people, appended PDFs) but not when: it changes when the
    letter does, and is known before the PDF is rendered."""
    # The PDF's bytes change with the build time, so the letter's data stands for them; an
    # unstated date is today's and would make every day's run look like a new letter.
    exclude = None if "date" in letter.model_fields_set else {"date"}
    content = {
        "letter": letter.model_dump(mode="json", exclude=exclude),
        "addressing": _people(addressing),
        "subject": subject_of(letter),
        "text": text_of(letter),
        "filename": attachment_name(letter),
        # A PDF replaced at the same path is a different letter: its bytes count, not its name.
        "appended": [_file_hash(item.file) for item in letter.attachments if item.file],
    }
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()[:32]


def _file_hash(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return ""


def _people(addressing: Addressing) -> dict[str, list[list[str]]]:
    def boxes(items: tuple[Mailbox, ...]) -> list[list[str]]:
        return [[box.name, box.address] for box in items]

    return {
        "from": boxes((addressing.sender,)),
        "to": boxes(addressing.to),
        "cc": boxes(addressing.cc),
        "bcc": boxes(addressing.bcc),
        "reply_to": boxes(addressing.reply_to),
    }


def _domain(sender: Mailbox) -> str:
    return sender.address.rpartition("@")[2]

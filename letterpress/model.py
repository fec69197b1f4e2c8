"""The letter as plain, validated data: what every later stage reads and none of them changes.

The field names are the keys of the letter format (``docs/letter-format.md``); each field's
description is the Norwegian label it prints or the rule it follows, and feeds the JSON Schema
that editors use.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    ValidationInfo,
    model_validator,
)

Language = Literal["nb", "nn", "en"]
NOARK_REFERENCE = re.compile(r"^(\d{2}|\d{4})/\d+(-\d+)?$")
HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


def expand_home(path: Path) -> Path:
    """``~/x`` and ``~kari/x`` as the home folder they name; ``ValueError`` for an unknown one."""
    try:
        return path.expanduser()
    except RuntimeError:  # pathlib's answer to ~name of a user this machine does not have
        raise ValueError(
            f"{path}: the home folder {path.parts[0]} is not known here; write the path "
            "without ~, relative to the file or in full"
        ) from None


def is_file(path: Path) -> bool:
    """Whether ``path`` is a file; ``ValueError`` saying why when the system cannot tell (a
    name too long for it, a folder on the way that may not be read)."""
    try:
        return path.is_file()
    except OSError as exc:
        raise ValueError(f"cannot look up {path}: {exc.strerror or exc}") from None


def _resolve_file(value: Path, info: ValidationInfo) -> Path:
    """Resolve a path relative to the file that names it, and insist that it exists."""
    base: Path | None = (info.context or {}).get("base")
    path = expand_home(value)
    if base is not None and not path.is_absolute():
        path = base / path
    if not is_file(path):
        raise ValueError(f"file not found: {path} (paths are relative to the file that names them)")
    return path


def _lines(value: Any) -> Any:
    """Accept a list of lines or one string with line breaks."""
    if isinstance(value, str):
        return [line.strip() for line in value.splitlines() if line.strip()]
    return value


def _text_or_empty(value: Any) -> Any:
    return "" if value is None else value


def _not_blank(value: str) -> str:
    """A title or name is printed where a reader looks for it, so it must have text."""
    if not value.strip():
        raise ValueError("must not be empty or only spaces; write the text to print here")
    return value


FilePath = Annotated[Path, AfterValidator(_resolve_file)]
Printed = Annotated[str, AfterValidator(_not_blank)]
Lines = Annotated[list[str], BeforeValidator(_lines)]
Text = Annotated[str, BeforeValidator(_text_or_empty)]


class Strict(BaseModel):
    """Base of every part of the format: unknown keys are errors, values never change."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=False)


class CaseOfficer(Strict):
    """Saksbehandler: the person handling the case."""

    name: str = Field(description="Saksbehandler: name")
    phone: Text = Field("", description="Telefon")
    email: Text = Field("", description="E-post")


def _case_officer(value: Any) -> Any:
    return {"name": value} if isinstance(value, str) else value


class Reference(Strict):
    """The reference block: every label is printed, empty or not."""

    ours: Text = Field("", description="Vår referanse (Noark: saksår/sekvensnummer-dokumentnummer)")
    yours: Text = Field("", description="Deres referanse (nn: Dykkar referanse)")
    archive_code: Text = Field("", description="Arkivkode (always text: 035 stays 035)")
    case_officer: Annotated[CaseOfficer | None, BeforeValidator(_case_officer)] = Field(
        None, description="Saksbehandler (nn: Sakshandsamar): a name, or {name, phone, email}"
    )


class Recipient(Strict):
    """Mottaker: the address block placed in the envelope window."""

    name: Printed = Field(description="Mottaker: name of the person or organisation")
    attention: Text = Field("", description="Att.: the person the letter is for")
    address: Lines = Field(default_factory=list, description="Adresse: one line per item")
    email: Text = Field("", description="E-post: used by the mail command")

    @property
    def lines(self) -> list[str]:
        """The address block as printed, top to bottom."""
        head = [self.name]
        if self.attention:
            head.append(f"Att.: {self.attention}")
        return head + list(self.address)


class MergeRecipient(Recipient):
    """Mottaker in a mail merge: any further keys are values for ``{{ recipient.KEY }}``."""

    model_config = ConfigDict(extra="allow", frozen=True)

    # A merge checks each recipient's name on its own, so one blank row fails alone.
    name: str = Field(description="Mottaker: name of the person or organisation")


def _copy(value: Any) -> Any:
    return {"name": value} if isinstance(value, str) else value


class Signatory(Strict):
    """A person who signs the letter: name over title, with an optional signature image."""

    name: Printed = Field(description="Name of the signatory")
    title: Text = Field("", description="Stilling: position, printed under the name")
    signature: FilePath | None = Field(None, description="Signature image (PNG or JPEG)")


def _attachment(value: Any) -> Any:
    return {"title": value} if isinstance(value, str) else value


class Attachment(Strict):
    """Vedlegg: an item of the attachment list, optionally a PDF appended after the letter."""

    title: Printed = Field(description="Vedlegg: title as listed")
    file: FilePath | None = Field(None, description="PDF appended after the letter")


def _address_list(value: Any) -> Any:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


Addresses = Annotated[list[str], BeforeValidator(_address_list)]


class Email(Strict):
    """How the mail command sends the letter."""

    to: Addresses = Field(default_factory=list, description="Til (default: recipient.email)")
    cc: Addresses = Field(default_factory=list, description="Kopi")
    bcc: Addresses = Field(default_factory=list, description="Blindkopi")
    subject: Text = Field("", description="Emne (default: the title)")
    text: Text = Field("", description="The plain-text message body")


class Fonts(Strict):
    """TrueType fonts of a letterhead; missing styles fall back to regular."""

    regular: FilePath = Field(description="Regular TrueType font (.ttf)")
    bold: FilePath | None = Field(None, description="Bold TrueType font")
    italic: FilePath | None = Field(None, description="Italic TrueType font")
    bold_italic: FilePath | None = Field(None, description="Bold italic TrueType font")


def _colour(value: str) -> str:
    if not HEX_COLOUR.match(value):
        raise ValueError(f'{value!r} is not a colour; write it as "#rrggbb", e.g. "#1a3c6e"')
    return value.lower()


class Letterhead(Strict):
    """Brevhode: the sender, printed at the top of page 1 and in the footer."""

    name: Printed = Field(description="Avsender: the organisation")
    unit: Text = Field("", description="Enhet: department or unit")
    logo: FilePath | None = Field(None, description="Logo (PNG or JPEG), drawn top left")
    logo_alt: Text = Field("", description="Alternative text for the logo (default: name)")
    post_address: Lines = Field(default_factory=list, description="Postadresse")
    visit_address: Lines = Field(default_factory=list, description="Besøksadresse")
    phone: Text = Field("", description="Telefon")
    email: Text = Field("", description="E-post")
    web: Text = Field("", description="Nettside (nn: Nettstad)")
    org_number: Text = Field("", description="Org.nr. (groups of three: 971 032 146)")
    account: Text = Field("", description="Kontonummer (0000 00 00000)")
    fonts: Fonts | None = Field(None, description="TrueType fonts (default: Liberation Sans)")
    colour: Annotated[str, AfterValidator(_colour)] | None = Field(
        None, description='Accent colour, "#rrggbb"'
    )
    language: Language | None = Field(
        None,
        description="Language of the letterhead's own texts (name, unit, addresses), so a "
        "letter in another language marks them for screen readers",
    )
    source: Path | None = Field(None, exclude=True, description="The file it was read from")


class Source(BaseModel):
    """Where each field of a letter stands in its file, so later stages can name the line."""

    model_config = ConfigDict(frozen=True)

    path: Path
    lines: dict[str, int] = Field(default_factory=dict)
    body_path: Path | None = None
    body_first_line: int = 1

    def line_of(self, field: str) -> int | None:
        """The line of ``field`` (a dotted path such as ``recipient.name``) or of its parent."""
        while field:
            if field in self.lines:
                return self.lines[field]
            field = field.rpartition(".")[0]
        return None


RecipientList = Annotated[
    Annotated[list[MergeRecipient], Tag("list")] | Annotated[FilePath, Tag("csv")],
    Discriminator(lambda v: "csv" if isinstance(v, str | Path) else "list"),
]


class Letter(Strict):
    """One letter: metadata, a Markdown body and the people and files it names."""

    letterhead: Letterhead = Field(description="Brevhode: a letterhead file or an inline mapping")
    language: Language = Field("nb", description="Målform: nb, nn or en")
    date: dt.date = Field(
        default_factory=lambda: today(),
        description="Dato (ISO: 2022-09-13); default today, or the date of SOURCE_DATE_EPOCH",
    )
    reference: Reference = Field(default_factory=Reference, description="Referanser")
    recipient: Recipient | None = Field(None, description="Mottaker")
    recipients: RecipientList | None = Field(
        None, description="Mottakere: a list, or a CSV file, for one letter per recipient"
    )
    exempt: Text = Field("", description="Unntatt offentlighet: the legal basis")
    title: Printed = Field(description="Tittel, printed in bold; no full stop")
    body: Text = Field("", description="Brødtekst: Markdown (CommonMark and pipe tables)")
    body_file: FilePath | None = Field(None, description="A Markdown file standing for body")
    closing: str | None = Field(None, description="Hilsen (default: Med hilsen / Med helsing)")
    signatories: list[Signatory] = Field(default_factory=list, description="Underskrivere")
    approved_electronically: bool = Field(
        False, description="Prints that the document is approved electronically"
    )
    attachments: list[Annotated[Attachment, BeforeValidator(_attachment)]] = Field(
        default_factory=list, description="Vedlegg"
    )
    copies: list[Annotated[Recipient, BeforeValidator(_copy)]] = Field(
        default_factory=list, description="Kopi til"
    )
    email: Email | None = Field(None, description="E-post: used by the mail command")
    source: Source | None = Field(None, exclude=True, description="Where the letter was read from")

    @model_validator(mode="after")
    def _one_of_each(self) -> Letter:
        if (self.recipient is None) == (self.recipients is None):
            raise ValueError("give exactly one of 'recipient' or 'recipients'")
        if bool(self.body) == (self.body_file is not None):
            raise ValueError("give exactly one of 'body' or 'body_file'")
        return self

    @property
    def is_merge(self) -> bool:
        return self.recipients is not None


def today() -> dt.date:
    """Today, or the date of ``SOURCE_DATE_EPOCH`` so that builds can be reproduced."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.strip().isdigit():
        return dt.datetime.fromtimestamp(int(epoch), dt.UTC).date()
    return dt.date.today()

"""The letter as plain, validated data: what every later stage reads and none of them changes.

The field names are the keys of the letter format (``docs/letter-format.md``); each field's
description is the Norwegian label it prints or the rule it follows, and feeds the JSON Schema
that editors use.
"""

from __future__ import annotations

import datetime as dt
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
    field_validator,
    model_validator,
)

from letterpress.clock import today
from letterpress.labels import LABELS, default_label_languages

Language = Literal["nb", "nn", "en", "se"]
LANGUAGE_NAMES = {"nb": "bokmål", "nn": "nynorsk", "en": "English", "se": "North Sámi (se)"}
MAX_LABEL_LANGUAGES = 2
"""More than two languages make labels too long for the reference block."""
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
    outside = outside_root(path, (info.context or {}).get("root"))
    if outside:
        raise ValueError(outside)
    return path


def outside_root(path: Path, root: Path | None) -> str | None:
    """Why ``path`` may not be read (it lies outside ``root`` once symbolic links are
    followed), or None. ``root`` None allows every file."""
    if root is None:
        return None
    try:
        real = path.resolve()
    except (OSError, RuntimeError) as exc:
        return f"cannot look up {path}: {exc}"
    if real.is_relative_to(root):
        return None
    return (
        f"{path} lies outside the root folder {root}; a letter may only use files under it, "
        "so that a letter or template from elsewhere cannot print other files of this "
        "computer. Move the file under the root, or widen it with --root DIR (or "
        "LETTERPRESS_ROOT)"
    )


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


_YES_NO = frozenset({"true", "false", "yes", "no", "on", "off", "ja", "nei", "y", "n"})


def _legal_basis(value: str) -> str:
    """``exempt`` is the text printed after 'Unntatt offentlighet'; a yes or no is not one."""
    if value.strip().lower() in _YES_NO:
        raise ValueError(
            f"{value.strip()!r} is not a legal basis: exempt is the text printed after "
            "'Unntatt offentlighet', such as 'Offl. § 13 jf. fvl. § 13'. For a letter that is "
            "not exempt, leave the key out"
        )
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

    ours: Text = Field(
        default="", description="Vår referanse (Noark: saksår/sekvensnummer-dokumentnummer)"
    )
    yours: Text = Field(default="", description="Deres referanse (nn: Dykkar referanse)")
    archive_code: Text = Field(default="", description="Arkivkode (always text: 035 stays 035)")
    case_officer: Annotated[CaseOfficer | None, BeforeValidator(_case_officer)] = Field(
        default=None,
        description="Saksbehandler (nn: Sakshandsamar): a name, or {name, phone, email}",
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
        if '"' in value and "{{" not in value:
            # A quoted display name may hold a comma: '"Nordmann, Kari" <kari@example.no>'.
            from email.utils import getaddresses

            return [f'"{name}" <{address}>' if name else address
                    for name, address in getaddresses([value]) if address]
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
    reply_to: Text = Field(
        "", description="Svar til: where answers go (default: reference.case_officer.email)"
    )


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


class ApprovalText(Strict):
    """The electronic-approval sentence in the organisation's own wording, by language."""

    nb: Text = Field("", description="Bokmål (default: letterpress's own sentence)")
    nn: Text = Field("", description="Nynorsk (default: letterpress's own sentence)")
    en: Text = Field("", description="English (default: letterpress's own sentence)")
    se: Text = Field(
        "",
        description="North Sámi: required for approved_electronically, as no attested "
        "wording exists; the municipality's translator gives it",
    )


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
    approval_text: ApprovalText = Field(
        default_factory=lambda: ApprovalText.model_validate({}),
        description="The sentence that the document is approved electronically, by language "
        "(se: required; nb, nn, en: replaces letterpress's own)",
    )
    language: Language | None = Field(
        None,
        description="Language of the letterhead's own texts (name, unit, addresses), so a "
        "letter in another language marks them for screen readers",
    )
    source: Path | None = Field(None, exclude=True, description="The file it was read from")

    def approval_sentence(self, language: str) -> str:
        """The approval sentence in ``language``: the letterhead's own, else letterpress's
        (empty for North Sámi, which has no attested wording)."""
        return getattr(self.approval_text, language) or LABELS[language].approved


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
    language: Language = Field("nb", description="Målform: nb, nn, en or se (North Sámi)")
    labels: list[Language] | None = Field(
        None,
        description="Ledetekster: the languages of the printed labels, joined as "
        "Min čuj./Vår referanse; default [se, nb] for se, else the letter's language",
    )
    date: dt.date = Field(
        default_factory=lambda: today(),
        description="Dato (ISO: 2022-09-13); default today, or the date of SOURCE_DATE_EPOCH",
    )
    reference: Reference = Field(default_factory=Reference, description="Referanser")
    recipient: Recipient | None = Field(None, description="Mottaker")
    recipients: RecipientList | None = Field(
        None, description="Mottakere: a list, or a CSV or .xlsx file, for one letter per recipient"
    )
    exempt: Annotated[Text, AfterValidator(_legal_basis)] = Field(
        "", description="Unntatt offentlighet: the legal basis"
    )
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
    attachments_numbered: bool = Field(
        False, description="Numbers the Vedlegg list 1., 2. ... so the body can name vedlegg 2"
    )
    copies: list[Annotated[Recipient, BeforeValidator(_copy)]] = Field(
        default_factory=list, description="Kopi til"
    )
    email: Email | None = Field(None, description="E-post: used by the mail command")
    source: Source | None = Field(None, exclude=True, description="Where the letter was read from")

    @field_validator("labels")
    @classmethod
    def _label_languages(cls, value: list[str] | None, info: ValidationInfo) -> list[str] | None:
        if value is None:
            return value
        language = info.data.get("language", "nb")
        if not 1 <= len(value) <= MAX_LABEL_LANGUAGES or len(set(value)) != len(value):
            raise ValueError(
                f"give one or two different languages, such as [se, nb], not {value}"
            )
        if language not in value:
            raise ValueError(
                f"the labels must include the letter's language ({language}) for its readers: "
                f"write e.g. [{language}, {next(x for x in ('se', 'nb') if x != language)}]"
            )
        return value

    @field_validator("approved_electronically")
    @classmethod
    def _approval_sentence(cls, value: bool, info: ValidationInfo) -> bool:
        letterhead = info.data.get("letterhead")
        language = info.data.get("language")
        if not value or not isinstance(letterhead, Letterhead) or language is None:
            return value
        if not letterhead.approval_sentence(language):
            where = f" ({letterhead.source})" if letterhead.source else ""
            raise ValueError(
                f"there is no attested {LANGUAGE_NAMES.get(language, language)} wording of the "
                "sentence that the document is approved electronically, and letterpress does "
                "not invent one: give the municipality's translation, reviewed by its "
                f'translator, in the letterhead{where} as approval_text: {{{language}: "..."}}; '
                "or leave out approved_electronically"
            )
        return value

    @property
    def label_languages(self) -> tuple[str, ...]:
        """The languages the labels are printed in, the letter's own first by default."""
        if self.labels is not None:
            return tuple(self.labels)
        return default_label_languages(self.language)

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



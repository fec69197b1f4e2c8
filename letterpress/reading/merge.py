"""Mail merge: one letter with ``recipients`` becomes one letter per recipient.

``expand(letter)`` yields a :class:`Merged` per recipient: the letter with ``recipient`` set,
``recipients`` cleared and every ``{{ recipient.KEY }}`` in the title, the body and the
``email`` fields replaced by that recipient's value. ``entries(letter)`` does the same but
yields a :class:`Rejected` for a recipient that cannot be merged, so that one bad row never
stops the others. A letter without ``recipients`` yields itself once, unchanged.

``prepare(letter)`` does the work that is the same for every recipient, once: placeholders
found, the recipients file (CSV or Excel, see ``recipients.py``) read and counted, its header
checked against the placeholders. Each recipient then costs a few string joins; the letterhead
and every other field are shared. Recipients from a file are read row by row, never all at
once.

Values are text: they are substituted in one pass (a value is never scanned for placeholders)
and escaped for Markdown in the body, so ``{{ 7*7 }}`` or ``<b>x</b>`` in a recipient's name
print exactly as written. In the title, the body and the subject a value stands on one line
(an address's lines joined by commas); the e-mail text keeps its lines.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from letterpress.errors import LetterError, Problem
from letterpress.model import Email, Letter, MergeRecipient, Recipient, Source
from letterpress.reading.address import check_address
from letterpress.reading.words import long_word
from letterpress.slug import number_width, numbered

if TYPE_CHECKING:
    # The CSV and Excel reader is imported when a merge names a recipients file: a letter to
    # one recipient, the most common build, does not load it.
    from letterpress.reading.recipients import RecipientsFile

__all__ = ["Merge", "Merged", "Rejected", "count", "entries", "expand", "prepare"]

PLACEHOLDER = re.compile(r"\{\{\s*(.*?)\s*\}\}", re.DOTALL)
# A key is a column's heading as written: Beløp, E-post, Org. nr.
RECIPIENT_KEY = re.compile(r"recipient\.([\w.\- ]*[\w.\-])")
# What a person means as a placeholder even when it is misspelt: {{ name }}, {{ mottaker.navn }}.
LOOKS_LIKE_KEY = re.compile(r"[\w.\- ]*[^\W\d_][\w.\- ]*|recipient\b.*", re.DOTALL)
MARKDOWN_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")
NO_ADDRESS = (
    "no postal address, so the letter cannot go by post; fill in the address (Adresse, Postnr "
    "and Poststed), or send this recipient's letter by e-mail or digital post"
)
EMPTY_TITLE = (
    "the title is empty once its placeholders are filled in; give this recipient the values "
    "or add text to the title"
)
MODEL_MESSAGES_RECIPIENT: dict[tuple[str | int, ...], str] = {
    ("name",): "the name is empty; every recipient needs a name"
}
MODEL_MESSAGES_LETTER: dict[tuple[str | int, ...], str] = {("title",): EMPTY_TITLE}
"""What the model's findings mean in a merge, where they come from one recipient's values."""


@dataclass(frozen=True)
class Merged:
    """One letter of a merge, ready to render."""

    index: int
    """1-based position of the recipient; 1 for a letter without ``recipients``."""
    stem: str
    """Output file name without ``.pdf``: ``001-kari-nordmann``, or the letter file's stem."""
    letter: Letter
    warnings: tuple[Problem, ...] = ()
    where: str = ""
    """Which recipient this is, for messages: ``recipient 4 (mottakere.csv:5)``."""
    values: tuple[tuple[str, str], ...] = ()
    """The recipient's own data (its row's values, by key); what identifies it apart from
    its position, which changes when a row is inserted above it."""


@dataclass(frozen=True)
class Rejected:
    """A recipient that could not be merged; the letters of the other recipients still are."""

    index: int
    stem: str
    problems: tuple[Problem, ...]


# ---------------------------------------------------------------------------------------------
# The public entry points


class Merge:
    """A letter made ready to merge: placeholders found, the recipients' header read and checked.

    ``count`` is the number of letters it makes; iterating it yields them in recipient order.
    A recipients file is read again on each iteration, row by row.
    """

    def __init__(self, letter: Letter) -> None:
        self.letter = letter
        self._templates = _Templates.of(letter) if letter.recipients is not None else _Templates()
        self._table: RecipientsFile | None = None
        if isinstance(letter.recipients, Path):
            from letterpress.reading.recipients import RecipientsFile

            self._table = RecipientsFile.open(letter.recipients)
            _check_columns(self._table, self._templates)
            self.count = self._table.count
        else:
            self.count = 1 if letter.recipients is None else len(letter.recipients)
        if self.count == 0:
            source = letter.source
            where = self._table.path if self._table else source.path if source else None
            line = 1 if self._table else source.line_of("recipients") if source else None
            raise LetterError.at(
                where, line, "recipients", "there are no recipients; add at least one"
            )

    def __iter__(self) -> Iterator[Merged | Rejected]:
        letter = self.letter
        if letter.recipients is None:
            yield Merged(1, _own_stem(letter), letter)
            return
        if self._table is not None:
            rows = _file_rows(self._table)
        else:
            assert isinstance(letter.recipients, list)
            rows = _list_rows(letter.recipients, letter.source)
        width = number_width(self.count)
        font = letter.letterhead.fonts.regular if letter.letterhead.fonts else None
        for row in rows:
            yield _merge(letter, self._templates, row, width, font)


def prepare(letter: Letter) -> Merge:
    """Check ``letter`` as a whole for merging; raises ``LetterError`` for a problem with it.

    A problem with the letter as a whole (a recipients file that cannot be read or lacks a
    column a placeholder names, a misspelt placeholder) is raised here, before any letter is
    made.
    """
    return Merge(letter)


def entries(letter: Letter) -> Iterator[Merged | Rejected]:
    """Every letter of the merge, or a :class:`Rejected` for each recipient that fails."""
    yield from prepare(letter)


def expand(letter: Letter) -> Iterator[Merged]:
    """Every letter of ``letter``'s merge; raises ``LetterError`` at the first bad recipient."""
    for entry in prepare(letter):
        if isinstance(entry, Rejected):
            raise LetterError(list(entry.problems))
        yield entry


def count(letter: Letter) -> int:
    """How many letters ``letter`` makes (reads a recipients file once, without keeping it)."""
    return prepare(letter).count


def _own_stem(letter: Letter) -> str:
    return letter.source.path.stem if letter.source is not None else "letter"


# ---------------------------------------------------------------------------------------------
# Templates: the fields that may hold placeholders, split once into text and keys


@dataclass(frozen=True)
class _Slot:
    key: str
    field: str
    line: int | None
    path: Path | None
    markdown: bool
    """Escape the value for Markdown (body text outside code)."""

    def where(self) -> str:
        place = f"{self.path.name}:{self.line}" if self.path and self.line else ""
        return f"{{{{ recipient.{self.key} }}}} in {self.field}" + (f" ({place})" if place else "")


@dataclass(frozen=True)
class _Template:
    """A text split at its placeholders: ``texts[0] slot[0] texts[1] ... texts[-1]``."""

    texts: tuple[str, ...]
    slots: tuple[_Slot, ...]

    def fill(self, values: Mapping[str, str], markdown: Mapping[str, str]) -> str:
        parts = [self.texts[0]]
        for slot, text in zip(self.slots, self.texts[1:], strict=True):
            parts.append(markdown[slot.key] if slot.markdown else values[slot.key])
            parts.append(text)
        return "".join(parts)


@dataclass(frozen=True)
class _Templates:
    """The placeholders of one letter, by field (``title``, ``body``, ``email.subject`` ...)."""

    fields: dict[str, _Template] = field(default_factory=dict)
    slots: tuple[_Slot, ...] = ()
    """The first placeholder of each key (for messages)."""
    keys: frozenset[str] = frozenset()
    markdown_keys: frozenset[str] = frozenset()
    """Keys used in body text, whose values are escaped for Markdown."""

    @classmethod
    def of(cls, letter: Letter) -> _Templates:
        found: dict[str, _Template] = {}
        problems: list[Problem] = []
        for name, text in _template_fields(letter):
            template = _split(name, text, letter.source, problems)
            if template.slots:
                found[name] = template
        if problems:
            raise LetterError(problems)
        every = [slot for template in found.values() for slot in template.slots]
        first: dict[str, _Slot] = {}
        for slot in every:
            first.setdefault(slot.key, slot)
        markdown = frozenset(slot.key for slot in every if slot.markdown)
        return cls(found, tuple(first.values()), frozenset(first), markdown)


def _template_fields(letter: Letter) -> Iterator[tuple[str, str]]:
    yield "title", letter.title
    yield "body", letter.body
    if letter.email is None:
        return
    yield "email.subject", letter.email.subject
    yield "email.text", letter.email.text
    for kind in ("to", "cc", "bcc"):
        for i, address in enumerate(getattr(letter.email, kind)):
            yield f"email.{kind}.{i}", address


def _split(name: str, text: str, source: Source | None, problems: list[Problem]) -> _Template:
    texts: list[str] = []
    slots: list[_Slot] = []
    start = 0
    code = _code_offsets(text) if name == "body" and "{{" in text else set()
    for match in PLACEHOLDER.finditer(text):
        inner = match.group(1)
        key = RECIPIENT_KEY.fullmatch(inner)
        path, line = _place(name, text, match.start(), source)
        if key is None:
            if LOOKS_LIKE_KEY.fullmatch(inner):
                problems.append(Problem(path, line, name, _bad_placeholder(inner)))
            continue
        texts.append(text[start : match.start()])
        markdown = name == "body" and match.start() not in code
        slots.append(_Slot(key.group(1), name, line, path, markdown))
        start = match.end()
    texts.append(text[start:])
    return _Template(tuple(texts), tuple(slots))


def _bad_placeholder(inner: str) -> str:
    key = inner.rpartition(".")[2].strip() or "KEY"
    return (
        f"{{{{ {inner} }}}} is not a placeholder; write {{{{ recipient.{key} }}}} "
        "(a key of the recipient or a column of the recipients file)"
    )


def _place(
    name: str, text: str, offset: int, source: Source | None
) -> tuple[Path | None, int | None]:
    if source is None:
        return None, None
    if name == "body":
        return source.body_path, source.body_first_line + text.count("\n", 0, offset)
    return source.path, source.line_of(name)


def _code_offsets(body: str) -> set[int]:
    """Offsets of the placeholders that stand in code, where Markdown escapes would print."""
    from markdown_it import MarkdownIt

    marked, offsets = _with_markers(body)
    parser = MarkdownIt("commonmark", {"html": False}).enable("table")
    in_code: set[int] = set()
    for token in parser.parse(marked):
        texts = [token.content] if token.type in ("fence", "code_block") else []
        texts += [c.content for c in token.children or [] if c.type == "code_inline"]
        for text in texts:
            in_code.update(offsets[int(n)] for n in re.findall(r"LPSLOT(\d+)X", text))
    return in_code


def _with_markers(body: str) -> tuple[str, list[int]]:
    """The body with each placeholder replaced by a marker that Markdown leaves alone."""
    offsets: list[int] = []

    def marker(match: re.Match[str]) -> str:
        offsets.append(match.start())
        return f"LPSLOT{len(offsets) - 1}X"

    return PLACEHOLDER.sub(marker, body), offsets


# ---------------------------------------------------------------------------------------------
# Recipients: rows of a recipients file or items of a list, as text values


@dataclass(frozen=True)
class _Row:
    index: int
    path: Path | None
    line: int | None
    field: str
    values: dict[str, str]
    problems: tuple[str, ...] = ()
    """Why this row cannot be merged, found while reading it."""
    sources: Mapping[str, str] = dataclasses.field(default_factory=dict)
    """For a row of a file: the column each printed part comes from (``name`` -> ``Navn``)."""

    def where(self) -> str:
        place = f"{self.path.name}:{self.line}" if self.path and self.line else ""
        return f"recipient {self.index}" + (f" ({place})" if place else "")


def _list_rows(items: list[MergeRecipient], source: Source | None) -> Iterator[_Row]:
    for i, item in enumerate(items):
        line = source.line_of(f"recipients.{i}") if source else None
        path = source.path if source else None
        values, problems = _item_values(item)
        yield _Row(i + 1, path, line, f"recipients.{i}", values, tuple(problems))


def _file_rows(table: RecipientsFile) -> Iterator[_Row]:
    for record in table.rows():
        yield _Row(
            record.index, table.path, record.line, "", record.values, record.problems,
            record.sources,
        )


def _item_values(item: MergeRecipient) -> tuple[dict[str, str], list[str]]:
    values = {
        "name": item.name,
        "attention": item.attention,
        "address": "\n".join(item.address),
        "email": item.email,
    }
    problems = []
    for key, value in (item.model_extra or {}).items():
        if value is None:
            values[key] = ""
        elif isinstance(value, str):
            values[key] = value
        elif isinstance(value, list) and all(isinstance(v, str) for v in value):
            values[key] = ", ".join(value)
        else:
            problems.append(f"the value of {key!r} must be text, not a mapping")
    return values, problems


def _check_columns(table: RecipientsFile, templates: _Templates) -> None:
    """A placeholder that no column of the file answers is wrong for every row."""
    columns = table.keys
    folded = {c.casefold(): c for c in columns}
    problems = []
    for slot in templates.slots:
        if slot.key in columns:
            continue
        near = folded.get(slot.key.casefold())
        hint = (
            f"the column is called {near!r}: write {{{{ recipient.{near} }}}}, with the "
            "heading as written"
            if near else "add the column or correct the placeholder"
        )
        problems.append(Problem(
            table.path, 1, "", f"the file has no column {slot.key!r}, which {slot.where()} "
            f"names; {hint}",
        ))
    if problems:
        raise LetterError(problems)


# ---------------------------------------------------------------------------------------------
# One recipient: the letter with its recipient and its placeholders filled in


def _merge(
    letter: Letter, templates: _Templates, row: _Row, width: int, font: Path | None
) -> Merged | Rejected:
    values = row.values
    stem = numbered(row.index, width, values.get("name", ""))
    recipient = _recipient(values)
    problems = [
        *row.problems, *_missing(templates, row), *_nul_in_body(templates, row),
        *_long_words(templates, row),
        *([] if isinstance(recipient, Recipient) else recipient),
    ]
    if problems or not isinstance(recipient, Recipient):
        return Rejected(row.index, stem, tuple(_problem(row, p) for p in problems))
    update: dict[str, Any] = {"recipient": recipient, "recipients": None}
    update.update(_filled(letter, templates, values))
    merged = _validated(letter, update)
    if not isinstance(merged, Letter):
        return Rejected(row.index, stem, tuple(_problem(row, p) for p in merged))
    warnings = (*_empty_warnings(templates, row), *_address_warnings(recipient, row, font))
    return Merged(row.index, stem, merged, warnings, row.where(), tuple(sorted(values.items())))


def _missing(templates: _Templates, row: _Row) -> list[str]:
    return [
        f"{slot.where()} names the key {slot.key!r}, which this recipient does not have; "
        "add it or correct the placeholder"
        for slot in templates.slots
        if slot.key not in row.values
    ]


def _long_words(templates: _Templates, row: _Row) -> list[str]:
    """Values too long to typeset (see ``words.py``) in the address block, title or body."""
    printed = {"name", "attention", "address"} | {
        slot.key
        for name, template in templates.fields.items()
        if not name.startswith("email.")
        for slot in template.slots
    }
    found = ((key, long_word(row.values.get(key, ""))) for key in sorted(printed))
    return [f"the value of {key!r} has {word.message()}" for key, word in found if word]


def _nul_in_body(templates: _Templates, row: _Row) -> list[str]:
    """U+0000 in the body becomes U+FFFD in Markdown, which an error would name instead."""
    body = templates.fields.get("body")
    keys = {slot.key for slot in body.slots} if body is not None else set()
    return [
        f"the value of {key!r} has the character U+0000 (NULL), which cannot be printed; "
        "remove it"
        for key in sorted(keys)
        if "\0" in row.values.get(key, "")
    ]


def _empty_warnings(templates: _Templates, row: _Row) -> tuple[Problem, ...]:
    from letterpress.reading.recipients import STANDARD_KEYS

    return tuple(
        Problem(
            row.path, row.line, row.field,
            f"{row.where()}: {slot.key!r} is empty, so {slot.where()} prints nothing",
            warning=True,
        )
        for slot in templates.slots
        # An empty address in email.cc or email.bcc means no copy, as intended for most rows.
        if slot.key not in STANDARD_KEYS and not row.values[slot.key]
        and not slot.field.startswith("email.")
    )


def _address_warnings(recipient: Recipient, row: _Row, font: Path | None) -> list[Problem]:
    """What a single letter's load checks in its address block, checked for every recipient,
    and a recipient without a postal address, whose letter would go to print with only a name
    in the window."""
    found = [_row_warning(row, found) for found in check_address(recipient, None, font=font)]
    if not recipient.address:
        found.append(Problem(row.path, row.line, row.field, f"{row.where()}: {NO_ADDRESS}",
                             warning=True))
    return found


def _row_warning(row: _Row, found: Problem) -> Problem:
    part = found.field.removeprefix("recipient").lstrip(".")  # name, address.1 ...
    if row.field:  # an item of the letter's list: the field names it
        field, message = f"{row.field}.{part}".rstrip("."), found.message
    else:  # a row of a file: the column does
        column = row.sources.get(part) or row.sources.get(part.partition(".")[0])
        field, message = "", f"{column or part.partition('.')[0]}: {found.message}"
    return Problem(row.path, row.line, field, f"{row.where()}: {message}", warning=True)


def _problem(row: _Row, message: str) -> Problem:
    return Problem(row.path, row.line, row.field, f"{row.where()}: {message}")


def _recipient(values: dict[str, str]) -> Recipient | list[str]:
    """The recipient as the model validates a single letter's, or what is wrong with it."""
    try:
        return Recipient.model_validate({
            "name": values.get("name", ""),
            "attention": values.get("attention", ""),
            "address": values.get("address", "").splitlines(),
            "email": values.get("email", ""),
        })
    except ValidationError as exc:
        return [_merge_message(error, MODEL_MESSAGES_RECIPIENT) for error in exc.errors()]


def _validated(letter: Letter, update: dict[str, Any]) -> Letter | list[str]:
    """The letter with ``update`` applied and validated by the model, as a single letter is.

    Parts that did not change (letterhead, signatories...) are model instances the model does
    not validate again; ``body_file`` was read into ``body`` already and is put back after."""
    fields = {name: getattr(letter, name) for name in Letter.model_fields}
    try:
        merged = Letter.model_validate({**fields, **update, "body_file": None})
    except ValidationError as exc:
        return [_merge_message(error, MODEL_MESSAGES_LETTER) for error in exc.errors()]
    return merged.model_copy(update={"body_file": letter.body_file, "source": letter.source})


def _merge_message(error: ErrorDetails, messages: Mapping[tuple[str | int, ...], str]) -> str:
    where = tuple(error["loc"])
    if where in messages:
        return messages[where]
    field = ".".join(str(part) for part in where)
    return f"{field}: {error['msg']}" if field else error["msg"].removeprefix("Value error, ")


def _filled(letter: Letter, templates: _Templates, values: dict[str, str]) -> dict[str, Any]:
    """The fields that hold placeholders, filled in with ``values``."""
    if not templates.fields:
        return {}
    plain = {key: _one_line(values[key]) for key in templates.keys}
    markdown = {key: _markdown_text(plain[key]) for key in templates.markdown_keys}
    filled = {name: t.fill(plain, markdown) for name, t in templates.fields.items()}
    if "email.text" in filled:
        # The plain-text message keeps a value's line breaks (an address, one line each).
        filled["email.text"] = templates.fields["email.text"].fill(values, markdown)
    update: dict[str, str | Email] = {
        k: v for k, v in filled.items() if not k.startswith("email.")
    }
    if letter.email is not None and any(k.startswith("email.") for k in filled):
        update["email"] = _filled_email(letter.email, filled)
    return update


def _filled_email(email: Email, filled: dict[str, str]) -> Email:
    update: dict[str, Any] = {}
    for key in ("subject", "text"):
        if f"email.{key}" in filled:
            update[key] = filled[f"email.{key}"]
    for kind in ("to", "cc", "bcc"):
        addresses = getattr(email, kind)
        if any(f"email.{kind}.{i}" in filled for i in range(len(addresses))):
            update[kind] = [filled.get(f"email.{kind}.{i}", a) for i, a in enumerate(addresses)]
    return Email.model_validate({**dict(email), **update})


def _one_line(value: str) -> str:
    """A value as it stands in running text: the lines of an address joined with commas."""
    if "\n" not in value and "\r" not in value:
        return value
    return ", ".join(part.strip() for part in value.splitlines() if part.strip())


def _markdown_text(value: str) -> str:
    """``value`` escaped so that Markdown prints every character of it as written."""
    return MARKDOWN_PUNCTUATION.sub(r"\\\1", value)

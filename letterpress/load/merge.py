"""Mail merge: one letter with ``recipients`` becomes one letter per recipient.

``expand(letter)`` yields a :class:`Merged` per recipient: the letter with ``recipient`` set,
``recipients`` cleared and every ``{{ recipient.KEY }}`` in the title, the body and the
``email`` fields replaced by that recipient's value. ``entries(letter)`` does the same but
yields a :class:`Rejected` for a recipient that cannot be merged, so that one bad row never
stops the others. A letter without ``recipients`` yields itself once, unchanged.

``prepare(letter)`` does the work that is the same for every recipient, once: placeholders
found, the CSV file decoded and counted, its header checked against the placeholders. Each
recipient then costs a few string joins; the letterhead and every other field are shared.
Recipients from a CSV file are read row by row, never all at once.

Values are text: they are substituted in one pass (a value is never scanned for placeholders)
and escaped for Markdown in the body, so ``{{ 7*7 }}`` or ``<b>x</b>`` in a recipient's name
print exactly as written. In the title, the body and the subject a value stands on one line
(an address's lines joined by commas); the e-mail text keeps its lines.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from letterpress.errors import LetterError, Problem
from letterpress.limits import MAX_RECIPIENT_FILE_BYTES, MAX_RECIPIENTS
from letterpress.load.address import check_address
from letterpress.load.words import long_word
from letterpress.model import Email, Letter, MergeRecipient, Recipient, Source
from letterpress.slug import number_width, numbered

__all__ = ["Merge", "Merged", "Rejected", "count", "entries", "expand", "prepare"]

PLACEHOLDER = re.compile(r"\{\{\s*(.*?)\s*\}\}", re.DOTALL)
RECIPIENT_KEY = re.compile(r"recipient\.([\w-]+)")
# What a person means as a placeholder even when it is misspelt: {{ name }}, {{ mottaker.navn }}.
LOOKS_LIKE_KEY = re.compile(r"[\w.\- ]*[^\W\d_][\w.\- ]*|recipient\b.*", re.DOTALL)
MARKDOWN_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")
STANDARD_KEYS = ("name", "attention", "address", "email")
BOM = b"\xef\xbb\xbf"
EMPTY_TITLE = (
    "the title is empty once its placeholders are filled in; give this recipient the values "
    "or add text to the title"
)


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
    A CSV file is read again on each iteration, row by row.
    """

    def __init__(self, letter: Letter) -> None:
        self.letter = letter
        self._templates = _Templates.of(letter) if letter.recipients is not None else _Templates()
        self._table: _CsvTable | None = None
        if isinstance(letter.recipients, Path):
            self._table = _CsvTable.open(letter.recipients)
            _check_columns(self._table, self._templates)
            self.count = self._table.count
        else:
            self.count = 1 if letter.recipients is None else len(letter.recipients)
        if self.count == 0:
            where = self._table.path if self._table else letter.source and letter.source.path
            line = 1 if self._table else letter.source and letter.source.line_of("recipients")
            raise LetterError.at(
                where, line, "recipients", "there are no recipients; add at least one"
            )

    def __iter__(self) -> Iterator[Merged | Rejected]:
        letter = self.letter
        if letter.recipients is None:
            yield Merged(1, _own_stem(letter), letter)
            return
        if self._table is not None:
            rows = self._table.rows()
        else:
            assert isinstance(letter.recipients, list)
            rows = _list_rows(letter.recipients, letter.source)
        width = number_width(self.count)
        font = letter.letterhead.fonts.regular if letter.letterhead.fonts else None
        for row in rows:
            yield _merge(letter, self._templates, row, width, font)


def prepare(letter: Letter) -> Merge:
    """Check ``letter`` as a whole for merging; raises ``LetterError`` for a problem with it.

    A problem with the letter as a whole (a CSV file that cannot be read or lacks a column a
    placeholder names, a misspelt placeholder) is raised here, before any letter is made.
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
    """How many letters ``letter`` makes (reads a CSV file once, without keeping it)."""
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
        "(a key of the recipient or a column of the CSV file)"
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
# Recipients: rows of a CSV file or items of a list, as text values


@dataclass(frozen=True)
class _Row:
    index: int
    path: Path | None
    line: int | None
    field: str
    values: dict[str, str]
    problems: tuple[str, ...] = ()
    """Why this row cannot be merged, found while reading it."""

    def where(self) -> str:
        place = f"{self.path.name}:{self.line}" if self.path and self.line else ""
        return f"recipient {self.index}" + (f" ({place})" if place else "")


def _list_rows(items: list[MergeRecipient], source: Source | None) -> Iterator[_Row]:
    for i, item in enumerate(items):
        line = source.line_of(f"recipients.{i}") if source else None
        path = source.path if source else None
        values, problems = _item_values(item)
        yield _Row(i + 1, path, line, f"recipients.{i}", values, tuple(problems))


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


@dataclass
class _CsvTable:
    """A recipients CSV file: its dialect, header and number of rows, read once up front."""

    path: Path
    delimiter: str
    columns: list[str | None]
    """Column keys in file order; None for a column without a heading (ignored)."""
    count: int

    @classmethod
    def open(cls, path: Path) -> _CsvTable:
        _check_size(path)
        delimiter = _delimiter(_first_line(path))
        reader = csv.reader(_decoded_lines(path), delimiter=delimiter)
        columns = _columns(path, _next_row(reader, path))
        table = cls(path, delimiter, columns, 0)
        table.count = sum(1 for _ in table._records(reader))
        return table

    def rows(self) -> Iterator[_Row]:
        reader = csv.reader(_decoded_lines(self.path), delimiter=self.delimiter)
        _next_row(reader, self.path)
        for index, (line, record) in enumerate(self._records(reader), start=1):
            yield self._row(index, line, record)

    def _records(self, reader: Any) -> Iterator[tuple[int, list[str]]]:
        """Non-blank records with the line each starts on; stops past ``MAX_RECIPIENTS``."""
        seen = 0
        while True:
            start = reader.line_num + 1
            record = _next_row(reader, self.path)
            if record is None:
                return
            if not any(cell.strip() for cell in record):
                continue
            seen += 1
            if seen > MAX_RECIPIENTS:
                raise LetterError.at(
                    self.path, start, "recipients",
                    f"more than {MAX_RECIPIENTS} recipients; split the file into several merges",
                )
            yield start, record

    def _row(self, index: int, line: int, record: list[str]) -> _Row:
        problems = []
        if len(record) > len(self.columns):
            problems.append(
                f"the row has {len(record)} fields but the header has {len(self.columns)}; "
                f"put a value that contains {self.delimiter!r} in double quotes"
            )
        values = {
            key: cell.strip()
            for key, cell in zip(self.columns, record, strict=False)
            if key is not None
        }
        for key in STANDARD_KEYS:
            values.setdefault(key, "")
        values["address"] = "\n".join(_address_lines(values["address"]))
        return _Row(index, self.path, line, "", values, tuple(problems))


def _check_size(path: Path) -> None:
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise LetterError.at(path, None, "", f"cannot read the file: {exc.strerror}") from None
    if size > MAX_RECIPIENT_FILE_BYTES:
        raise LetterError.at(
            path, None, "",
            f"the file is {size // 1024} KiB; at most {MAX_RECIPIENT_FILE_BYTES // 1024} KiB "
            "is accepted; "
            "split it into several merges",
        )


def _decoded_lines(path: Path) -> Iterator[str]:
    """The file's lines as text, line endings kept; a byte that is not UTF-8 names its line.

    The file is read again for the letters after it was counted: by then it may have been
    moved or deleted, which is a problem with this merge, not a reason to stop the build.
    """
    try:
        with path.open("rb") as handle:
            for number, raw in enumerate(handle, start=1):
                yield _decoded(path, number, raw.removeprefix(BOM) if number == 1 else raw)
    except OSError as exc:
        raise LetterError.at(
            path, None, "", f"cannot read the file: {exc.strerror or exc} (moved or deleted?)"
        ) from None


def _decoded(path: Path, number: int, raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise LetterError.at(
            path, number, "",
            f"the file is not UTF-8 (byte 0x{raw[exc.start]:02x}); in Excel save it as "
            "'CSV UTF-8', or in another program choose the encoding UTF-8",
        ) from None


def _first_line(path: Path) -> str:
    lines = _decoded_lines(path)
    try:
        return next(lines, "")
    finally:
        lines.close()


def _delimiter(header: str) -> str:
    """Comma or semicolon (Excel in Norway writes semicolons), whichever the header uses."""
    counts = {d: _count_unquoted(header, d) for d in (";", ",", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > counts[","] else ","


def _count_unquoted(line: str, char: str) -> int:
    return sum(part.count(char) for part in line.split('"')[::2])


def _next_row(reader: Any, path: Path) -> list[str] | None:
    try:
        return next(reader)
    except StopIteration:
        return None
    except csv.Error as exc:
        raise LetterError.at(path, reader.line_num, "", f"CSV: {exc}") from None


def _columns(path: Path, header: list[str] | None) -> list[str | None]:
    if not header or not any(h.strip() for h in header):
        raise LetterError.at(
            path, 1, "",
            "the file has no header row; the first row names the columns: name;address;...",
        )
    columns: list[str | None] = []
    for heading in header:
        key = heading.strip()
        key = key.lower() if key.lower() in STANDARD_KEYS else key
        if key and key in columns:
            raise LetterError.at(path, 1, "", f"the column {key!r} is given twice; keep one")
        columns.append(key or None)
    if "name" not in columns:
        named = ", ".join(c for c in columns if c)
        raise LetterError.at(
            path, 1, "",
            f"the header has no column 'name' (it has: {named}); the first row must name the "
            "columns, with 'name' for the recipient's name",
        )
    return columns


def _check_columns(table: _CsvTable, templates: _Templates) -> None:
    """A placeholder that no column of the CSV file answers is wrong for every row."""
    columns = {c for c in table.columns if c} | set(STANDARD_KEYS)
    problems = [
        Problem(
            table.path, 1, "",
            f"the file has no column {slot.key!r}, which {slot.where()} names; add the column "
            "or correct the placeholder",
        )
        for slot in templates.slots
        if slot.key not in columns
    ]
    if problems:
        raise LetterError(problems)


# ---------------------------------------------------------------------------------------------
# One recipient: the letter with its recipient and its placeholders filled in


def _merge(
    letter: Letter, templates: _Templates, row: _Row, width: int, font: Path | None
) -> Merged | Rejected:
    values = row.values
    stem = numbered(row.index, width, values.get("name", ""))
    problems = [
        *row.problems, *_missing(templates, row), *_nul_in_body(templates, row),
        *_long_words(templates, row),
    ]
    if not values.get("name", "").strip():
        problems.append("the name is empty; every recipient needs a name")
    if problems:
        return Rejected(row.index, stem, tuple(_problem(row, p) for p in problems))
    recipient = _recipient(values)
    update: dict[str, Any] = {"recipient": recipient, "recipients": None}
    update.update(_filled(letter, templates, values))
    if not update.get("title", letter.title).strip():
        return Rejected(row.index, stem, (_problem(row, EMPTY_TITLE),))
    merged = letter.model_copy(update=update)
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
    """What a single letter's load checks in its address block, checked for every recipient."""
    return [_row_warning(row, found) for found in check_address(recipient, None, font=font)]


def _row_warning(row: _Row, found: Problem) -> Problem:
    part = found.field.removeprefix("recipient").lstrip(".")  # name, address.1 ...
    if row.field:  # an item of the letter's list: the field names it
        field, message = f"{row.field}.{part}".rstrip("."), found.message
    else:  # a row of a CSV file: the column does
        field, message = "", f"{part.partition('.')[0]}: {found.message}"
    return Problem(row.path, row.line, field, f"{row.where()}: {message}", warning=True)


def _problem(row: _Row, message: str) -> Problem:
    return Problem(row.path, row.line, row.field, f"{row.where()}: {message}")


def _recipient(values: dict[str, str]) -> Recipient:
    # The values are checked text already; constructing skips validating them again.
    return Recipient.model_construct(
        name=values["name"],
        attention=values["attention"],
        address=values["address"].splitlines(),
        email=values["email"],
    )


def _address_lines(cell: str) -> list[str]:
    """A CSV address cell: lines separated by ``|`` (or by line breaks inside quotes)."""
    parts = re.split(r"[|\r\n]+", cell)
    return [part.strip() for part in parts if part.strip()]


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
    update = {k: v for k, v in filled.items() if not k.startswith("email.")}
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
    return email.model_copy(update=update)


def _one_line(value: str) -> str:
    """A value as it stands in running text: the lines of an address joined with commas."""
    if "\n" not in value and "\r" not in value:
        return value
    return ", ".join(part.strip() for part in value.splitlines() if part.strip())


def _markdown_text(value: str) -> str:
    """``value`` escaped so that Markdown prints every character of it as written."""
    return MARKDOWN_PUNCTUATION.sub(r"\\\1", value)

"""A recipients file, CSV or Excel workbook, read row by row into text values.

Case and archive systems and Excel sheets in Norway name their columns in Norwegian, so the
recipient's fields are found under Norwegian or English headings, matched without regard to
case (``HEADINGS``). The postal address is composed the way Posten wants it: the street lines,
then ``0032 OSLO`` (a postcode that lost its leading zeros in Excel gets them back, the place in
capitals), then, for an address abroad, the country in capitals. Every column is also a value
under its heading as written, for ``{{ recipient.Beløp }}``.

A file is read twice, never held whole: once when it is opened (the header checked, the rows
counted) and once row by row as the letters are made. A CSV file is UTF-8 with or without a
byte-order mark, with ``;`` or ``,``; a workbook is read from its first sheet with openpyxl in
read-only mode, which streams the sheet.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import warnings
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from letterpress.errors import LetterError
from letterpress.limits import (
    MAX_RECIPIENT_FILE_BYTES,
    MAX_RECIPIENTS,
    MAX_WORKBOOK_UNPACKED_BYTES,
)
from letterpress.reading.address import NORWAY

__all__ = ["HEADINGS", "STANDARD_KEYS", "RecipientsFile", "Record", "address_lines"]

STANDARD_KEYS = ("name", "attention", "address", "email")
"""The recipient's fields, always available as placeholders (empty when not given)."""

HEADINGS: dict[str, str] = {
    "name": "name", "navn": "name",
    "attention": "attention", "att": "attention", "att.": "attention",
    "email": "email", "e-post": "email", "epost": "email",
    "address": "address",
    "adresse": "adresse", "adresse1": "adresse1", "adresse2": "adresse2",
    "adresse3": "adresse3",
    "postnr": "postcode", "postnummer": "postcode",
    "poststed": "place",
    "land": "country",
}
"""Headings (case-folded) that fill a part of the recipient, and which part."""

ADDRESS_PARTS = ("adresse", "adresse1", "adresse2", "adresse3")
"""Columns of one address line each, printed in this order; empty ones are skipped."""

ACCEPTED = (
    "Navn or name; Att, Att. or attention; E-post, Epost or email; "
    "Adresse, Adresse1, Adresse2, Adresse3 (one line each) or address (lines separated by |); "
    "Postnr or Postnummer; Poststed; Land"
)

_WHAT = {
    "name": "the recipient's name", "attention": "the Att. line", "email": "the e-mail address",
    "address": "the address", "postcode": "the postcode", "place": "the poststed",
    "country": "the country",
}

NORWAY_NAMES = NORWAY | {"no", "nor"}
"""Values of ``Land`` that mean Norway, where no country line is printed."""

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
OLD_WORKBOOK_SUFFIXES = (".xls", ".ods", ".numbers")
EXCEL_ERRORS = frozenset(
    {"#N/A", "#REF!", "#VALUE!", "#DIV/0!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!", "#CALC!"}
)
BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class Record:
    """One recipient row of the file."""

    index: int
    """1-based position among the recipients (blank rows do not count)."""
    line: int
    """The CSV line the row starts on, or the sheet's row number."""
    values: dict[str, str]
    """Every column under its heading as written, and ``name``, ``attention``, ``address``
    (lines separated by line breaks) and ``email``."""
    problems: tuple[str, ...] = ()
    """Why this row cannot be merged, found while reading it."""
    sources: dict[str, str] = field(default_factory=dict)
    """The heading each printed part comes from: ``name`` -> ``Navn``, ``address.2`` -> ..."""


# ---------------------------------------------------------------------------------------------
# The file


@dataclass
class RecipientsFile:
    """A recipients file, opened: its header read and checked, its rows counted."""

    path: Path
    columns: _Columns
    count: int
    delimiter: str = ","
    """For a CSV file: ``;`` (Excel with Norwegian settings) or ``,``."""

    @classmethod
    def open(cls, path: Path) -> RecipientsFile:
        _check_size(path)
        _check_kind(path)
        workbook = path.suffix.lower() in WORKBOOK_SUFFIXES
        delimiter = "," if workbook else _delimiter(_first_line(path))
        table = cls(path, _Columns.empty(path, workbook), 0, delimiter)
        records = table._records()
        try:
            header = next(records, None)
            table.columns = _Columns.read(path, header[1] if header else None, workbook)
            table.count = sum(1 for _ in table._data(records))
        finally:
            records.close()
        return table

    @property
    def keys(self) -> set[str]:
        """Every key a row has: each heading as written and the standard keys."""
        return {h for h in self.columns.headings if h} | set(STANDARD_KEYS)

    def rows(self) -> Iterator[Record]:
        records = self._records()
        try:
            next(records, None)  # the header
            for index, (line, cells) in enumerate(self._data(records), start=1):
                yield self.columns.record(index, line, cells, self.delimiter)
        finally:
            records.close()

    def _records(self) -> Generator[tuple[int, list[str]], None, None]:
        if self.columns.workbook:
            return _sheet_records(self.path, len(self.columns.headings) or None)
        return _csv_records(self.path, self.delimiter)

    def _data(
        self, records: Iterator[tuple[int, list[str]]]
    ) -> Iterator[tuple[int, list[str]]]:
        """Non-blank rows; stops past ``MAX_RECIPIENTS``."""
        seen = 0
        # A workbook row is read as wide as the header; the counting pass reads it whole.
        width = len(self.columns.headings) if self.columns.workbook else None
        for line, cells in records:
            if not any(cell.strip() for cell in cells[:width]):
                continue
            seen += 1
            if seen > MAX_RECIPIENTS:
                raise LetterError.at(
                    self.path, line, "recipients",
                    f"more than {MAX_RECIPIENTS} recipients; split the file into several merges",
                )
            yield line, cells


def _check_size(path: Path) -> None:
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise LetterError.at(path, None, "", f"cannot read the file: {exc.strerror}") from None
    if size > MAX_RECIPIENT_FILE_BYTES:
        raise LetterError.at(
            path, None, "",
            f"the file is {size // 1024} KiB; at most {MAX_RECIPIENT_FILE_BYTES // 1024} KiB "
            "is accepted; split it into several merges",
        )


def _check_kind(path: Path) -> None:
    if path.suffix.lower() in OLD_WORKBOOK_SUFFIXES:
        raise LetterError.at(
            path, None, "",
            f"a {path.suffix} spreadsheet cannot be read; save it as an Excel workbook (.xlsx) "
            "or as 'CSV UTF-8'",
        )


# ---------------------------------------------------------------------------------------------
# Columns: what each heading holds, and a row made into values


@dataclass(frozen=True)
class _Columns:
    path: Path
    headings: tuple[str | None, ...]
    """Each column's heading as written (trimmed); None for a column without one (ignored)."""
    roles: dict[str, int]
    """Column index of each part of the recipient found (``name``, ``adresse2``, ...)."""
    workbook: bool

    @classmethod
    def empty(cls, path: Path, workbook: bool) -> _Columns:
        return cls(path, (), {}, workbook)

    @classmethod
    def read(cls, path: Path, header: list[str] | None, workbook: bool) -> _Columns:
        if not header or not any(h.strip() for h in header):
            raise LetterError.at(
                path, 1, "",
                "the file has no header row; the first row names the columns: "
                "Navn;Adresse;Postnr;Poststed;...",
            )
        headings: list[str | None] = []
        roles: dict[str, int] = {}
        for index, text in enumerate(header):
            heading = text.strip() or None
            if heading is not None and heading in headings:
                raise LetterError.at(
                    path, 1, "", f"the column {heading!r} is given twice; keep one"
                )
            role = HEADINGS.get(heading.casefold()) if heading else None
            if role is not None:
                _claim(path, roles, role, index, [*headings, heading])
                roles[role] = index
            headings.append(heading)
        columns = cls(path, tuple(headings), roles, workbook)
        columns._check()
        return columns

    def _check(self) -> None:
        found = [h for h in self.headings if h]
        if "name" not in self.roles:
            raise LetterError.at(
                self.path, 1, "",
                f"the header has no column for the recipient's name (it has: {', '.join(found)}); "
                f"call that column Navn or name. Headings that fill the recipient: {ACCEPTED}; "
                "every other column is a value for {{ recipient.HEADING }}",
            )
        street = [p for p in ADDRESS_PARTS if p in self.roles]
        if "address" in self.roles and street:
            raise LetterError.at(
                self.path, 1, "",
                f"the columns {self.heading('address')!r} and {self.heading(street[0])!r} both "
                "hold the address; keep one: address (lines separated by |), or Adresse, "
                "Adresse1, Adresse2, Adresse3 (one line each)",
            )

    def heading(self, role: str) -> str:
        return self.headings[self.roles[role]] or role

    def cell(self, values: dict[str, str], role: str) -> str:
        """The value of the column that holds ``role``; empty when there is none (or the row
        is short)."""
        return values.get(self.heading(role), "") if role in self.roles else ""

    def record(self, index: int, line: int, cells: list[str], delimiter: str) -> Record:
        problems: list[str] = []
        if len(cells) > len(self.headings):
            problems.append(
                f"the row has {len(cells)} fields but the header has {len(self.headings)}; "
                f"put a value that contains {delimiter!r} in double quotes"
            )
        values: dict[str, str] = {}
        for number, (heading, cell) in enumerate(zip(self.headings, cells, strict=False)):
            if heading is None:
                continue
            values[heading] = cell.strip()
            if values[heading] in EXCEL_ERRORS:
                cell_name = f" (cell {_column_letter(number)}{line})" if self.workbook else ""
                problems.append(
                    f"{heading}{cell_name}: the cell holds the Excel error {values[heading]}; "
                    "correct the formula in the sheet or type the value"
                )
        sources: dict[str, str] = {}
        for key in ("name", "attention", "email"):
            values[key] = self.cell(values, key)
            if key in self.roles:
                sources[key] = self.heading(key)
        lines, line_sources = self._address(values)
        values["address"] = "\n".join(lines)
        sources.update((f"address.{i}", s) for i, s in enumerate(line_sources))
        parts = ("address", *ADDRESS_PARTS, "postcode", "place", "country")
        sources["address"] = ", ".join(self.heading(p) for p in parts if p in self.roles)
        return Record(index, line, values, tuple(problems), sources)

    def _address(self, values: dict[str, str]) -> tuple[list[str], list[str]]:
        """The address lines as Posten wants them, and the heading each line comes from."""
        lines: list[str] = []
        sources: list[str] = []
        for role in ("address", *ADDRESS_PARTS):
            if role in self.roles:
                found = address_lines(self.cell(values, role))
                lines += found
                sources += [self.heading(role)] * len(found)
        country = self.cell(values, "country")
        abroad = bool(country) and country.casefold() not in NORWAY_NAMES
        last, parts = [], []
        code, place = self.cell(values, "postcode"), self.cell(values, "place")
        if code:
            if not abroad:
                code = values[self.heading("postcode")] = norwegian_postcode(code)
            last.append(code)
            parts.append(self.heading("postcode"))
        if place:
            last.append(place.upper())
            parts.append(self.heading("place"))
        if last:
            lines.append(" ".join(last))
            sources.append("/".join(parts))
        if abroad:
            lines.append(country.upper())
            sources.append(self.heading("country"))
        return lines, sources


def _claim(
    path: Path, roles: dict[str, int], role: str, index: int, headings: list[str | None]
) -> None:
    if role not in roles:
        return
    first, second = headings[roles[role]], headings[index]
    raise LetterError.at(
        path, 1, "",
        f"the columns {first!r} and {second!r} both hold {_WHAT.get(role, role)}; keep one",
    )


def address_lines(cell: str) -> list[str]:
    """An address cell: lines separated by ``|`` (or by line breaks inside the cell)."""
    parts = re.split(r"[|\r\n]+", cell)
    return [part.strip() for part in parts if part.strip()]


def norwegian_postcode(text: str) -> str:
    """Four digits: Excel stores 0032 as the number 32, which prints as 32 unless padded."""
    text = text.strip()
    return text.zfill(4) if re.fullmatch(r"[0-9]{1,3}", text) else text


def _column_letter(number: int) -> str:
    """``A`` for the first column, ``AA`` for the 27th."""
    letters = ""
    number += 1
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


# ---------------------------------------------------------------------------------------------
# CSV


def _csv_records(path: Path, delimiter: str) -> Generator[tuple[int, list[str]], None, None]:
    """Every record with the line it starts on, blank ones too."""
    reader = csv.reader(_decoded_lines(path), delimiter=delimiter)
    while True:
        start = reader.line_num + 1
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise LetterError.at(path, reader.line_num, "", f"CSV: {exc}") from None
        yield start, record


def _decoded_lines(path: Path) -> Generator[str, None, None]:
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


# ---------------------------------------------------------------------------------------------
# Excel workbooks


def _sheet_records(
    path: Path, width: int | None
) -> Generator[tuple[int, list[str]], None, None]:
    """The first sheet's rows with their row numbers, as text; ``width`` cells each when given.

    openpyxl's read-only mode parses the sheet as it is iterated, so rows are never all held.
    """
    book = _open_workbook(path)
    try:
        sheet = book.worksheets[0]
        # The size a file declares may be wrong (files written by other programs); read it all.
        sheet.reset_dimensions()
        rows = sheet.iter_rows(max_col=width, values_only=True)
        for number, row in enumerate(rows, start=1):
            cells = [_cell_text(value) for value in row]
            while width is None and cells and not cells[-1]:
                cells.pop()  # the header: empty cells after the last heading
            yield number, cells
    except LetterError:
        raise
    except Exception as exc:  # a damaged sheet: openpyxl raises what its parser meets
        raise LetterError.at(path, None, "", _unreadable(exc)) from None
    finally:
        book.close()


def _open_workbook(path: Path) -> Any:
    import openpyxl

    _check_unpacked_size(path)
    try:
        with warnings.catch_warnings():
            # Workbooks saved by other programs lack styles openpyxl expects; it says so.
            warnings.simplefilter("ignore")
            return openpyxl.load_workbook(path, read_only=True, data_only=True)
    except OSError as exc:
        raise LetterError.at(
            path, None, "", f"cannot read the file: {exc.strerror or exc} (moved or deleted?)"
        ) from None
    except Exception as exc:
        raise LetterError.at(path, None, "", _unreadable(exc)) from None


def _check_unpacked_size(path: Path) -> None:
    import zipfile

    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, EOFError) as exc:
        raise LetterError.at(path, None, "", _unreadable(exc)) from None
    except OSError as exc:
        raise LetterError.at(
            path, None, "", f"cannot read the file: {exc.strerror or exc} (moved or deleted?)"
        ) from None
    if unpacked > MAX_WORKBOOK_UNPACKED_BYTES:
        raise LetterError.at(
            path, None, "",
            f"the workbook unpacks to {unpacked // 1024 // 1024} MiB; at most "
            f"{MAX_WORKBOOK_UNPACKED_BYTES // 1024 // 1024} MiB is accepted; split it into "
            "several merges",
        )


def _unreadable(exc: Exception) -> str:
    return (
        f"cannot read the workbook ({type(exc).__name__}: {exc}); open it in Excel and save it "
        "again as 'Excel Workbook (.xlsx)', or as 'CSV UTF-8'"
    )


def _cell_text(value: object) -> str:
    """A cell as the text Excel shows for it in a plain cell."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        # Excel shows at most 15 significant digits; 0.1+0.2 is 0.3 there, 32.0 is 32, -0 is 0.
        return f"{value:.15g}" if value else "0"
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.strftime("%d.%m.%Y")
        return value.strftime("%d.%m.%Y %H:%M")
    if isinstance(value, dt.date):
        return value.strftime("%d.%m.%Y")
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    return str(value)

"""Recipient lists as Norwegian systems and Excel export them, and the print file made of them.

The same 40 recipients come as a CSV file the way Excel with Norwegian settings saves it and as
an .xlsx workbook; the letters are read back from the print file, through the envelope window.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import hashlib
import io
import math
import re
import tempfile
from pathlib import Path

import openpyxl
import pikepdf
import pypdfium2 as pdfium
import pytest
from conftest import KS_LETTERHEAD, MM, page_texts, write_yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from letterpress.checks.preflight import preflight
from letterpress.cli import main
from letterpress.errors import LetterError
from letterpress.geometry import ENVELOPE_WINDOWS
from letterpress.reading import load
from letterpress.reading.merge import Merged, entries, expand, prepare
from letterpress.reading.recipients import _cell_text as cell_text

HEADINGS = ["Navn", "Att.", "Adresse", "Adresse2", "Postnr", "Poststed", "Land", "E-post",
            "Beløp", "Merknad"]
LONG = " ".join(["Tilskuddet forutsetter at arrangementet gjennomføres som beskrevet."] * 40)
SPECIAL = [
    # name, att, address, address 2, postcode, place, country, amount, remark; printed lines
    (["Åse Ødegård", "", "Storgata 1", "", "0032", "Oslo", "", "", "25000", "Ingen."],
     ["Åse Ødegård", "Storgata 1", "0032 OSLO"]),
    (["Bjørnøy Fiskeoppdrett AS", "Kåre Ås", "Postboks 12", "Havnegata 3", "6856", "Havbakken",
      "Norge", "post@bjornoy.no", "7500", LONG],
     ["Bjørnøy Fiskeoppdrett AS", "Att.: Kåre Ås", "Postboks 12", "Havnegata 3",
      "6856 HAVBAKKEN"]),
    (["Svenska Kulturföreningen", "", "Storgatan 1", "", "111 22", "Stockholm", "Sverige", "",
      "12000", "Ingen."],
     ["Svenska Kulturföreningen", "Storgatan 1", "111 22 STOCKHOLM", "SVERIGE"]),
    (["Per Uten Adresse", "", "", "", "", "", "", "per@example.no", "1000", "Ingen."],
     ["Per Uten Adresse"]),
    (["Ærlige Øvre Ålen Vel", "", "Fjellvegen 9", "", "9990", "Båtsfjord", "NO", "", "3000",
      " ".join([LONG] * 4)],
     ["Ærlige Øvre Ålen Vel", "Fjellvegen 9", "9990 BÅTSFJORD"]),
]
NO_ADDRESS = 3
"""Index in ``SPECIAL`` (and in the file) of the recipient without a postal address."""


def rows() -> list[tuple[list[str], list[str]]]:
    """40 recipients: the special ones first, then Norwegian addresses of every kind."""
    found = list(SPECIAL)
    for i in range(len(SPECIAL), 40):
        country = ("", "Norge", "norway", "NO")[i % 4]
        code = f"{(i * 211) % 10000:04d}"
        cells = [f"Lag nr. {i} på Øya", "", f"Vegen {i}", "", code, "Fjordvik", country, "",
                 str(1000 * i), "Ingen."]
        found.append((cells, [cells[0], f"Vegen {i}", f"{code} FJORDVIK"]))
    return found


def write_csv(path: Path) -> Path:
    """Excel's 'CSV UTF-8' with Norwegian settings: a byte-order mark, semicolons, CRLF."""
    text = io.StringIO()
    writer = csv.writer(text, delimiter=";", lineterminator="\r\n")
    writer.writerow(HEADINGS)
    for cells, _ in rows():
        writer.writerow(cells)
    path.write_bytes(b"\xef\xbb\xbf" + text.getvalue().encode("utf-8"))
    return path


def write_workbook(path: Path) -> Path:
    """The same rows in a workbook; Excel keeps 0032 as the number 32, and amounts as numbers."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADINGS)
    for cells, _ in rows():
        values: list[object] = list(cells)
        values[8] = int(cells[8])
        if cells[4] == "0032":
            values[4] = 32
        sheet.append(values)
    book.save(path)
    return path


def write_letter(folder: Path, recipients: str, name: str = "tilskudd.yaml") -> Path:
    return write_yaml(folder / name, {
        "letterhead": str(KS_LETTERHEAD),
        "date": "2024-05-02",
        "reference": {"ours": "24/00123-1", "archive_code": "035"},
        "recipients": recipients,
        "title": "Tilskudd til {{ recipient.Navn }}",
        "body": "Dere får kr {{ recipient.Beløp }} i tilskudd.\n\n{{ recipient.Merknad }}\n",
    })


def window_lines(document: pdfium.PdfDocument, index: int) -> list[str]:
    """The lines of page ``index`` that show through every envelope window."""
    left = max(w.x for w in ENVELOPE_WINDOWS.values())
    right = min(w.right for w in ENVELOPE_WINDOWS.values())
    top = max(w.y for w in ENVELOPE_WINDOWS.values())
    bottom = min(w.bottom for w in ENVELOPE_WINDOWS.values())
    page = document[index]
    height = page.get_height()
    text = page.get_textpage().get_text_bounded(
        left=left * MM, bottom=height - bottom * MM, right=right * MM, top=height - top * MM
    )
    return [line.strip() for line in text.splitlines() if line.strip()]


def bookmarks(path: Path) -> list[tuple[str, int]]:
    """Title and 0-based page of each top-level bookmark."""
    with pikepdf.open(path) as pdf, pdf.open_outline() as outline:
        return [
            (item.title, pdf.pages.index(pikepdf.Page(item.destination[0])))
            for item in outline.root
        ]


def manifest(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle, delimiter=";"))


def fonts_by_name(path: Path) -> dict[str, set[str]]:
    """Each embedded font name in the file, with the digests of the programs under it."""
    found: dict[str, set[str]] = {}
    with pikepdf.open(path) as pdf:
        for page in pdf.pages:
            for font in (page.Resources.get("/Font") or {}).values():
                program = font.FontDescriptor.FontFile2.read_bytes()
                digest = hashlib.sha256(program).hexdigest()
                found.setdefault(str(font.BaseFont), set()).add(digest)
    return found


# The whole run, as a secretariat does it ---------------------------------------------------------


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """The CSV merge built with --combined --duplex, the workbook's with --combined --strict."""
    folder = tmp_path_factory.mktemp("recipients")
    csv_path = write_csv(folder / "mottakere.csv")
    write_workbook(folder / "mottakere.xlsx")
    out = folder / "out"
    csv_letter = write_letter(folder, "mottakere.csv", "tilskudd.yaml")
    xlsx_letter = write_letter(folder, "mottakere.xlsx", "tilskudd-excel.yaml")
    csv_run = _run(["build", str(csv_letter), "-o", str(out), "--combined", "--duplex"])
    xlsx_run = _run(["build", str(xlsx_letter), "-o", str(out), "--combined", "--strict"])
    return {"out": out, "csv": csv_path, "xlsx": folder / "mottakere.xlsx", "csv_run": csv_run,
            "xlsx_run": xlsx_run}


def _run(argv: list[str]) -> tuple[int, str, str]:
    """Exit status, standard output and standard error of the command line."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        # The letters use the repository's letterhead, outside their temporary folder.
        status = main([*argv, "-j", "2", "--root", "/"])
    return status, out.getvalue(), err.getvalue()


def test_the_window_shows_each_address_as_posten_wants_it(runs: dict) -> None:
    expected = [lines for _, lines in rows()]
    for run, skip in (("tilskudd", None), ("tilskudd-excel", NO_ADDRESS)):
        wanted = [lines for i, lines in enumerate(expected) if i != skip]
        starts = [page for _, page in bookmarks(runs["out"] / f"{run}.pdf")]
        document = pdfium.PdfDocument(runs["out"] / f"{run}.pdf")
        try:
            shown = [window_lines(document, page) for page in starts]
        finally:
            document.close()
        assert shown == wanted, run


def test_a_custom_column_prints_where_its_placeholder_stands(runs: dict) -> None:
    letters = sorted((runs["out"] / "tilskudd-excel").glob("*.pdf"))
    assert len(letters) == 39
    first = page_texts(letters[0])[0]
    assert "Tilskudd til Åse Ødegård" in first
    assert "Dere får kr 25000 i tilskudd." in first
    last = page_texts(letters[-1])[0]
    assert "Tilskudd til Lag nr. 39 på Øya" in last and "Dere får kr 39000 i tilskudd." in last


def test_a_recipient_without_an_address_warns_and_fails_alone_with_strict(runs: dict) -> None:
    line = NO_ADDRESS + 2  # the header is line 1; every row here is one line
    status, summary, err = runs["csv_run"]
    assert (status, summary.split(" in ")[0]) == (0, "built 40, failed 0")
    (warning,) = [w for w in err.splitlines() if "cannot go by post" in w]
    where = f"{runs['csv']}:{line}: warning: recipient {NO_ADDRESS + 1} (mottakere.csv:{line}):"
    assert warning.startswith(where)
    status, summary, err = runs["xlsx_run"]
    assert (status, summary.split(" in ")[0]) == (1, "built 39, failed 1")
    (error,) = [e for e in err.splitlines() if "cannot go by post" in e]
    assert error.startswith(
        f"{runs['xlsx']}:{line}: recipient {NO_ADDRESS + 1} (mottakere.xlsx:{line}):"
    )
    assert "warning" not in err


def test_the_print_file_is_pdf_17_and_passes_preflight(runs: dict) -> None:
    for run in ("tilskudd", "tilskudd-excel"):
        path = runs["out"] / f"{run}.pdf"
        with pikepdf.open(path) as pdf:
            assert pdf.pdf_version == "1.7"
            assert pdf.Root.PageMode == "/UseOutlines"
        assert preflight(path) == []


def test_one_bookmark_per_recipient_at_the_first_page_of_the_letter(runs: dict) -> None:
    names = [cells[0] for cells, _ in rows()]
    marks = bookmarks(runs["out"] / "tilskudd.pdf")
    assert [title for title, _ in marks] == names
    document = pdfium.PdfDocument(runs["out"] / "tilskudd.pdf")
    try:
        for title, page in marks:
            assert window_lines(document, page)[0] == title
            text = document[page].get_textpage().get_text_range()
            assert f"Tilskudd til {title}" in text
    finally:
        document.close()


def test_duplex_starts_every_letter_on_the_front_of_a_sheet(runs: dict) -> None:
    path = runs["out"] / "tilskudd.pdf"
    marks = bookmarks(path)
    listed = manifest(path.with_suffix(".csv"))
    pages = [int(row["pages"]) for row in listed]
    assert sorted(set(pages)) == [1, 2, 3]  # the rows with long remarks run over
    assert all(page % 2 == 0 for _, page in marks)  # 0-based: page 1, 3, 5 ...
    with pikepdf.open(path) as pdf:
        total = len(pdf.pages)
        for (_, start), count in zip(marks, pages, strict=True):
            if count % 2:
                blank = pdf.pages[start + count]
                assert blank.get("/Contents") is None or blank.Contents.read_bytes() == b""
    assert total == sum(count + count % 2 for count in pages)
    # Without duplex, letters follow each other directly.
    plain = [page for _, page in bookmarks(runs["out"] / "tilskudd-excel.pdf")]
    excel_pages = [int(row["pages"]) for row in manifest(runs["out"] / "tilskudd-excel.csv")]
    assert plain == [sum(excel_pages[:i]) for i in range(len(excel_pages))]


def test_the_manifest_lists_the_run_in_print_order(runs: dict) -> None:
    out = runs["out"]
    listed = manifest(out / "tilskudd.csv")
    assert list(listed[0]) == ["file", "name", "postcode", "pages", "sheets"]
    assert [row["name"] for row in listed] == [cells[0] for cells, _ in rows()]
    assert [row["postcode"] for row in listed[:5]] == ["0032", "6856", "111 22", "", "9990"]
    for row in listed:
        with pikepdf.open(out / row["file"]) as pdf:
            assert int(row["pages"]) == len(pdf.pages)
        assert int(row["sheets"]) == math.ceil(int(row["pages"]) / 2)
    excel = manifest(out / "tilskudd-excel.csv")
    assert len(excel) == 39 and "Per Uten Adresse" not in {row["name"] for row in excel}
    assert all(row["sheets"] == row["pages"] for row in excel)  # one side a sheet
    assert [row["file"] for row in excel[:4]] == [
        "tilskudd-excel/001-ase-odegard.pdf",
        "tilskudd-excel/002-bjornoy-fiskeoppdrett-as.pdf",
        "tilskudd-excel/003-svenska-kulturforeningen.pdf",
        "tilskudd-excel/005-aerlige-ovre-alen-vel.pdf",
    ]


def test_every_subset_name_in_the_print_file_is_one_font(runs: dict) -> None:
    for run in ("tilskudd", "tilskudd-excel"):
        found = fonts_by_name(runs["out"] / f"{run}.pdf")
        assert found and all(len(programs) == 1 for programs in found.values()), found


# Reading the files ------------------------------------------------------------------------------


def test_the_csv_and_the_workbook_give_the_same_recipients(tmp_path: Path) -> None:
    write_csv(tmp_path / "mottakere.csv")
    write_workbook(tmp_path / "mottakere.xlsx")
    from_csv = list(expand(load(write_letter(tmp_path, "mottakere.csv", "a.yaml"))))
    from_xlsx = list(expand(load(write_letter(tmp_path, "mottakere.xlsx", "b.yaml"))))
    assert [m.letter.recipient for m in from_csv] == [m.letter.recipient for m in from_xlsx]
    assert [m.letter.body for m in from_csv] == [m.letter.body for m in from_xlsx]
    assert [m.letter.recipient.lines for m in from_csv] == [lines for _, lines in rows()]
    assert from_csv[1].letter.recipient.email == "post@bjornoy.no"


def test_headings_are_matched_without_regard_to_case(tmp_path: Path) -> None:
    (tmp_path / "m.csv").write_text(
        "NAME,Attention,ADDRESS,Email,belop\nKari,Ola,Storgata 1|0155 OSLO,k@example.no,5\n",
        encoding="utf-8",
    )
    path = write_yaml(tmp_path / "l.yaml", {
        "letterhead": str(KS_LETTERHEAD), "recipients": "m.csv",
        "title": "Til {{ recipient.name }}",
        "body": "{{ recipient.NAME }} kr {{ recipient.belop }}\n",
    })
    (kari,) = expand(load(path))
    assert kari.letter.recipient.lines == ["Kari", "Att.: Ola", "Storgata 1", "0155 OSLO"]
    assert kari.letter.recipient.email == "k@example.no"
    assert (kari.letter.title, kari.letter.body) == ("Til Kari", "Kari kr 5\n")


def test_a_placeholder_in_the_wrong_case_is_told_the_heading(tmp_path: Path) -> None:
    write_csv(tmp_path / "mottakere.csv")
    path = write_yaml(tmp_path / "l.yaml", {
        "letterhead": str(KS_LETTERHEAD), "recipients": "mottakere.csv",
        "title": "Til {{ recipient.navn }}", "body": "kr {{ recipient.beløp }}\n",
    })
    with pytest.raises(LetterError) as caught:
        prepare(load(path))
    messages = [p.message for p in caught.value.problems]
    assert any("'beløp'" in m and "{{ recipient.Beløp }}" in m for m in messages)
    assert any("{{ recipient.Navn }}" in m for m in messages)


def test_two_columns_for_one_field_are_refused(tmp_path: Path) -> None:
    (tmp_path / "m.csv").write_text("Navn;name\nKari;Kari\n", encoding="utf-8")
    path = write_yaml(tmp_path / "l.yaml", {
        "letterhead": str(KS_LETTERHEAD), "recipients": "m.csv", "title": "T", "body": "B\n",
    })
    with pytest.raises(LetterError, match=r"m.csv:1: the columns 'Navn' and 'name' both hold "
                                          r"the recipient's name; keep one"):
        prepare(load(path))


def test_an_excel_error_in_a_cell_names_the_file_row_and_column(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    book.active.append(["Navn", "Adresse", "Postnr", "Poststed", "Beløp"])
    book.active.append(["Kari", "Storgata 1", "0155", "Oslo", "5"])
    book.active.append(["Per", "Storgata 2", "0155", "Oslo", "#REF!"])
    book.save(tmp_path / "m.xlsx")
    path = write_yaml(tmp_path / "l.yaml", {
        "letterhead": str(KS_LETTERHEAD), "recipients": "m.xlsx", "title": "T",
        "body": "kr {{ recipient.Beløp }}\n",
    })
    kari, per = entries(load(path))
    assert isinstance(kari, Merged) and kari.letter.recipient.address == ["Storgata 1",
                                                                         "0155 OSLO"]
    (problem,) = per.problems
    assert str(problem).startswith(f"{tmp_path / 'm.xlsx'}:3: recipient 2 (m.xlsx:3): Beløp "
                                   "(cell E3): the cell holds the Excel error #REF!")


@pytest.mark.parametrize(("name", "content", "expected"), [
    ("m.xls", b"\xd0\xcf\x11\xe0", "save it as an Excel workbook (.xlsx) or as 'CSV UTF-8'"),
    ("m.xlsx", b"PK\x03\x04 not really", "cannot read the workbook"),
    ("m.xlsx", b"", "cannot read the workbook"),
])
def test_a_workbook_that_cannot_be_read_is_named(
    tmp_path: Path, name: str, content: bytes, expected: str
) -> None:
    (tmp_path / name).write_bytes(content)
    path = write_yaml(tmp_path / "l.yaml", {
        "letterhead": str(KS_LETTERHEAD), "recipients": name, "title": "T", "body": "B\n",
    })
    with pytest.raises(LetterError) as caught:
        prepare(load(path))
    assert str(caught.value).startswith(f"{tmp_path / name}: ")
    assert expected in str(caught.value)
    assert "Traceback" not in str(caught.value)


def test_a_workbook_is_read_row_by_row(tmp_path: Path) -> None:
    import tracemalloc

    from letterpress.reading.recipients import RecipientsFile

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(["Navn", "Adresse", "Postnr", "Poststed", "Beløp"])
    for i in range(2_000):
        sheet.append([f"Mottaker {i}", f"Vegen {i}", i, "Fjordvik", i])
    book.save(tmp_path / "m.xlsx")
    table = RecipientsFile.open(tmp_path / "m.xlsx")
    tracemalloc.start()
    try:
        for record in table.rows():
            if record.index == 200:
                _, early = tracemalloc.get_traced_memory()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert table.count == 2_000
    assert record.values["address"] == "Vegen 1999\n1999 FJORDVIK"
    assert record.values["Postnr"] == "1999"
    # Streamed: the last 1,800 rows add only what openpyxl's parser keeps of each row it has
    # read (an emptied XML element, about 80 bytes); a row held whole would cost far more.
    # bench/bench_merge.py measures 10,000.
    assert peak < early + 1_800 * 200


CELLS = st.one_of(
    st.none(),
    st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=30),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.datetimes(min_value=dt.datetime(1900, 3, 1), max_value=dt.datetime(2100, 1, 1)),
    st.booleans(),
    st.sampled_from(["#REF!", "#N/A", "0032", "Norge", "Sverige", " NO ", "|", "a|b|c"]),
)


@settings(max_examples=20, deadline=None, derandomize=True)
@given(st.lists(st.lists(CELLS, min_size=0, max_size=8), min_size=1, max_size=3))
def test_any_workbook_cells_merge_or_name_their_problems(cell_rows: list[list[object]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        book = openpyxl.Workbook()
        book.active.append(["Navn", "Adresse", "Adresse2", "Postnr", "Poststed", "Land", "Att",
                            "Beløp"])
        for row in cell_rows:
            book.active.append(row)
        book.save(folder / "m.xlsx")
        path = write_yaml(folder / "l.yaml", {
            "letterhead": str(KS_LETTERHEAD), "recipients": "m.xlsx", "title": "T",
            "body": "kr {{ recipient.Beløp }}\n",
        })
        try:
            found = list(entries(load(path)))
        except LetterError as error:
            assert all(p.path == folder / "m.xlsx" for p in error.problems), error
            return
        written = [[*row, *[None] * 8][:8] for row in cell_rows]
        written = [row for row in written if any(cell_text(v).strip() for v in row)]
        assert len(found) == len(written)
        for entry, row in zip(found, written, strict=True):
            if isinstance(entry, Merged):
                recipient = entry.letter.recipient
                assert recipient.name == cell_text(row[0]).strip()
                assert all(line.strip() and "\n" not in line for line in recipient.address)
                code, country = (cell_text(v).strip() for v in row[3:5])
                if re.fullmatch(r"[0-9]{1,3}", code) and country.casefold() in ("", "norge"):
                    # Excel's 32 is the postcode 0032.
                    assert any(line.startswith(code.zfill(4)) for line in recipient.address)
            else:
                assert all(str(p).startswith(f"{folder / 'm.xlsx'}:") for p in entry.problems)


def test_the_manifest_never_replaces_a_recipients_list(tmp_path: Path) -> None:
    """Built into its own folder, ``tilskudd.yaml``'s print manifest would be ``tilskudd.csv``."""
    recipients = tmp_path / "tilskudd.csv"
    recipients.write_text(
        "Navn;Adresse;Postnr;Poststed;Beløp;Merknad\nKari;Storgata 1;155;Oslo;1;Ingen\n",
        encoding="utf-8",
    )
    before = recipients.read_bytes()
    letter = write_letter(tmp_path, "tilskudd.csv")
    status, _, err = _run(["build", str(letter), "-o", str(tmp_path), "--combined"])
    assert status == 1
    assert f"{recipients} exists and is not a print manifest" in err
    assert recipients.read_bytes() == before
    assert not (tmp_path / "tilskudd.pdf").exists()
    assert (tmp_path / "tilskudd" / "001-kari.pdf").exists()


def test_duplex_needs_the_print_file(tmp_path: Path) -> None:
    letter = write_letter(tmp_path, "mottakere.csv")
    status, _, err = _run(["build", str(letter), "-o", str(tmp_path / "out"), "--duplex"])
    assert status == 2 and "--combined" in err
    assert not (tmp_path / "out").exists()


def test_an_address_warning_names_the_column_it_comes_from(tmp_path: Path) -> None:
    (tmp_path / "m.csv").write_text(
        "Navn;Adresse;Postnr;Poststed\r\nKari;Storgata 1;01550;Oslo\r\nPer;;;\r\n",
        encoding="utf-8",
    )
    path = write_yaml(tmp_path / "l.yaml", {
        "letterhead": str(KS_LETTERHEAD), "recipients": "m.csv", "title": "T", "body": "B\n",
    })
    kari, per = expand(load(path))
    (warning,) = kari.warnings
    assert str(warning).startswith(
        f"{tmp_path / 'm.csv'}:2: warning: recipient 1 (m.csv:2): Postnr/Poststed: '01550 OSLO' "
    )
    (warning,) = per.warnings
    assert str(warning).startswith(f"{tmp_path / 'm.csv'}:3: warning: recipient 2 (m.csv:3): ")
    assert "cannot go by post" in str(warning)

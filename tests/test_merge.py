"""Mail merge: recipients from a list or a CSV file as offices write them, placeholders, slugs."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest
from conftest import KS_LETTERHEAD, pdf_text, write_yaml

from letterpress.errors import LetterError
from letterpress.model import Recipient
from letterpress.pipeline import render
from letterpress.reading import load, recipients
from letterpress.reading.merge import Merged, Rejected, entries, expand, prepare
from letterpress.slug import slug

BOM = "\ufeff"


def write_letter(folder: Path, name: str = "tilskudd.yaml", **fields: object) -> Path:
    """A merge letter with the KS letterhead; ``fields`` replace the defaults."""
    data: dict[str, object] = {
        "letterhead": str(KS_LETTERHEAD),
        "date": "2024-05-02",
        "reference": {"ours": "24/00123-1", "archive_code": "035"},
        "recipients": "mottakere.csv",
        "title": "Tilskudd til {{ recipient.name }}",
        "body": "Dere får kr {{ recipient.belop }} i tilskudd.\n",
    }
    return write_yaml(folder / name, {**data, **fields})


def write_csv(folder: Path, text: str, name: str = "mottakere.csv", bom: bool = True) -> Path:
    path = folder / name
    path.write_bytes(((BOM if bom else "") + text).encode("utf-8"))
    return path


def line_of(path: Path, text: str) -> int:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if text in line:
            return number
    raise AssertionError(f"{text!r} not in {path}")



# Recipients -------------------------------------------------------------------------------------


def test_merge_from_a_list_fills_every_field(tmp_path: Path) -> None:
    letter = write_letter(
        tmp_path,
        recipients=[
            {"name": "Kari Nordmann", "address": ["Storgata 1", "0155 OSLO"], "belop": "5 000",
             "email": "kari@example.no"},
            {"name": "Per Ås", "belop": "7 500"},
        ],
        email={"subject": "Tilskudd til {{ recipient.name }}", "to": ["{{ recipient.email }}"],
               "text": "Hei {{ recipient.name }},\nkr {{ recipient.belop }}.\n"},
    )
    first, second = expand(load(letter))
    assert (first.index, first.stem, second.stem) == (1, "001-kari-nordmann", "002-per-as")
    kari = first.letter
    assert type(kari.recipient) is Recipient
    assert kari.recipient.lines == ["Kari Nordmann", "Storgata 1", "0155 OSLO"]
    assert kari.recipients is None
    assert kari.title == "Tilskudd til Kari Nordmann"
    assert kari.body == "Dere får kr 5 000 i tilskudd.\n"
    assert kari.email is not None
    assert kari.email.subject == "Tilskudd til Kari Nordmann"
    assert kari.email.to == ["kari@example.no"]
    assert kari.email.text == "Hei Kari Nordmann,\nkr 5 000.\n"
    assert second.letter.title == "Tilskudd til Per Ås"


def test_merge_from_an_excel_csv(tmp_path: Path) -> None:
    """Semicolons, a byte-order mark, CRLF, quoted fields and address lines split on |."""
    write_csv(
        tmp_path,
        "name;attention;address;email;belop\r\n"
        'Fjordvik skolekorps;Kari Bakke;Postboks 12|6900 FJORDVIK;post@example.no;25 000\r\n'
        "\r\n"
        '"Ungdomsklubben ""Loftet""";;"Skolevegen 2; inngang B|6900 FJORDVIK";;"1 000,50"\r\n',
    )
    letters = list(expand(load(write_letter(tmp_path))))
    assert [m.stem for m in letters] == ["001-fjordvik-skolekorps", "002-ungdomsklubben-loftet"]
    korps, klubb = (m.letter for m in letters)
    assert korps.recipient.lines == [
        "Fjordvik skolekorps", "Att.: Kari Bakke", "Postboks 12", "6900 FJORDVIK",
    ]
    assert korps.recipient.email == "post@example.no"
    assert klubb.recipient.name == 'Ungdomsklubben "Loftet"'
    assert klubb.recipient.address == ["Skolevegen 2; inngang B", "6900 FJORDVIK"]
    assert klubb.title == 'Tilskudd til Ungdomsklubben "Loftet"'
    assert "1 000\\,50" in klubb.body  # escaped for Markdown, prints as 1 000,50


def test_a_comma_separated_csv_without_bom(tmp_path: Path) -> None:
    write_csv(tmp_path, 'name,address,belop\nKari,"Storgata 1|0155 OSLO","5 000"\n', bom=False)
    (kari,) = expand(load(write_letter(tmp_path)))
    assert kari.letter.recipient.lines == ["Kari", "Storgata 1", "0155 OSLO"]
    assert "kr 5 000" in kari.letter.body


def test_a_letter_without_recipients_is_itself_once(tmp_path: Path) -> None:
    path = write_letter(tmp_path, "svar.yaml", recipients=None, recipient={"name": "Kari"},
                        title="Svar {{ 7*7 }}")
    letter = load(path)
    (only,) = expand(letter)
    assert (only.index, only.stem, only.letter) == (1, "svar", letter)


def test_every_recipient_key_is_a_placeholder(tmp_path: Path) -> None:
    items = [{"name": "Kari", "attention": "Ola", "address": ["A 1", "0155 OSLO"], "kommune": "Os"}]
    path = write_letter(
        tmp_path, recipients=items,
        body="{{ recipient.name }}/{{ recipient.attention }}/{{ recipient.address }}/"
        "{{ recipient.kommune }}/{{recipient.email}}.\n",
    )
    (kari,) = expand(load(path))
    # An address in running text is one line; Markdown punctuation is escaped.
    assert kari.letter.body == "Kari/Ola/A 1\\, 0155 OSLO/Os/.\n"


def test_every_address_is_checked_as_posten_reads_it(tmp_path: Path) -> None:
    rows = "name;address;belop\nKari;Storgata 1|0155 OSLO;1\nPer;Storgata 2;2\n"
    csv_path = write_csv(tmp_path, rows)
    kari, per = expand(load(write_letter(tmp_path)))
    assert kari.warnings == ()
    (warning,) = per.warnings
    where = f"{csv_path}:3: warning: recipient 2 (mottakere.csv:3): address: "
    assert str(warning).startswith(where)
    assert "0032 OSLO" in warning.message


# Values are text -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["{{ 7*7 }}", "<b>x</b>", "*Kari* **Nordmann** [x](y) # 1."])
def test_values_print_as_written(tmp_path: Path, name: str) -> None:
    write_csv(tmp_path, f'name;belop\n"{name}";{{{{ recipient.belop }}}}\n')
    path = write_letter(tmp_path, body="Til {{ recipient.name }}: kr {{ recipient.belop }}.\n")
    (merged,) = expand(load(path))
    text = pdf_text(render(merged.letter))
    assert f"Tilskudd til {name}" in text
    assert f"Til {name}: kr {{{{ recipient.belop }}}}." in text  # never scanned again
    assert "49" not in text


def test_a_placeholder_in_code_is_not_escaped(tmp_path: Path) -> None:
    write_csv(tmp_path, "name;belop\nKari;5.000\n")
    body = "Kode `{{ recipient.belop }}`, tekst {{ recipient.belop }}\n"
    path = write_letter(tmp_path, body=body)
    (merged,) = expand(load(path))
    assert merged.letter.body == "Kode `5.000`, tekst 5\\.000\n"


# Errors ----------------------------------------------------------------------------------------


def test_a_missing_key_names_the_key_and_the_recipient(tmp_path: Path) -> None:
    path = write_letter(
        tmp_path, recipients=[{"name": "Kari", "belop": "1"}, {"name": "Per Ås"}, {"name": "Ola",
                                                                                   "belop": "3"}],
    )
    letter = load(path)
    found = list(entries(letter))
    assert [type(e) for e in found] == [Merged, Rejected, Merged]
    (problem,) = found[1].problems
    line = line_of(path, "name: Per Ås")
    assert str(problem).startswith(f"{path}:{line}: recipients.1: recipient 2 ")
    assert "'belop'" in str(problem) and "{{ recipient.belop }}" in str(problem)
    with pytest.raises(LetterError, match="recipient 2"):
        list(expand(letter))


def test_a_csv_without_the_column_fails_as_a_whole(tmp_path: Path) -> None:
    csv_path = write_csv(tmp_path, "name;address\nKari;Storgata 1\n")
    with pytest.raises(LetterError) as caught:
        prepare(load(write_letter(tmp_path)))
    message = str(caught.value)
    assert message.startswith(f"{csv_path}:1: ")
    assert "no column 'belop'" in message and "tilskudd.yaml:" in message


def test_a_short_row_names_its_line(tmp_path: Path) -> None:
    csv_path = write_csv(tmp_path, "name;belop\nKari;1\n\nPer\nOla;3\n")
    found = list(entries(load(write_letter(tmp_path))))
    assert [e.stem for e in found] == ["001-kari", "002-per", "003-ola"]
    assert isinstance(found[1], Rejected)
    assert str(found[1].problems[0]).startswith(f"{csv_path}:4: recipient 2 (mottakere.csv:4): ")
    assert "'belop'" in str(found[1].problems[0])


def test_a_row_without_a_name_fails_alone(tmp_path: Path) -> None:
    csv_path = write_csv(tmp_path, "name;belop\nKari;1\n;2\n")
    kari, nameless = entries(load(write_letter(tmp_path)))
    assert isinstance(kari, Merged) and isinstance(nameless, Rejected)
    assert str(nameless.problems[0]).startswith(f"{csv_path}:3: ")
    assert "name is empty" in str(nameless.problems[0])


def test_a_csv_without_a_name_column_lists_found_and_accepted_headings(tmp_path: Path) -> None:
    csv_path = write_csv(tmp_path, "Mottaker;Gate;belop\nKari;Storgata 1;1\n")
    with pytest.raises(LetterError) as caught:
        prepare(load(write_letter(tmp_path)))
    message = str(caught.value)
    assert message.startswith(f"{csv_path}:1: ")
    assert "no column for the recipient's name (it has: Mottaker, Gate, belop)" in message
    for accepted in ("Navn or name", "Att.", "E-post", "Adresse1", "Postnummer", "Poststed",
                     "Land"):
        assert accepted in message


def test_a_csv_that_is_not_utf8_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "mottakere.csv"
    path.write_bytes("name;belop\nKari;1\nPer Ås;2\n".encode("cp1252"))
    with pytest.raises(LetterError) as caught:
        prepare(load(write_letter(tmp_path)))
    assert str(caught.value).startswith(f"{path}:3: ")
    assert "not UTF-8" in str(caught.value) and "CSV UTF-8" in str(caught.value)


def test_a_misspelt_placeholder_is_an_error(tmp_path: Path) -> None:
    write_csv(tmp_path, "name;belop\nKari;1\n")
    path = write_letter(tmp_path, body="Hei {{ mottaker.navn }} og {{ 7*7 }}.\n")
    with pytest.raises(LetterError) as caught:
        prepare(load(path))
    (problem,) = caught.value.problems
    assert (problem.path, problem.line) == (path, line_of(path, "mottaker.navn"))
    assert "write {{ recipient.navn }}" in problem.message


def test_the_number_of_recipients_is_limited(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(recipients, "MAX_RECIPIENTS", 2)
    write_csv(tmp_path, "name;belop\nA;1\nB;2\nC;3\n")
    with pytest.raises(LetterError, match="more than 2 recipients"):
        prepare(load(write_letter(tmp_path)))


def test_a_merge_without_recipients_is_an_error(tmp_path: Path) -> None:
    write_csv(tmp_path, "name;belop\n")
    with pytest.raises(LetterError, match="no recipients"):
        prepare(load(write_letter(tmp_path)))


# Large merges ----------------------------------------------------------------------------------


def test_a_large_csv_is_read_row_by_row(tmp_path: Path) -> None:
    rows = "".join(f"Mottaker {i};{i}\n" for i in range(100_000))
    write_csv(tmp_path, "name;belop\n" + rows)
    letter = load(write_letter(tmp_path))
    tracemalloc.start()
    try:
        merge = prepare(letter)
        for entry in merge:
            if entry.index == 2_000:
                break
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert merge.count == 100_000
    assert entry.stem == "002000-mottaker-1999"  # six digits: files sort in recipient order
    assert peak < 8_000_000


# Slugs -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Kari Nordmann", "kari-nordmann"),
        ("Ærlige Øystein Ås", "aerlige-oystein-as"),
        ("BJØRNØY & SØNN AS", "bjornoy-sonn-as"),
        ("Đuro Čačić-Łukasz", "duro-cacic-lukasz"),
        ("  --Per   O.  Berg--  ", "per-o-berg"),
        ("", "mottaker"),
        ("***", "mottaker"),
        ("東京", "mottaker"),
        ("CON", "con-x"),
        ("lpt1", "lpt1-x"),
        ("../../etc/passwd", "etc-passwd"),
    ],
)
def test_slugs_are_file_safe(name: str, expected: str) -> None:
    assert slug(name) == expected


def test_a_long_name_is_cut_at_a_word() -> None:
    name = "Foreningen for bevaring av gamle fiskebåter og sjøhus i Nordre Fjordvik og omegn"
    result = slug(name)
    assert len(result) <= 50
    assert result == "foreningen-for-bevaring-av-gamle-fiskebater-og"

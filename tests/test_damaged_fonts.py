"""A letterhead font cut short or damaged: named at the letterhead's line, by check and build
alike, and the other letters are built. A font without the letter's characters is found by
check as by build."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from conftest import ROOT, write_yaml
from test_batch import write_letter

import letterpress
from letterpress import batch, limits
from letterpress.cli import main
from letterpress.errors import LetterError

FONT = ROOT / "fonts" / "LiberationSans-Regular.ttf"


def letterhead_with_font(folder: Path, font: bytes) -> Path:
    (folder / "skrift.ttf").write_bytes(font)
    return write_yaml(
        folder / "brevhode.yaml", {"name": "Fjordvik kommune", "fonts": {"regular": "skrift.ttf"}}
    )


def line_of(path: Path, text: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if text in line)


def test_a_truncated_font_fails_its_letter_alone(tmp_path: Path, capsys) -> None:
    head = letterhead_with_font(tmp_path, FONT.read_bytes()[:3000])
    write_letter(tmp_path, "a.yaml", letterhead=str(head))
    write_letter(tmp_path, "b.yaml")
    expected = (
        f"{head}:{line_of(head, 'regular:')}: fonts.regular: {tmp_path / 'skrift.ttf'} is not "
        "a usable TrueType font: it is damaged or cut short"
    )
    assert main(["check", str(tmp_path)]) == 1
    assert expected in capsys.readouterr().err
    out = tmp_path / "ut"
    assert main(["build", str(tmp_path), "-o", str(out), "-j", "1"]) == 1
    err = capsys.readouterr().err
    assert expected in err and "Traceback" not in err
    assert sorted(p.name for p in out.iterdir()) == ["b.pdf"]


def damaged(seed: int) -> bytes:
    rng = random.Random(seed)
    data = FONT.read_bytes()
    if seed % 2:
        return data[: rng.randrange(12, len(data))]
    flipped = bytearray(data)
    for _ in range(rng.randrange(1, 20)):
        flipped[rng.randrange(len(flipped))] ^= 1 << rng.randrange(8)
    return bytes(flipped)


@pytest.mark.parametrize("seed", range(12))
def test_a_damaged_font_builds_or_is_named(tmp_path: Path, seed: int) -> None:
    head = letterhead_with_font(tmp_path, damaged(seed))
    letter = write_letter(tmp_path, "a.yaml", letterhead=str(head), title="Æøå «svar» – ÆØÅ")
    try:
        pdf = letterpress.render(letterpress.load(letter))
    except LetterError as error:
        assert all(p.path in (head, letter) for p in error.problems), error
    else:
        assert pdf.startswith(b"%PDF-")


def test_check_finds_characters_the_font_lacks(tmp_path: Path) -> None:
    letter = write_letter(tmp_path, "a.yaml", body="Første linje.\n")
    text = letter.read_text(encoding="utf-8").replace(
        "body: 'Første linje.\n\n  '", "body: |\n  Første linje.\n\n  Andre linje med 中.\n"
    )
    letter.write_text(text, encoding="utf-8")
    report = batch.check([letter])
    (problem,) = report.outcomes[0].problems
    assert problem.path == letter and problem.line == line_of(letter, "Andre linje")
    assert "U+4E2D (CJK UNIFIED IDEOGRAPH-4E2D) cannot be shown" in problem.message


def test_an_unforeseen_failure_while_loading_costs_one_letter(
    tmp_path: Path, monkeypatch, capsys
) -> None:
    from letterpress.reading import merge

    real = merge.prepare

    def prepare(letter):
        if letter.title == "Feil":
            raise MemoryError
        return real(letter)

    monkeypatch.setattr(merge, "prepare", prepare)
    bad = write_letter(tmp_path, "a.yaml", title="Feil")
    write_letter(tmp_path, "b.yaml")
    out = tmp_path / "ut"
    assert main(["build", str(tmp_path), "-o", str(out), "-j", "1"]) == 1
    err = capsys.readouterr().err
    assert f"{bad}: too little memory to load the letter" in err
    assert sorted(p.name for p in out.iterdir()) == ["b.pdf"]


def test_a_font_over_the_size_limit_is_refused_before_reading(tmp_path: Path, capsys) -> None:
    head = letterhead_with_font(tmp_path, b"")
    with open(tmp_path / "skrift.ttf", "wb") as handle:
        handle.truncate(limits.MAX_FONT_BYTES + 1)  # sparse: nothing is written
    letter = write_letter(tmp_path, "a.yaml", letterhead=str(head))
    assert main(["check", str(letter)]) == 1
    assert (
        f"{head}:{line_of(head, 'regular:')}: fonts.regular: {tmp_path / 'skrift.ttf'} is 32 MiB; "
        "a font may be at most 32 MiB"
    ) in capsys.readouterr().err


def test_build_names_every_field_and_span_whose_character_the_font_lacks(tmp_path: Path) -> None:
    # One character the font lacks in the (bold) title, an address line, an italic span of
    # the body and a bold one: each is named at its own line and field, and nothing is built.
    letter = write_letter(
        tmp_path,
        "a.yaml",
        title="Svar 中",
        recipient={"name": "Kari Nordmann", "address": ["Storgata 1 ☃", "0155 OSLO"]},
        body="Første linje.\n",
    )
    text = letter.read_text(encoding="utf-8").replace(
        "body: 'Første linje.\n\n  '",
        "body: |\n  Første linje.\n\n  Andre *linje ✈* her.\n\n  Tredje **linje ♞**.\n",
    )
    letter.write_text(text, encoding="utf-8")
    with pytest.raises(LetterError) as raised:
        letterpress.render(letterpress.load(letter))
    found = {(p.field, p.message.split(" (")[0]) for p in raised.value.problems}
    assert found == {
        ("title", "the character U+4E2D"),
        ("recipient.address.0", "the character U+2603"),
        ("body", "the character U+2708"),
        ("body", "the character U+265E"),
    }
    lines = sorted(p.line for p in raised.value.problems if p.field == "body")
    assert lines == [line_of(letter, "Andre"), line_of(letter, "Tredje")]
    # Every character of the seed letter can be shown: it builds.
    seed = ROOT / "letters" / "ks-storbynettverk-innspill.yaml"
    assert letterpress.render(letterpress.load(seed)).startswith(b"%PDF-")

"""Loading letters: values keep their text, and every bad input names file, line and field."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import KS_LETTERHEAD, SEED

import letterpress
from letterpress.errors import LetterError

GOOD = f"""\
letterhead: {KS_LETTERHEAD}
date: 2024-05-02
reference:
  ours: 24/00123-1
  archive_code: 035
  yours: no
  case_officer: Kari Nordmann
recipient:
  name: Ola Nordmann
  address: [Storgata 1, 0155 OSLO]
title: Svar på søknad
body: |
  Vi viser til søknaden.
"""


def problem_of(tmp_path: Path, text: str | bytes, name: str = "bad.yaml") -> str:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    with pytest.raises(LetterError) as caught:
        letterpress.load(path)
    return str(caught.value)


def test_scalars_keep_their_text(tmp_path: Path) -> None:
    path = tmp_path / "good.yaml"
    path.write_text(GOOD, encoding="utf-8")
    letter = letterpress.load(path)
    assert letter.reference.archive_code == "035"
    assert letter.reference.yours == "no"
    assert letter.date.isoformat() == "2024-05-02"


def test_seed_letter_loads_with_its_body_and_paths_relative_to_files() -> None:
    letter = letterpress.load(SEED)
    assert letter.letterhead.logo == SEED.parent / "letterheads" / "../logos/ks.png"
    assert letter.body.startswith("KS Storbynettverk takker for muligheten")
    assert letter.source is not None and letter.source.body_first_line == 19


@pytest.mark.parametrize(
    ("replace", "by", "expected"),
    [
        (
            "title: Svar på søknad",
            "titel: Svar",
            ":11: titel: unknown key 'titel'; did you mean 'title'?",
        ),
        (
            "  ours: 24/00123-1",
            "  ours: 24/00123-1\n  ours: x",
            ":5: reference.ours: the key 'ours' is given twice",
        ),
        ("date: 2024-05-02", "date: 02.05.2024", ":2: date: write the date as YYYY-MM-DD"),
        ("date: 2024-05-02", "date: 2024-02-30", ":2: date: 2024-02-30: February 2024 has 29 days"),
        ("date: 2024-05-02", "date: 2. mai 2024", ":2: date: write the date as YYYY-MM-DD"),
        ("title: Svar på søknad\n", "", "title: the key 'title' is required here"),
        ("  name: Ola Nordmann", "  name: [Ola]", ":9: recipient.name: expected text, not a list"),
        ("body: |", "body_file: missing.md\nx: |", "unknown key 'x'"),
        ("title: Svar på søknad", "title: !!python/object:os.system x", ":11: title: the tag"),
        ("title: Svar på søknad", "title: [unclosed", "YAML syntax"),
        ("recipient:", "language: sv\nrecipient:", "language: 'sv' is not allowed"),
        ("recipient:", "approved_electronically: kanskje\nrecipient:", "write true or false"),
        (
            "recipient:",
            "signatories:\n  - name: X\n    signature: nope.png\nrecipient:",
            "signatories.0.signature: file not found",
        ),
        (
            "recipient:",
            "letterhead2: x\nrecipient:",
            "unknown key 'letterhead2'; did you mean 'letterhead'?",
        ),
    ],
)
def test_bad_input_is_named(tmp_path: Path, replace: str, by: str, expected: str) -> None:
    assert replace in GOOD
    message = problem_of(tmp_path, GOOD.replace(replace, by, 1))
    assert f"{tmp_path / 'bad.yaml'}" in message
    assert expected in message


def test_missing_letterhead_file(tmp_path: Path) -> None:
    message = problem_of(tmp_path, GOOD.replace(str(KS_LETTERHEAD), "nowhere.yaml"))
    assert ":1: letterhead: letterhead file not found" in message


def test_non_utf8_file_names_the_line(tmp_path: Path) -> None:
    text = GOOD.replace("Svar på søknad", "Svar p\xe5 s\xf8knad").encode("latin-1")
    message = problem_of(tmp_path, text)
    assert ":11: " in message and "not UTF-8" in message


def test_alias_bomb_is_refused(tmp_path: Path) -> None:
    bomb = 'a: &a ["x","x","x","x","x","x","x","x","x"]\n'
    for i in range(1, 9):
        prev = chr(ord("a") + i - 1)
        name = chr(ord("a") + i)
        bomb += f"{name}: &{name} [*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev}]\n"
    message = problem_of(tmp_path, bomb)
    assert "expands to more than" in message


def test_body_file_relative_to_the_letter(tmp_path: Path) -> None:
    (tmp_path / "tekst").mkdir()
    (tmp_path / "tekst" / "svar.md").write_text("# Svar\n\nHei.\n", encoding="utf-8")
    path = tmp_path / "letter.yaml"
    path.write_text(
        GOOD.replace("body: |\n  Vi viser til søknaden.\n", "body_file: tekst/svar.md\n")
    )
    assert letterpress.load(path).body == "# Svar\n\nHei.\n"


def test_unprintable_character_names_code_point_and_line(tmp_path: Path) -> None:
    path = tmp_path / "letter.yaml"
    path.write_text(GOOD + "  Hilsen fra \U0001f600 oss.\n", encoding="utf-8")
    with pytest.raises(LetterError) as caught:
        letterpress.render(letterpress.load(path))
    assert f"{path}:14: body: the character U+1F600" in str(caught.value)


def test_check_and_build_report_errors_without_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(GOOD.replace("title:", "titel:"), encoding="utf-8")
    good = tmp_path / "good.yaml"
    good.write_text(GOOD, encoding="utf-8")
    out = tmp_path / "out"
    result = subprocess.run(
        [sys.executable, "-m", "letterpress", "build", str(tmp_path), "-o", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert f"{bad}:11: titel: unknown key 'titel'; did you mean 'title'?" in result.stderr
    assert (out / "good.pdf").is_file()
    assert not (out / "bad.pdf").exists()
    assert not [p for p in out.iterdir() if p.name.startswith(".")]
    check = subprocess.run(
        [sys.executable, "-m", "letterpress", "check", str(bad)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert check.returncode == 1 and "did you mean 'title'" in check.stderr


def test_wrong_command_line_exits_2() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "letterpress", "build"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2

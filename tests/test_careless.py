"""What a careless user (or a letter received from someone else) does: text that YAML reads
otherwise, impossible dates, files outside the letter's folder, invisible characters, odd
command lines. Each gets a message naming the file, the line and how to mend it."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pikepdf
import pytest
from test_batch import write_letter

import letterpress
from letterpress import limits
from letterpress.cli import main
from letterpress.clock import BadEpoch


def line_of(path: Path, text: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if text in line)


def letter_text(folder: Path, *lines: str) -> Path:
    """A letter written as text, to have exactly the YAML a person typed."""
    path = folder / "brev.yaml"
    base = [
        "letterhead: {name: Kommunenes Sentralforbund}",
        "date: 2024-05-02",
        "recipient: {name: Kari Nordmann, address: [Storgata 1, 0155 OSLO]}",
        "body: Hei.",
    ]
    keys = {line.split(":", 1)[0] for line in lines if ":" in line and not line[0].isspace()}
    if "body_file" in keys:
        keys.add("body")
    kept = [line for line in base if line.split(":", 1)[0] not in keys]
    path.write_text("\n".join([*kept, *lines]) + "\n", encoding="utf-8")
    return path


def checked(capsys, *paths: Path) -> str:
    assert main(["check", *map(str, paths)]) == 1
    return capsys.readouterr().err


# YAML -------------------------------------------------------------------------------------


def test_an_alias_of_a_long_text_repeated_is_refused_at_once(tmp_path: Path, capsys) -> None:
    """176 kB that would expand to 1.9 GB of text: within the node budget, not the characters."""
    lines = [f"a: &a {'x' * 100_000}", "title: t", "list:", *["  - *a"] * 19_000]
    path = tmp_path / "bombe.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    started = time.monotonic()
    err = checked(capsys, path)
    assert time.monotonic() - started < 5
    assert f"expands to more than {limits.MAX_YAML_CHARS} characters" in err
    assert err.startswith(f"{path}:")


@pytest.mark.parametrize(
    ("line", "hint"),
    [
        ("title: Vedtak: løyve til garasje",
         'a value with ": " in it must be in quotes: title: "Vedtak: løyve til garasje"'),
        ("\ttitle: Vedtak", "indent with spaces: YAML does not allow tabs"),
        ("title: Vedtak\n  closing: Hilsen", "check the indentation"),
        ("reference:\n  ours: 24/1\n yours: x", "check the indentation"),
        ('title: "Vedtak', "a quote (\" or ') is opened and not closed"),
    ],
)
def test_a_syntax_error_gets_a_hint(tmp_path: Path, capsys, line: str, hint: str) -> None:
    path = letter_text(tmp_path, *line.split("\n"))
    err = checked(capsys, path)
    assert err.startswith(f"{path}:") and "YAML syntax: " in err
    assert hint in err


def test_exempt_false_is_an_error_that_says_so(tmp_path: Path, capsys) -> None:
    path = letter_text(tmp_path, "title: Svar", "exempt: false")
    err = checked(capsys, path)
    assert f"{path}:{line_of(path, 'exempt')}: exempt: 'false' is not a legal basis" in err
    assert "leave the key out" in err


@pytest.mark.parametrize(
    ("date", "why"),
    [
        ("2025-06-31", "2025-06-31: June 2025 has 30 days"),
        ("2023-02-29", "2023-02-29: February 2023 has 28 days"),
        ("2025-13-01", "2025-13-01: there is no month 13"),
    ],
)
def test_an_impossible_date_names_the_day(tmp_path: Path, capsys, date: str, why: str) -> None:
    path = letter_text(tmp_path, "title: Svar", f"date: {date}")
    assert f"{path}:{line_of(path, 'date:')}: date: {why}" in checked(capsys, path)


@pytest.mark.parametrize("command", ["build", "check", "mail", "preview"])
def test_source_date_epoch_that_is_no_integer_is_one_clear_error(
    tmp_path: Path, monkeypatch, capsys, command: str
) -> None:
    path = write_letter(tmp_path, "svar.yaml")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1e9")
    assert main([command, str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("letterpress: SOURCE_DATE_EPOCH is '1e9'; it must be a whole number")
    assert not (tmp_path / "out").exists()



def test_source_date_epoch_that_is_no_integer_stops_the_python_api_too(
    tmp_path: Path, monkeypatch
) -> None:
    # A reproducible build that quietly used the current time would not be reproducible.
    letter = letterpress.load(write_letter(tmp_path, "svar.yaml"))
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1e9")
    with pytest.raises(BadEpoch, match="SOURCE_DATE_EPOCH is '1e9'"):
        letterpress.render(letter)

# Files outside the root -------------------------------------------------------------------


def test_a_file_outside_the_root_is_an_error_naming_root(
    tmp_path: Path, monkeypatch, capsys
) -> None:
    monkeypatch.delenv("LETTERPRESS_ROOT")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "brev").mkdir()
    path = letter_text(tmp_path / "brev", "title: Svar", "body_file: /etc/passwd")
    err = checked(capsys, path)
    assert (
        f"{path}:{line_of(path, 'body_file')}: body_file: /etc/passwd lies outside the root "
        f"folder {tmp_path.resolve()}"
    ) in err
    assert "--root DIR" in err
    out = tmp_path / "ut"
    assert main(["build", str(path), "-o", str(out)]) == 1
    assert "root" in capsys.readouterr().err and not (out / "brev.pdf").exists()


def test_a_symbolic_link_out_of_the_root_is_followed_and_refused(
    tmp_path: Path, monkeypatch, capsys
) -> None:
    monkeypatch.delenv("LETTERPRESS_ROOT")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "tekst.md").symlink_to("/etc/hostname")
    path = letter_text(tmp_path, "title: Svar", "body_file: tekst.md")
    assert "lies outside the root folder" in checked(capsys, path)


def test_root_defaults_to_the_letters_folder_outside_the_current_one(
    tmp_path: Path, monkeypatch, capsys
) -> None:
    monkeypatch.delenv("LETTERPRESS_ROOT")
    elsewhere = tmp_path / "andre"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    (tmp_path / "brev").mkdir()
    (tmp_path / "felles.md").write_text("Felles tekst.\n", encoding="utf-8")
    path = letter_text(tmp_path / "brev", "title: Svar", "body_file: ../felles.md")
    assert f"outside the root folder {(tmp_path / 'brev').resolve()}" in checked(capsys, path)
    # --root widens it (the letterhead lies in the repository, so the root is /).
    assert main(["check", str(path), "--root", "/"]) == 0
    monkeypatch.setenv("LETTERPRESS_ROOT", "/")
    assert letterpress.load(path).body == "Felles tekst.\n"


# Invisible characters and links -----------------------------------------------------------


def test_a_direction_override_is_an_error_and_zero_width_a_warning(
    tmp_path: Path, capsys
) -> None:
    path = letter_text(tmp_path, "title: Vedtak i sak \u202e76-23720/12")
    err = checked(capsys, path)
    assert (
        f"{path}:{line_of(path, 'title')}: title: the character U+202E (RIGHT-TO-LEFT "
        "OVERRIDE) is an invisible direction control"
    ) in err
    path = letter_text(
        tmp_path, "title: Svar",
        "recipient: {name: Kari\u200bNordmann, address: [Storgata 1, 0155 OSLO]}",
    )
    assert main(["check", str(path)]) == 0
    err = capsys.readouterr().err
    assert f"{path}:{line_of(path, 'recipient')}: warning: recipient.name: the character " in err
    assert "U+200B (ZERO WIDTH SPACE) is invisible" in err
    assert main(["check", "--strict", str(path)]) == 1


def test_only_web_and_mail_addresses_become_links(tmp_path: Path) -> None:
    body = (
        "Se [vedtaket](https://ks.no/vedtak), skriv til [oss](mailto:post@ks.no), "
        "ikke [delt mappe](smb://server/del) eller [notat](../notat.md)."
    )
    path = write_letter(tmp_path, "svar.yaml", body=body)
    pdf = letterpress.render(letterpress.load(path))
    with pikepdf.open(__import__("io").BytesIO(pdf)) as document:
        targets = [
            str(annot.A.URI)
            for page in document.pages
            for annot in page.get("/Annots", [])
            if "/A" in annot and "/URI" in annot.A
        ]
    assert {"https://ks.no/vedtak", "mailto:post@ks.no"} <= set(targets)
    assert not [t for t in targets if "smb:" in t or "notat" in t]


# The command line -------------------------------------------------------------------------


def run_letterpress(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "letterpress", *args],
        capture_output=True, text=True, timeout=timeout,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )


def test_version() -> None:
    done = run_letterpress("--version")
    assert done.returncode == 0 and done.stdout.strip() == f"letterpress {letterpress.__version__}"


def test_a_bad_option_shows_the_subcommands_usage(capsys) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["build", "--frob", "x.yaml"])
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: letterpress build ")
    assert "letterpress build: error: unrecognized arguments: --frob" in err


@pytest.mark.parametrize("command", ["preview", "watch"])
def test_preview_and_watch_refuse_a_folder(tmp_path: Path, command: str) -> None:
    done = run_letterpress(command, str(tmp_path), "-o", str(tmp_path / "out"), timeout=30)
    assert done.returncode == 1
    assert done.stderr.startswith(f"letterpress: {tmp_path} is a folder; {command} takes one")
    assert "Traceback" not in done.stderr


def test_new_with_an_empty_name_is_refused(capsys) -> None:
    assert main(["new", ""]) == 2
    assert capsys.readouterr().err.startswith("letterpress: '' is not a file name")


def test_memory_running_out_is_reported_as_such(monkeypatch, capsys) -> None:
    from letterpress.cli import check

    def run(args):
        raise MemoryError

    monkeypatch.setattr(check, "run", run)
    assert main(["check", "x.yaml"]) == 1
    assert capsys.readouterr().err.startswith("letterpress: too little memory")

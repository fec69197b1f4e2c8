"""``letterpress build`` and ``check`` on folders and merges: what lands in the output folder."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pikepdf
import pytest
from conftest import KS_LETTERHEAD, ROOT, pdf_text, write_yaml

from letterpress.cli import main

LETTER_FILE = re.compile(r"\d{3,}-[a-z0-9-]+\.pdf")


def write_letter(folder: Path, name: str, **fields: object) -> Path:
    """A one-page letter with the KS letterhead; ``fields`` replace the defaults."""
    data: dict[str, object] = {
        "letterhead": str(KS_LETTERHEAD),
        "date": "2024-05-02",
        "reference": {"ours": "24/00123-1", "archive_code": "035"},
        "recipient": {"name": "Kari Nordmann", "address": ["Storgata 1", "0155 OSLO"]},
        "title": "Svar på søknad om tilskudd",
        "body": "Vi viser til søknaden om tilskudd.\n",
    }
    return write_yaml(folder / name, {**data, **fields})


def write_merge(folder: Path, name: str, names: list[str]) -> Path:
    """A merge letter whose recipients come from a CSV file beside it."""
    rows = "".join(f"{n};Storgata {i}|0155 OSLO;{100 * (i + 1)}\r\n" for i, n in enumerate(names))
    csv_path = folder / f"{Path(name).stem}.csv"
    csv_path.write_bytes(("\ufeffname;address;belop\r\n" + rows).encode("utf-8"))
    return write_letter(
        folder, name, recipient=None, recipients=csv_path.name,
        title="Tilskudd til {{ recipient.name }}",
        body="Dere får kr {{ recipient.belop }}.\n",
    )


def files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*.pdf"))}


def test_a_broken_letter_does_not_stop_the_others(tmp_path: Path, capsys) -> None:
    letters = tmp_path / "letters"
    letters.mkdir()
    write_letter(letters, "a.yaml")
    bad = write_letter(letters, "b.yaml", date="2024-13-45")
    write_letter(letters, "c.yml")
    (letters / "notes.txt").write_text("not a letter")
    out = tmp_path / "out"
    assert main(["build", str(letters), "-o", str(out), "-j", "2"]) == 1
    assert sorted(p.name for p in out.iterdir()) == ["a.pdf", "c.pdf"]
    captured = capsys.readouterr()
    line = next(i for i, t in enumerate(bad.read_text().splitlines(), 1) if t.startswith("date"))
    assert f"{bad}:{line}: date: " in captured.err
    assert re.search(r"built 2, failed 1 in \d+\.\d s", captured.out)


def test_a_bad_recipient_row_fails_alone(tmp_path: Path, capsys) -> None:
    letter = write_merge(tmp_path, "tilskudd.yaml", ["Kari Nordmann", "", "Per Ås"])
    out = tmp_path / "out"
    assert main(["build", str(letter), "-o", str(out)]) == 1
    folder = out / "tilskudd"
    assert sorted(p.name for p in folder.iterdir()) == ["001-kari-nordmann.pdf", "003-per-as.pdf"]
    assert "kr 300" in pdf_text(folder / "003-per-as.pdf")
    captured = capsys.readouterr()
    assert f"{tmp_path / 'tilskudd.csv'}:3: recipient 2 (tilskudd.csv:3): the name is empty" in (
        captured.err
    )
    assert "built 2, failed 1" in captured.out


def test_output_does_not_depend_on_jobs(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1714640400")
    write_letter(tmp_path, "svar.yaml")
    write_letter(tmp_path, "purring.yaml", title="Purring")
    write_merge(tmp_path, "tilskudd.yaml", ["Kari Nordmann", "Per Ås", "Åse Ødegård", "Ola"])
    assert main(["build", str(tmp_path), "-o", str(tmp_path / "one"), "-j", "1"]) == 0
    assert main(["build", str(tmp_path), "-o", str(tmp_path / "two"), "-j", "2"]) == 0
    one, two = files(tmp_path / "one"), files(tmp_path / "two")
    assert list(one) == [
        "purring.pdf", "svar.pdf", "tilskudd/001-kari-nordmann.pdf", "tilskudd/002-per-as.pdf",
        "tilskudd/003-ase-odegard.pdf", "tilskudd/004-ola.pdf",
    ]
    assert one == two


def test_combined_holds_every_letter_in_order(tmp_path: Path, capsys) -> None:
    letter = write_merge(tmp_path, "tilskudd.yaml", ["Kari Nordmann", "Per Ås", "Åse Ødegård"])
    out = tmp_path / "out"
    assert main(["build", str(letter), "-o", str(out), "--combined", "-j", "2"]) == 0
    combined = out / "tilskudd.pdf"
    with pikepdf.open(combined) as pdf:
        pages = len(pdf.pages)
    singles = sorted((out / "tilskudd").iterdir())
    assert pages == sum(len(pikepdf.open(p).pages) for p in singles) == 3
    text = pdf_text(combined)
    assert text.index("Kari Nordmann") < text.index("Per Ås") < text.index("Åse Ødegård")
    assert f"and {combined}" in capsys.readouterr().err


def test_a_smaller_merge_removes_the_letters_of_old_recipients(tmp_path: Path) -> None:
    out = tmp_path / "out"
    write_merge(tmp_path, "tilskudd.yaml", ["Kari", "Per", "Ola"])
    assert main(["build", str(tmp_path / "tilskudd.yaml"), "-o", str(out)]) == 0
    (out / "tilskudd" / "merknader.txt").write_text("kept")
    write_merge(tmp_path, "tilskudd.yaml", ["Kari", "Ola"])
    assert main(["build", str(tmp_path / "tilskudd.yaml"), "-o", str(out)]) == 0
    assert sorted(p.name for p in (out / "tilskudd").iterdir()) == [
        "001-kari.pdf", "002-ola.pdf", "merknader.txt",
    ]


def test_two_letters_with_one_name_do_not_overwrite_each_other(tmp_path: Path, capsys) -> None:
    first = write_letter(tmp_path, "svar.yaml")
    second = write_letter(tmp_path, "svar.yml", title="Et annet svar")
    assert main(["build", str(tmp_path), "-o", str(tmp_path / "out")]) == 1
    assert "Svar på søknad" in pdf_text(tmp_path / "out" / "svar.pdf")
    assert f"{second}: {first} also builds" in capsys.readouterr().err


def test_check_reports_rows_and_writes_nothing(tmp_path: Path, capsys) -> None:
    write_letter(tmp_path, "svar.yaml")
    write_merge(tmp_path, "tilskudd.yaml", ["Kari", "", "Ola"])
    before = sorted(tmp_path.iterdir())
    assert main(["check", str(tmp_path)]) == 1
    assert sorted(tmp_path.iterdir()) == before
    captured = capsys.readouterr()
    assert "tilskudd.csv:3: recipient 2" in captured.err
    assert captured.out.startswith("checked 3, failed 1")


def test_a_program_read_from_standard_input_builds_without_workers(tmp_path: Path) -> None:
    """Worker processes re-read the main program, which a pipe cannot give twice."""
    write_letter(tmp_path, "a.yaml")
    write_letter(tmp_path, "b.yaml")
    program = (
        "import letterpress\n"
        f"report = letterpress.build([{str(tmp_path)!r}], {str(tmp_path / 'out')!r}, jobs=2)\n"
        "print(report.built, report.failed)\n"
    )
    done = subprocess.run(
        [sys.executable, "-"], input=program, capture_output=True, text=True, cwd=ROOT,
        timeout=120,
    )
    assert done.stdout == "2 0\n", done.stderr


def test_jobs_must_be_a_positive_number(capsys) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["build", "letters", "-j", "0"])
    assert exit_.value.code == 2


# Interrupted builds ----------------------------------------------------------------------------


def start_build(tmp_path: Path, recipients: int) -> tuple[subprocess.Popen[str], Path]:
    letter = write_merge(tmp_path, "mange.yaml", [f"Mottaker {i}" for i in range(recipients)])
    out = tmp_path / "out"
    process = subprocess.Popen(
        [sys.executable, "-m", "letterpress", "build", str(letter), "-o", str(out), "-j", "2"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
        cwd=ROOT,
    )
    deadline = time.monotonic() + 60
    while len(list(out.rglob("*.pdf"))) < 3:
        assert process.poll() is None and time.monotonic() < deadline, process.stderr
        time.sleep(0.05)
    return process, out / "mange"


def assert_only_whole_letters(folder: Path) -> None:
    pdfs = sorted(folder.rglob("*.pdf"))
    assert pdfs
    for path in pdfs:
        assert LETTER_FILE.fullmatch(path.name), path
        with pikepdf.open(path) as pdf:
            assert len(pdf.pages) >= 1


def processes_in_group(group: int) -> list[str]:
    """Live processes of a process group (Linux), zombies excluded."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[2]) == group and fields[0] != "Z":
            found.append(entry.name)
    return found


def assert_workers_exit(process: subprocess.Popen) -> None:
    """The build's workers end within 10 s of the build; whatever is left is killed anyway."""
    try:
        deadline = time.monotonic() + 10
        while processes_in_group(process.pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert processes_in_group(process.pid) == [], "workers outlived the build"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_a_killed_build_leaves_only_whole_pdfs_and_no_workers(tmp_path: Path) -> None:
    process, folder = start_build(tmp_path, 2000)
    process.kill()  # SIGKILL: no clean-up runs in the build process
    process.communicate()
    assert_workers_exit(process)
    assert_only_whole_letters(folder)
    assert len(list(folder.glob("*.pdf"))) < 2000


def test_ctrl_c_stops_cleanly_with_a_summary(tmp_path: Path) -> None:
    process, folder = start_build(tmp_path, 2000)
    os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
    out, err = process.communicate(timeout=30)
    assert process.returncode == 130
    built = int(re.search(r"built (\d+), failed 0 in .* s; interrupted: (\d+) not built", out)[1])
    assert built == len(list(folder.glob("*.pdf")))
    assert "Traceback" not in err
    assert_only_whole_letters(folder)

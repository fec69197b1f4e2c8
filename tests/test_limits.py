"""Every bound in ``letterpress/limits.py``: input over it is a clear error, found while loading,
before any work is done on it, and quickly."""

from __future__ import annotations

import struct
import subprocess
import sys
import time
import zlib
from pathlib import Path

import pikepdf
import pytest
from conftest import ROOT, page_texts, write_letter

import letterpress
from letterpress import limits
from letterpress.errors import LetterError
from letterpress.reading import merge, recipients
from letterpress.reading.merge import Rejected, entries


def problem_of(path: Path) -> str:
    """The one problem loading ``path`` reports, as printed."""
    with pytest.raises(LetterError) as caught:
        letterpress.load(path)
    (problem,) = caught.value.problems
    return str(problem)


def line_of(path: Path, text: str) -> int:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if text in line:
            return number
    raise AssertionError(f"{text!r} not in {path}")


def check(*paths: Path) -> subprocess.CompletedProcess[str]:
    """``letterpress check`` as a person runs it."""
    return subprocess.run(
        [sys.executable, "-m", "letterpress", "check", *map(str, paths)],
        capture_output=True, text=True, cwd=ROOT, timeout=120,
    )


# Files -----------------------------------------------------------------------------------------


def test_a_letter_file_over_the_size_limit_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "stor.yaml"
    path.write_bytes(b"title: x\n" + b"#" * limits.MAX_INPUT_BYTES)
    assert problem_of(path) == (
        f"{path}: the file is 4096 KiB; at most 4096 KiB is accepted"
    )


def test_a_body_file_over_the_size_limit_is_refused(tmp_path: Path) -> None:
    (tmp_path / "tekst.md").write_bytes(b"Tekst.\n" * (limits.MAX_INPUT_BYTES // 7 + 1))
    path = write_letter(tmp_path, body=None, body_file="tekst.md")
    path.write_text(path.read_text(encoding="utf-8").replace("body: null\n", ""), "utf-8")
    message = problem_of(path)
    assert message.startswith(f"{tmp_path / 'tekst.md'}: body_file: the file is 4096 KiB")


def test_a_letter_path_that_is_a_device_is_refused_without_reading_it() -> None:
    done = check(Path("/dev/zero"))
    assert done.returncode == 1
    assert "/dev/zero: this is not a file (a folder, device or pipe); name a file" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_recipients_file_over_the_size_limit_is_refused(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(recipients, "MAX_RECIPIENT_FILE_BYTES", 100)
    csv_path = tmp_path / "mottakere.csv"
    csv_path.write_text("name;belop\n" + "".join(f"Mottaker {i};{i}\n" for i in range(20)))
    letter = letterpress.load(write_letter(tmp_path, recipient=None, recipients=csv_path.name))
    with pytest.raises(LetterError) as caught:
        merge.prepare(letter)
    assert str(caught.value) == (
        f"{csv_path}: the file is 0 KiB; at most 0 KiB is accepted; split it into several merges"
    )


def test_a_workbook_that_unpacks_too_large_is_refused_before_it_is_read(
    tmp_path: Path, monkeypatch
) -> None:
    import openpyxl

    monkeypatch.setattr(recipients, "MAX_WORKBOOK_UNPACKED_BYTES", 1024 * 1024)
    book = openpyxl.Workbook()
    book.active.append(["Navn", "Merknad"])
    for i in range(300):
        book.active.append([f"Mottaker {i}", f"{i} " * 2000])  # 8 kB of text a row
    book.save(tmp_path / "m.xlsx")
    letter = letterpress.load(write_letter(tmp_path, recipient=None, recipients="m.xlsx"))
    with pytest.raises(LetterError, match=r"m.xlsx: the workbook unpacks to \d+ MiB; at most 1 "
                                          r"MiB is accepted; split it into several merges"):
        merge.prepare(letter)


# YAML ------------------------------------------------------------------------------------------


def test_an_alias_bomb_is_refused_at_once(tmp_path: Path) -> None:
    """Nine aliases to nine aliases ... ten levels: 3.4 billion values if expanded."""
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, 10):
        refs = ", ".join([f"*a{level - 1}"] * 9)
        lines.append(f"a{level}: &a{level} [{refs}]")
    path = tmp_path / "bombe.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    started = time.monotonic()
    message = problem_of(path)
    assert time.monotonic() - started < 2
    assert f"expands to more than {limits.MAX_YAML_NODES} values (aliases?)" in message


@pytest.mark.parametrize("depth", [limits.MAX_YAML_DEPTH + 5, 1_000, 100_000])
def test_nesting_deeper_than_the_limit_is_refused(tmp_path: Path, depth: int) -> None:
    path = tmp_path / "dyp.yaml"
    path.write_text(f"title: {'[' * depth}{']' * depth}\n", encoding="utf-8")
    message = problem_of(path)
    assert message.endswith(
        f"lists and mappings nest more than {limits.MAX_YAML_DEPTH} levels deep; flatten the file"
    )
    assert message.startswith(str(path))


# The body and long words -----------------------------------------------------------------------


def test_a_body_over_the_length_limit_is_refused(tmp_path: Path) -> None:
    path = write_letter(tmp_path, body="Tekst. " * (limits.MAX_BODY_CHARS // 7 + 1))
    message = problem_of(path)
    assert message.startswith(f"{path}:{line_of(path, 'body:')}: body: the body has 5000")
    assert f"at most {limits.MAX_BODY_CHARS} are accepted: shorten it" in message


def test_a_word_of_100000_letters_is_refused_before_layout(tmp_path: Path) -> None:
    """Pasted data, not a word: layout would spend seconds setting pages of it."""
    path = write_letter(tmp_path, body="BODY")
    word = "abcdefghij" * 10_000
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("BODY", f"|\n  Første avsnitt.\n\n  Start {word}"), "utf-8")
    started = time.monotonic()
    message = problem_of(path)
    assert time.monotonic() - started < 2
    assert message == (
        f"{path}:{line_of(path, 'Start')}: body: a word of 100000 characters "
        "('abcdefghijabcdefghij'...); "
        f"at most {limits.MAX_WORD_CHARS} are accepted: add spaces, or put a long web address "
        "behind link text, [text](address)"
    )


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("title", "x" * 5_000),
        ("recipient", {"name": "Ola", "address": ["y" * 5_000, "0155 OSLO"]}),
        ("letterhead", {"name": "Z" * 5_000}),
    ],
)
def test_a_long_word_in_a_printed_field_is_refused(tmp_path: Path, field: str, value) -> None:
    path = write_letter(tmp_path, **{field: value})
    assert "a word of 5000 characters" in problem_of(path)


def test_a_long_address_behind_link_text_is_accepted(tmp_path: Path) -> None:
    url = "https://innsyn.example.no/sak?" + "&".join(f"felt{i}=verdi{i}" for i in range(120))
    assert len(url) > limits.MAX_WORD_CHARS
    path = write_letter(tmp_path, body=f"Se [saken i innsynsløsningen]({url}).\n")
    text = "".join(page_texts(letterpress.render(letterpress.load(path))))
    assert "Se saken i innsynsløsningen." in text


def test_a_long_word_in_one_recipients_value_fails_that_row_alone(tmp_path: Path) -> None:
    csv_path = tmp_path / "mottakere.csv"
    csv_path.write_text(f"name;belop\nKari;100\nPer;{'9' * 5_000}\nOla;300\n", "utf-8")
    letter = letterpress.load(write_letter(
        tmp_path, recipient=None, recipients=csv_path.name, body="Kr {{ recipient.belop }}.\n",
    ))
    found = list(entries(letter))
    assert [isinstance(entry, Rejected) for entry in found] == [False, True, False]
    assert "the value of 'belop' has a word of 5000 characters" in str(found[1].problems[0])


# Images ----------------------------------------------------------------------------------------


def png_header(width: int, height: int) -> bytes:
    """A PNG whose header claims ``width`` x ``height`` pixels, with almost no pixel data."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + crc

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\0" * 64)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + (
        chunk(b"IEND", b"")
    )


@pytest.mark.parametrize(
    ("width", "height"),
    [(100_000, 100_000), (8_000, 6_000)],  # far over; over, but below Pillow's own refusal
)
def test_an_image_claiming_too_many_pixels_is_refused_before_decoding(
    tmp_path: Path, width: int, height: int
) -> None:
    image = tmp_path / "signatur.png"
    image.write_bytes(png_header(width, height))
    path = write_letter(tmp_path, signatories=[{"name": "Kari Nordmann", "signature": image.name}])
    started = time.monotonic()
    message = problem_of(path)
    assert time.monotonic() - started < 2
    line = line_of(path, "signature:")
    assert message.startswith(
        f"{path}:{line}: signatories.0.signature: {image} has more than 40 000 000 pixels"
    )
    assert "scale it down" in message


def test_a_logo_that_is_not_an_image_is_found_by_check(tmp_path: Path) -> None:
    (tmp_path / "logo.png").write_text("ikke et bilde", encoding="utf-8")
    path = write_letter(tmp_path, letterhead={"name": "Fjordvik kommune", "logo": "logo.png"})
    done = check(path)
    assert done.returncode == 1
    assert (
        f"{path}:{line_of(path, 'logo:')}: letterhead.logo: {tmp_path / 'logo.png'} is not a "
        "PNG or JPEG image that can be read"
    ) in done.stderr


def test_a_logo_that_cannot_be_decoded_names_the_letter_and_line(tmp_path: Path) -> None:
    """The header is fine (so loading accepts it) but the pixel data is cut short: the error
    comes from layout, and must still say PATH:LINE: field."""
    image = tmp_path / "logo.png"
    image.write_bytes(png_header(40, 40))
    path = write_letter(tmp_path, letterhead={"name": "Fjordvik kommune", "logo": image.name})
    with pytest.raises(LetterError) as caught:
        letterpress.render(letterpress.load(path))
    (problem,) = caught.value.problems
    assert str(problem).startswith(f"{path}:{line_of(path, 'logo:')}: letterhead.logo: ")
    # check decodes it as layout would, without typesetting
    (found,) = letterpress.check([path]).outcomes[0].problems
    assert found == problem


def test_layout_keeps_its_own_guard_against_decompression_bombs(tmp_path: Path) -> None:
    """A letter made in Python skips loading; layout's Pillow guard still refuses the bomb."""
    image = tmp_path / "logo.png"
    image.write_bytes(png_header(100_000, 100_000))
    letter = letterpress.load(write_letter(tmp_path))
    letterhead = letter.letterhead.model_copy(update={"logo": image})
    with pytest.raises(LetterError, match="has more than 40000000 pixels; scale it down"):
        letterpress.render(letter.model_copy(update={"letterhead": letterhead}))


# Attachments -----------------------------------------------------------------------------------


def blank_pdf(path: Path, pages: int) -> Path:
    with pikepdf.new() as pdf:
        for _ in range(pages):
            pdf.add_blank_page()
        pdf.save(path)
    return path


def test_attachment_limits_are_found_by_check(tmp_path: Path, monkeypatch) -> None:
    blank_pdf(tmp_path / "vedlegg.pdf", 3)
    path = write_letter(tmp_path, attachments=[{"title": "Kart", "file": "vedlegg.pdf"}])
    where = f"{path}:{line_of(path, 'file:')}: attachments.0.file: {tmp_path / 'vedlegg.pdf'}"
    monkeypatch.setattr(limits, "MAX_ATTACHMENT_PAGES", 2)
    assert problem_of(path) == (
        f"{where} has 3 pages; an attachment may have at most 2: split it into several "
        "attachments"
    )
    monkeypatch.setattr(limits, "MAX_ATTACHMENT_BYTES", 100)
    assert problem_of(path).startswith(f"{where} is 0.0 MB; an attachment may be at most 0.0 MB")


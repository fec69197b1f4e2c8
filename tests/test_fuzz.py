"""Property-based tests: whatever a letter holds, letterpress answers with a PDF or a clear error.

Each property is a plain ``check_*`` function over generated input, so that ``bench/fuzz.py``
can run the same properties for minutes. In the normal suite they run a few examples each
(the ``letterpress-fast`` profile, derandomised so every run tries the same inputs); set
``LETTERPRESS_FUZZ_PROFILE=letterpress-nightly`` for a longer, random run under pytest.

What a user must never see is a traceback, a hang or a wrong letter; so every property says
"a PDF, or ``LetterError`` problems that name the file and say what to do", and the printing
properties read the PDF back as a person (or a screen reader) would.
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
import re
import tempfile
import unicodedata
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import KS_LETTERHEAD, pdf_text
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import letterpress
from letterpress.cli import main
from letterpress.errors import LetterError, Problem
from letterpress.reading.merge import Rejected, entries

settings.register_profile(
    "letterpress-fast",
    max_examples=30,
    deadline=timedelta(seconds=20),
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "letterpress-nightly",
    max_examples=2_000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
PROFILE = settings.get_profile(os.environ.get("LETTERPRESS_FUZZ_PROFILE", "letterpress-fast"))
LOADING = settings(PROFILE, max_examples=PROFILE.max_examples * 5)
"""Loading is cheap (no rendering), so the loading properties try more inputs."""

GLYPH_ERROR = re.compile(r"the character U\+([0-9A-F]{4,6}) \(")
TRIED = {"inputs": 0}
"""Inputs the properties have been given in this process (``bench/fuzz.py`` prints it)."""


# ---------------------------------------------------------------------------------------------
# Letters as data


def base_letter() -> dict[str, Any]:
    """A letter that builds, with every optional part present so that each can be broken."""
    return {
        "letterhead": str(KS_LETTERHEAD),
        "language": "nb",
        "date": "2024-05-02",
        "reference": {
            "ours": "24/00123-1", "yours": "", "archive_code": "035",
            "case_officer": {"name": "Kari Nordmann", "phone": "22 00 00 00",
                             "email": "kari@example.no"},
        },
        "recipient": {"name": "Ola Nordmann", "attention": "Per Hansen",
                      "address": ["Storgata 1", "0155 OSLO"], "email": "ola@example.no"},
        "exempt": "",
        "title": "Svar på søknad om tilskudd",
        "body": "Vi viser til søknaden deres.\n",
        "closing": "Med hilsen",
        "signatories": [{"name": "Kari Nordmann", "title": "rådgiver"}],
        "approved_electronically": "true",
        "attachments": ["Søknaden"],
        "copies": ["Kommunedirektøren"],
        "email": {"to": ["ola@example.no"], "cc": [], "subject": "", "text": ""},
    }


KEY_PATHS: tuple[tuple[str, ...], ...] = (
    ("letterhead",), ("language",), ("date",), ("reference",), ("reference", "ours"),
    ("reference", "archive_code"), ("reference", "case_officer"),
    ("reference", "case_officer", "name"), ("recipient",), ("recipient", "name"),
    ("recipient", "address"), ("recipient", "email"), ("recipients",), ("exempt",),
    ("title",), ("body",), ("body_file",), ("closing",), ("signatories",),
    ("signatories", "0", "signature"), ("approved_electronically",), ("attachments",),
    ("attachments", "0", "file"), ("copies",), ("email",), ("email", "to"),
    ("letterhead", "name"), ("letterhead", "logo"), ("letterhead", "fonts"),
    ("letterhead", "colour"), ("titel",), ("recipient", "navn"),
)
"""Where a mutation strikes: real keys, nested keys, and misspelt ones."""

DELETE = object()

INTERESTING_TEXT = st.sampled_from([
    "", " ", "~", "null", "035", "yes", "no", "true", "2024-02-30", "2024-05-02", "nb", "nn",
    "se", "#1a3c6e", "#xyz", "{{ recipient.name }}", "{{ recipient.mangler }}", "{{ navn }}",
    "{{ 7*7 }}", str(KS_LETTERHEAD), str(KS_LETTERHEAD.parent), "mottakere.csv", "../../",
    "~nobody-here/brev.yaml", "/dev/null", "/proc/self/environ", "x" * 300,
    "Kari <kari@example.no>", "kari@", "a\nb", "0032 OSLO", "\ufeff", "\x00",
])
SCALARS = st.one_of(
    INTERESTING_TEXT, st.text(max_size=30), st.none(), st.booleans(),
    st.integers(), st.floats(), st.dates(),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.sampled_from(["name", "title", "file", "address", "x", "0"]) | (
            st.text(max_size=8)), inner, max_size=4),
    ),
    max_leaves=12,
)


def mutated(changes: list[tuple[tuple[str, ...], Any]]) -> dict[str, Any]:
    """The base letter with each (key path, value) set, or deleted for ``DELETE``."""
    data = base_letter()
    for keys, value in changes:
        _set(data, keys, value)
    return data


def _set(data: Any, keys: tuple[str, ...], value: Any) -> None:
    *parents, last = keys
    for key in parents:
        if isinstance(data, list) and not (key.isdigit() and int(key) < len(data)):
            return
        index: Any = int(key) if isinstance(data, list) else key
        child = data[index] if isinstance(data, list) else data.get(key)
        if not isinstance(child, dict | list):
            child = {}
            data[index] = child
        data = child
    if isinstance(data, list):
        return
    if value is DELETE:
        data.pop(last, None)
    else:
        data[last] = value


LETTER_DATA = st.builds(
    mutated,
    st.lists(st.tuples(st.sampled_from(KEY_PATHS), st.just(DELETE) | VALUES), max_size=4),
)


def dump(data: Any) -> str:
    """YAML as a person would write it (non-ASCII kept; what YAML cannot hold, escaped)."""
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


@contextlib.contextmanager
def letter_folder() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="lp-fuzz-") as folder:
        yield Path(folder)


# ---------------------------------------------------------------------------------------------
# What a clear error is


def assert_clear(problems: list[Problem], letter: Path) -> None:
    """Every problem names a file (the letter or one it names) and says something."""
    assert problems, "a LetterError without problems"
    for problem in problems:
        assert problem.path is not None, f"no file named: {problem}"
        assert problem.message.strip(), f"no message: {problem!r}"
        assert "Traceback" not in problem.message
        assert " object at 0x" not in problem.message, f"a Python repr leaks: {problem}"
        assert str(problem).startswith(str(problem.path)), problem


def assert_clear_output(err: str, letter: Path) -> None:
    """What ``letterpress check`` prints: ``PATH[:LINE]: ...`` lines, never a traceback."""
    assert "Traceback" not in err
    for line in err.splitlines():
        if line.startswith("checked") or line.startswith("built"):
            continue
        assert re.match(r"^(/|letterpress: )", line), f"not PATH:LINE: message: {line!r}"


# ---------------------------------------------------------------------------------------------
# Property 1: any YAML mapping gives a letter or clear problems


def check_any_mapping(data: dict[str, Any]) -> None:
    """``load`` and ``letterpress check`` on a letter with arbitrary keys and values."""
    TRIED["inputs"] += 1
    with letter_folder() as folder:
        path = folder / "brev.yaml"
        path.write_text(dump(data), encoding="utf-8")
        _load_and_merge(path)
        err, code = _run_check(path)
        assert code in (0, 1), err
        assert_clear_output(err, path)


def check_any_text(text: str) -> None:
    """``load`` on a file of any text: YAML or not."""
    TRIED["inputs"] += 1
    with letter_folder() as folder:
        path = folder / "brev.yaml"
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        _load_and_merge(path)


def _load_and_merge(path: Path) -> None:
    try:
        letter = letterpress.load(path, [])
        for number, entry in enumerate(entries(letter)):
            if isinstance(entry, Rejected):
                assert_clear(list(entry.problems), path)
            if number == 3:
                break
    except LetterError as error:
        assert_clear(error.problems, path)


def _run_check(path: Path) -> tuple[str, int]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["check", str(path)])
    return err.getvalue(), code


@LOADING
@given(LETTER_DATA)
@example(mutated([(("letterhead",), "~nobody-here/brev.yaml")]))
@example(mutated([(("signatories", "0", "signature"), "~nobody-here/x.png")]))
@example(mutated([(("letterhead",), "\r")]))
@example(mutated([(("recipient", "navn (fullt)"), "x")]))
def test_any_mapping_loads_or_names_its_problems(data: dict[str, Any]) -> None:
    check_any_mapping(data)


YAML_TOKENS = st.sampled_from([
    "title: ", "body: |\n  ", "recipient:\n  name: ", "- ", "&a ", "*a", "<<: *a\n", "!!str ",
    "!!python/object:os.system ", "{", "}", "[", "]", ": ", "\n", "  ", "'", '"', "#",
    "---\n", "...\n", "? ", "|", ">", "\t", "%YAML 1.1\n", "x", "æøå", "\ufeff", "\\u0000",
])


def soup(tokens: st.SearchStrategy[str], size: int) -> st.SearchStrategy[str]:
    """Text made of ``tokens`` and random bits, some tokens repeated many times over: deep
    nesting and long runs are where parsers recurse or slow down."""
    repeated = st.builds(lambda token, times: token * times, tokens, st.integers(2, 1_200))
    parts = st.one_of(tokens, tokens, repeated, st.text(max_size=6))
    return st.lists(parts, min_size=1, max_size=size).map("".join)


YAML_SOUP = soup(YAML_TOKENS, 25)


@LOADING
@given(YAML_SOUP | st.text())
@example("x[title: ")
@example("title: " + "[" * 1_000)  # nesting deeper than the YAML composer's recursion
def test_any_text_loads_or_names_its_problems(text: str) -> None:
    check_any_text(text)


# ---------------------------------------------------------------------------------------------
# Property 2: any Unicode in a text field renders or names the character

TEXT_FIELDS: tuple[tuple[str, ...], ...] = (
    ("title",), ("body",), ("exempt",), ("closing",), ("recipient", "name"),
    ("recipient", "attention"), ("recipient", "address"), ("reference", "ours"),
    ("reference", "yours"), ("reference", "archive_code"), ("reference", "case_officer", "name"),
    ("signatories", "0", "name"), ("signatories", "0", "title"), ("attachments",),
    ("copies",), ("letterhead", "name"), ("letterhead", "unit"), ("letterhead", "post_address"),
)
ANY_CHARACTERS = st.text(st.characters(exclude_categories=()), min_size=1, max_size=12)


def check_any_unicode(field: tuple[str, ...], text: str) -> None:
    """``text`` in ``field`` prints, or the error names a character of it as U+XXXX."""
    TRIED["inputs"] += 1
    value: Any = [text] if field[-1] in ("address", "post_address") or field == (
        "attachments",) or field == ("copies",) else text
    data = base_letter()
    if field[0] == "letterhead":
        data["letterhead"] = _inline_letterhead()
    _set(data, field, value)
    with letter_folder() as folder:
        path = folder / "brev.yaml"
        path.write_text(dump(data), encoding="utf-8")
        try:
            pdf = letterpress.render(letterpress.load(path, []))
        except LetterError as error:
            assert_clear(error.problems, path)
            for problem in error.problems:
                assert problem.line is not None, f"no line: {problem}"
                if not text.strip() and "must not be empty" in problem.message:
                    continue  # a title or name of only spaces
                found = GLYPH_ERROR.search(problem.message)
                assert found, f"not a glyph error: {problem}"
                assert chr(int(found[1], 16)) in text, problem
            return
        assert pdf.startswith(b"%PDF-")


def _inline_letterhead() -> dict[str, Any]:
    data = yaml.safe_load(KS_LETTERHEAD.read_text(encoding="utf-8"))
    data["logo"] = str((KS_LETTERHEAD.parent / data["logo"]).resolve())
    return data


@PROFILE
@given(st.sampled_from(TEXT_FIELDS), ANY_CHARACTERS)
@example(("recipient", "name"), "Ola \ud800")
@example(("body",), "a\u2028b\x85c")
@example(("body",), "\x00")
@example(("title",), " ")
@example(("recipient", "name"), " ")
@example(("copies",), "")
def test_any_unicode_renders_or_names_the_character(field: tuple[str, ...], text: str) -> None:
    check_any_unicode(field, text)


# ---------------------------------------------------------------------------------------------
# Property 3: any Markdown renders

MARKDOWN_TOKENS = st.sampled_from([
    "# ", "## ", "### ", "#### ", "* ", "- ", "+ ", "1. ", "2) ", "> ", "**", "*", "_", "__",
    "`", "```\n", "~~~", "[", "]", "(", ")", "](https://example.no)", "<https://ks.no>",
    "![bilde](x.png)", "|", " | ", "|---|---|\n", ":---:", "---\n", "***\n", "\\", "  \n",
    "\n", "\n\n", "    ", "\t", "<b>", "</b>", "&amp;", "&#1234;", "<!-- x -->", "<", ">",
    "Kommunestyret", "søknad", "ÆØÅ", "12345", " ", "=", "===\n", "[^1]", "www.ks.no",
])
MARKDOWN_SOUP = soup(MARKDOWN_TOKENS, 40)


def check_any_markdown(body: str) -> None:
    """A body of any Markdown renders to a PDF."""
    TRIED["inputs"] += 1
    if not body.strip():
        body += "x"
    letter = letterpress.load(KS_SEED_COPY, [])
    letter = letter.model_copy(update={"body": body})
    try:
        pdf = letterpress.render(letter)
    except LetterError as error:  # a character the font does not have, named
        assert_clear(error.problems, KS_SEED_COPY)
        for problem in error.problems:
            found = GLYPH_ERROR.search(problem.message)
            assert found and chr(int(found[1], 16)) in body, problem
        return
    assert pdf.startswith(b"%PDF-")


KS_SEED_COPY = Path(tempfile.mkdtemp(prefix="lp-fuzz-seed-")) / "brev.yaml"
KS_SEED_COPY.write_text(dump(base_letter()), encoding="utf-8")


@PROFILE
@given(MARKDOWN_SOUP)
@example("* [\n\n|a|\n|-|\n> 1. ```")
@example("#")  # an empty first block: nothing on the page for its structure element
@example("|a|b|\n|-|-|\n||x|")  # a row that starts with an empty cell
@example("[](https://ks.no) ` ` ![](x.png)")
@example("*" * 500 + "x" + "*" * 500)  # emphasis 250 levels deep
@example("\x00")  # named as U+0000, not as the U+FFFD CommonMark makes of it
def test_any_markdown_renders(body: str) -> None:
    check_any_markdown(body)


# ---------------------------------------------------------------------------------------------
# Property 4: any CSV cell value of a merge prints as written


def printable(char: str) -> bool:
    """Characters a reader of the PDF sees as themselves: the bundled font has them, they run
    left to right, and they are not marks or formatting that text extraction reorders."""
    if unicodedata.category(char)[0] in "CMZ" and char != " ":
        return False
    return unicodedata.bidirectional(char) in ("L", "EN", "ES", "ET", "CS", "ON", "WS") and (
        ord(char) in _covered()
    )


def _covered() -> frozenset[int]:
    from reportlab.pdfbase.ttfonts import TTFont

    from letterpress.fonts import bundled_font_dir

    global _COVERAGE
    if _COVERAGE is None:
        face = TTFont("fuzz", bundled_font_dir() / "LiberationSans-Regular.ttf").face
        _COVERAGE = frozenset(face.charToGlyph)
    return _COVERAGE


_COVERAGE: frozenset[int] | None = None
CELL_VALUES = st.text(
    st.characters(max_codepoint=0x2FFF).filter(printable), min_size=1, max_size=30,
).filter(lambda value: value.strip())


def check_cell_prints_as_written(value: str) -> None:
    """A CSV value put into the body and the title reads back from the PDF as written."""
    TRIED["inputs"] += 1
    with letter_folder() as folder:
        table = io.StringIO()
        writer = csv.writer(table, delimiter=";", quoting=csv.QUOTE_ALL, lineterminator="\r\n")
        writer.writerows([["name", "address", "verdi"], ["Kari", "0155 OSLO", value]])
        (folder / "mottakere.csv").write_text(table.getvalue(), encoding="utf-8")
        data = base_letter()
        data.pop("recipient")
        data.update(recipients="mottakere.csv", title="Vedtak {{ recipient.verdi }}",
                    body="Verdien er:\n\n{{ recipient.verdi }}\n\nSlutt.\n")
        path = folder / "brev.yaml"
        path.write_text(dump(data), encoding="utf-8")
        (merged,) = entries(letterpress.load(path, []))
        assert not isinstance(merged, Rejected), merged.problems
        text = pdf_text(letterpress.render(merged.letter))
    expected = " ".join(value.split())
    # pdfium reads "-" at the end of a line as a hyphenation point: U+FFFE, the lines joined.
    lines = [" ".join(line.split()) for line in text.replace("\ufffe", "-\n").splitlines()]
    assert expected in lines, f"{expected!r} not printed on a line of its own"
    assert f"Vedtak {expected}" in lines, f"{expected!r} not in the title"



@PROFILE
@given(CELL_VALUES)
@example("{{ 7*7 }}")
@example("<b>*Kari*</b> & `x` \\")
@example("# 1. - > |a|")
@example("A-")
def test_any_cell_value_prints_as_written(value: str) -> None:
    check_cell_prints_as_written(value)


# ---------------------------------------------------------------------------------------------
# Property 5: any recipients file gives letters, rejected rows or a clear error

CSV_TOKENS = st.sampled_from([
    "name", "Name", "address", "email", "attention", "belop", ";", ",", "\t", '"', '""', "\n",
    "\r\n", "\r", "|", "\ufeff", "Kari", "Per Ås", "0155 OSLO", " ", "", "{{ recipient.x }}",
    "kari@example.no", "\x00", "æøå", "=SUM(A1)",
])
CSV_FILES = st.one_of(
    soup(CSV_TOKENS, 40).map(lambda text: text.encode("utf-8", "surrogatepass")),
    st.binary(max_size=200),
)


def check_any_recipients_file(data: bytes) -> None:
    """``check`` and the merge of a letter whose recipients file holds ``data``."""
    TRIED["inputs"] += 1
    with letter_folder() as folder:
        (folder / "mottakere.csv").write_bytes(data)
        letter = base_letter()
        letter.pop("recipient")
        letter.update(recipients="mottakere.csv", body="Kr {{ recipient.belop }}.\n")
        path = folder / "brev.yaml"
        path.write_text(dump(letter), encoding="utf-8")
        try:
            for entry in entries(letterpress.load(path, [])):
                if isinstance(entry, Rejected):
                    assert_clear(list(entry.problems), path)
        except LetterError as error:
            assert_clear(error.problems, path)
        err, code = _run_check(path)
        assert code in (0, 1), err
        assert_clear_output(err, path)


@LOADING
@given(CSV_FILES)
@example(b"name;belop\nKari;" + b"9" * 200_000 + b"\n")  # over the csv module's field limit
@example(b"\xef\xbb\xbf")
def test_any_recipients_file_merges_or_names_its_problems(data: bytes) -> None:
    check_any_recipients_file(data)


# ---------------------------------------------------------------------------------------------
# Property 6: any addressing gives a message or clear problems in ``letterpress mail``

MAIL_PATHS: tuple[tuple[str, ...], ...] = (
    ("email", "to"), ("email", "cc"), ("email", "bcc"), ("email", "subject"), ("email", "text"),
    ("recipient", "email"), ("recipient", "name"), ("title",), ("exempt",), ("letterhead",),
)
ADDRESSES = st.sampled_from([
    "kari@example.no", "Kari Nordmann <kari@example.no>", "kari@", "@example.no", "kari@æøå.no",
    '"Kari N"@example.no', "kari@[127.0.0.1]", "k" * 70 + "@example.no", "kari@example.no\n",
    "Kari <kari@example.no>, Per <per@example.no>", "=?utf-8?q?Kari?= <kari@example.no>",
    "kari@example.no\r\nBcc: spion@example.com", "Kari, Nordmann <kari@example.no>",
]) | st.text(max_size=20)
MAIL_CHANGES = st.lists(
    st.tuples(st.sampled_from(MAIL_PATHS), ADDRESSES | st.lists(ADDRESSES, max_size=3) | VALUES),
    min_size=1, max_size=3,
)


def check_any_addressing(changes: list[tuple[tuple[str, ...], Any]]) -> None:
    """``letterpress mail`` (writing .eml files) on a letter with arbitrary addressing."""
    TRIED["inputs"] += 1
    with letter_folder() as folder:
        path = folder / "brev.yaml"
        path.write_text(dump(mutated(changes)), encoding="utf-8")
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(["mail", str(path), "-o", str(folder / "ut")])
        assert code in (0, 1), err.getvalue()
        assert_clear_output(err.getvalue(), path)
        written = list((folder / "ut").glob("*.eml"))
        assert (code == 0) == bool(written), err.getvalue()


@PROFILE
@given(MAIL_CHANGES)
@example([(("email", "subject"), "Svar\nBcc: spion@example.com")])
def test_any_addressing_mails_or_names_its_problems(
    changes: list[tuple[tuple[str, ...], Any]],
) -> None:
    check_any_addressing(changes)


PROPERTIES = {
    "mapping": (check_any_mapping, (LETTER_DATA,)),
    "text": (check_any_text, (YAML_SOUP | st.text(),)),
    "unicode": (check_any_unicode, (st.sampled_from(TEXT_FIELDS), ANY_CHARACTERS)),
    "markdown": (check_any_markdown, (MARKDOWN_SOUP,)),
    "csv": (check_cell_prints_as_written, (CELL_VALUES,)),
    "csvfile": (check_any_recipients_file, (CSV_FILES,)),
    "mail": (check_any_addressing, (MAIL_CHANGES,)),
}
"""Every property with the strategies of its arguments, for ``bench/fuzz.py``."""


# ---------------------------------------------------------------------------------------------
# What the properties found, kept as plain tests of what the person sees


def merge_letter(folder: Path, recipients: list[dict[str, str]], **fields: str) -> Path:
    data = base_letter()
    data.pop("recipient")
    data.update(recipients=recipients, **fields)
    path = folder / "brev.yaml"
    path.write_text(dump(data), encoding="utf-8")
    return path


def test_a_title_of_empty_placeholders_fails_that_recipient_alone(tmp_path: Path) -> None:
    path = merge_letter(
        tmp_path, [{"name": "Kari", "sak": ""}, {"name": "Per", "sak": "24/1"}],
        title="{{ recipient.sak }}",
    )
    rejected, merged = entries(letterpress.load(path, []))
    assert isinstance(rejected, Rejected) and not isinstance(merged, Rejected)
    assert "recipient 1" in str(rejected.problems[0])
    assert "the title is empty once its placeholders are filled in" in str(rejected.problems[0])
    assert letterpress.render(merged.letter).startswith(b"%PDF-")


def test_nul_in_a_merge_value_for_the_body_is_named_as_itself(tmp_path: Path) -> None:
    path = merge_letter(tmp_path, [{"name": "Kari", "x": "a\0b"}], body="Hei {{ recipient.x }}")
    (rejected,) = entries(letterpress.load(path, []))
    assert isinstance(rejected, Rejected)
    assert "the value of 'x' has the character U+0000 (NULL)" in str(rejected.problems[0])


def test_a_problem_is_printed_on_one_line_whatever_it_quotes(tmp_path: Path) -> None:
    path = tmp_path / "brev.yaml"
    path.write_text(dump(mutated([(("letterhead",), "brev\r\nhode\x1b[2J.yaml")])), "utf-8")
    err, code = _run_check(path)
    assert code == 1
    line = err.splitlines()[0]
    assert all(printed.startswith(str(path)) for printed in err.splitlines())
    assert line.startswith(f"{path}:1: letterhead: letterhead file not found: ")
    assert line.endswith("brev\\r\\nhode\\x1b[2J.yaml (paths are relative to the letter)")


def test_a_key_with_brackets_is_named_as_written(tmp_path: Path) -> None:
    path = tmp_path / "brev.yaml"
    path.write_text(dump(mutated([(("recipient", "navn (fullt)"), "Ola")])), "utf-8")
    with pytest.raises(LetterError) as caught:
        letterpress.load(path)
    assert "recipient.navn (fullt): unknown key 'navn (fullt)'" in str(caught.value)


def test_a_home_folder_that_is_not_there_is_named(tmp_path: Path) -> None:
    path = tmp_path / "brev.yaml"
    path.write_text(dump(mutated([(("letterhead",), "~nobody-here/brev.yaml")])), "utf-8")
    with pytest.raises(LetterError) as caught:
        letterpress.load(path)
    assert str(caught.value) == (
        f"{path}:1: letterhead: ~nobody-here/brev.yaml: the home folder ~nobody-here is not "
        "known here; write the path without ~, relative to the file or in full"
    )

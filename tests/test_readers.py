"""The letters as the readers people use see them: pdfium (Chrome, Edge) and pdf.js (Firefox).

A screen reader gets the structure a reader builds for each page and the text of each element
in structure order. These tests read both back from every example letter (merge letters too)
and from bodies hypothesis makes up, and check what a listener would notice: a page without
structure, words run together where a line broke, hyphenation hyphens read as hyphens.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import page
import pikepdf
import pytest
from conftest import LETTERS, SEED, installed_tool, write_letter
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from structure_reader import (
    Element,
    document_elements,
    pdfium_pages,
    pdfjs_missing,
    pdfjs_pages,
    walk,
)

import letterpress
from letterpress.labels import label_set, labels, long_date, short_date
from letterpress.model import Letter
from letterpress.reading.merge import count, expand


@dataclass(frozen=True)
class Example:
    name: str
    letter: Letter
    pdf: bytes
    own_pages: int
    """Pages letterpress set; appended PDFs follow them."""


@cache
def examples() -> tuple[Example, ...]:
    """Every letter in letters/, each recipient of a merge its own letter, rendered once."""
    found = []
    for path in sorted(LETTERS.glob("*.yaml")):
        for merged in expand(letterpress.load(path)):
            letter = merged.letter
            pdf = letterpress.render(letter)
            found.append(Example(merged.stem, letter, pdf, _own_pages(letter, pdf)))
    return tuple(found)


def _own_pages(letter: Letter, pdf: bytes) -> int:
    with pikepdf.open(io_bytes(pdf)) as doc:
        total = len(doc.pages)
    appended = 0
    for attachment in letter.attachments:
        if attachment.file is not None:
            with pikepdf.open(attachment.file) as doc:
                appended += len(doc.pages)
    return total - appended


def io_bytes(data: bytes):
    import io

    return io.BytesIO(data)


# --- words ----------------------------------------------------------------------------------

_SPLIT = re.compile(r"[\s*_`#>|\[\]()<]+")
_ESCAPED = re.compile(r"\\(.)", re.S)
_EDGES = "«»\"'.,:;!?()[]{}<>*_`"


def _tokens(text: str) -> Iterator[str]:
    for token in _SPLIT.split(text):
        token = token.strip(_EDGES)
        if token:
            yield token


def vocabulary(letter: Letter) -> set[str]:
    """Every word the letter's data and fixed texts hold: what a listener should hear."""
    words: set[str] = set()
    strings = list(_strings(letter.model_dump()))
    if letter.recipient is not None:
        strings += letter.recipient.lines
    for words_in in (labels(letter.language), label_set(letter.language, letter.label_languages)):
        for value in vars(words_in).values():
            if isinstance(value, str):
                # A bilingual label may break after its "/", and reads with a space there.
                strings += [value, value.replace("/", "/ ")]
    strings += [short_date(letter.date, letter.language), long_date(letter.date, letter.language)]
    for text in strings:
        # Markdown escapes (a merge escapes the values it fills in) and hard breaks.
        words.update(_tokens(_ESCAPED.sub(r"\1", text)))
    return words


def _strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, dt.date):
        yield value.isoformat()


def glued(elements: list[Element], known: set[str]) -> list[str]:
    """Words read in structure order that the letter never wrote: two words run together
    at a line break, or a hyphenated word read in pieces. ``elements`` is the whole tree
    (``document_elements``), so a paragraph that goes on over a page break reads as one."""
    found = []
    for element in walk(elements):
        if element.children:
            continue
        for token in _tokens(element.text.replace("\u00ad", "")):
            # List bullets and dashes are not words.
            if token not in known and any(char.isalnum() for char in token):
                found.append(token)
    return found


def test_hyphenation_hyphens_read_as_soft_hyphens_and_words_whole() -> None:
    pdf = letterpress.render(letterpress.load(SEED))
    texts = [e.text for page in pdfium_pages(pdf) for e in walk(page) if e.role == "P"]
    body = " ".join(texts)
    # Set on two lines as "lovpå-" and "lagte": the hyphen hyphenation added reads as U+00AD.
    assert "de lovpå\u00adlagte oppgavene" in body
    assert "lovpå-" not in body
    # A hyphen that is part of the text stays one, also where the line breaks after it.
    assert "når kommune-Norges fremtidige" in body
    assert "for at kommune-Norge skal" in body


def test_lines_of_one_element_read_with_spaces_between(tmp_path: Path) -> None:
    path = write_letter(
        tmp_path,
        reference={
            "ours": "24/00123-1",
            "case_officer": {
                "name": "Ingrid Haugen",
                "phone": "+47 57 00 01 23",
                "email": "ingrid.haugen@example.no",
            },
        },
        exempt="Offl. § 13",
    )
    pdf = letterpress.render(letterpress.load(path))
    texts = [e.text for e in walk(pdfium_pages(pdf)[0])]
    assert "Ingrid Haugen +47 57 00 01 23 ingrid.haugen@example.no" in [t.strip() for t in texts]
    assert any(t.startswith("Postadresse ") for t in texts), texts
    assert any(re.fullmatch(r"Unntatt offentlighet Offl\. § 13 ?", t) for t in texts), texts


# --- every example letter -----------------------------------------------------------------


def example_count() -> int:
    """How many letters letters/ makes (each recipient of a merge one), without making them."""
    return sum(count(letterpress.load(path)) for path in sorted(LETTERS.glob("*.yaml")))


@pytest.mark.parametrize("index", range(example_count()), ids=lambda i: f"example{i}")
def test_pdfium_finds_structure_on_every_page_and_no_glued_words(index: int) -> None:
    example = examples()[index]
    pages = pdfium_pages(example.pdf)
    _assert_structure(pages, example.name)
    for elements in pages[example.own_pages :]:
        # An appended PDF's page is a Figure that says which attachment and page it is.
        (figure,) = [e for e in walk(elements) if e.role == "Figure"]
        assert re.fullmatch(r"(Vedlegg|Attachments): .+, (Side|Page) \d+ (av|of) \d+", figure.alt)
    problems = glued(document_elements(example.pdf), vocabulary(example.letter))
    assert problems == [], f"{example.name}: words read run together: {problems}"


def _assert_structure(pages: list[list[Element]], name: str) -> None:
    first = [e.role for e in walk(pages[0])]
    assert "H1" in first, f"{name}: no H1 on page 1: {first}"
    for number, elements in enumerate(pages, start=1):
        roles = [e.role for e in walk(elements)]
        assert len(roles) >= 3, f"{name} page {number}: {roles}"


def test_every_example_letter_meets_the_claims_it_makes(tmp_path: Path) -> None:
    """Merge letters too: page-validation for each claim, and outloud over every tagged one."""
    import subprocess

    tagged = []
    for example in examples():
        with pikepdf.open(io_bytes(example.pdf)) as doc, doc.open_metadata() as meta:
            part, conformance = meta.pdfa_status[:1], meta.pdfa_status[1:]
            ua = meta.get("pdfuaid:part")
        profiles = [f"PDF_A_{part}{conformance}"] + (["PDF_UA_1"] if ua == "1" else [])
        for profile in profiles:
            report = page.validate_pdf_bytes(example.pdf, profile=profile)
            failures = [(f.rule_id, f.message) for f in report.failures]
            assert report.is_compliant, (example.name, profile, failures)
        if ua == "1":
            path = tmp_path / f"{example.name}.pdf"
            path.write_bytes(example.pdf)
            tagged.append(path)
    assert len(tagged) >= 8
    outloud = installed_tool("outloud")
    assert outloud, "outloud is installed with the test extra"
    result = subprocess.run(
        [outloud, "--fail-on", "warning", "-q", *map(str, tagged)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.skipif(pdfjs_missing() is not None, reason=f"pdf.js: {pdfjs_missing()}")
def test_pdfjs_finds_structure_on_every_page(tmp_path: Path) -> None:
    paths = {}
    for example in examples():
        paths[example.name] = tmp_path / f"{example.name}.pdf"
        paths[example.name].write_bytes(example.pdf)
    found = pdfjs_pages(*paths.values())
    for example in examples():
        _assert_structure(found[paths[example.name]], example.name)


# --- letters nobody has seen ----------------------------------------------------------------

WORDS = st.sampled_from(
    [
        "og",
        "i",
        "kommunen",
        "Fjordvik",
        "søknaden",
        "tilskuddsordningen",
        "generalistkommuneutvalget",
        "saksbehandlingstiden",
        "kommune-Norge",
        "11-3",
        "«vedtak»",
        "https://www.example.no/sak/2024/00311-8/vedlegg",
        "æøå",
        "Ærlighet",
        "§",
        "kr 25 000",
        "forvaltningslovens",
        "høringsinnspill",
        "barnehageopptaket",
    ]
)
PARAGRAPH = st.lists(WORDS, min_size=1, max_size=60).map(" ".join)
BLOCK = st.one_of(
    PARAGRAPH,
    PARAGRAPH.map(lambda text: "## " + text[:120]),
    st.lists(PARAGRAPH, min_size=1, max_size=4).map(
        lambda items: "\n".join(f"- {item}" for item in items)
    ),
    st.lists(PARAGRAPH, min_size=2, max_size=3).map(lambda lines: "\\\n".join(lines)),
)
BODY = st.lists(BLOCK, min_size=1, max_size=8).map("\n\n".join)


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(body=BODY, bold=st.booleans())
def test_made_up_bodies_read_without_glued_words(tmp_path: Path, body: str, bold: bool) -> None:
    if bold:
        body = body.replace("kommunen", "**kommunen**").replace("søknaden", "*søknaden*")
    path = write_letter(tmp_path, body=body + "\n")
    letter = letterpress.load(path)
    pdf = letterpress.render(letter)
    pages = pdfium_pages(pdf)
    _assert_structure(pages, "made-up letter")
    problems = glued(document_elements(pdf), vocabulary(letter))
    assert problems == [], problems
    for profile in ("PDF_A_2A", "PDF_UA_1"):
        report = page.validate_pdf_bytes(pdf, profile=profile)
        assert report.is_compliant, (profile, [(f.rule_id, f.message) for f in report.failures])


# --- headings -------------------------------------------------------------------------------

SKIPPING = """\
### Starts three deep

Text.

# Back to the top

#### Four deep under the top

##### Five

## Two

###### Six
"""


def test_heading_levels_never_skip(tmp_path: Path) -> None:
    from test_accessibility import assert_outloud_passes, assert_valid

    pdf = letterpress.render(letterpress.load(write_letter(tmp_path, body=SKIPPING)))
    headings = [
        (e.role, e.text)
        for page in pdfium_pages(pdf)
        for e in walk(page)
        if re.fullmatch(r"H\d", e.role)
    ]
    assert headings == [
        ("H1", "Svar på søknad om tilskudd"),
        ("H2", "Starts three deep"),
        ("H2", "Back to the top"),
        ("H3", "Four deep under the top"),
        ("H4", "Five"),
        ("H3", "Two"),
        ("H4", "Six"),
    ]
    assert_valid(pdf, ["PDF_A_2A", "PDF_UA_1"])
    assert_outloud_passes(pdf, tmp_path)


# --- languages ------------------------------------------------------------------------------


def test_language_spans_and_the_letterheads_language_reach_the_reader() -> None:
    english = next(e for e in examples() if e.name == "fjordvik-exempt-english")
    elements = list(walk(pdfium_pages(english.pdf)[0]))
    marked = [(e.role, e.lang, e.text.strip()) for e in elements if e.lang and e.role != "Document"]
    assert ("Span", "nb", "Unntatt offentlighet") in marked
    assert ("Span", "nn", "offentleglova") in marked
    # The letterhead says `language: nb`: its name, unit and addresses are bokmål ...
    assert ("Div", "nb-NO", "Fjordvik kommunePlan, byggesak og miljø") in marked
    assert ("Span", "nb-NO", "Postboks 100") in marked
    # ... and the footer's labels are the letter's, in English.
    assert not [t for _, _, t in marked if "Postal address" in t]
    document = next(e for e in elements if e.role == "Document")
    assert document.lang == "en"
    # The words around a span read with it, spaces and all.
    paragraph = next(e.text for e in elements if e.role == "P" and "Unntatt" in e.text)
    assert "is marked Unntatt offentlighet under section 13" in paragraph


def test_a_language_span_in_a_letter_of_that_language_is_still_marked(tmp_path: Path) -> None:
    from test_accessibility import assert_outloud_passes, assert_valid

    body = "Vi skriv [på nynorsk her]{lang=nn} og [**in English** too]{lang=en-GB}.\n"
    pdf = letterpress.render(letterpress.load(write_letter(tmp_path, body=body)))
    spans = [(e.lang, e.text) for e in walk(pdfium_pages(pdf)[0]) if e.role == "Span"]
    assert spans == [("nn", "på nynorsk her"), ("en-GB", "in English too")]
    assert_valid(pdf, ["PDF_A_2A", "PDF_UA_1"])
    assert_outloud_passes(pdf, tmp_path)


def test_a_language_that_is_not_a_tag_is_an_error_naming_the_line(tmp_path: Path) -> None:
    from letterpress.errors import LetterError

    path = write_letter(tmp_path, body="BODY")
    text = path.read_text("utf-8").replace(
        "body: BODY", "body: |\n  Første linje.\n\n  Andre [ord]{lang=nb_NO}."
    )
    path.write_text(text, "utf-8")
    with pytest.raises(LetterError) as caught:
        letterpress.render(letterpress.load(path))
    problem = caught.value.problems[0]
    assert problem.path == path and problem.field == "body"
    assert path.read_text("utf-8").splitlines()[problem.line - 1].strip().endswith("lang=nb_NO}.")
    assert "nb, nn, se or en-GB" in problem.message

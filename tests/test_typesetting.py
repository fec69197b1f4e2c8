"""Page breaking and typesetting rules (docs/typesetting.md), checked in the PDF a reader gets:
the text of each page and where it sits, read with pypdfium2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import LETTERS, page_texts, words, write_letter, write_yaml
from corpus import SERIF, check, generate, read, serif_available

import letterpress
from letterpress.fonts import regular_font

FONTS = ["liberation", "serif"]
SUBSET = (0, 4, 7, 13, 20, 22)
"""Corpus letters run by the suite: every letterhead, tables short and long, one and two
signatories with and without images, two to four pages (the full corpus runs in bench/)."""
SIGNATURE = LETTERS / "signatures" / "per-olav-berg.jpg"
LONG_PARAGRAPH = (
    "Kommunestyret handsama saka i møtet sitt, og vedtaket byggjer på vurderinga til "
    "kommunedirektøren av søknaden, nabomerknadene og reguleringsplanen for området. "
) * 3


def _letterhead(folder: Path, font: str, **fields: object) -> Path:
    data: dict[str, object] = {
        "name": "Fjordvik kommune",
        "unit": "Plan, byggesak og miljø",
        "post_address": ["Postboks 100", "6900 Fjordvik"],
        "email": "postmottak@fjordvik.kommune.no",
        "web": "www.fjordvik.kommune.no",
    }
    if font == "serif":
        if not serif_available():
            pytest.skip("DejaVu Serif is not installed (apt-get install fonts-dejavu-core)")
        data["fonts"] = {style: str(path) for style, path in SERIF.items()}
    return write_yaml(folder / f"head-{font}.yaml", {**data, **fields})


def _render(folder: Path, **fields: object) -> bytes:
    return letterpress.render(letterpress.load(write_letter(folder, **fields)))


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    folder = tmp_path_factory.mktemp("corpus")
    return generate(folder, count=max(SUBSET) + 1)


@pytest.mark.parametrize("number", SUBSET)
def test_corpus_letters_break_by_every_rule(corpus: list[Path], number: int) -> None:
    path = corpus[number]
    pdf = letterpress.render(letterpress.load(path))
    report = check(pdf, json.loads(path.with_suffix(".json").read_text("utf-8")))
    assert report.problems == []
    assert report.violations == []


def test_closing_carries_the_last_body_lines_to_the_next_page() -> None:
    # This letter used to leave "Med helsing" and the signatures alone on page 2.
    pdf = letterpress.render(letterpress.load(LETTERS / "fjordvik-byggesak-vedtak.yaml"))
    pages = page_texts(pdf)
    closing_page = next(i for i, text in enumerate(pages) if "Med helsing" in text)
    before_closing = pages[closing_page].split("Med helsing")[0].split("\r\n")[1:]
    assert len([line for line in before_closing if line.strip()]) >= 2
    assert "Vedlegg" in pages[closing_page] and "Kopi til" in pages[closing_page]


def _table(rows: int) -> str:
    lines = ["| Teneste | Gebyr |", "|---|---:|"]
    lines += [f"| Teneste nummer {n} | {1000 + n} |" for n in range(1, rows + 1)]
    return "\n".join(lines)


def test_long_table_splits_between_rows_and_repeats_its_header(tmp_path: Path) -> None:
    body = "\n\n".join([LONG_PARAGRAPH] * 3 + [_table(25)]) + "\n"
    pdf = _render(tmp_path, body=body)
    pages = read(pdf)
    assert len(pages) >= 2
    rows_on = [
        [line for line in page.lines if line.text.startswith("Teneste nummer")] for page in pages
    ]
    assert len(rows_on[0]) >= 2 and len(rows_on[1]) >= 2
    second = [line for line in pages[1].lines if line.top > 21]
    assert second[0].text == "Teneste" and second[1].text == "Gebyr"  # the header, repeated
    assert len({line.text for page in rows_on for line in page}) == 25


def test_short_table_is_kept_whole(tmp_path: Path) -> None:
    # One-line paragraphs move the table down a line at a time, past the foot of page 1.
    for filler in range(12, 24):
        body = "\n\n".join(["Eit kort avsnitt."] * filler + [_table(5)]) + "\n"
        found = words(_render(tmp_path, body=body))
        pages = {w.page for w in found if w.text in ("1001", "1005", "Teneste")}
        assert len(pages) == 1, f"{filler} paragraphs: the table spans pages {pages}"


def test_no_page_ends_in_a_hyphenated_word(tmp_path: Path) -> None:
    for words_more in range(0, 40, 3):
        text = (LONG_PARAGRAPH + " tilskotsordninga" * words_more) + "\n"
        pdf = _render(tmp_path, body="\n\n".join([text] * 5))
        for page in read(pdf)[:-1]:
            body = [line for line in page.lines if line.bottom < 262 and line.top > 21]
            assert not body[-1].text.endswith("-"), body[-1].text


@pytest.mark.parametrize("font", FONTS)
def test_case_officer_email_whole_or_broken_at_the_at_sign(tmp_path: Path, font: str) -> None:
    email = "fornavn.etternavn@kommune.kommune.no"
    for language in ("nb", "nn"):
        pdf = _render(
            tmp_path,
            letterhead=str(_letterhead(tmp_path, font)),
            language=language,
            reference={"ours": "24/1-1", "case_officer": {"name": "Kari", "email": email}},
        )
        lines = [line.text for line in read(pdf)[0].lines if line.left >= 127]
        assert email in lines or ("fornavn.etternavn" in lines and "@kommune.kommune.no" in lines)


def test_url_in_running_text_breaks_only_after_its_separators(tmp_path: Path) -> None:
    url = "https://www.fjordvik.kommune.no/tenester/plan-bygg-og-eigedom/byggesak/" + "a" * 40
    pdf = _render(tmp_path, body=f"Les meir på {url} om saka.\n")
    lines = [line.text for line in read(pdf)[0].lines if line.top > 85 and line.bottom < 262]
    start = next(i for i, text in enumerate(lines) if "https" in text)
    joined = ""
    for text in lines[start:]:
        piece = text.split(" ")[-1] if not joined else text.split(" ")[0]
        if joined:
            assert joined[-1] in "@./-" or piece[0] in "@.", f"broken inside: {joined!r}|{piece!r}"
        joined += piece
        if len(joined) >= len(url):
            break
    assert joined.startswith(url)  # no hyphen was inserted


@pytest.mark.parametrize("font", FONTS)
def test_signatories_side_by_side_share_baselines(tmp_path: Path, font: str) -> None:
    pdf = _render(
        tmp_path,
        letterhead=str(_letterhead(tmp_path, font)),
        signatories=[
            {"name": "Per Olav Berg", "title": "einingsleiar", "signature": str(SIGNATURE)},
            {"name": "Ingrid Haugen", "title": "sakshandsamar"},
        ],
    )
    page = read(pdf)[0]
    lines = {line.text: line for line in page.lines}
    per, ingrid = lines["Per Olav Berg"], lines["Ingrid Haugen"]
    assert per.baseline == pytest.approx(ingrid.baseline, abs=0.1)
    lead, clerk = lines["einingsleiar"], lines["sakshandsamar"]
    assert lead.baseline == pytest.approx(clerk.baseline, abs=0.1)
    assert page.images[0][3] < per.top  # the signature stands above the name, clear of it


@pytest.mark.parametrize("font", FONTS)
def test_metrics_come_from_the_font_that_prints(tmp_path: Path, font: str) -> None:
    from fontTools.ttLib import TTFont

    head = _letterhead(tmp_path, font)
    pdf = _render(tmp_path, letterhead=str(head), body="Skriv til <post@fjordvik.kommune.no>.\n")
    page = read(pdf)[0]
    tables = TTFont(SERIF["regular"] if font == "serif" else regular_font())
    em = tables["head"].unitsPerEm
    box = (tables["hhea"].ascent - tables["hhea"].descent) / em
    link = next(link for link in page.links if 85 < link[1] < 260)  # the body's link, 11 pt
    assert link[3] - link[1] == pytest.approx(box * 11 / (72 / 25.4), abs=0.02)
    glyphs = [g for line in page.lines for g in line.glyphs if line.top > 85 and line.bottom < 262]
    covered = [
        g
        for g in glyphs
        if g.left >= link[0] - 0.1
        and g.right <= link[2] + 0.1
        and link[1] < (g.top + g.bottom) / 2 < link[3]
    ]
    assert covered and all(link[1] <= g.top and g.bottom <= link[3] for g in covered)
    report = check(
        pdf,
        {"blocks": [{"kind": "title", "text": "Svar på søknad om tilskudd"}], "addresses": []}
        | {"signatories": [], "titles": []},
    )
    assert [v for v in report.violations if v[0].startswith("8")] == []


def test_names_titles_and_cells_wrap_at_spaces(tmp_path: Path) -> None:
    head = write_yaml(
        tmp_path / "head.yaml",
        {
            "name": "Storbynettverket i kommunesektoren for samfunnsutvikling",
            "unit": "Avdeling for interkommunalt samarbeid og beredskapsplanlegging",
            "post_address": ["Postboks 1234 Guovdageaidnu", "9520 Guovdageaidnu"],
            "visit_address": ["Bredbuktnesveien 6", "9520 Guovdageaidnu"],
            "email": "postmottak@kautokeino.kommune.no",
            "web": "www.kautokeino.kommune.no",
            "org_number": "964 830 466",
            "account": "1234 56 78903",
        },
    )
    table = "| Eining | A | B | C | D | E |\n|---|---|---|---|---|---|\n"
    table += "| Helse og omsorg i heimetenestene | 100 200 | 300 400 | 500 600 | 700 800 | 9 |\n"
    pdf = _render(
        tmp_path,
        letterhead=str(head),
        body=table,
        signatories=[{"name": "Ragnhild Kristiansen", "title": "kommunalsjef for budsjettet"}],
    )
    for page in read(pdf):
        for line in page.lines:
            assert not line.text.endswith("-"), line.text


def test_approval_sentence_under_signature_images_warns_and_strict_fails(tmp_path: Path) -> None:
    letter = write_letter(
        tmp_path,
        approved_electronically=True,
        signatories=[{"name": "Per Olav Berg", "signature": str(SIGNATURE)}],
    )
    run = [sys.executable, "-m", "letterpress", "build", str(letter), "-o", str(tmp_path / "o")]
    lenient = subprocess.run(run, capture_output=True, text=True, timeout=300)
    assert lenient.returncode == 0
    assert "warning" in lenient.stderr and "approved_electronically" in lenient.stderr
    strict = subprocess.run([*run, "--strict"], capture_output=True, text=True, timeout=300)
    assert strict.returncode == 1 and "approved_electronically" in strict.stderr


def test_attachments_numbered(tmp_path: Path) -> None:
    pdf = _render(
        tmp_path,
        attachments=["Situasjonskart", "Kvittering for gebyr"],
        attachments_numbered=True,
    )
    text = page_texts(pdf)[-1]
    assert "1. Situasjonskart" in text.replace("\r\n", "\n")
    assert "2. Kvittering for gebyr" in text
    plain = page_texts(_render(tmp_path, attachments=["Situasjonskart"]))[-1]
    assert "1. Situasjonskart" not in plain and "Situasjonskart" in plain


SPAN_WORDS = [
    "kommunen", "vedtaket", "søknaden", "og", "i", "til", "samfunnsutviklingsavdelingen",
    "Tilskuddsforvaltningsretningslinjene", "kr\u00a012\u00a0000", "e-post", "(se", "vedlegg)",
    "https://www.fjordvik.kommune.no/tjenester/kultur/tilskudd", "ks@ks.no", "«sitat»,",
    "\u00a0", "x" * 90, "Guovdageaidnu", "Álgoálbmogat", "2024-05-02", "—", "del\u00advis",
]


def test_lines_do_not_depend_on_how_text_is_divided_into_spans_of_one_style() -> None:
    # A paragraph of one span is broken by a quicker path than one of several spans; the same
    # text divided at spaces into spans of one style must give the very same lines, in every
    # width, size, language and with or without hyphenation, long words and URLs included.
    import random
    from itertools import pairwise

    from letterpress.body.blocks import Span
    from letterpress.fonts import font_set
    from letterpress.layout.text import break_lines

    fonts = font_set(letterpress.load(LETTERS / "ks-storbynettverk-innspill.yaml").letterhead)
    rng = random.Random(7)
    compared = 0
    for _ in range(400):
        text = "".join(
            rng.choice(SPAN_WORDS) + rng.choice([" ", " ", "  ", "\t", " \u00a0 "])
            for _ in range(rng.randint(2, 50))
        )
        spaces = [i + 1 for i, char in enumerate(text) if char == " "]
        bounds = [0, *sorted(rng.sample(spaces, min(3, len(spaces)))), len(text)]
        parts = [text[start:end] for start, end in pairwise(bounds)]
        bold = rng.random() < 0.2
        setting = (
            fonts,
            rng.choice([9.0, 11.0]),
            rng.choice([20.0, 45.5, 80.0, 160.0]),
            rng.choice(["nb_NO", "nn_NO", "se_NO"]),
            rng.random() < 0.7,
        )
        one = break_lines((Span(text, bold),), *setting)
        several = break_lines(tuple(Span(part, bold) for part in parts if part), *setting)
        assert one == several, text
        compared += 1
    assert compared == 400


def test_a_letter_with_more_characters_than_one_font_subset_holds_reads_back_whole(
    tmp_path: Path,
) -> None:
    # A subset holds 256 codes; beyond them a font gets a second subset, whose texts are
    # encoded by ReportLab's own splitString rather than the painter's one-step table.
    letters = [
        *map(chr, range(0xC0, 0x100)),  # Latin-1 letters
        *map(chr, range(0x100, 0x17F)),  # Latin Extended-A (North Sámi, Czech, Polish ...)
        *map(chr, range(0x391, 0x3A2)), *map(chr, range(0x3A3, 0x3AA)),  # Greek capitals
        *map(chr, range(0x3B1, 0x3CA)),  # Greek small letters
        *map(chr, range(0x410, 0x450)),  # Cyrillic
    ]
    letters = [char for char in letters if char not in "×÷"]
    words_of = ["".join(letters[i : i + 12]) for i in range(0, len(letters), 12)]
    body = "Navn i mange skrifter: " + " ".join(words_of) + ".\n"
    pdf = _render(tmp_path, body=body)
    text = "".join("".join(page_texts(pdf)).split())
    for word in words_of:
        assert word in text
    regular = [font for font in _font_names(pdf) if font.endswith("+LiberationSans")]
    assert len(regular) >= 2, regular  # the regular font in two subsets


def _font_names(pdf: bytes) -> list[str]:
    import io

    import pikepdf

    with pikepdf.open(io.BytesIO(pdf)) as document:
        return sorted(
            {
                str(font.BaseFont)
                for page in document.pages
                for font in page.Resources.get("/Font", {}).values()
            }
        )

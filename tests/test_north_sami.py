"""North Sámi letters: attested labels read back from the PDF, where they stand, the document
language, page numbers, dates, no Norwegian hyphenation of Sámi text, and the approval sentence
that must come from the letterhead."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pikepdf
import pytest
from conftest import LETTERS, find, page_texts, words, write_letter, write_yaml

import letterpress
from letterpress.body.blocks import Span
from letterpress.cli import main
from letterpress.fonts import font_set
from letterpress.labels import LABELS, long_date, short_date
from letterpress.layout.hyphenation import dictionary_for, hyphenator
from letterpress.layout.text import SOFT_HYPHEN, break_lines

EXAMPLE = LETTERS / "guovdageaidnu-finnmarkkulahka.yaml"
GUOVDAGEAIDNU = LETTERS / "letterheads" / "guovdageaidnu.yaml"
WINDOW_RIGHT = 125.0
"""The widest envelope window (C5, EC4) reaches x 125 mm."""

# The wording of north-sami.md, written out here rather than read from labels.py.
BILINGUAL_PAGE_1 = [
    "Min čuj./Vår referanse",
    "Din čuj./Deres referanse",
    "Arkiivakoda/Arkivkode",
    "Áššemeannudeaddji/Saksbehandler",
    "Beaivi/Dato",
    "Čuldojuvvon almmolašvuođas/Unntatt offentlighet",
    "Poastačujuhus/Postadresse",
    "Galledančujuhus/Besøksadresse",
    "Telefovdna/Telefon:",
    "E-poasta/E-post:",
    "Neahttasiidu/Nettside:",
    "Org.nr. 999 777 555",
    "Kontonr./Kontonummer:",
    "1 siidu 2 siiddus",
]
BILINGUAL_PAGE_2 = ["Dearvvuođaiguin/Med hilsen", "Mielddus/Vedlegg", "Kopiija/Kopi til"]
NORWEGIAN_ONLY = ["Saksbehandler", "Vår referanse", "Vedlegg", "Kopi til", "Med hilsen", "Side "]


def squeezed(text: str) -> str:
    """Text without any white space: a label broken over two lines reads as one."""
    return "".join(text.split())


@pytest.fixture(scope="module")
def example_pdf() -> bytes:
    return letterpress.render(letterpress.load(EXAMPLE))


def test_example_prints_every_label_bilingual_by_default(example_pdf: bytes) -> None:
    first, second = page_texts(example_pdf)
    for label in BILINGUAL_PAGE_1:
        assert squeezed(label) in squeezed(first), label
    for label in BILINGUAL_PAGE_2:
        assert squeezed(label) in squeezed(second), label
    assert "26.09.2024" in first


def test_example_is_se_no_and_page_2_says_2_siidu_2_siiddus(example_pdf: bytes) -> None:
    with pikepdf.open(io.BytesIO(example_pdf)) as pdf:
        assert str(pdf.Root.Lang) == "se-NO"
        assert len(pdf.pages) == 2
    all_words = words(example_pdf)
    header = [w for w in all_words if w.page == 1 and w.top < 20]
    assert "2 siidu 2 siiddus" in " ".join(w.text for w in header)
    assert find(all_words, "siiddus", page=1).right == pytest.approx(185, abs=0.5)


def test_reference_block_grows_downwards_clear_of_window_and_title(example_pdf: bytes) -> None:
    all_words = [w for w in words(example_pdf) if w.page == 0]
    first_label = find(all_words, "Min")
    address = find(all_words, "Niillas")
    assert first_label.left == pytest.approx(128, abs=0.3)
    assert first_label.top == pytest.approx(address.top, abs=0.5)
    title = find(all_words, "Finnmárkkulága")
    block = [w for w in all_words if w.left > WINDOW_RIGHT and 40 < w.top < title.top]
    assert {"Áššemeannudeaddji/", "Saksbehandler", "Beaivi/Dato", "26.09.2024"} <= {
        w.text for w in block
    }
    assert min(w.left for w in block) >= 128 - 0.3
    assert max(w.right for w in block) <= 190 + 0.3
    # Labels wrap after their "/"; the values stand in their own column, level with them.
    officer = find(block, "Áššemeannudeaddji/")
    assert find(block, "Saksbehandler").top > officer.bottom
    assert find(block, "+47").bottom == pytest.approx(find(block, "Saksbehandler").bottom, abs=0.3)
    assert find(block, "Biret").left > officer.right
    # The block is longer than a Norwegian one but the title keeps its distance below it.
    assert max(w.bottom for w in block) > 85
    assert title.top >= max(w.bottom for w in block) + 8


def test_footer_keeps_its_band_and_numbers_whole(example_pdf: bytes) -> None:
    all_words = [w for w in words(example_pdf) if w.page == 0]
    footer = [w for w in all_words if w.top > 266]
    page_number = [w for w in footer if w.text in ("1", "siidu", "2", "siiddus")]
    number_box = (min(w.left for w in page_number), min(w.top for w in page_number))
    rest = [w for w in footer if w not in page_number]
    assert max(w.bottom for w in footer) < 297 - 10
    # Nothing of the columns reaches into the page number's corner.
    assert all(w.right < number_box[0] or w.bottom < number_box[1] for w in rest)
    # A column has at most four lines, and the account number is never broken.
    for column_start in {round(w.left) for w in rest if w.text.endswith(("/", ":"))}:
        tops = {round(w.top, 1) for w in rest if abs(w.left - column_start) < 1}
        assert len(tops) <= 4
    account = [find(rest, part) for part in ("1234", "56", "78901")]
    assert len({round(w.top, 1) for w in account}) == 1


def test_plain_sami_labels(tmp_path: Path) -> None:
    path = sami_letter(
        tmp_path,
        labels=["se"],
        exempt="Offl. § 13",
        attachments=["Finnmárkkuláhka", "Sámediggi"],
        copies=["Sámediggi"],
    )
    pdf = letterpress.render(letterpress.load(path))
    text = page_texts(pdf)[0]
    for label in [
        "Min čuj.",
        "Din čuj.",
        "Arkiivakoda",
        "Áššemeannudeaddji",
        "Beaivi",
        "Čuldojuvvon almmolašvuođas",
        "Dearvvuođaiguin",
        "Mildosat",
        "Kopiija",
        "Poastačujuhus",
        "Galledančujuhus",
        "Telefovdna:",
        "E-poasta:",
        "Neahttasiidu:",
        "Kontonr. 1234",
    ]:
        assert label in text, label
    for norwegian in NORWEGIAN_ONLY:
        assert norwegian not in text
    labels = {w.text: w for w in words(pdf) if w.page == 0 and w.left > WINDOW_RIGHT}
    # One-language labels stay on one line each: the block keeps its Norwegian height.
    assert labels["Beaivi"].top - labels["Min"].top == pytest.approx(4 * 11.5 / (72 / 25.4), 0.05)


def test_one_attachment_is_mielddus(tmp_path: Path) -> None:
    path = sami_letter(tmp_path, attachments=["Finnmárkkuláhka"])
    pdf = letterpress.render(letterpress.load(path))
    text = squeezed(page_texts(pdf)[0])
    assert "Mielddus/Vedlegg" in text and "Mildosat" not in text


def test_norwegian_letter_from_a_sami_municipality(tmp_path: Path) -> None:
    path = write_letter(tmp_path, letterhead=str(GUOVDAGEAIDNU), labels=["nb", "se"])
    pdf = letterpress.render(letterpress.load(path))
    text = squeezed(page_texts(pdf)[0])
    for label in ("Vårreferanse/Minčuj.", "Saksbehandler/Áššemeannudeaddji", "Dato/Beaivi"):
        assert label in text
    assert "Medhilsen/Dearvvuođaiguin" in text
    with pikepdf.open(io.BytesIO(pdf)) as document:
        assert str(document.Root.Lang) == "nb-NO"


@pytest.mark.parametrize(
    ("labels", "expected"),
    [
        (["se"], "must include the letter's language (nb)"),
        (["nb", "nb"], "one or two different languages"),
        (["nb", "se", "en"], "one or two different languages"),
        (["nb", "sme"], "'sme' is not allowed"),
    ],
)
def test_bad_label_languages_are_named(tmp_path: Path, labels: list[str], expected: str) -> None:
    path = write_letter(tmp_path, labels=labels)
    with pytest.raises(letterpress.LetterError) as raised:
        letterpress.load(path)
    problem = raised.value.problems[0]
    assert problem.field.startswith("labels") and expected in problem.message


def test_approval_without_sami_sentence_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = sami_letter(tmp_path, approved_electronically=True)
    assert main(["check", str(path)]) == 1
    err = capsys.readouterr().err
    line = path.read_text(encoding="utf-8").splitlines().index("approved_electronically: true")
    assert f"{path}:{line + 1}: approved_electronically: " in err
    assert "no attested North Sámi (se) wording" in err
    assert f"({GUOVDAGEAIDNU})" in err and 'approval_text: {se: "..."}' in err
    assert "Traceback" not in err
    assert main(["build", str(path), "-o", str(tmp_path / "out")]) == 1
    assert not (tmp_path / "out" / "letter.pdf").exists()


def test_approval_sentence_comes_from_the_letterhead(tmp_path: Path) -> None:
    given = "The municipality's reviewed sentence stands here."
    head = write_yaml(
        tmp_path / "head.yaml",
        {"name": "Guovdageainnu suohkan", "approval_text": {"se": given}},
    )
    path = sami_letter(tmp_path, letterhead=str(head), approved_electronically=True)
    pdf = letterpress.render(letterpress.load(path))
    assert given in " ".join(page_texts(pdf)[0].split())
    assert "Dokumentet er elektronisk godkjent" not in page_texts(pdf)[0]


def test_no_sami_word_is_hyphenated(tmp_path: Path, example_pdf: bytes) -> None:
    def broken(pdf: bytes) -> list[str]:
        """Words split at a line end: pdfium reports a hyphen ending a line as U+FFFE and joins
        the halves; a hyphen it left as "-" ends the line after a letter."""
        lines = [line for text in page_texts(pdf) for line in text.splitlines()]
        joined = [word for line in lines for word in line.split() if "\ufffe" in word]
        return joined + [line for line in lines if line[-2:-1].isalpha() and line[-1:] == "-"]

    assert broken(example_pdf) == []
    # The same text set with Norwegian rules is hyphenated: the check above can fail.
    letter = letterpress.load(EXAMPLE)
    norwegian = letter.model_copy(update={"language": "nb", "labels": None})
    assert broken(letterpress.render(norwegian)) != []


def test_sami_span_in_a_norwegian_paragraph_is_not_hyphenated() -> None:
    fonts = font_set(letterpress.load(EXAMPLE).letterhead)
    lead = Span("Vi viser til brevet om ")
    word = "ealáhusdoaimmaheapmái"
    width = 70.0  # mm: the Sámi word does not fit after the lead, and would be hyphenated

    def lines(*spans: Span) -> list[str]:
        # A hyphen hyphenation inserts is U+00AD in the layout, drawn as "-".
        found = break_lines(spans, fonts, 11.0, width, "nb_NO")
        return [line.text.replace(SOFT_HYPHEN, "-") for line in found]

    assert lines(lead, Span(word))[0].endswith("-")
    marked = lines(lead, Span(word, lang="se"))
    assert marked[0].rstrip().endswith("om") and word in marked[1]
    # A Norwegian span inside a North Sámi paragraph keeps Norwegian hyphenation.
    norwegian = "kommunestyrebehandlingen"
    nb_in_se = [
        line.text.replace(SOFT_HYPHEN, "-")
        for line in break_lines((lead, Span(norwegian, lang="nb")), fonts, 11.0, width, "se_NO")
    ]
    assert nb_in_se[0].endswith("-")


def test_sami_spans_in_a_norwegian_letter_are_not_hyphenated_in_the_pdf(tmp_path: Path) -> None:
    from letterpress import finish, layout
    from letterpress.body.blocks import Paragraph

    def pdf_of(lang: str | None) -> bytes:
        letter = letterpress.load(write_letter(tmp_path))
        spans: list[Span] = []
        for word in SAMI_WORDS * 6:
            spans += [Span("Vi viser til "), Span(word, lang=lang), Span(" i saken. ")]
        painted = layout.paint(layout.compose(letter, [Paragraph(tuple(spans))]))
        return finish.finish(painted, letter, letterpress.Options(pdfa=False))

    def sami_word_split(pdf: bytes) -> bool:
        text = page_texts(pdf)[0]
        return any(f"{word[:i]}\ufffe" in text for word in SAMI_WORDS for i in range(2, len(word)))

    assert sami_word_split(pdf_of(None))  # Norwegian patterns split these words
    assert not sami_word_split(pdf_of("se"))


SAMI_WORDS = ["ealáhusdoaimmaheapmái", "luondduvalljodagain", "soahpameahttunvuođaid"]
"""Long words of the example letter's body."""


def test_hyphenation_dictionaries_by_language_tag() -> None:
    assert dictionary_for("se") == dictionary_for("se-NO") == "se_NO"
    assert hyphenator("se_NO") is None and hyphenator(dictionary_for("sme")) is None
    assert dictionary_for("nb") == "nb_NO" and hyphenator(dictionary_for("nb-NO")) is not None
    assert LABELS["se"].hyphenation == "se_NO"


def test_sami_dates() -> None:
    assert long_date(dt.date(2011, 9, 26), "se") == "čakčamánu 26. b. 2011"
    assert long_date(dt.date(2024, 1, 2), "se") == "ođđajagemánu 2. b. 2024"
    assert short_date(dt.date(2011, 9, 26), "se") == "26.09.2011"
    assert [long_date(dt.date(2024, m, 1), "se").split()[0] for m in range(1, 13)] == [
        "ođđajagemánu", "guovvamánu", "njukčamánu", "cuoŋománu", "miessemánu", "geassemánu",
        "suoidnemánu", "borgemánu", "čakčamánu", "golggotmánu", "skábmamánu", "juovlamánu",
    ]  # fmt: skip


def test_every_sami_letter_prints_and_extracts(tmp_path: Path) -> None:
    letters = "Á á Č č Đ đ Ŋ ŋ Š š Ŧ ŧ Ž ž"
    pdf = letterpress.render(letterpress.load(sami_letter(tmp_path, body=letters + "\n")))
    assert letters in page_texts(pdf)[0]


def test_font_without_sami_letters_is_refused_for_sami_labels(tmp_path: Path) -> None:
    from fontTools import subset
    from fontTools.ttLib import TTFont

    fonts = Path(__file__).resolve().parents[1] / "fonts"
    for style in ("Regular", "Bold"):
        font = TTFont(fonts / f"LiberationSans-{style}.ttf")
        subsetter = subset.Subsetter()
        subsetter.populate(unicodes=[*range(0x20, 0x7F), *range(0xA0, 0x100)])
        subsetter.subset(font)
        font.save(tmp_path / f"Plain-{style}.ttf")
    head = write_yaml(
        tmp_path / "head.yaml",
        {
            "name": "Kommune",
            "fonts": {"regular": "Plain-Regular.ttf", "bold": "Plain-Bold.ttf"},
        },
    )
    sami = sami_letter(tmp_path, letterhead=str(head))
    with pytest.raises(letterpress.LetterError) as raised:
        letterpress.render(letterpress.load(sami))
    problem = raised.value.problems[0]
    assert problem.field == "language" and "U+010D (LATIN SMALL LETTER C WITH CARON)" in str(
        problem
    )
    norwegian = write_letter(tmp_path, "nb.yaml", letterhead=str(head))
    assert letterpress.render(letterpress.load(norwegian)).startswith(b"%PDF-")


def sami_letter(folder: Path, name: str = "letter.yaml", **fields: object) -> Path:
    """A North Sámi letter on the Guovdageaidnu letterhead; its words are the example's."""
    data: dict[str, object] = {
        "letterhead": str(GUOVDAGEAIDNU),
        "language": "se",
        "reference": {"ours": "2024/00311-2", "case_officer": "Biret Ánne Hætta"},
        "title": "Finnmárkkulága váldosisdoallu",
        "body": "Finnmárkkuláhka lea čearddalaččat bealátkeahttá.\n",
    }
    return write_letter(folder, name, **{**data, **fields})


def test_mail_of_a_sami_letter_needs_its_own_text(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1714640400")
    recipient = {"name": "Niillas Ovllá Sara", "address": ["Postboks 10", "9520 GUOVDAGEAIDNU"]}
    recipient["email"] = "niillas@example.no"
    bare = sami_letter(tmp_path, "bare.yaml", recipient=recipient)
    out = tmp_path / "out"
    assert main(["mail", str(bare), "-o", str(out)]) == 1
    assert "email.text: letterpress has no attested se wording" in capsys.readouterr().err
    note = {"text": "The municipality writes this note."}
    given = sami_letter(tmp_path, "given.yaml", recipient=recipient, email=note)
    assert main(["mail", str(given), "-o", str(out)]) == 0
    message = (out / "given.eml").read_text(encoding="utf-8")
    assert "Content-Language: se-NO" in message


def test_every_printed_label_is_joined_in_both_languages() -> None:
    from dataclasses import fields

    from letterpress.labels import label_set

    joined = label_set("se", ["se", "nb"])
    own_language = {"approved", "language_tag", "hyphenation", "months"}
    for field in fields(joined):
        se, nb = getattr(LABELS["se"], field.name), getattr(LABELS["nb"], field.name)
        if field.name in own_language:
            assert getattr(joined, field.name) == se
        elif field.name == "attachment":
            assert joined.attachments_heading(1) == "Mielddus/Vedlegg"
        else:
            assert getattr(joined, field.name) == (se if se == nb else f"{se}/{nb}"), field.name
    assert joined.attachments_heading(3) == "Mildosat/Vedlegg"
    assert joined.page_of(2, 3) == "2 siidu 3 siiddus/Side 2 av 3"
    assert LABELS["se"].approved == ""  # no attested wording: the letterhead gives it

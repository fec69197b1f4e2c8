"""What one letter reuses from the letters before it (font subsets, line breaks, word widths,
the letterhead read once, the XMP claim, the de-hinted fonts on disk) never changes it: a
letter of a merge, or one of a folder of letters that share a letterhead, is, byte for byte,
the letter built alone in a new process."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import KS_LETTERHEAD, ROOT, page_texts, write_yaml
from corpus import SERIF, serif_available

BOM = "\ufeff"
HEADER = "name;address;belop"
# ASCII-only names share their character set with each other, the others bring Å, ø, Æ, é in
# different orders: the later letters find their font subsets made by earlier ones.
RECIPIENTS = [
    "Åsane musikklag;Postboks 7|5835 BERGEN;12 000",
    "Hamar skolekorps;Storgata 1|2317 HAMAR;8 000",
    "Tromsø kor;Skippergata 3|9008 TROMSØ;5 500",
    "Ærfuglens venner;Strandvegen 9|8800 SANDNESSJØEN;4 000",
    "Molde jazzklubb;Torget 2|6413 MOLDE;15 000",
    "Café Øst;Kirkegata 4|0153 OSLO;3 000",
]
ALONE = (1, 4, 5)
"""The recipients also built alone: two whose subsets come from the cache, one with its own."""


def _merge(folder: Path, rows: list[str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "mottakere.csv").write_bytes((BOM + "\n".join([HEADER, *rows]) + "\n").encode())
    return write_yaml(
        folder / "tilskudd.yaml",
        {
            "letterhead": str(KS_LETTERHEAD),
            "date": "2024-05-02",
            "reference": {"ours": "24/00123-1", "archive_code": "035"},
            "recipients": "mottakere.csv",
            "title": "Tilskudd til {{ recipient.name }}",
            "body": (
                "Dere får kr {{ recipient.belop }} i tilskudd fra kulturmidlene for 2024. "
                "Tilskuddet gjelder tiltaket dere søkte om, og må brukes innen utgangen av "
                "året.\n\n"
                "Vi ber om en kort rapport når tiltaket er gjennomført. Rapporten sendes til "
                "kommunens postmottak, og må vise hva midlene er brukt til. Dersom tiltaket ikke "
                "blir gjennomført, må tilskuddet betales tilbake. Ta kontakt med oss dersom noe "
                "er uklart; vi svarer gjerne på spørsmål om ordningen, søknadsfristene for "
                "neste år og hvordan rapporten bør se ut.\n"
            ),
        },
    )


def _build(letter: Path, out: Path, cache: Path) -> list[Path]:
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1714600000", "LETTERPRESS_CACHE_DIR": str(cache)}
    done = subprocess.run(
        [sys.executable, "-m", "letterpress", "build", str(letter), "-j", "1", "-o", str(out)],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=300, check=False,
    )
    assert done.returncode == 0, done.stderr
    return sorted(out.rglob("*.pdf"))


def test_each_letter_of_a_merge_is_the_letter_built_alone(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    merged = _build(_merge(tmp_path / "merge", RECIPIENTS), tmp_path / "out", cache)
    assert len(merged) == len(RECIPIENTS)
    # Files are numbered by their place in the merge: 002-hamar-skolekorps.pdf.
    by_name = {path.name.partition("-")[2]: path for path in merged}
    for index in ALONE:
        # A new process and an empty cache folder: nothing is reused from another letter.
        folder = tmp_path / f"alone-{index}"
        [alone] = _build(_merge(folder, [RECIPIENTS[index]]), folder / "out", folder / "cache")
        together = by_name[alone.name.partition("-")[2]]
        name = RECIPIENTS[index].split(";")[0]
        assert name in page_texts(together)[0]
        assert together.read_bytes() == alone.read_bytes(), f"{name}: the merged letter differs"


def test_fonts_kept_on_disk_give_the_same_letter_and_a_damaged_one_is_made_again(
    tmp_path: Path,
) -> None:
    letter = _merge(tmp_path / "letter", RECIPIENTS[:1])
    cache = tmp_path / "cache"
    [first] = _build(letter, tmp_path / "first", cache)
    kept = sorted(cache.glob("font-*.ttf"))
    assert len(kept) >= 2  # one per style the letter uses: regular, bold for the title
    damaged = kept[0].read_bytes()
    kept[0].write_bytes(damaged[: len(damaged) // 2])
    [second] = _build(letter, tmp_path / "second", cache)
    [third] = _build(letter, tmp_path / "third", cache)
    assert first.read_bytes() == second.read_bytes() == third.read_bytes()
    assert kept[0].read_bytes() == damaged


LETTERHEAD = """\
name: Fjellbygd kommune
unit: Kultur og oppvekst
logo: logo.png
logo_alt: Fjellbygd kommune
post_address: [Postboks 12, 2900 FAGERNES]
visit_address: [Rådhusvegen 1]
phone: "+47 61 00 00 00"
email: postmottak@fjellbygd.kommune.no
web: www.fjellbygd.kommune.no
org_number: "900 000 000"
colour: "#1a3c6e"
"""

BODIES = [
    # Plain paragraphs, one with a word long enough to be hyphenated at the margin.
    "Vi viser til søknaden deres om tilskudd til kulturformål, og til samtalen vi hadde med "
    "kommunens kulturkontor i forrige uke. Kommunestyret behandlet saken i sitt møte, og "
    "vedtaket følger nedenfor. Tilskuddsforvaltningsretningslinjene gjelder for ordningen.\n\n"
    "Søknaden er innvilget med kr 12 000, og beløpet utbetales når rapporten er mottatt.\n",
    # Bold words, a link, a list and a hard line break: paragraphs of more than one span.
    "Vedtaket er gjort med hjemmel i **forskrift om kulturmidler** § 4, og kan påklages. "
    "Les mer på [kommunens nettsider](https://www.fjellbygd.kommune.no/klage) før dere "
    "skriver klagen.\n\n"
    "- Rapporten sendes innen 1. desember.\n"
    "- Ubrukte midler betales tilbake.\n\n"
    "Med vennlig hilsen  \nkulturkontoret\n",
    # Text in North Sámi inside a Norwegian letter, and no-break spaces.
    "Dere kan også lese vedtaket på samisk: [Mii leat dohkkehan ohcamuša ja "
    "juolludan doarjaga kulturdoaimmaide]{lang=se}. Beløpet er kr\u00a012\u00a0000, og det "
    "utbetales i løpet av januar måned neste år, når kommunen har mottatt rapporten.\n",
]


def _distinct(folder: Path, letterheads: list[Path], indices: list[int]) -> Path:
    """Letter ``i`` has body ``i % 3`` and letterhead ``i // 3``: a fourth letter sets the
    first one's words in the other letterhead's fonts."""
    folder.mkdir(parents=True, exist_ok=True)
    for index in indices:
        write_yaml(
            folder / f"brev-{index}.yaml",
            {
                "letterhead": str(letterheads[index // len(BODIES)]),
                "date": "2024-05-02",
                "reference": {"ours": f"24/0012{index}-1", "archive_code": "223"},
                "recipient": {"name": f"Mottaker {index}", "address": ["Storgata 1", "2900 LOM"]},
                "title": f"Tilskudd til kulturformål, sak {index}",
                "body": BODIES[index % len(BODIES)],
            },
        )
    return folder


def _letterheads(folder: Path) -> list[Path]:
    """The letterhead the letters share, and one of the same text in another typeface."""
    folder.mkdir()
    (folder / "logo.png").write_bytes((ROOT / "letters/logos/ks.png").read_bytes())
    shared = folder / "fjellbygd.yaml"
    shared.write_text(LETTERHEAD, encoding="utf-8")
    serif = folder / "fjellbygd-serif.yaml"
    fonts = {style: str(path) for style, path in SERIF.items()}
    serif.write_text(LETTERHEAD + yaml.safe_dump({"fonts": fonts}), encoding="utf-8")
    return [shared, serif]


def test_distinct_letters_that_share_a_letterhead_are_the_letters_built_alone(
    tmp_path: Path,
) -> None:
    # One process reads the letterhead once and keeps word widths from letter to letter (the
    # words of a body, the title's words in bold); each letter built alone in a new process has
    # nothing to reuse. The last letter sets the first one's words in other fonts.
    letterheads = _letterheads(tmp_path / "brevhode")
    indices = list(range(len(BODIES) + (1 if serif_available() else 0)))
    folder = _distinct(tmp_path / "all", letterheads, indices)
    together = _build(folder, tmp_path / "out", tmp_path / "cache")
    assert len(together) == len(indices)
    for index in indices:
        folder = _distinct(tmp_path / f"alone-{index}", letterheads, [index])
        [alone] = _build(folder, folder / "out", folder / "cache")
        [same] = [path for path in together if path.name == alone.name]
        assert f"Mottaker {index}" in page_texts(same)[0]
        assert same.read_bytes() == alone.read_bytes(), f"{alone.name}: built together it differs"


def test_a_letterhead_changed_between_letters_of_one_process_is_read_again(
    tmp_path: Path,
) -> None:
    import letterpress
    from letterpress.errors import LetterError

    letterheads = _letterheads(tmp_path / "brevhode")
    letterhead, logo = letterheads[0], tmp_path / "brevhode" / "logo.png"
    [letter] = sorted(_distinct(tmp_path / "brev", letterheads, [1]).glob("*.yaml"))
    first = letterpress.render(letterpress.load(letter))
    assert "Fjellbygd kommune" in page_texts(first)[0]
    letterhead.write_text(LETTERHEAD.replace("Fjellbygd kommune", "Dalbygd kommune"), "utf-8")
    assert "Dalbygd kommune" in page_texts(letterpress.render(letterpress.load(letter)))[0]
    logo.write_bytes(b"not an image any more")
    with pytest.raises(LetterError) as caught:
        letterpress.load(letter)
    assert "logo.png is not a PNG or JPEG image" in str(caught.value)


def _two_fonts(order: list[object]) -> bytes:
    """A page that draws the same words in each font of ``order``, in that order: the first
    font drawn is named first in the page's resources."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfgen.canvas import Canvas

    buffer = io.BytesIO()
    canvas = Canvas(buffer, invariant=1, pageCompression=1)
    for line, font in enumerate(order, start=1):
        pdfmetrics.registerFont(font)  # type: ignore[arg-type]
        canvas.setFont(font.fontName, 11)  # type: ignore[attr-defined]
        canvas.drawString(72, 800 - 20 * line, "Blåbærsyltetøy på brødskiva")
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def test_font_objects_formatted_once_are_right_when_another_letter_names_them_otherwise() -> None:
    # The second page draws the fonts in the other order, so each subset, formatted when the
    # first page embedded it, gets the other resource name; it must be the page a process
    # that never formatted them writes.
    import pikepdf

    from letterpress.fonts.embed import SubsetCachingFont

    def fonts() -> list[object]:
        files = {"Bold": "LiberationSans-Bold", "Plain": "LiberationSans-Regular"}
        return [
            SubsetCachingFont(f"ReuseTest-{style}", str(ROOT / "fonts" / f"{file}.ttf"))
            for style, file in files.items()
        ]

    warm = fonts()
    _two_fonts(warm)
    swapped = _two_fonts(warm[::-1])
    assert swapped == _two_fonts(fonts()[::-1])
    with pikepdf.open(io.BytesIO(swapped)) as pdf:
        resources = pdf.pages[0].Resources.Font
        names = {str(key): str(font.BaseFont).partition("+")[2] for key, font in resources.items()}
        # Each font dictionary carries its own resource name (/Name), as ReportLab writes it.
        assert all(str(font.Name) == key for key, font in resources.items())
    # ReportLab's own Helvetica is F1; the first font drawn is F2.
    assert names == {"/F1": "", "/F2+0": "LiberationSans", "/F3+0": "LiberationSans-Bold"}
    assert "Blåbærsyltetøy på brødskiva" in page_texts(swapped)[0]

"""A corpus of varied letters and a checker that counts typesetting rule violations in the PDFs.

``generate(folder, count, seed)`` writes ``count`` letters (half a page to four pages; three
letterheads, one set in a serif; lists; tables of 2–25 rows; one or two signatories with and
without signature images, Vedlegg, Kopi til) and beside each a ``.json`` file naming what the
letter holds, block by block. ``check(pdf, manifest)`` reads the finished PDF as a reader
would (text, glyph boxes, link areas and images with pypdfium2) and returns the violations of
the rules in docs/typesetting.md, each named by its rule.

The checker does not look inside letterpress: it matches the PDF's lines, by their characters,
against the blocks the letter was written with, and measures where they sit.
"""

from __future__ import annotations

import ctypes
import itertools
import json
import random
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import yaml

from letterpress.labels import labels

ROOT = Path(__file__).resolve().parents[1]
LETTERS = ROOT / "letters"
MM = 72 / 25.4
SERIF_DIR = Path("/usr/share/fonts/truetype/dejavu")
SERIF = {
    "regular": SERIF_DIR / "DejaVuSerif.ttf",
    "bold": SERIF_DIR / "DejaVuSerif-Bold.ttf",
    "italic": SERIF_DIR / "DejaVuSerif-Italic.ttf",
    "bold_italic": SERIF_DIR / "DejaVuSerif-BoldItalic.ttf",
}
WINDOWS = {"C5": (20, 44, 125, 79), "E65": (20, 40, 115, 70), "EC4": (20, 42, 120, 82)}
"""Envelope windows as (left, top, right, bottom) mm."""
FIRST_BOTTOM, LATER_TOP, LATER_BOTTOM = 262.0, 21.0, 287.0
"""The body's room as a reader measures it: above the footer rule, below the running header."""
SHORT_TABLE = (285.0 - 26.0) / 3
ADDRESS_BREAKS_AFTER, ADDRESS_BREAKS_BEFORE = "@./-", "@."

# ---------------------------------------------------------------------------------------------
# Generating


def serif_available() -> bool:
    return all(path.is_file() for path in SERIF.values())


WORDS = [
    "kommunen",
    "vedtaket",
    "søknaden",
    "tilskot",
    "tilskudd",
    "planen",
    "saka",
    "budsjettet",
    "området",
    "tiltaket",
    "innbyggjarane",
    "innbyggerne",
    "utvalet",
    "rådmannen",
    "kommunedirektøren",
    "arbeidet",
    "tenestene",
    "barnehageplassar",
    "skolen",
    "vegen",
    "reguleringsplanen",
    "byggjesøknaden",
    "nabovarselet",
    "eigedomen",
    "høyringsfristen",
    "samarbeidsavtalen",
    "tilskotsordninga",
    "kulturmidlane",
    "folkehelsearbeidet",
    "kommunestyret",
    "formannskapet",
    "helse",
    "omsorg",
    "vatn",
    "avløp",
    "renovasjon",
    "gebyret",
    "fakturaen",
    "dokumentasjon",
    "vurdering",
    "grunngjeving",
    "klagerett",
    "forvaltningsloven",
    "opplysningar",
    "prosjektet",
    "søkjaren",
    "mottakaren",
    "søkjarane",
    "kontaktpersonen",
    "næringsutvikling",
    "interkommunale",
    "beredskapsplanlegging",
    "barnevernstjenesten",
    "sykehjemsplassene",
]
SHORT = [
    "og",
    "i",
    "på",
    "til",
    "for",
    "av",
    "med",
    "som",
    "er",
    "det",
    "ein",
    "ei",
    "eit",
    "at",
    "vi",
    "de",
    "om",
    "frå",
    "etter",
    "innan",
]
FIRST_NAMES = ["Kari", "Ola", "Solveig", "Per Olav", "Ingrid", "Mathias", "Aslak", "Ragnhild"]
LAST_NAMES = ["Nordmann", "Nesheim", "Haugen", "Berg", "Sara", "Kristiansen", "Bjørnstad"]
TITLES = [
    "kommunedirektør",
    "einingsleiar",
    "rådgjevar",
    "avdelingsleiar for budsjettet og økonomiplanen",
    "kommunalsjef for helse og omsorg",
    "sakshandsamar",
]
CELLS = ["Helse og omsorg", "Oppvekst", "Teknisk drift", "Kultur og idrett", "Barnehage", "Vatn"]


@dataclass
class Writer:
    """Builds one letter's Markdown body and its manifest side by side."""

    rng: random.Random
    markdown: list[str] = field(default_factory=list)
    blocks: list[dict[str, object]] = field(default_factory=list)
    addresses: list[str] = field(default_factory=list)
    tables: int = 0

    def sentence(self) -> str:
        words = [
            self.rng.choice(WORDS if self.rng.random() < 0.45 else SHORT)
            for _ in range(self.rng.randint(6, 18))
        ]
        return words[0].capitalize() + " " + " ".join(words[1:]) + "."

    def paragraph(self, sentences: int) -> None:
        text = " ".join(self.sentence() for _ in range(sentences))
        if self.rng.random() < 0.2:
            address = self.address()
            text += f" Skriv til {address} om du har spørsmål."
        self.markdown.append(text)
        self.blocks.append({"kind": "para", "text": text})

    def address(self) -> str:
        first = self.rng.choice(FIRST_NAMES).split()[0].lower()
        last = self.rng.choice(LAST_NAMES).lower().replace("ø", "o")
        address = self.rng.choice(
            [
                f"{first}.{last}@kommune.kommune.no",
                f"postmottak@{last}kommune.no",
                f"https://www.{last}.kommune.no/tenester/byggesak/soknad",
            ]
        )
        self.addresses.append(address)
        return address

    def heading(self) -> None:
        text = " ".join(self.rng.choice(WORDS) for _ in range(self.rng.randint(1, 4))).capitalize()
        self.markdown.append(f"## {text}")
        self.blocks.append({"kind": "heading", "text": text})

    def bullet_list(self) -> None:
        ordered = self.rng.random() < 0.5
        lines = []
        for number in range(1, self.rng.randint(2, 6) + 1):
            text = " ".join(self.sentence() for _ in range(self.rng.randint(1, 3)))
            label = f"{number}." if ordered else "•"
            lines.append(f"{number}. {text}" if ordered else f"- {text}")
            self.blocks.append({"kind": "item", "text": f"{label} {text}"})
        self.markdown.append("\n".join(lines))

    def table(self, rows: int) -> None:
        self.tables += 1
        columns = self.rng.randint(2, 4)
        header = ["Område", "Beløp", "Endring", "Merknad"][:columns]
        lines = ["| " + " | ".join(header) + " |", "|" + "---|" * columns]
        self.blocks.append({"kind": "header", "text": " ".join(header), "table": self.tables})
        for _ in range(rows):
            cells = [self.rng.choice(CELLS)] + [
                f"{self.rng.randint(1, 999)} {self.rng.randint(100, 999)}"
                for _ in range(1, columns)
            ]
            lines.append("| " + " | ".join(cells) + " |")
            self.blocks.append({"kind": "row", "text": " ".join(cells), "table": self.tables})
        self.markdown.append("\n".join(lines))


def letterheads(folder: Path) -> list[Path]:
    """Three letterheads: KS (Liberation Sans, a long unit), a serif one, and a Sámi
    municipality whose footer place name is long."""
    heads = [
        {
            "name": "Storbynettverket i kommunesektoren",
            "unit": "Avdeling for samfunnsutvikling og interkommunalt samarbeid",
            "logo": str(LETTERS / "logos" / "ks.png"),
            "post_address": ["Postboks 1378 Vika", "0114 Oslo"],
            "email": "ks@ks.no",
            "web": "www.ks.no",
            "org_number": "971 032 146",
            "colour": "#1a3c6e",
        },
        {
            "name": "Fjordvik kommune",
            "unit": "Plan, byggesak og miljø",
            "logo": str(LETTERS / "logos" / "fjordvik.png"),
            "post_address": ["Postboks 100", "6900 Fjordvik"],
            "visit_address": ["Rådhusgata 1", "6900 Fjordvik"],
            "email": "postmottak@fjordvik.kommune.no",
            "web": "www.fjordvik.kommune.no",
            "colour": "#005e8c",
            "fonts": {style: str(path) for style, path in SERIF.items()},
        },
        {
            "name": "Guovdageainnu suohkan Kautokeino kommune",
            "unit": "Helse og omsorg",
            "post_address": ["Postboks 1234 Guovdageaidnu", "9520 Guovdageaidnu"],
            "visit_address": ["Bredbuktnesveien 6", "9520 Guovdageaidnu"],
            "email": "postmottak@kautokeino.kommune.no",
            "web": "www.kautokeino.kommune.no",
            "org_number": "964 830 466",
        },
    ]
    if not serif_available():
        del heads[1]["fonts"]
    paths = []
    for index, head in enumerate(heads):
        path = folder / f"letterhead-{index}.yaml"
        path.write_text(yaml.safe_dump(head, allow_unicode=True, sort_keys=False), "utf-8")
        paths.append(path)
    return paths


def generate(folder: Path, count: int = 60, seed: int = 13, numbered: bool = True) -> list[Path]:
    """``count`` letters in ``folder``; returns their paths. ``numbered=False`` leaves out
    the ``attachments_numbered`` key, for builds of letterpress that predate it."""
    folder.mkdir(parents=True, exist_ok=True)
    heads = letterheads(folder)
    signatures = [LETTERS / "signatures" / "per-olav-berg.jpg"]
    signatures.append(LETTERS / "signatures" / "ingrid-haugen.png")
    paths = []
    for number in range(count):
        rng = random.Random(seed * 1000 + number)
        paths.append(_letter(folder, number, rng, heads, signatures, numbered))
    return paths


def _person(rng: random.Random) -> str:
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"


def _letter(
    folder: Path,
    number: int,
    rng: random.Random,
    heads: list[Path],
    signatures: list[Path],
    numbered: bool,
) -> Path:
    writer = Writer(rng)
    target = rng.choice([8, 16, 30, 50, 75, 100, 115])  # lines of body: half a page to four
    lines = 0
    while lines < target:
        roll = rng.random()
        if roll < 0.15:
            writer.heading()
            lines += 2
        elif roll < 0.28 and writer.blocks and writer.blocks[-1]["kind"] != "item":
            # (Two lists in a row would be one list in Markdown.)
            writer.bullet_list()
            lines += 6
        elif roll < 0.38:
            rows = rng.choice([2, 3, 5, 8, 12, 18, 25])
            writer.table(rows)
            lines += rows + 1
        else:
            sentences = rng.randint(1, 6)
            writer.paragraph(sentences)
            lines += sentences * 2
    officer = _person(rng)
    first, last = officer.split()[0].lower(), officer.split()[-1].lower()
    officer_email = f"{first}.{last}@kommune.kommune.no".replace("ø", "o")
    signers = []
    for index in range(rng.choice([1, 2, 2])):
        person: dict[str, object] = {"name": _person(rng), "title": rng.choice(TITLES)}
        if rng.random() < 0.5:
            person["signature"] = str(signatures[index % 2])
        signers.append(person)
    with_images = any("signature" in person for person in signers)
    approved = not with_images and rng.random() < 0.5
    attachments = [
        f"{rng.choice(WORDS).capitalize()} {rng.randint(1, 9)}"
        for _ in range(rng.choice([0, 1, 3]))
    ]
    copies = [_person(rng) for _ in range(rng.choice([0, 0, 1, 2]))]
    title = " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 9))).capitalize()
    data: dict[str, object] = {
        "letterhead": str(heads[number % 3]),
        "language": rng.choice(["nb", "nn"]),
        "date": "2024-05-02",
        "reference": {
            "ours": f"24/{number:05d}-1",
            "archive_code": "035",
            "case_officer": {"name": officer, "phone": "+47 12 34 56 78", "email": officer_email},
        },
        "recipient": {"name": _person(rng), "address": ["Storgata 1", "0155 OSLO"]},
        "title": title,
        "body": "\n\n".join(writer.markdown) + "\n",
        "signatories": signers,
        "approved_electronically": approved,
        "attachments": attachments,
        "copies": copies,
    }
    if numbered:
        data["attachments_numbered"] = bool(attachments) and rng.random() < 0.5
    path = folder / f"letter-{number:02d}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8")
    manifest = _manifest(data, writer, officer_email)
    path.with_suffix(".json").write_text(json.dumps(manifest, ensure_ascii=False), "utf-8")
    return path


def _manifest(data: dict[str, object], writer: Writer, officer_email: str) -> dict[str, object]:
    words = labels(str(data["language"]))
    blocks: list[dict[str, object]] = [{"kind": "title", "text": data["title"]}, *writer.blocks]
    blocks.append({"kind": "closing", "text": words.closing})
    signers: list[dict[str, str]] = data["signatories"]  # type: ignore[assignment]
    rows = [signers[i : i + 2] for i in range(0, len(signers), 2)]
    for row in rows:
        text = " ".join(f"{p['name']} {p['title']}" for p in row)
        blocks.append({"kind": "signatories", "text": text})
    if data["approved_electronically"]:
        blocks.append({"kind": "approval", "text": words.approved})
    listings = ((words.attachments, data["attachments"]), (words.copies, data["copies"]))
    for label, entries in listings:
        if entries:
            blocks.append({"kind": "label", "text": label})
            for number, entry in enumerate(entries, start=1):  # type: ignore[arg-type]
                prefix = (
                    f"{number}. " if label == "Vedlegg" and data.get("attachments_numbered") else ""
                )
                blocks.append({"kind": "entry", "text": prefix + str(entry)})
    return {
        "blocks": blocks,
        "signatories": [[p["name"] for p in row] for row in rows],
        "titles": [[p["title"] for p in row] for row in rows],
        "addresses": [officer_email, *writer.addresses],
        "numbered": bool(data.get("attachments_numbered")),
    }


# ---------------------------------------------------------------------------------------------
# Reading the PDF


@dataclass
class Glyph:
    char: str
    left: float
    top: float
    right: float
    bottom: float
    line_bottom: float
    """The bottom of the font's line box (loose box): the same for every glyph on a line."""


@dataclass
class Line:
    """Glyphs of one page on one baseline that stand close together (one column's line)."""

    page: int
    glyphs: list[Glyph]
    block: int = -1
    repeat: bool = False

    @property
    def text(self) -> str:
        out = ""
        for previous, glyph in zip([None, *self.glyphs], self.glyphs, strict=False):
            if previous is not None and glyph.left - previous.right > 0.8:
                out += " "
            out += glyph.char
        return out

    @property
    def top(self) -> float:
        return min(g.top for g in self.glyphs)

    @property
    def bottom(self) -> float:
        return max(g.bottom for g in self.glyphs)

    @property
    def left(self) -> float:
        return self.glyphs[0].left

    @property
    def baseline(self) -> float:
        return self.glyphs[0].line_bottom


@dataclass
class Page:
    lines: list[Line]
    images: list[tuple[float, float, float, float]]
    links: list[tuple[float, float, float, float]]


def read(pdf: bytes | Path, letter_pages: int | None = None) -> list[Page]:
    """The letter's pages: lines split into columns, images and link areas, in mm."""
    document = pdfium.PdfDocument(pdf)
    pages = []
    try:
        count = len(document) if letter_pages is None else letter_pages
        for index in range(count):
            pages.append(_read_page(document[index], index))
    finally:
        document.close()
    return pages


def _read_page(page: pdfium.PdfPage, index: int) -> Page:
    height = page.get_height()
    textpage = page.get_textpage()
    text = textpage.get_text_range()
    glyphs = []
    for i in range(textpage.count_chars()):
        char = text[i] if i < len(text) else " "
        if char.isspace() or char in "\x02\ufffe":
            if char in "\x02\ufffe":
                char = "-"
            else:
                continue
        left, bottom, right, top = textpage.get_charbox(i)
        _l, loose_bottom, _r, _t = textpage.get_charbox(i, loose=True)
        glyphs.append(
            Glyph(
                char,
                left / MM,
                (height - top) / MM,
                right / MM,
                (height - bottom) / MM,
                round((height - loose_bottom) / MM, 1),
            )
        )
    lines = _lines(index, glyphs)
    images = []
    for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE]):
        left, bottom, right, top = obj.get_bounds()
        images.append((left / MM, (height - top) / MM, right / MM, (height - bottom) / MM))
    return Page(lines, images, _links(page, height))


def _lines(page: int, glyphs: list[Glyph]) -> list[Line]:
    rows: dict[float, list[Glyph]] = {}
    for glyph in glyphs:
        key = next((k for k in rows if abs(k - glyph.line_bottom) < 0.35), glyph.line_bottom)
        rows.setdefault(key, []).append(glyph)
    lines = []
    for key in sorted(rows):
        row = sorted(rows[key], key=lambda g: g.left)
        current = [row[0]]
        for glyph in row[1:]:
            if glyph.left - current[-1].right > 4.0:
                lines.append(Line(page, current))
                current = []
            current.append(glyph)
        lines.append(Line(page, current))
    return lines


def _links(page: pdfium.PdfPage, height: float) -> list[tuple[float, float, float, float]]:
    found = []
    for index in range(pdfium_c.FPDFPage_GetAnnotCount(page)):
        annot = pdfium_c.FPDFPage_GetAnnot(page, index)
        try:
            if pdfium_c.FPDFAnnot_GetSubtype(annot) != pdfium_c.FPDF_ANNOT_LINK:
                continue
            rect = pdfium_c.FS_RECTF()
            pdfium_c.FPDFAnnot_GetRect(annot, ctypes.byref(rect))
            found.append(
                (
                    rect.left / MM,
                    (height - rect.top) / MM,
                    rect.right / MM,
                    (height - rect.bottom) / MM,
                )
            )
        finally:
            pdfium_c.FPDFPage_CloseAnnot(annot)
    return found


# ---------------------------------------------------------------------------------------------
# Checking

BODY_KINDS = {"para", "heading", "item", "row", "header"}
LISTING = {"label", "entry"}


def _chars(text: str) -> Counter[str]:
    return Counter(c for c in text if not c.isspace() and c not in "-\u00ad\x02")


def _body_lines(pages: list[Page], title: str) -> list[Line]:
    """The lines of the flowing body, page after page, from the title on."""
    start = _chars(title)
    found: list[Line] = []
    started = False
    for page in pages:
        for line in page.lines:
            if page is pages[0]:
                if not started:
                    chars = _chars(line.text)
                    started = line.top > 75 and bool(chars) and not (chars - start)
                if not started or line.bottom > FIRST_BOTTOM:
                    continue
            elif not line.top > LATER_TOP or line.bottom > LATER_BOTTOM:
                continue
            beside = found and found[-1].page == line.page
            if beside and abs(found[-1].baseline - line.baseline) < 0.35:
                # Table cells, a list's label and signatories side by side: one line of the body.
                found[-1] = Line(line.page, found[-1].glyphs + line.glyphs)
            else:
                found.append(line)
    return found


def assign(lines: list[Line], blocks: list[dict[str, object]]) -> list[str]:
    """Give every line the index of the block it belongs to; returns what could not be
    matched (a checker problem, reported so it is never silently ignored)."""
    problems = []
    index = 0
    remaining = _chars(str(blocks[0]["text"]))
    previous_page = lines[0].page if lines else 0
    for line in lines:
        chars = _chars(line.text)
        new_page = line.page != previous_page
        previous_page = line.page
        if new_page and index < len(blocks) and blocks[index]["kind"] in ("row", "header"):
            header = next(
                b
                for b in blocks[: index + 1][::-1]
                if b["kind"] == "header" and b.get("table") == blocks[index].get("table")
            )
            if chars == _chars(str(header["text"])) and blocks[index]["kind"] == "row":
                line.repeat = True
                line.block = blocks.index(header)
                continue
        probe = index
        rest = remaining
        while probe < len(blocks) and (not rest or chars - rest):
            if rest and probe == index and not (chars - rest):
                break
            probe += 1
            rest = _chars(str(blocks[probe]["text"])) if probe < len(blocks) else Counter()
        if probe >= len(blocks):
            problems.append(f"page {line.page + 1}: unmatched line {line.text!r}")
            continue
        if probe != index and remaining and probe - index >= 1 and sum(remaining.values()) > 2:
            problems.append(f"block {index} left {''.join(remaining.elements())[:30]!r}")
        index, remaining = probe, rest - chars
        line.block = index
    return problems


@dataclass
class Report:
    violations: list[tuple[str, str]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def add(self, rule: str, message: str) -> None:
        self.violations.append((rule, message))

    def counts(self) -> Counter[str]:
        return Counter(rule for rule, _ in self.violations)


def check(
    pdf: bytes | Path, manifest: dict[str, object], letter_pages: int | None = None
) -> Report:
    """Every rule violation found in the letter's pages of ``pdf``."""
    pages = read(pdf, letter_pages)
    blocks: list[dict[str, object]] = manifest["blocks"]  # type: ignore[assignment]
    report = Report()
    lines = _body_lines(pages, str(blocks[0]["text"]))
    report.problems += assign(lines, blocks)
    lines = [line for line in lines if line.block >= 0]
    _check_breaks(lines, blocks, report)
    _check_closing(lines, blocks, report)
    _check_addresses(pages, manifest, report)
    _check_signatories(pages, manifest, report)
    _check_geometry(pages, report)
    _check_names(pages, lines, blocks, report)
    return report


def _by_page(lines: list[Line]) -> dict[int, list[Line]]:
    pages: dict[int, list[Line]] = {}
    for line in lines:
        pages.setdefault(line.page, []).append(line)
    return pages


def _check_breaks(lines: list[Line], blocks: list[dict[str, object]], report: Report) -> None:
    pages = _by_page(lines)
    numbers = sorted(pages)
    for before, after in itertools.pairwise(numbers):
        last = pages[before][-1]
        following = [line for line in pages[after] if not line.repeat]
        if not following:
            continue
        first = following[0]
        kind = blocks[last.block]["kind"]
        same = last.block == first.block
        on_before = sum(1 for line in pages[before] if line.block == last.block)
        on_after = sum(1 for line in following if line.block == first.block)
        if same and kind in ("para", "item", "approval") and (on_before < 2 or on_after < 2):
            report.add("1 widows/orphans", f"page {before + 1}: {on_before}|{on_after} lines")
        if same and last.text.rstrip().endswith("-"):
            report.add("4 hyphen at break", f"page {before + 1} ends {last.text[-20:]!r}")
        _check_heading_at_break(pages[before], blocks, report, before)
        _check_table_at_break(pages, before, after, lines, blocks, report)


def _check_heading_at_break(
    page: list[Line], blocks: list[dict[str, object]], report: Report, number: int
) -> None:
    for position, line in enumerate(page):
        if blocks[line.block]["kind"] not in ("heading", "title"):
            continue
        after = [other for other in page[position + 1 :] if other.block != line.block]
        if len(after) < 2:
            report.add("2 heading kept with text", f"page {number + 1}: {line.text[:30]!r}")
            return


def _check_table_at_break(
    pages: dict[int, list[Line]],
    before: int,
    after: int,
    lines: list[Line],
    blocks: list[dict[str, object]],
    report: Report,
) -> None:
    last = pages[before][-1]
    following = pages[after]
    table = blocks[last.block].get("table")
    if table is None or blocks[last.block]["kind"] not in ("row", "header"):
        return
    first_real = next((line for line in following if not line.repeat), None)
    if first_real is None or blocks[first_real.block].get("table") != table:
        return
    rows_before = {
        line.block
        for line in pages[before]
        if blocks[line.block].get("table") == table and blocks[line.block]["kind"] == "row"
    }
    rows_after = {
        line.block
        for line in following
        if not line.repeat and blocks[line.block].get("table") == table
    }
    if rows_before & rows_after:
        report.add("5 table rows", f"page {before + 1}: a row split across pages")
    if len(rows_before) < 2 or len(rows_after) < 2:
        report.add("5 table rows", f"page {before + 1}: {len(rows_before)}|{len(rows_after)} rows")
    if not following[0].repeat:
        report.add("5 table rows", f"page {after + 1}: header row not repeated")
    table_lines = [
        line for line in lines if blocks[line.block].get("table") == table and not line.repeat
    ]
    pitch = (table_lines[1].baseline - table_lines[0].baseline) if len(table_lines) > 1 else 6.0
    if pitch <= 0:
        pitch = 6.0
    row_count = sum(1 for b in blocks if b.get("table") == table)
    if row_count * pitch <= SHORT_TABLE:
        report.add("5 table rows", f"page {before + 1}: a short table ({row_count} rows) split")


def _check_closing(lines: list[Line], blocks: list[dict[str, object]], report: Report) -> None:
    closing = next((line for line in lines if blocks[line.block]["kind"] == "closing"), None)
    if closing is None:
        report.add("3 closing with body", "closing not found")
        return
    body_total = sum(1 for line in lines if blocks[line.block]["kind"] in BODY_KINDS)
    body_here = sum(
        1
        for line in lines
        if line.page == closing.page and blocks[line.block]["kind"] in BODY_KINDS
    )
    if body_here < min(2, body_total):
        report.add("3 closing with body", f"page {closing.page + 1}: {body_here} body lines")
    for line in lines:
        kind = blocks[line.block]["kind"]
        if kind in ("signatories", "approval") and line.page != closing.page:
            report.add("3 closing with body", f"{kind} on page {line.page + 1}, closing elsewhere")
    for number, page in _by_page(lines).items():
        kinds = {blocks[line.block]["kind"] for line in page}
        if kinds and kinds <= LISTING:
            report.add("3 closing with body", f"page {number + 1} holds only Vedlegg/Kopi til")
        if blocks[page[-1].block]["kind"] == "label" and number != max(line.page for line in lines):
            report.add("3 closing with body", f"page {number + 1} ends with a label")


def _check_addresses(pages: list[Page], manifest: dict[str, object], report: Report) -> None:
    """Rule 6: an e-mail address or URL on one line, or broken where the rule allows."""
    for address in manifest["addresses"]:  # type: ignore[attr-defined]
        if any(address in line.text.replace(" ", "") for page in pages for line in page.lines):
            continue
        verdict = _address_break(pages, str(address))
        if verdict:
            report.add("6 address breaks", f"{address}: {verdict}")


def _address_break(pages: list[Page], address: str) -> str:
    for page in pages:
        for line in page.lines:
            text = line.text.replace(" ", "")
            for cut in range(len(address) - 1, 0, -1):
                head = address[:cut]
                hyphenated = text.endswith(head + "-") and address[cut] != "-"
                if not (text.endswith(head) or hyphenated):
                    continue
                tail = address[cut:]
                below = [
                    other
                    for other in page.lines
                    if 0 < other.baseline - line.baseline < 8 and abs(other.left - line.left) < 60
                ]
                if not any(o.text.replace(" ", "").startswith(tail) for o in below):
                    continue
                if hyphenated:
                    return f"hyphen inserted after {head!r}"
                if (
                    address[cut - 1] in ADDRESS_BREAKS_AFTER
                    or address[cut] in ADDRESS_BREAKS_BEFORE
                ):
                    return ""
                return f"broken as {head!r} / {tail!r}"
    return "not found"


def _check_signatories(pages: list[Page], manifest: dict[str, object], report: Report) -> None:
    """Rule 7: names side by side stand on one baseline, titles too. The second column's line
    (at x 105 mm) is found first; the first column's line nearest to it must share its
    baseline (a name may also appear under Kopi til, in the first column)."""
    for kind in ("signatories", "titles"):
        for row in manifest[kind]:  # type: ignore[attr-defined]
            if len(row) < 2:
                continue
            right = _lines_of(pages, row[1], SECOND_COLUMN)
            if not right:
                report.problems.append(f"{row[1]!r} not found in the second column")
                continue
            page, line = right[-1]
            left = [other for number, other in _lines_of(pages, row[0], LEFT) if number == page]
            if not left:
                report.problems.append(f"{row[0]!r} not found beside {row[1]!r}")
                continue
            nearest = min(left, key=lambda other: abs(other.baseline - line.baseline))
            if abs(nearest.baseline - line.baseline) > 0.2:
                report.add("7 signatory baselines", f"{row}: {nearest.baseline}, {line.baseline}")


LEFT, SECOND_COLUMN = 25.0, 105.0


def _lines_of(pages: list[Page], text: str, x: float) -> list[tuple[int, Line]]:
    """Lines at ``x`` that begin ``text`` (a name or title, perhaps wrapped)."""
    start = text.split()[0]
    return [
        (number, line)
        for number, page in enumerate(pages)
        for line in page.lines
        if abs(line.left - x) < 1.5
        and line.text.startswith(start)
        and not (_chars(line.text) - _chars(text))
    ]


def _check_geometry(pages: list[Page], report: Report) -> None:
    """Rule 8: what the font's metrics place: the address in every envelope window, link
    areas over their glyphs, no glyph on another line's glyphs or on an image, the body above
    the footer."""
    first = pages[0]
    address = [line for line in first.lines if 44 <= line.top <= 80 and line.left < 110]
    for name, (left, top, right, bottom) in WINDOWS.items():
        for line in address:
            if not (
                left <= line.left
                and line.glyphs[-1].right <= right
                and top <= line.top
                and line.bottom <= bottom
            ):
                report.add("8 metrics", f"address line {line.text!r} outside the {name} window")
    for number, page in enumerate(pages):
        glyphs = [g for line in page.lines for g in line.glyphs]
        for left, top, right, bottom in page.links:
            inside = [
                g
                for g in glyphs
                if g.left >= left - 0.2
                and g.right <= right + 0.2
                and top < (g.top + g.bottom) / 2 < bottom
            ]
            for glyph in inside:
                if glyph.top < top - 0.15 or glyph.bottom > bottom + 0.15:
                    report.add("8 metrics", f"page {number + 1}: link area misses {glyph.char!r}")
                    break
        for image in page.images:
            for glyph in glyphs:
                if _overlap((glyph.left, glyph.top, glyph.right, glyph.bottom), image, 0.3):
                    report.add("8 metrics", f"page {number + 1}: {glyph.char!r} on an image")
                    break
        for upper, lower in zip(page.lines, page.lines[1:], strict=False):
            for a in upper.glyphs:
                clash = next(
                    (
                        b
                        for b in lower.glyphs
                        if upper.baseline != lower.baseline
                        and _overlap(
                            (a.left, a.top, a.right, a.bottom),
                            (b.left, b.top, b.right, b.bottom),
                            0.15,
                        )
                    ),
                    None,
                )
                if clash is not None:
                    report.add("8 metrics", f"page {number + 1}: {a.char!r} touches {clash.char!r}")
                    break


def _overlap(
    a: tuple[float, float, float, float], b: tuple[float, float, float, float], margin: float
) -> bool:
    return (
        a[0] < b[2] - margin
        and b[0] < a[2] - margin
        and a[1] < b[3] - margin
        and b[1] < a[3] - margin
    )


def _check_names(
    pages: list[Page], lines: list[Line], blocks: list[dict[str, object]], report: Report
) -> None:
    """Rule 10: names, addresses, titles, table cells and the footer wrap at spaces."""
    suspects = [
        line
        for line in pages[0].lines
        if line.top < 42 or line.top > 266 or (44 <= line.top <= 80 and line.left < 110)
    ]
    suspects += [
        line for line in lines if blocks[line.block]["kind"] not in ("para", "item", "approval")
    ]
    for line in suspects:
        if line.text.rstrip().endswith("-"):
            report.add("10 names not hyphenated", f"page {line.page + 1}: {line.text!r}")


def page_count(pdf: bytes | Path) -> int:
    document = pdfium.PdfDocument(pdf)
    try:
        return len(document)
    finally:
        document.close()

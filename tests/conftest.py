"""Shared test helpers: write letters into a temporary folder, read PDFs as a person would."""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import pypdfium2 as pdfium
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
LETTERS = ROOT / "letters"
KS_LETTERHEAD = LETTERS / "letterheads" / "ks.yaml"
SEED = LETTERS / "ks-storbynettverk-innspill.yaml"
MM = 72 / 25.4

os.environ.setdefault("SOURCE_DATE_EPOCH", "1700000000")


@dataclass(frozen=True)
class Word:
    """A word on a page with its box in mm from the top-left corner."""

    page: int
    text: str
    left: float
    top: float
    right: float
    bottom: float


def words(pdf: bytes) -> list[Word]:
    """Every word of the PDF with its position, page by page."""
    document = pdfium.PdfDocument(pdf)
    found: list[Word] = []
    try:
        for index in range(len(document)):
            page = document[index]
            height = page.get_height()
            textpage = page.get_textpage()
            text = textpage.get_text_range()
            current: list[tuple[str, tuple[float, float, float, float]]] = []
            for i in range(textpage.count_chars()):
                char = text[i] if i < len(text) else " "
                if char.isspace():
                    _flush(found, current, index, height)
                    continue
                current.append((char, textpage.get_charbox(i)))
            _flush(found, current, index, height)
    finally:
        document.close()
    return found


def _flush(found: list[Word], current: list, page: int, height: float) -> None:
    if not current:
        return
    left = min(box[0] for _, box in current)
    right = max(box[2] for _, box in current)
    bottom = min(box[1] for _, box in current)
    top = max(box[3] for _, box in current)
    found.append(
        Word(
            page,
            "".join(c for c, _ in current),
            left / MM,
            (height - top) / MM,
            right / MM,
            (height - bottom) / MM,
        )
    )
    current.clear()


def page_texts(pdf: bytes | Path) -> list[str]:
    """The text of each page, as a screen reader or copy-paste would get it."""
    document = pdfium.PdfDocument(pdf)
    try:
        return [document[i].get_textpage().get_text_range() for i in range(len(document))]
    finally:
        document.close()


def pdf_text(pdf: bytes | Path) -> str:
    """All the text of a PDF, page after page."""
    return "\n".join(page_texts(pdf))


def find(all_words: list[Word], text: str, page: int | None = None) -> Word:
    for word in all_words:
        if word.text == text and (page is None or word.page == page):
            return word
    raise AssertionError(f"{text!r} not found in {[w.text for w in all_words][:80]}")


def write_yaml(path: Path, data: dict[str, object]) -> Path:
    """Write ``data`` as a UTF-8 YAML file, keys in the order given."""
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def write_letter(folder: Path, name: str = "letter.yaml", **fields: object) -> Path:
    """A valid letter in ``folder`` (KS letterhead) with ``fields`` replacing the defaults."""
    data: dict[str, object] = {
        "letterhead": str(KS_LETTERHEAD),
        "date": "2024-05-02",
        "reference": {
            "ours": "24/00123-1",
            "yours": "",
            "archive_code": "035",
            "case_officer": "Kari Nordmann",
        },
        "recipient": {"name": "Ola Nordmann", "address": ["Storgata 1", "0155 OSLO"]},
        "title": "Svar på søknad om tilskudd",
        "body": "Vi viser til søknaden deres.\n",
    }
    return write_yaml(folder / name, {**data, **fields})


@pytest.fixture
def render_letter(tmp_path: Path):
    """Write a letter with the given fields, load and render it; returns the PDF bytes."""
    import letterpress

    def render(**fields: object) -> bytes:
        path = write_letter(tmp_path, **fields)
        return letterpress.render(letterpress.load(path))

    return render


def installed_tool(name: str) -> str | None:
    """A command installed with this Python (in its venv's bin folder, found also when the
    venv is not on PATH, as the README runs the tests), else the one on PATH."""
    beside = Path(sys.executable).parent / (name + (".exe" if os.name == "nt" else ""))
    if beside.is_file():
        return str(beside)
    return shutil.which(name)


@pytest.fixture(autouse=True)
def _root_is_everything(monkeypatch: pytest.MonkeyPatch) -> None:
    """Letters written into temporary folders use the repository's letterheads and logos,
    outside their own folder; the tests of the root folder itself set or unset it."""
    monkeypatch.setenv("LETTERPRESS_ROOT", "/")

"""Tagged PDF/A-2a and PDF/UA-1: what independent checkers say, and the structure read back."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import page
import pikepdf
import pytest
from conftest import LETTERS, installed_tool, write_letter

import letterpress
from letterpress.errors import Problem

EXAMPLES = sorted(p for p in LETTERS.glob("*.yaml") if "recipients:" not in p.read_text("utf-8"))

EVERY_CONSTRUCT = """\
Innledning med *kursiv*, **halvfet** og en [lenke](https://www.example.no/side).
Linje én\\
linje to etter hard linjeskift.

# Første nivå

## Andre nivå

### Tredje nivå

- punkt
  - underpunkt
- punkt med `kode`

1. første
2. andre

> Et sitat som står for seg selv.

---

| Post | Beløp |
|:-----|------:|
| Husleie | 12 000 |
| Strøm | 1 500 |
"""


def structure(pdf: bytes) -> list[tuple[str, pikepdf.Dictionary]]:
    """Every structure element as (role, element), depth first."""
    found: list[tuple[str, pikepdf.Dictionary]] = []
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        root = doc.Root.StructTreeRoot

        def walk(element: pikepdf.Object) -> None:
            if isinstance(element, pikepdf.Array):
                for item in element:
                    walk(item)
                return
            if not isinstance(element, pikepdf.Dictionary):
                return
            if "/S" in element and "/P" in element:  # /Type /StructElem is optional
                found.append((str(element.S)[1:], element))
            kids = element.get("/K")
            for kid in kids if isinstance(kids, pikepdf.Array) else [kids]:
                walk(kid)

        walk(root.K)
        # Read what is needed while the file is open.
        return [(role, _plain(element)) for role, element in found]


def _plain(element: pikepdf.Dictionary) -> pikepdf.Dictionary:
    summary = pikepdf.Dictionary()
    for key in ("/Alt", "/A"):
        if key in element:
            summary[key] = pikepdf.String(str(element[key])) if key == "/Alt" else element[key]
    kids = element.get("/K")
    kids = kids if isinstance(kids, pikepdf.Array) else [kids]
    summary.OBJR = len(
        [k for k in kids if isinstance(k, pikepdf.Dictionary) and k.get("/Type") == "/OBJR"]
    )
    return summary


def claims(pdf: bytes) -> tuple[str, str | None]:
    with pikepdf.open(io.BytesIO(pdf)) as doc, doc.open_metadata() as meta:
        return meta.pdfa_status, meta.get("pdfuaid:part")


def assert_valid(pdf: bytes, profiles: list[str]) -> None:
    for profile in profiles:
        report = page.validate_pdf_bytes(pdf, profile=profile)
        failures = [(f.rule_id, f.message) for f in report.failures]
        assert report.is_compliant, (profile, failures)


def assert_outloud_passes(pdf: bytes, tmp_path: Path) -> None:
    path = tmp_path / "checked.pdf"
    path.write_bytes(pdf)
    outloud = installed_tool("outloud")
    assert outloud, "outloud is installed with the test extra"
    result = subprocess.run(
        [outloud, "--fail-on", "warning", str(path)], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("letter_path", EXAMPLES, ids=lambda p: p.stem)
def test_example_letters_pass_independent_checkers(letter_path: Path, tmp_path: Path) -> None:
    letter = letterpress.load(letter_path)
    warnings: list[Problem] = []
    pdf = letterpress.render(letter, warnings=warnings)
    appended = any(a.file for a in letter.attachments)
    status, ua = claims(pdf)
    if appended:
        assert (status, ua) == ("2B", None)
        assert any("PDF/A-2b" in w.message for w in warnings)
        assert_valid(pdf, ["PDF_A_2B"])
    else:
        assert (status, ua) == ("2A", "1")
        assert_valid(pdf, ["PDF_A_2A", "PDF_UA_1"])
        assert_outloud_passes(pdf, tmp_path)


def test_every_body_construct_is_tagged_and_valid(tmp_path: Path) -> None:
    path = write_letter(tmp_path, body=EVERY_CONSTRUCT)
    pdf = letterpress.render(letterpress.load(path))
    assert_valid(pdf, ["PDF_A_2A", "PDF_UA_1"])
    assert_outloud_passes(pdf, tmp_path)
    roles = [role for role, _ in structure(pdf)]
    assert roles[0] == "Document" and roles.count("H1") == 1
    assert roles.count("H2") == 1 and roles.count("H3") == 1 and roles.count("H4") == 1
    # Two body lists, a nested one, and the reference block is a table.
    assert roles.count("L") == 3
    assert roles.count("LI") == 5 and roles.count("Lbl") == 5 and roles.count("LBody") == 5
    assert roles.count("BlockQuote") == 1
    assert roles.count("Table") == 2 and roles.count("TH") == 2 + 5 and roles.count("TD") == 4 + 5


def test_structure_carries_alt_text_scope_and_link_objects(tmp_path: Path) -> None:
    signature = LETTERS / "signatures" / "ingrid-haugen.png"
    path = write_letter(
        tmp_path,
        body=EVERY_CONSTRUCT,
        signatories=[{"name": "Ingrid Haugen", "signature": str(signature)}],
    )
    elements = structure(letterpress.render(letterpress.load(path)))
    figures = [str(e["/Alt"]) for role, e in elements if role == "Figure"]
    assert figures == ["KS logo", "Signaturen til Ingrid Haugen"]
    scopes = {str(e["/A"]["/Scope"]) for role, e in elements if role == "TH"}
    assert scopes == {"/Column", "/Row"}
    links = [e for role, e in elements if role == "Link"]
    assert links and all(int(e.OBJR) >= 1 for e in links)


def test_headings_follow_the_letters_own_levels(tmp_path: Path) -> None:
    path = write_letter(tmp_path, body="### Bakgrunn\n\nTekst.\n\n#### Detaljer\n\nMer tekst.\n")
    roles = [role for role, _ in structure(letterpress.render(letterpress.load(path)))]
    # The body's top level (###) sits right under the title (H1).
    assert roles.count("H2") == 1 and roles.count("H3") == 1


def test_untagged_output_when_pdfa_is_off(tmp_path: Path) -> None:
    path = write_letter(tmp_path)
    pdf = letterpress.render(letterpress.load(path), letterpress.Options(pdfa=False))
    status, ua = claims(pdf)
    assert status == "" and ua is None

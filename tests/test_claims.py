"""Every letter meets the PDF/A and PDF/UA claim it makes, whatever its text: streams that end in
CR, font subsets that share a tag, and what ``verify`` says about both claims."""

from __future__ import annotations

import io
import re
import zlib
from pathlib import Path

import page
import pikepdf
import yaml
from conftest import write_letter

import letterpress
from letterpress.finish.pdfa import CR_BEFORE_ENDSTREAM, make_pdfa, save_pdf
from letterpress.reading.merge import expand


def merge_letter(folder: Path, count: int) -> Path:
    rows = [
        {
            "name": f"Lag nummer {number}",
            "address": [f"Vegen {number}", "6900 FJORDVIK"],
            "belop": f"{1000 + number * 37} kr",
        }
        for number in range(count)
    ]
    path = write_letter(
        folder,
        recipients=rows,
        title="Tilskudd til {{ recipient.name }}",
        body="Dere får {{ recipient.belop }} i tilskudd.\n",
    )
    data = yaml.safe_load(path.read_text("utf-8"))
    del data["recipient"]
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8")
    return path


def test_no_stream_of_many_merge_letters_ends_in_cr(tmp_path: Path) -> None:
    """About one stream in 256 deflates to data ending in CR, which PDF/A validators read as
    a wrong /Length. Each of 300 letters is checked, and more are made until one of them had
    a stream that needed mending, which is then validated."""
    mended: bytes | None = None
    for number, merged in enumerate(expand(letterpress.load(merge_letter(tmp_path, 1500)))):
        if number >= 300 and mended is not None:
            break
        pdf = letterpress.render(merged.letter)
        assert CR_BEFORE_ENDSTREAM not in pdf, merged.stem
        if mended is None and b"/ASCII85Decode" in pdf:
            mended = pdf
    assert mended is not None, "no stream of these letters ended in CR: the case was not met"
    report = page.validate_pdf_bytes(mended, profile="PDF_A_2A")
    assert report.is_compliant, [(f.rule_id, f.message) for f in report.failures]


def content_deflating_to_cr() -> bytes:
    """A page content stream whose deflated form ends in CR."""
    return next(
        text
        for number in range(10_000)
        if zlib.compress(text := f"% {number}\n0 0 m 10 10 l S\n".encode()).endswith(b"\r")
    )


def _pdf_with_stream(data: bytes) -> pikepdf.Pdf:
    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.pages[0].obj.Contents = pdf.make_stream(data, Filter=pikepdf.Name.FlateDecode)
    return pdf


def test_a_stream_ending_in_cr_is_saved_so_validators_read_its_length() -> None:
    content = content_deflating_to_cr()
    pdf = _pdf_with_stream(zlib.compress(content))
    make_pdfa(pdf, conformance="B")
    data = save_pdf(pdf, deterministic=True)
    assert CR_BEFORE_ENDSTREAM not in data
    with pikepdf.open(io.BytesIO(data)) as reread:
        assert reread.pages[0].Contents.read_bytes() == content
    report = page.validate_pdf_bytes(data, profile="PDF_A_2B")
    assert report.is_compliant, [(f.rule_id, f.message) for f in report.failures]


def test_save_refuses_to_write_a_stream_ending_in_cr(monkeypatch) -> None:
    """The last check before a letter is written: a stream that ends in CR anyway (here because
    the mending is switched off) is an error, not a file that fails its PDF/A claim."""
    import pytest

    from letterpress.finish import pdfa

    content = content_deflating_to_cr()
    pdf = _pdf_with_stream(zlib.compress(content))
    make_pdfa(pdf, conformance="B")
    monkeypatch.setattr(pdfa, "end_streams_without_cr", lambda pdf: None)
    with pytest.raises(ValueError, match="ends in CR"):
        save_pdf(pdf, deterministic=True)


# --- subset tags ----------------------------------------------------------------------------

SUBSET = re.compile(r"^([A-Z]{6})\+(.+)$")


def subset_names(pdf: bytes) -> dict[str, set[bytes]]:
    """Every subset font name in the file and the font programs that carry it."""
    found: dict[str, set[bytes]] = {}
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        for obj in doc.objects:
            if not isinstance(obj, pikepdf.Dictionary) or obj.get("/Type") != "/FontDescriptor":
                continue
            program = next(
                (obj[k] for k in ("/FontFile2", "/FontFile3", "/FontFile") if k in obj), None
            )
            name = str(obj.FontName)[1:]
            if program is not None and SUBSET.match(name):
                found.setdefault(name, set()).add(program.read_bytes())
    return found


def test_subset_tags_differ_between_different_subsets_also_of_appended_pdfs(
    tmp_path: Path,
) -> None:
    # The appended PDF is itself a letter: the same font, other glyphs, so another subset.
    inner = letterpress.render(letterpress.load(write_letter(tmp_path, "inner.yaml")))
    (tmp_path / "inner.pdf").write_bytes(inner)
    outer = write_letter(
        tmp_path,
        "outer.yaml",
        body="Quizzical jackdaws vex my big sphinx of quartz.\n",
        attachments=[{"title": "Vedlegg", "file": "inner.pdf"}],
    )
    pdf = letterpress.render(letterpress.load(outer))
    names = subset_names(pdf)
    families = [SUBSET.match(name).group(2) for name in names]
    assert len(families) > len(set(families)), "both files' subsets of one font are there"
    for name, programs in names.items():
        assert len(programs) == 1, f"{name} names {len(programs)} different subsets"


def test_a_tag_names_one_subset_across_letters(tmp_path: Path) -> None:
    """Letters joined into one file (``build --combined``) keep distinct tags for distinct
    subsets without renaming anything: the tag is the subset's own."""
    letters = [
        letterpress.render(letterpress.load(write_letter(tmp_path, name, body=body)))
        for name, body in (
            ("a.yaml", "Vi viser til søknaden.\n"),
            ("b.yaml", "Vi viser til søknaden.\n"),
            ("c.yaml", "Zebra quiz, 123!\n"),
        )
    ]
    assert set(subset_names(letters[0])) == set(subset_names(letters[1]))
    assert set(subset_names(letters[0])) != set(subset_names(letters[2]))
    programs: dict[str, set[bytes]] = {}
    for pdf in letters:
        for name, found in subset_names(pdf).items():
            programs.setdefault(name, set()).update(found)
    assert all(len(found) == 1 for found in programs.values()), programs.keys()


# --- what verify says about the claims ------------------------------------------------------


def run_verify(*args: str | Path):
    import subprocess
    import sys

    return subprocess.run(
        [sys.executable, "-m", "letterpress", "verify", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_verify_passes_an_unsigned_letter_that_meets_both_claims(tmp_path: Path) -> None:
    path = tmp_path / "letter.pdf"
    path.write_bytes(letterpress.render(letterpress.load(write_letter(tmp_path))))

    result = run_verify(path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "PDF/A: claims PDF/A-2A, meets it" in result.stdout
    assert "PDF/UA: claims PDF/UA-1, meets it" in result.stdout
    assert "signature: none (the file is not signed)" in result.stdout

    required = run_verify(path, "--require-signature")
    assert required.returncode == 1
    assert f"{path}: FAILED" in required.stdout
    assert "not signed and --require-signature was given" in required.stdout


def test_verify_checks_the_pdfua_claim_not_believes_it(tmp_path: Path) -> None:
    from letterpress.checks.verify import verify

    pdf = letterpress.render(letterpress.load(write_letter(tmp_path)))
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        # The logo loses its alternative text: PDF/A-2a does not ask for it, PDF/UA-1 does.
        for obj in doc.objects:
            if isinstance(obj, pikepdf.Dictionary) and obj.get("/S") == "/Figure":
                del obj.Alt
        out = io.BytesIO()
        doc.save(out)
    path = tmp_path / "no-alt.pdf"
    path.write_bytes(out.getvalue())

    result = verify(path, [])
    assert result.pdfua_claim == "PDF/UA-1" and result.pdfua_meets is False
    assert result.pdfa_meets is True and not result.ok
    assert result.pdfua_problems
    printed = run_verify(path)
    assert printed.returncode == 1
    assert "PDF/UA: claims PDF/UA-1, does NOT meet it" in printed.stdout


def test_combined_merge_output_keeps_one_subset_per_tag(tmp_path: Path) -> None:
    from conftest import LETTERS

    built = run_build(LETTERS / "tilskudd-kulturmidler.yaml", "--combined", "-o", tmp_path)
    assert built.returncode == 0, built.stderr
    names = subset_names((tmp_path / "tilskudd-kulturmidler.pdf").read_bytes())
    families = {SUBSET.match(name).group(2) for name in names}
    assert len(names) > len(families), "several letters' subsets of one font are in the file"
    assert all(len(programs) == 1 for programs in names.values()), names.keys()


def run_build(*args: str | Path):
    import subprocess
    import sys

    return subprocess.run(
        [sys.executable, "-m", "letterpress", "build", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=300,
    )

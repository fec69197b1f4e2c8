"""Appended PDFs made to harm: cycles, deep nesting, actions hidden where the page walk does
not look, LZW and external streams. Each is found the same way by ``check`` and ``build``,
as a problem of the letter at the line that names the file, within the limits."""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path

import page
import pikepdf
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from pikepdf import Array, Dictionary, Name
from test_batch import write_letter

import letterpress
from letterpress import limits
from letterpress.cli import main
from letterpress.errors import LetterError
from letterpress.finish.attachments import append_attachments


def line_of(path: Path, text: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if text in line)


def with_attachment(folder: Path, name: str, pdf: Path) -> Path:
    return write_letter(folder, name, attachments=[{"title": "Skjema", "file": pdf.name}])


def one_page(draw: bytes = b"0 0 m 100 100 l S") -> pikepdf.Pdf:
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(595, 842))
    pdf.pages[0].Contents = pdf.make_stream(draw)
    return pdf


def form(pdf: pikepdf.Pdf, resources: Dictionary, data: bytes = b"0 0 m 1 1 l S") -> pikepdf.Object:
    stream = pikepdf.Stream(pdf, data)
    stream.Type, stream.Subtype = Name.XObject, Name.Form
    stream.BBox = Array([0, 0, 10, 10])
    stream.Resources = resources
    return pdf.make_indirect(stream)


def deep_forms(path: Path, levels: int = 3000) -> Path:
    """Form XObjects each drawing the next, ``levels`` deep."""
    with one_page(b"/X Do") as pdf:
        inner = form(pdf, Dictionary())
        for _ in range(levels):
            inner = form(pdf, Dictionary(XObject=Dictionary(X=inner)), b"/X Do")
        pdf.pages[0].Resources = Dictionary(XObject=Dictionary(X=inner))
        pdf.save(path)
    return path


def deep_patterns(path: Path, levels: int = 3000) -> Path:
    with one_page() as pdf:
        inner: pikepdf.Object | None = None
        for _ in range(levels):
            res = Dictionary(Pattern=Dictionary(P=inner)) if inner is not None else Dictionary()
            pattern = pikepdf.Stream(pdf, b"0 0 m 1 1 l S")
            pattern.PatternType, pattern.PaintType, pattern.TilingType = 1, 1, 1
            pattern.BBox, pattern.XStep, pattern.YStep = Array([0, 0, 1, 1]), 1, 1
            pattern.Resources = res
            inner = pdf.make_indirect(pattern)
        pdf.pages[0].Resources = Dictionary(Pattern=Dictionary(P=inner))
        pdf.save(path)
    return path


def cyclic_name_tree(path: Path) -> Path:
    """An /EmbeddedFiles node listing itself twice: 2^depth visits for a walk without memory."""
    with one_page() as pdf:
        node = pdf.make_indirect(Dictionary())
        node.Kids = Array([node, node])
        pdf.Root.Names = Dictionary(EmbeddedFiles=node)
        pdf.save(path)
    return path


@pytest.mark.timeout(60)
def test_deep_forms_fail_their_letter_alone_in_build_and_check(tmp_path: Path, capsys) -> None:
    deep_forms(tmp_path / "skjema.pdf")
    bad = with_attachment(tmp_path, "a.yaml", tmp_path / "skjema.pdf")
    write_letter(tmp_path, "b.yaml")
    out = tmp_path / "ut"
    expected = (
        f"{bad}:{line_of(bad, 'file:')}: attachments.0.file: {tmp_path / 'skjema.pdf'} nests "
        f"forms, patterns or Type 3 fonts more than {limits.MAX_PDF_NESTING} levels deep"
    )
    assert main(["check", str(tmp_path)]) == 1
    captured = capsys.readouterr()
    assert expected in captured.err and "Traceback" not in captured.err
    assert main(["build", str(tmp_path), "-o", str(out), "-j", "1"]) == 1
    captured = capsys.readouterr()
    assert expected in captured.err and "bug" not in captured.err
    assert sorted(p.name for p in out.iterdir()) == ["b.pdf"]


def test_deep_patterns_are_refused(tmp_path: Path) -> None:
    path = deep_patterns(tmp_path / "monster.pdf")
    with pikepdf.new() as pdf, pytest.raises(LetterError) as caught:
        append_attachments(pdf, [path], strict=False)
    assert "levels deep" in caught.value.problems[0].message


@pytest.mark.timeout(60)
def test_a_cyclic_name_tree_is_walked_once(tmp_path: Path) -> None:
    cyclic_name_tree(tmp_path / "skjema.pdf")
    letter = with_attachment(tmp_path, "a.yaml", tmp_path / "skjema.pdf")
    started = time.perf_counter()
    assert main(["build", str(letter), "-o", str(tmp_path / "ut"), "-j", "1"]) == 0
    assert time.perf_counter() - started < 30


def test_a_jpeg_named_as_an_attachment_is_found_by_check(tmp_path: Path, capsys) -> None:
    from PIL import Image

    Image.new("RGB", (20, 20), "white").save(tmp_path / "foto.jpg")
    letter = with_attachment(tmp_path, "a.yaml", tmp_path / "foto.jpg")
    assert main(["check", str(letter)]) == 1
    assert (
        f"{letter}:{line_of(letter, 'file:')}: attachments.0.file: {tmp_path / 'foto.jpg'} is "
        "not a PDF"
    ) in capsys.readouterr().err


# Random object graphs ------------------------------------------------------------------------

KINDS = ("form", "pattern", "type3", "names", "field", "action")


@st.composite
def object_graphs(draw: st.DrawFn) -> tuple[list[str], list[list[int]], int]:
    """Objects of random kinds, each pointing at random others (itself included), and a
    chain of forms of random depth on top."""
    count = draw(st.integers(1, 12))
    kinds = draw(st.lists(st.sampled_from(KINDS), min_size=count, max_size=count))
    edges = [draw(st.lists(st.integers(0, count - 1), max_size=3)) for _ in range(count)]
    depth = draw(st.sampled_from([0, 5, limits.MAX_PDF_NESTING - 3, limits.MAX_PDF_NESTING + 5]))
    return kinds, edges, depth


def graph_pdf(path: Path, kinds: list[str], edges: list[list[int]], depth: int) -> Path:
    with one_page(b"/X0 Do") as pdf:
        objects = [pdf.make_indirect(_empty(pdf, kind)) for kind in kinds]
        for obj, kind, targets in zip(objects, kinds, edges, strict=True):
            _link(obj, kind, [objects[t] for t in targets])
        top: pikepdf.Object = objects[0]
        for _ in range(depth):
            top = form(pdf, Dictionary(XObject=Dictionary(X=top)), b"/X Do")
        xobjects = Dictionary(X0=top)
        pdf.pages[0].Resources = Dictionary(
            XObject=xobjects, Pattern=Dictionary({f"/P{i}": o for i, o in enumerate(objects)})
        )
        names = [o for o, k in zip(objects, kinds, strict=True) if k == "names"]
        if names:
            pdf.Root.Names = Dictionary(EmbeddedFiles=names[0])
        fields = [o for o, k in zip(objects, kinds, strict=True) if k == "field"]
        if fields:
            pdf.Root.AcroForm = Dictionary(Fields=Array(fields))
        actions = [o for o, k in zip(objects, kinds, strict=True) if k == "action"]
        if actions:
            link = Dictionary(Type=Name.Annot, Subtype=Name.Link, Rect=Array([0, 0, 9, 9]))
            link.A = actions[0]
            pdf.pages[0].Annots = Array([link])
        pdf.save(path)
    return path


def _empty(pdf: pikepdf.Pdf, kind: str) -> pikepdf.Object:
    if kind in ("form", "pattern"):
        stream = pikepdf.Stream(pdf, b"0 0 m 1 1 l S")
        stream.BBox = Array([0, 0, 1, 1])
        if kind == "form":
            stream.Type, stream.Subtype = Name.XObject, Name.Form
        else:
            stream.PatternType, stream.PaintType, stream.TilingType = 1, 1, 1
            stream.XStep, stream.YStep = 1, 1
        return stream
    if kind == "type3":
        return Dictionary(Type=Name.Font, Subtype=Name.Type3)
    return Dictionary()


def _link(obj: pikepdf.Object, kind: str, targets: list[pikepdf.Object]) -> None:
    if kind in ("form", "pattern", "type3"):
        obj.Resources = Dictionary(
            XObject=Dictionary({f"/X{i}": t for i, t in enumerate(targets)}),
            Pattern=Dictionary({f"/P{i}": t for i, t in enumerate(targets)}),
            Font=Dictionary({f"/F{i}": t for i, t in enumerate(targets)}),
        )
    elif kind == "names":
        obj.Kids = Array(targets)
    elif kind == "action":
        # Allowed actions chained to each other, maybe in a cycle, maybe to one that is not.
        obj.S, obj.N = Name.Named, Name.NextPage
        obj.Next = Array(targets)
    else:
        obj.Kids = Array(targets)
        obj.Parent = targets[0] if targets else obj
        obj.AA = Dictionary(K=Dictionary(S=Name.JavaScript, JS="app.alert(1)"))


@settings(
    max_examples=40,
    deadline=timedelta(seconds=20),
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(graph=object_graphs())
@example(graph=(["action"], [[0, 0]], 0))  # /Next listing itself twice: 2^32 visits before
@example(graph=(["names"], [[0, 0]], 0))  # the same for a name tree
def test_any_object_graph_is_appended_or_refused_within_the_limits(
    tmp_path: Path, graph: tuple[list[str], list[list[int]], int]
) -> None:
    path = graph_pdf(tmp_path / "graf.pdf", *graph)
    started = time.perf_counter()
    with pikepdf.new() as pdf:
        try:
            append_attachments(pdf, [path], strict=False)
        except LetterError as error:
            assert all("levels deep" in p.message for p in error.problems), error
            assert graph[2] > limits.MAX_PDF_NESTING - 3
        else:
            assert b"app.alert" not in _saved(pdf)
    assert time.perf_counter() - started < 10


def _saved(pdf: pikepdf.Pdf) -> bytes:
    import io

    out = io.BytesIO()
    pdf.save(out, compress_streams=False, object_stream_mode=pikepdf.ObjectStreamMode.disable)
    return out.getvalue()


# Actions and streams PDF/A forbids ---------------------------------------------------------


def javascript_field(path: Path) -> Path:
    """A text field whose parent field runs JavaScript on every key press (/AA /K)."""
    with one_page() as pdf:
        appearance = form(pdf, Dictionary())
        parent = pdf.make_indirect(
            Dictionary(
                FT=Name.Tx,
                T=pikepdf.String("navn"),
                AA=Dictionary(K=Dictionary(S=Name.JavaScript, JS=pikepdf.String("app.alert(1)"))),
            )
        )
        widget = pdf.make_indirect(
            Dictionary(
                Type=Name.Annot,
                Subtype=Name.Widget,
                Rect=Array([100, 700, 300, 720]),
                F=4,
                Parent=parent,
                AP=Dictionary(N=appearance),
                T=pikepdf.String("del"),
            )
        )
        parent.Kids = Array([widget])
        pdf.pages[0].Annots = Array([widget])
        pdf.Root.AcroForm = Dictionary(Fields=Array([parent]))
        pdf.save(path)
    return path


def lzw(data: bytes) -> bytes:
    """``data`` as LZW codes of 9 bits, one per byte, the table cleared before it grows."""
    codes: list[int] = []
    for start in range(0, len(data), 200):
        codes += [256, *data[start : start + 200]]
    codes.append(257)
    bits = "".join(f"{code:09b}" for code in codes)
    bits += "0" * (-len(bits) % 8)
    return int(bits, 2).to_bytes(len(bits) // 8, "big")


def lzw_page(path: Path) -> Path:
    with one_page() as pdf:
        content = pdf.pages[0].Contents
        content.write(lzw(b"0.2 0.4 0.6 rg 100 100 200 200 re f"), filter=Name.LZWDecode)
        pdf.save(path, stream_decode_level=pikepdf.StreamDecodeLevel.none, compress_streams=False)
    assert b"/LZWDecode" in path.read_bytes()
    return path


def external_stream(path: Path) -> Path:
    with one_page(b"/X Do") as pdf:
        extern = form(pdf, Dictionary())
        extern.F = pikepdf.String("tegning.bin")
        pdf.pages[0].Resources = Dictionary(XObject=Dictionary(X=extern))
        pdf.save(path)
    return path


def forbidden_objects(pdf_path: Path) -> list[str]:
    found = []
    with pikepdf.open(pdf_path) as pdf:
        for obj in pdf.objects:
            if not isinstance(obj, Dictionary | pikepdf.Stream):
                continue
            if "/AA" in obj or "/JS" in obj:
                found.append("action")
            if isinstance(obj, pikepdf.Stream) and "LZW" in str(obj.get("/Filter", "")):
                found.append("lzw")
    return found


@pytest.mark.parametrize("make", [javascript_field, lzw_page])
def test_actions_and_lzw_are_removed_and_the_claim_holds(tmp_path: Path, make, capsys) -> None:
    make(tmp_path / "skjema.pdf")
    letter = with_attachment(tmp_path, "a.yaml", tmp_path / "skjema.pdf")
    out = tmp_path / "ut"
    assert main(["build", str(letter), "-o", str(out), "--strict-archive", "-j", "1"]) == 0
    err = capsys.readouterr().err
    assert f"{letter}:{line_of(letter, 'file:')}: warning: attachments.0.file: " in err
    assert "mended for PDF/A-2b" in err
    assert forbidden_objects(out / "a.pdf") == []
    report = page.validate_pdf_bytes(
        (out / "a.pdf").read_bytes(), profile=page.ValidationProfile.PDF_A_2B
    )
    assert report.is_compliant, [f.message for f in report.failures]


def test_an_external_stream_drops_the_claim_or_fails_when_strict(tmp_path: Path, capsys) -> None:
    external_stream(tmp_path / "skjema.pdf")
    letter = with_attachment(tmp_path, "a.yaml", tmp_path / "skjema.pdf")
    out = tmp_path / "ut"
    where = f"{letter}:{line_of(letter, 'file:')}"
    assert main(["build", str(letter), "-o", str(out), "--strict-archive", "-j", "1"]) == 1
    err = capsys.readouterr().err
    assert f"{where}: attachments.0.file: {tmp_path / 'skjema.pdf'} uses external streams" in err
    assert not out.exists() or list(out.iterdir()) == []
    assert main(["build", str(letter), "-o", str(out), "-j", "1"]) == 0
    err = capsys.readouterr().err
    assert f"{where}: warning: attachments.0.file: " in err and "without a PDF/A claim" in err
    with pikepdf.open(out / "a.pdf") as pdf, pdf.open_metadata() as meta:
        assert "pdfaid:part" not in str(meta)


def test_mail_names_the_deep_forms_and_writes_the_other_letters(tmp_path: Path, capsys) -> None:
    deep_forms(tmp_path / "skjema.pdf")
    address = {"name": "Kari Nordmann", "address": ["Storgata 1", "0155 OSLO"],
               "email": "kari@example.no"}
    bad = write_letter(tmp_path, "a.yaml", recipient=address,
                       attachments=[{"title": "Skjema", "file": "skjema.pdf"}])
    write_letter(tmp_path, "b.yaml", recipient=address)
    out = tmp_path / "ut"
    assert main(["mail", str(bad), str(tmp_path / "b.yaml"), "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert f"{bad}:{line_of(bad, 'file:')}: attachments.0.file: " in err
    assert "levels deep" in err and "Traceback" not in err
    assert sorted(p.name for p in out.iterdir()) == ["b.eml"]


def test_an_unforeseen_failure_costs_its_letter_in_every_driver(
    tmp_path: Path, monkeypatch
) -> None:
    # build and mail render through the same worker function; whatever escapes the checks
    # is that letter's problem, named by its file, and the next job is still rendered.
    from letterpress import pipeline
    from letterpress.batch.worker import Job, run
    from letterpress.options import Options

    real = pipeline.render_laid_out

    def render(letter, options=None, warnings=None):
        if letter.title == "Feil":
            raise RecursionError("maximum recursion depth exceeded")
        return real(letter, options, warnings)

    monkeypatch.setattr(pipeline, "render_laid_out", render)
    address = {"name": "Kari Nordmann", "address": ["Storgata 1", "0155 OSLO"]}
    bad = letterpress.load(write_letter(tmp_path, "a.yaml", recipient=address, title="Feil"))
    good = letterpress.load(write_letter(tmp_path, "b.yaml", recipient=address))
    failed = run(Job(1, 1, tmp_path / "a.pdf", bad, keep=tmp_path), Options())
    built = run(Job(2, 1, tmp_path / "b.pdf", good, keep=tmp_path), Options())
    assert [p.message.split(";")[0] for p in failed.problems] == [
        "could not build the letter (RecursionError: maximum recursion depth exceeded)"
    ]
    assert not built.problems and built.kept

"""What the checks against hostile input cost: inspecting an appended PDF before typesetting,
the last look at the finished letter's objects before its PDF/A claim, reading a letterhead
font through with fontTools, and the hostile cases themselves.

    python bench/bench_hardening.py [--repeat 20]

Prints one line a measurement, in milliseconds (median of the repeats).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pikepdf
from pikepdf import Array, Dictionary, Name

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import letterpress  # noqa: E402
from letterpress.errors import LetterError  # noqa: E402
from letterpress.finish.attachments import (  # noqa: E402
    append_attachments,
    archive_faults,
    check_attachments,
)
from letterpress.reading.fonts import _problem, _read_through  # noqa: E402

LETTER = REPO / "letters" / "fjordvik-byggesak-vedtak.yaml"
FONT = REPO / "fonts" / "LiberationSans-Regular.ttf"


def median_ms(run: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def deep_forms(path: Path, levels: int) -> Path:
    with pikepdf.new() as pdf:
        pdf.add_blank_page()
        inner = None
        for _ in range(levels):
            stream = pikepdf.Stream(pdf, b"/X Do" if inner is not None else b"0 0 m 1 1 l S")
            stream.Type, stream.Subtype, stream.BBox = Name.XObject, Name.Form, Array([0, 0, 1, 1])
            stream.Resources = Dictionary(XObject=Dictionary(X=inner)) if inner else Dictionary()
            inner = pdf.make_indirect(stream)
        pdf.pages[0].Resources = Dictionary(XObject=Dictionary(X=inner))
        pdf.save(path)
    return path


def cyclic_names(path: Path) -> Path:
    with pikepdf.new() as pdf:
        pdf.add_blank_page()
        node = pdf.make_indirect(Dictionary())
        node.Kids = Array([node, node])
        pdf.Root.Names = Dictionary(EmbeddedFiles=node)
        pdf.save(path)
    return path


def appended(path: Path) -> None:
    with pikepdf.new() as pdf, contextlib.suppress(LetterError):  # refused: also measured
        append_attachments(pdf, [path], strict=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    repeat = parser.parse_args().repeat
    letter = letterpress.load(LETTER)
    finished = letterpress.render(letter)
    with pikepdf.open(io.BytesIO(finished)) as pdf:
        objects = len(pdf.objects)
        faults = median_ms(lambda: archive_faults(pdf), repeat)
    rows = [
        ("inspect the seed's attachment before typesetting", median_ms(
            lambda: check_attachments(letter, strict=False), repeat)),
        (f"look at the finished letter's {objects} objects before the claim", faults),
        ("render the letter, for scale", median_ms(lambda: letterpress.render(letter), 5)),
        ("read a letterhead font through with fontTools", median_ms(
            lambda: _read_through(FONT, FONT.read_bytes()), 3)),
        ("the same font again in a later run (its marker is cached)", median_ms(
            lambda: _problem.__wrapped__(FONT, 0, 0), repeat)),
    ]
    with tempfile.TemporaryDirectory() as folder:
        deep = deep_forms(Path(folder) / "deep.pdf", 3000)
        cycle = cyclic_names(Path(folder) / "cycle.pdf")
        rows.append(("refuse 3,000 nested forms", median_ms(lambda: appended(deep), 3)))
        rows.append(("append a cyclic name tree", median_ms(lambda: appended(cycle), repeat)))
    width = max(len(name) for name, _ in rows)
    for name, ms in rows:
        print(f"{name:<{width}}  {ms:8.1f} ms")


if __name__ == "__main__":
    main()

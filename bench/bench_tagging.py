"""What tagging (PDF/UA structure) costs per letter: the seed letter rendered with and without
its marked content and structure tree, in the same process, interleaved.

    python bench/bench_tagging.py [--count 200]

"Untagged" replaces the painter's marked-content operators and the finish stage's structure
tree with nothing; both variants skip the PDF/A claim (level A needs the tags), so the only
difference is tagging. Times are CPU time per letter, median of ``--count`` runs of each. The
goal is that tagging adds at most 20 % to the build time.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
import time
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import letterpress  # noqa: E402
from letterpress import finish  # noqa: E402
from letterpress.layout import painter  # noqa: E402

SEED = REPO / "letters" / "ks-storbynettverk-innspill.yaml"
GOAL = 0.20


@contextlib.contextmanager
def untagged() -> Iterator[None]:
    """Render without marked content and without a structure tree."""
    saved = (painter._open, painter.Canvas.addLiteral, finish.write_structure)

    def open_nothing(canvas, node, marks) -> None:
        return None

    def literal(canvas, text, escaped=1) -> None:
        if text not in ("EMC", "/Artifact BMC"):
            saved[1](canvas, text, escaped)

    painter._open = open_nothing
    painter.Canvas.addLiteral = literal
    finish.write_structure = lambda pdf, painted: None
    try:
        yield
    finally:
        painter._open, painter.Canvas.addLiteral, finish.write_structure = saved


def cpu_ms(letter: letterpress.model.Letter, options: letterpress.Options) -> float:
    started = time.process_time()
    letterpress.render(letter, options)
    return (time.process_time() - started) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=200)
    args = parser.parse_args()
    letter = letterpress.load(SEED)
    options = letterpress.Options(pdfa=False)
    for _ in range(5):  # warm caches: fonts, hyphenation, images
        cpu_ms(letter, options)
    tagged: list[float] = []
    plain: list[float] = []
    for _ in range(args.count):
        tagged.append(cpu_ms(letter, options))
        with untagged():
            plain.append(cpu_ms(letter, options))
    with_tags, without = statistics.median(tagged), statistics.median(plain)
    added = with_tags / without - 1
    print(f"seed letter, median of {args.count} (CPU ms per letter)")
    print(f"  untagged        {without:7.2f}")
    print(f"  tagged          {with_tags:7.2f}")
    print(
        f"  tagging adds    {added:7.1%}   (goal <= {GOAL:.0%}: "
        f"{'met' if added <= GOAL else 'not met'})"
    )


if __name__ == "__main__":
    main()

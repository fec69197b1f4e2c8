"""The Typst anchor: the benchmark letter set by Typst (``bench/typst/letter.typ``).

One :class:`TypstAnchor` holds one ``typst.Compiler`` for the whole process, so fonts are
loaded once and Typst's memoisation works across letters, as a long-running Typst service
would use it. Each letter's data goes in as JSON through ``sys.inputs.letter``. The output is
tagged PDF/A-2a with PDF/UA-1, the same class of file letterpress writes by default.

Run it alone to write the seed letter: ``python bench/typst_anchor.py -o seed-typst.pdf``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import typst
from workload import FONTS, REPO, LetterData, seed_data

TEMPLATE = Path(__file__).resolve().parent / "typst" / "letter.typ"
STANDARDS = ["a-2a", "ua-1"]
# A fixed creation date keeps the output identical from run to run (like SOURCE_DATE_EPOCH).
TIMESTAMP = 1_663_027_200


class TypstAnchor:
    """Render letters with one reused Typst compiler."""

    def __init__(self) -> None:
        self.compiler = typst.Compiler(
            TEMPLATE, root=REPO, font_paths=[FONTS], ignore_system_fonts=True
        )

    def render(self, letter: LetterData) -> bytes:
        """The PDF of ``letter``."""
        pdf = self.compiler.compile(
            sys_inputs={"letter": json.dumps(letter, ensure_ascii=False)},
            format="pdf",
            pdf_standards=STANDARDS,
            timestamp=TIMESTAMP,
        )
        assert isinstance(pdf, bytes)
        return pdf


def main() -> None:
    """Write the seed letter as set by Typst."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--output", default="seed-typst.pdf", type=Path)
    args = parser.parse_args()
    args.output.write_bytes(TypstAnchor().render(seed_data()))


if __name__ == "__main__":
    main()

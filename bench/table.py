"""Results of a benchmark run as a plain-text table with ratios to the anchors."""

from __future__ import annotations

from dataclasses import dataclass, field

COLUMNS = ("typst", "reportlab", "letterpress")
HEADINGS = ("Typst", "ReportLab", "letterpress", "RL/Typst", "LP/Typst", "LP/RL")
REASON_WIDTH = 44


@dataclass
class Cell:
    """One engine's figure for one workload: a value, the spread over rounds, or why not."""

    value: float | None = None
    low: float | None = None
    high: float | None = None
    missing: str = ""

    def text(self, digits: int) -> str:
        if self.value is None:
            return f"n/a ({short(self.missing)})" if self.missing else "–"
        shown = f"{self.value:.{digits}f}"
        if self.low is not None and self.high is not None and self.high > self.low:
            shown += f" ({self.low:.{digits}f}–{self.high:.{digits}f})"
        return shown


@dataclass
class Row:
    """A workload and its cells, keyed by engine."""

    label: str
    cells: dict[str, Cell] = field(default_factory=dict)
    digits: int = 1
    ratios: bool = True

    def cell(self, engine: str) -> Cell:
        return self.cells.get(engine, Cell())

    def ratio(self, top: str, bottom: str) -> str:
        a, b = self.cell(top).value, self.cell(bottom).value
        return f"{a / b:.2f}×" if self.ratios and a is not None and b else "–"


def short(reason: str, width: int = REASON_WIDTH) -> str:
    """A reason cut to fit a cell; :func:`notes` prints it whole."""
    return reason if len(reason) <= width else reason[: width - 1] + "…"


def notes(rows: list[Row]) -> list[str]:
    """Every reason for an n/a that had to be cut in the table, in full."""
    found = []
    for row in rows:
        for engine in COLUMNS:
            reason = row.cell(engine).missing
            if row.cell(engine).value is None and len(reason) > REASON_WIDTH:
                found.append(f"{engine}, {row.label}: n/a ({reason})")
    return found


def render(rows: list[Row]) -> str:
    """The table, aligned in columns; the letterpress column may hold long n/a reasons."""
    lines = [
        [row.label, *(row.cell(c).text(row.digits) for c in COLUMNS),
         row.ratio("reportlab", "typst"), row.ratio("letterpress", "typst"),
         row.ratio("letterpress", "reportlab")]
        for row in rows
    ]
    table = [["workload", *HEADINGS], *lines]
    widths = [max(len(line[i]) for line in table) for i in range(len(table[0]))]
    out = []
    for number, line in enumerate(table):
        out.append("  ".join(_align(text, width, i) for i, (text, width) in
                             enumerate(zip(line, widths, strict=True))).rstrip())
        if number == 0:
            out.append("  ".join("-" * width for width in widths))
    return "\n".join(out + notes(rows))


def _align(text: str, width: int, column: int) -> str:
    return text.ljust(width) if column == 0 else text.rjust(width)

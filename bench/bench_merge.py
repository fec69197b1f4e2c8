"""Recipients files and the print file: time and memory of a large merge.

Writes a recipients list with Norwegian headings (Navn;Adresse;Postnr;Poststed;Beløp) as a CSV
file and as an .xlsx workbook, then for each: the time to open it (header checked, rows
counted), the time to make every letter of the merge (without rendering), and the memory
Python holds while doing so after the first tenth of the rows and at the end (tracemalloc):
flat when the rows are streamed. Then joins copies of one built letter into a print file with
``--duplex`` and prints the time and the size.

    python bench/bench_merge.py [--recipients N] [--letters N]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from letterpress.batch.combine import Printed, combine  # noqa: E402  (after the path is set)
from letterpress.output import write_atomic  # noqa: E402
from letterpress.pipeline import render  # noqa: E402
from letterpress.reading import load  # noqa: E402
from letterpress.reading.merge import prepare  # noqa: E402

LETTERHEAD = ROOT / "letters" / "letterheads" / "ks.yaml"
HEADER = ["Navn", "Adresse", "Postnr", "Poststed", "Beløp"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--letters", type=int, default=1_000, help="letters in the print file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        print(f"{args.recipients:,} recipients, Norwegian headings")
        print(f"{'file':<6} {'open s':>8} {'merge s':>8} {'MB at 10%':>10} {'MB at end':>10}")
        for kind in ("csv", "xlsx"):
            path = _write(folder / f"m.{kind}", args.recipients)
            _measure(kind, _letter(folder, path), args.recipients)
        _print_file(folder, args.letters)
    return 0


def _write(path: Path, count: int) -> Path:
    rows = [[f"Mottaker {i}", f"Vegen {i}", f"{i % 10_000:04d}", "Fjordvik", str(i)]
            for i in range(count)]
    if path.suffix == ".csv":
        lines = [";".join(HEADER)] + [";".join(row) for row in rows]
        path.write_bytes(b"\xef\xbb\xbf" + "\r\n".join(lines).encode("utf-8"))
        return path
    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(HEADER)
    for row in rows:
        sheet.append([row[0], row[1], int(row[2]), row[3], int(row[4])])
    book.save(path)
    return path


def _letter(folder: Path, recipients: Path) -> Path:
    import yaml

    path = folder / f"{recipients.suffix[1:]}.yaml"
    path.write_text(yaml.safe_dump({
        "letterhead": str(LETTERHEAD), "date": "2024-05-02", "recipients": recipients.name,
        "title": "Tilskudd til {{ recipient.Navn }}",
        "body": "Dere får kr {{ recipient.Beløp }}.\n",
    }, allow_unicode=True), encoding="utf-8")
    return path


def _measure(kind: str, path: Path, count: int) -> None:
    letter = load(path)
    started = time.perf_counter()
    merge = prepare(letter)
    opened = time.perf_counter() - started
    started = time.perf_counter()
    for _ in merge:
        pass
    merged = time.perf_counter() - started
    tracemalloc.start()
    early = 0
    try:
        for entry in prepare(letter):
            if entry.index == max(1, count // 10):
                early = tracemalloc.get_traced_memory()[1]
        late = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    print(f"{kind:<6} {opened:>8.2f} {merged:>8.2f} {early / 1e6:>10.2f} {late / 1e6:>10.2f}")


def _print_file(folder: Path, count: int) -> None:
    letter = load(ROOT / "letters" / "ks-storbynettverk-innspill.yaml")
    single = folder / "letter.pdf"
    write_atomic(single, render(letter))
    letters = [Printed(single, f"Mottaker {i}", "0032") for i in range(count)]
    target = folder / "print.pdf"
    started = time.perf_counter()
    findings = combine(letters, target, "bench", duplex=True)
    seconds = time.perf_counter() - started
    size = target.stat().st_size
    print(f"print file: {count:,} letters in {seconds:.1f} s ({seconds / count * 1000:.1f} ms a "
          f"letter, preflight included), {size / 1e6:.1f} MB "
          f"({single.stat().st_size / 1e3:.0f} KB a letter alone), {len(findings)} findings")


if __name__ == "__main__":
    raise SystemExit(main())

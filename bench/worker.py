"""One measurement in a fresh process: an engine, a workload and a count; JSON on stdout.

``bench/run.py`` starts one worker per engine and round, so no engine inherits another's
imports, registered fonts or caches. The worker pins itself to one core before it imports
an engine.

    python bench/worker.py ENGINE distinct|merge|merge-csv|rss COUNT [--warmup N] [--cpu N]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
from pathlib import Path
from typing import Any

from engines import ENGINES, WORKLOADS, Unavailable


def pin(cpu: int | None) -> None:
    """Run this process (and any threads it starts) on one core."""
    if cpu is not None and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {cpu})


def peak_rss(name: str, count: int) -> dict[str, Any]:
    """Render every letter of a ``count``-recipient merge (recipients in a CSV file) and
    report the peak resident memory of the process."""
    from engines import engine, guarded

    subject = engine(name)
    with tempfile.TemporaryDirectory(prefix="lp-bench-") as folder:
        batch = guarded(lambda: subject.batch("merge-csv", count, Path(folder)))
        guarded(batch.setup)
        for call in batch.calls:
            guarded(call)
    # Linux reports ru_maxrss in KiB.
    return {"max_rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}


def measure(name: str, kind: str, count: int, warmup: int) -> dict[str, Any]:
    """Time ``count`` letters of ``kind`` with the engine ``name``."""
    from engines import engine, time_letters

    if kind == "rss":
        return peak_rss(name, count)
    return time_letters(engine(name), kind, count, warmup)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("engine", choices=ENGINES)
    parser.add_argument("kind", choices=(*WORKLOADS, "rss"))
    parser.add_argument("count", type=int)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--cpu", type=int)
    args = parser.parse_args()
    pin(args.cpu)
    try:
        result = measure(args.engine, args.kind, args.count, args.warmup)
    except Unavailable as exc:
        result = {"unavailable": str(exc)}
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()

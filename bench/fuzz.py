"""The properties of ``tests/test_fuzz.py`` run for minutes instead of seconds: a nightly job.

    python bench/fuzz.py [--minutes 5] [--only mapping,unicode] [--round 200]

Each property gets an equal share of the time and runs in rounds of ``--round`` examples,
with fresh random inputs every round, until its share is spent. For each property it prints
the inputs tried, the time taken, and every distinct failure with the smallest input
Hypothesis found for it and the ``@reproduce_failure`` line that replays it; the exit status
is 1 when anything was found. An input found here belongs in ``tests/test_fuzz.py`` as an
``@example`` once it is fixed.
"""

from __future__ import annotations

import argparse
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "tests")]

import test_fuzz  # noqa: E402  (from tests/, after the path is set)
from hypothesis import HealthCheck, given, settings  # noqa: E402


@dataclass
class Outcome:
    """What one property met in its share of the time."""

    name: str
    inputs: int = 0
    rounds: int = 0
    seconds: float = 0.0
    findings: dict[str, str] = field(default_factory=dict)
    """A failure's place in the code (its signature) and how to see it again."""


def run(name: str, budget: float, round_size: int) -> Outcome:
    """Run the property ``name`` in rounds until ``budget`` seconds are spent."""
    check, strategies = test_fuzz.PROPERTIES[name]
    outcome = Outcome(name)
    started, before = time.monotonic(), test_fuzz.TRIED["inputs"]
    while time.monotonic() - started < budget:
        outcome.rounds += 1
        try:
            _round(check, strategies, round_size)()
        except Exception as error:  # a finding: record it and go on looking
            for found in _leaves(error):
                outcome.findings.setdefault(_signature(found), _describe(found))
    outcome.seconds = time.monotonic() - started
    outcome.inputs = test_fuzz.TRIED["inputs"] - before
    return outcome


def _round(check: Callable[..., None], strategies: tuple[Any, ...], size: int) -> Any:
    return settings(
        max_examples=size,
        deadline=None,
        derandomize=False,
        database=None,  # a stored failure would be replayed every round, crowding out search
        print_blob=True,
        suppress_health_check=list(HealthCheck),
    )(given(*strategies)(check))


def _leaves(error: BaseException) -> list[BaseException]:
    """The failures in ``error``: Hypothesis groups distinct ones found in one round."""
    if isinstance(error, BaseExceptionGroup):
        return [leaf for inner in error.exceptions for leaf in _leaves(inner)]
    return [error]


def _signature(error: BaseException) -> str:
    """Where in letterpress (or the property) a failure is raised: one line per distinct bug."""
    frames = traceback.extract_tb(error.__traceback__)
    ours = [f for f in frames if "/letterpress/" in f.filename] or frames
    place = f"{Path(ours[-1].filename).name}:{ours[-1].lineno}" if ours else "?"
    return f"{type(error).__name__} at {place}"


def _describe(error: BaseException) -> str:
    notes = "\n".join(getattr(error, "__notes__", []))
    message = str(error).strip().splitlines()[0] if str(error).strip() else ""
    return f"{type(error).__name__}: {message[:300]}\n{notes}".strip()


def report(outcomes: list[Outcome]) -> str:
    lines = [f"{'property':<10} {'inputs':>8} {'rounds':>7} {'seconds':>8} {'findings':>9}"]
    for o in outcomes:
        lines.append(
            f"{o.name:<10} {o.inputs:>8} {o.rounds:>7} {o.seconds:>8.0f} {len(o.findings):>9}"
        )
    total = sum(o.inputs for o in outcomes)
    seconds = sum(o.seconds for o in outcomes)
    found = sum(len(o.findings) for o in outcomes)
    lines.append(f"{'total':<10} {total:>8} {'':>7} {seconds:>8.0f} {found:>9}")
    for o in outcomes:
        for signature, description in o.findings.items():
            lines += ["", f"== {o.name}: {signature}", description]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=5.0, help="time for all properties")
    parser.add_argument(
        "--only", default=",".join(test_fuzz.PROPERTIES),
        help=f"properties to run (default: all of {', '.join(test_fuzz.PROPERTIES)})",
    )
    parser.add_argument("--round", type=int, default=200, help="examples per round")
    args = parser.parse_args(argv)
    names = [n.strip() for n in args.only.split(",") if n.strip()]
    unknown = [n for n in names if n not in test_fuzz.PROPERTIES]
    if unknown:
        parser.error(f"unknown properties: {', '.join(unknown)}")
    budget = args.minutes * 60 / len(names)
    outcomes = []
    for name in names:
        outcome = run(name, budget, args.round)
        print(f"{name}: {outcome.inputs} inputs in {outcome.seconds:.0f} s, "
              f"{len(outcome.findings)} finding(s)", file=sys.stderr, flush=True)
        outcomes.append(outcome)
    print(report(outcomes))
    return 1 if any(o.findings for o in outcomes) else 0


if __name__ == "__main__":
    sys.exit(main())

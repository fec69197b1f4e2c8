"""``letterpress new``: a commented skeleton letter that builds as it stands."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "new",
        description="Write NAME.yaml, a commented skeleton letter dated today. The letterhead "
        "is the one in the nearest letterheads/ folder when there is exactly one, otherwise a "
        "minimal inline letterhead to fill in. An existing file is never overwritten.",
    )
    parser.add_argument("name", metavar="NAME", help="the letter to write (.yaml is added)")
    parser.add_argument("--letterhead", metavar="PATH", help="letterhead file to use")
    parser.add_argument(
        "--language", choices=("nb", "nn", "en", "se"), default="nb",
        help="bokmål (default), nynorsk, English or North Sámi (labels in North Sámi and bokmål)",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from letterpress.cli import report
    from letterpress.desktop.new import LetterExists, new_letter
    from letterpress.errors import LetterError
    from letterpress.reading import load_letterhead

    if not Path(args.name).name.strip() or Path(args.name).name in (".", ".."):
        report.fail(f"{args.name!r} is not a file name; name the letter, e.g. letterpress new svar")
        return 2
    letterhead = Path(args.letterhead) if args.letterhead else None
    if letterhead is not None and not letterhead.is_file():
        report.fail(f"letterhead file not found: {letterhead}")
        return 1
    try:
        if letterhead is not None:
            load_letterhead(letterhead)  # a broken letterhead is reported now, not at build
        path = new_letter(args.name, letterhead, args.language)
    except LetterError as exc:
        report.problems(exc.problems)
        return 1
    except (LetterExists, FileNotFoundError) as exc:
        report.fail(str(exc))
        return 1
    print(f"wrote {path}; build it with: letterpress build {path}")
    return 0

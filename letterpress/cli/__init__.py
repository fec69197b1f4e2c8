"""cli: the ``letterpress`` command. Each subcommand lives in its own module of this package.

A command module has ``register(subparsers)``, which adds its parser and sets ``run`` to a
function ``run(args) -> int``; ``COMMANDS`` names it with its one-line summary. Only the module
of the command being run is imported, and it imports its heavy dependencies inside ``run``, so
``letterpress --help`` and a single build start fast.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import sys
from collections.abc import Iterator

COMMANDS = {
    "build": "build letters (files or folders) into PDFs",
    "check": "validate letters; writes nothing",
    "mail": "write letters as e-mail messages (.eml) with the PDF attached; --send delivers them",
    "preview": "build a letter and write a PNG of every page",
    "watch": "build a letter and rebuild it on every save, until Ctrl-C",
    "schema": "print the JSON Schema of the letter format, for editors",
    "new": "write a skeleton letter NAME.yaml that builds as it stands",
    "verify": "check the signatures and the PDF/A and PDF/UA claims of finished letters",
    "preflight": "check PDFs for central print and digital mailboxes",
}
"""Every subcommand and the line ``letterpress --help`` shows for it."""


def parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The argument parser. The command ``argv`` names gets its full parser from its module;
    the others are named with their summary only, so a command imports no other command's
    module and ``letterpress --help`` imports none."""
    chosen = argv[0] if argv else None
    from letterpress import __version__

    top = argparse.ArgumentParser(
        prog="letterpress",
        description="Typeset official Norwegian municipal letters from YAML and Markdown.",
    )
    top.add_argument("--version", action="version", version=f"letterpress {__version__}")
    sub = top.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, summary in COMMANDS.items():
        if name == chosen:
            importlib.import_module(f"letterpress.cli.{name}").register(sub)
            full = sub.choices[name]
            full.description = full.description or summary
            if name in READS_LETTERS:
                full.add_argument(
                    "--root",
                    metavar="DIR",
                    help="the folder whose files letters may use (default: the current folder "
                    "when the letter lies in it, else the letter's folder; or LETTERPRESS_ROOT)",
                )
        else:
            sub.add_parser(name, help=summary, add_help=False)
    return top


READS_LETTERS = ("build", "check", "mail", "preview", "watch")
"""Commands that read letters, and so the files letters name, which must lie under a root."""


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns 0 on success, 1 when anything failed, 2 for bad usage."""
    argv = sys.argv[1:] if argv is None else argv
    top = parser(argv)
    args, extra = top.parse_known_args(argv)
    if extra:
        # The subcommand's own usage line, not the top-level one, says what it takes.
        _subparser(top, args.command).error(f"unrecognized arguments: {' '.join(extra)}")
    from letterpress.clock import epoch_problem

    problem = epoch_problem()
    if problem:
        print(f"letterpress: {problem}", file=sys.stderr)
        return 2
    try:
        with _root(getattr(args, "root", None)):
            return int(args.run(args))
    except MemoryError:
        print(
            "letterpress: too little memory; close other programs, or build fewer letters at "
            "once (-j 1)",
            file=sys.stderr,
        )
        return 1
    except KeyboardInterrupt:
        print("letterpress: interrupted", file=sys.stderr)
        return 130
    except OSError as exc:
        # A path the command line names cannot be used at all (a name too long for the
        # system, a folder that cannot be made): say which and why, not a traceback.
        name = f"{exc.filename}: " if exc.filename else ""
        print(f"letterpress: {name}{exc.strerror or exc}", file=sys.stderr)
        return 1


@contextlib.contextmanager
def _root(root: str | None) -> Iterator[None]:
    """``--root``, given to every stage and worker process that loads a letter through the
    environment, for this command only."""
    if not root:
        yield
        return
    import os
    from pathlib import Path

    before = os.environ.get("LETTERPRESS_ROOT")
    os.environ["LETTERPRESS_ROOT"] = str(Path(root).expanduser().resolve())
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("LETTERPRESS_ROOT", None)
        else:
            os.environ["LETTERPRESS_ROOT"] = before


def _subparser(top: argparse.ArgumentParser, command: str) -> argparse.ArgumentParser:
    for action in top._subparsers._group_actions if top._subparsers else ():
        if isinstance(action, argparse._SubParsersAction) and command in action.choices:
            chosen: argparse.ArgumentParser = action.choices[command]
            return chosen
    return top


if __name__ == "__main__":
    sys.exit(main())

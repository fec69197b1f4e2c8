"""cli: the ``letterpress`` command. Each subcommand lives in its own module of this package.

A command module has ``register(subparsers)``, which adds its parser and sets ``run`` to a
function ``run(args) -> int``; ``COMMANDS`` names it with its one-line summary. Only the module
of the command being run is imported, and it imports its heavy dependencies inside ``run``, so
``letterpress --help`` and a single build start fast.
"""

from __future__ import annotations

import argparse
import importlib
import sys

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
    top = argparse.ArgumentParser(
        prog="letterpress",
        description="Typeset official Norwegian municipal letters from YAML and Markdown.",
    )
    sub = top.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, summary in COMMANDS.items():
        if name == chosen:
            importlib.import_module(f"letterpress.cli.{name}").register(sub)
            full = sub.choices[name]
            full.description = full.description or summary
        else:
            sub.add_parser(name, help=summary, add_help=False)
    return top


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns 0 on success, 1 when anything failed, 2 for bad usage."""
    argv = sys.argv[1:] if argv is None else argv
    args = parser(argv).parse_args(argv)
    try:
        return int(args.run(args))
    except KeyboardInterrupt:
        print("letterpress: interrupted", file=sys.stderr)
        return 130
    except OSError as exc:
        # A path the command line names cannot be used at all (a name too long for the
        # system, a folder that cannot be made): say which and why, not a traceback.
        name = f"{exc.filename}: " if exc.filename else ""
        print(f"letterpress: {name}{exc.strerror or exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())

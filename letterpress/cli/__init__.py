"""cli: the ``letterpress`` command. Each subcommand lives in its own module of this package.

A command module has ``register(subparsers)``, which adds its parser and sets ``run`` to a
function ``run(args) -> int``. Modules import their heavy dependencies inside ``run`` so that
``letterpress --help`` and a single build start fast.
"""

from __future__ import annotations

import argparse
import importlib
import sys

COMMANDS = (
    "build",
    "check",
    "mail",
    "preview",
    "watch",
    "schema",
    "new",
    "verify",
    "preflight",
)


def parser() -> argparse.ArgumentParser:
    """The argument parser of every subcommand."""
    top = argparse.ArgumentParser(
        prog="letterpress",
        description="Typeset official Norwegian municipal letters from YAML and Markdown.",
    )
    sub = top.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMANDS:
        importlib.import_module(f"letterpress.cli.{name}").register(sub)
    return top


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns 0 on success, 1 when anything failed, 2 for bad usage."""
    args = parser().parse_args(argv)
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

"""``letterpress schema``: the JSON Schema of the letter (or letterhead) format, for editors."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "schema",
        description="Print the JSON Schema (draft 2020-12) of the letter format. Editors with "
        "a YAML language server use it to complete keys and flag mistakes as you type: start a "
        "letter with '# yaml-language-server: $schema=PATH/letter.schema.json'.",
    )
    parser.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead")
    parser.add_argument(
        "--letterhead", action="store_true", help="the schema of a letterhead file instead"
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    import sys
    from pathlib import Path

    from letterpress.desktop.schema import dumps, letter_schema, letterhead_schema
    from letterpress.output import write_atomic

    text = dumps(letterhead_schema() if args.letterhead else letter_schema())
    if args.output:
        write_atomic(Path(args.output), text.encode("utf-8"))
    else:
        sys.stdout.write(text)
    return 0

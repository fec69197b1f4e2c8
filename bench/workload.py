"""The letters every engine in the benchmark renders, built from the seed letter.

The anchors (Typst, ReportLab) get plain data (:class:`LetterData`); letterpress gets YAML files
with the same text. Both come from one source so that every engine sets the same words:
letter ``i`` of the distinct workload has the seed's paragraphs with ``i`` written into each,
and recipient ``n`` of a merge has the same name and address for every engine.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import Any, TypedDict

import yaml

REPO = Path(__file__).resolve().parent.parent
SEED = REPO / "letters" / "ks-storbynettverk-innspill.yaml"
FONTS = REPO / "fonts"

APPROVAL_NB = "Dokumentet er elektronisk godkjent og har derfor ingen håndskrevne signaturer."


class Block(TypedDict):
    """One block of the body: a heading or a paragraph of plain text."""

    kind: str
    text: str


class Sender(TypedDict):
    """The letterhead as the anchors draw it; ``logo`` is relative to the repository."""

    name: str
    unit: str
    logo: str
    colour: str
    footer: list[tuple[str, list[str]]]


class LetterData(TypedDict):
    """Everything an anchor needs to draw one letter; JSON-serialisable for Typst."""

    sender: Sender
    recipient: list[str]
    reference: list[tuple[str, str]]
    title: str
    blocks: list[Block]
    closing: str
    signatories: list[str]
    approval: str


def _read_yaml(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def seed_source() -> dict[str, Any]:
    """The seed letter's YAML mapping, with its letterhead path made absolute."""
    data = _read_yaml(SEED)
    data["letterhead"] = str((SEED.parent / data["letterhead"]).resolve())
    return data


def body_chunks(body: str) -> list[str]:
    """The Markdown body split into its blocks (blank-line separated)."""
    return [chunk.strip() for chunk in body.split("\n\n") if chunk.strip()]


def vary(chunks: list[str], index: int) -> list[str]:
    """The chunks of letter ``index``: every paragraph starts with its own number, ``7.12``.

    The number stands in place of the paragraph's first word, so no two letters share a
    paragraph (nothing can be reused from the letter before) and the letter keeps its length
    (two pages, like the seed).
    """
    varied = []
    for number, chunk in enumerate(chunks, start=1):
        if chunk.startswith("#"):
            varied.append(chunk)
            continue
        _, _, rest = chunk.partition(" ")
        varied.append(f"{index + 1}.{number} {rest}")
    return varied


def blocks_of(chunks: list[str]) -> list[Block]:
    """Markdown chunks as anchor blocks; the seed uses only headings and plain paragraphs."""
    blocks: list[Block] = []
    for chunk in chunks:
        if chunk.startswith("#"):
            text = chunk.lstrip("#").strip().replace("**", "")
            blocks.append({"kind": "heading", "text": text})
        else:
            blocks.append({"kind": "paragraph", "text": " ".join(chunk.split())})
    return blocks


def _sender(letterhead_path: Path) -> Sender:
    head = _read_yaml(letterhead_path)
    logo = (letterhead_path.parent / head["logo"]).resolve().relative_to(REPO)
    footer = [
        ("Postadresse", list(head["post_address"])),
        ("Besøksadresse", list(head["visit_address"])),
        ("Telefon", [head["phone"]]),
        ("E-post", [head["email"]]),
        ("Nettside", [head["web"]]),
        ("Org.nr.", [head["org_number"]]),
    ]
    return {
        "name": head["name"], "unit": head.get("unit", ""), "logo": logo.as_posix(),
        "colour": head.get("colour", "#000000"), "footer": footer,
    }


def _reference(source: dict[str, Any]) -> list[tuple[str, str]]:
    ref = source["reference"]
    date: dt.date = source["date"]
    return [
        ("Vår referanse", ref["ours"]),
        ("Arkivkode", ref["archive_code"]),
        ("Saksbehandler", _officer(ref.get("case_officer"))),
        ("Deres referanse", ref["yours"]),
        ("Dato", date.strftime("%d.%m.%Y")),
    ]


def _officer(value: str | dict[str, str] | None) -> str:
    if isinstance(value, dict):
        return value["name"]
    return value or ""


def recipient_lines(recipient: dict[str, Any]) -> list[str]:
    """The address block of a recipient mapping, as printed."""
    lines = [recipient["name"]]
    if recipient.get("attention"):
        lines.append(f"Att.: {recipient['attention']}")
    return lines + list(recipient.get("address", []))


def letter_data(source: dict[str, Any], chunks: list[str] | None = None) -> LetterData:
    """Anchor data for the letter ``source`` (a letter mapping), optionally with other chunks."""
    return {
        "sender": _sender(Path(source["letterhead"])),
        "recipient": recipient_lines(source["recipient"]),
        "reference": _reference(source),
        "title": source["title"],
        "blocks": blocks_of(chunks if chunks is not None else body_chunks(source["body"])),
        "closing": "Med hilsen",
        "signatories": [person["name"] for person in source.get("signatories", [])],
        "approval": APPROVAL_NB if source.get("approved_electronically") else "",
    }


def seed_data() -> LetterData:
    """The seed letter as anchor data."""
    return letter_data(seed_source())


def distinct_data(count: int) -> list[LetterData]:
    """The ``count`` distinct letters as anchor data."""
    source = seed_source()
    chunks = body_chunks(source["body"])
    return [letter_data(source, vary(chunks, i)) for i in range(count)]


def merge_recipient(number: int) -> dict[str, Any]:
    """Recipient ``number`` of a mail merge: only the name and address differ."""
    return {
        "name": f"Kommune {number:05d} - postmottak",
        "address": [f"Postboks {100 + number}", f"{1000 + number % 9000:04d} STED {number}"],
    }


def merge_data(count: int) -> list[LetterData]:
    """The ``count`` letters of a merge as anchor data: the seed with each recipient."""
    source = seed_source()
    base = letter_data(source)
    return [{**base, "recipient": recipient_lines(merge_recipient(n))} for n in range(count)]


def write_distinct(folder: Path, count: int) -> list[Path]:
    """Write the ``count`` distinct letters as YAML files into ``folder``."""
    source = seed_source()
    chunks = body_chunks(source["body"])
    paths = []
    for i in range(count):
        letter = {**source, "body": "\n\n".join(vary(chunks, i)) + "\n"}
        paths.append(_dump(folder / f"letter-{i:03d}.yaml", letter))
    return paths


def write_merge(folder: Path, count: int, as_csv: bool = False) -> Path:
    """Write one merge letter with ``count`` recipients into ``folder``.

    With ``as_csv`` the recipients go into a CSV file beside it, as a large merge is written
    (a YAML list of 10,000 recipients is more values than a letter file may hold).
    """
    letter = {key: value for key, value in seed_source().items() if key != "recipient"}
    recipients = [merge_recipient(n) for n in range(count)]
    if as_csv:
        letter["recipients"] = _write_csv(folder / f"merge-{count}.csv", recipients).name
    else:
        letter["recipients"] = recipients
    return _dump(folder / f"merge-{count}.yaml", letter)


def _write_csv(path: Path, recipients: list[dict[str, Any]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["name", "address"])
        writer.writerows([r["name"], "|".join(r["address"])] for r in recipients)
    return path


class _LetterDumper(yaml.SafeDumper):
    """Writes multi-line text as a ``|`` block, the way people write a letter's body."""


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_LetterDumper.add_representer(str, _text)


def _dump(path: Path, data: dict[str, Any]) -> Path:
    with path.open("w", encoding="utf-8") as handle:
        yaml.dump(data, handle, Dumper=_LetterDumper, allow_unicode=True, sort_keys=False,
                  width=1_000_000)
    return path

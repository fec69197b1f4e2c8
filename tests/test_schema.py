"""The JSON Schema accepts what the loader accepts, rejects what it rejects, and is committed."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from letterpress.cli import main
from letterpress.desktop.schema import letter_schema, letterhead_schema
from letterpress.errors import LetterError
from letterpress.reading import load

ROOT = Path(__file__).resolve().parent.parent
LETTERS = sorted((ROOT / "letters").glob("*.yaml"))
LETTERHEADS = sorted((ROOT / "letters" / "letterheads").glob("*.yaml"))


def validator(schema: dict[str, Any]) -> jsonschema.Draft202012Validator:
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


LETTER = validator(letter_schema())
LETTERHEAD = validator(letterhead_schema())


def read(path: Path) -> Any:
    # The loader keeps every scalar as text; so does BaseLoader.
    return yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.BaseLoader)


def errors(schema: jsonschema.Draft202012Validator, data: Any) -> list[str]:
    return [error.message for error in schema.iter_errors(data)]


@pytest.mark.parametrize("path", LETTERS, ids=lambda p: p.name)
def test_every_example_letter_is_valid(path: Path) -> None:
    assert errors(LETTER, read(path)) == []


@pytest.mark.parametrize("path", LETTERHEADS, ids=lambda p: p.name)
def test_every_example_letterhead_is_valid(path: Path) -> None:
    assert errors(LETTERHEAD, read(path)) == []


def test_misspelt_keys_are_rejected() -> None:
    letter = read(LETTERS[0])
    letter["reciepient"] = letter.pop("recipient")
    assert any("'reciepient' was unexpected" in message for message in errors(LETTER, letter))
    letter = read(LETTERS[0])
    letter["reference"]["our"] = letter["reference"].pop("ours")
    assert any("'our' was unexpected" in e.message for e in LETTER.iter_errors(letter))


MINIMAL = "letterhead: brevhode.yaml\ntitle: Svar\nbody: Hei.\n"

ACCEPTED = {
    "address as one string": "recipient:\n  name: Kari\n  address: |\n    Storgata 1\n"
                             "    0032 OSLO\n",
    "case officer as a name": "recipient: {name: Kari}\nreference:\n  case_officer: Ola\n",
    "case officer as a mapping": "recipient: {name: Kari}\nreference:\n"
                                 "  case_officer: {name: Ola, phone: '22 00 00 00'}\n",
    "archive code unquoted": "recipient: {name: Kari}\nreference: {archive_code: 035}\n",
    "empty reference": "recipient: {name: Kari}\nreference: {yours: }\n",
    "approved as yes": "recipient: {name: Kari}\napproved_electronically: yes\n",
    "attachments as text and mappings": "recipient: {name: Kari}\nattachments:\n  - Rapport\n"
                                        "  - {title: Vedtak, file: vedtak.pdf}\n",
    "copies as text and mappings": "recipient: {name: Kari}\ncopies:\n  - Departementet\n"
                                   "  - {name: Fylket, address: [Postboks 1, 0032 OSLO]}\n",
    "recipients as CSV": "recipients: mottakere.csv\n",
    "recipients as a list": "recipients:\n  - {name: Kari, kommune: Fjordvik}\n",
    "email addresses as a string": "recipient: {name: Kari}\nemail: {to: a@b.no, cc: []}\n",
}

REJECTED = {
    "date not ISO": "recipient: {name: Kari}\ndate: 13.09.2022\n",
    "unknown language": "recipient: {name: Kari}\nlanguage: sv\n",
    "approved as maybe": "recipient: {name: Kari}\napproved_electronically: kanskje\n",
    "both recipient and recipients": "recipient: {name: Kari}\nrecipients: [{name: Ola}]\n",
    "no recipient": "exempt: Offl. § 13\n",
    "unknown key in a copy": "recipient: {name: Kari}\ncopies:\n  - {name: Fylket, adress: x}\n",
}


def loader_accepts(tmp_path: Path, text: str) -> bool:
    (tmp_path / "brevhode.yaml").write_text("name: Fjordvik kommune\n", encoding="utf-8")
    (tmp_path / "vedtak.pdf").write_bytes(b"%PDF-1.4\n%%EOF\n")
    (tmp_path / "mottakere.csv").write_text("name,address\nKari,0032 OSLO\n", encoding="utf-8")
    path = tmp_path / "brev.yaml"
    path.write_text(text, encoding="utf-8")
    try:
        load(path)
    except LetterError:
        return False
    return True


@pytest.mark.parametrize("extra", ACCEPTED.values(), ids=ACCEPTED.keys())
def test_schema_accepts_what_the_loader_accepts(tmp_path: Path, extra: str) -> None:
    text = MINIMAL + extra
    assert loader_accepts(tmp_path, text)
    assert errors(LETTER, yaml.load(text, Loader=yaml.BaseLoader)) == []


@pytest.mark.parametrize("extra", REJECTED.values(), ids=REJECTED.keys())
def test_schema_rejects_what_the_loader_rejects(tmp_path: Path, extra: str) -> None:
    text = MINIMAL + extra
    assert not loader_accepts(tmp_path, text)
    assert errors(LETTER, yaml.load(text, Loader=yaml.BaseLoader)) != []


def test_inline_letterhead_with_a_bad_colour_is_rejected() -> None:
    good = {"letterhead": {"name": "KS", "colour": "#1a3c6e"}, "title": "T", "body": "B",
            "recipient": {"name": "Kari"}}
    assert errors(LETTER, good) == []
    assert errors(LETTER, {**good, "letterhead": {"name": "KS", "colour": "blue"}}) != []


def properties(node: Any) -> list[tuple[str, dict[str, Any]]]:
    """Every key any object in the schema declares, with its schema."""
    found: list[tuple[str, dict[str, Any]]] = []
    if isinstance(node, dict):
        for name, prop in (node.get("properties") or {}).items():
            found.append((name, prop))
        for value in node.values():
            found += properties(value)
    elif isinstance(node, list):
        for item in node:
            found += properties(item)
    return found


@pytest.mark.parametrize("schema", [letter_schema(), letterhead_schema()], ids=["letter", "head"])
def test_every_key_has_a_title_and_a_description(schema: dict[str, Any]) -> None:
    keys = properties(schema)
    assert len(keys) > 10
    for name, prop in keys:
        assert prop.get("title") and prop.get("description"), name
    assert "source" not in {name for name, _ in keys}


def printed(*args: str) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["schema", *args]) == 0
    return out.getvalue()


def test_committed_schemas_are_what_the_command_prints() -> None:
    assert (ROOT / "docs" / "letter.schema.json").read_text(encoding="utf-8") == printed()
    assert (ROOT / "docs" / "letterhead.schema.json").read_text(encoding="utf-8") == printed(
        "--letterhead"
    )
    assert json.loads(printed())["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_output_file(tmp_path: Path) -> None:
    target = tmp_path / "letter.schema.json"
    assert main(["schema", "-o", str(target)]) == 0
    assert target.read_text(encoding="utf-8") == printed()

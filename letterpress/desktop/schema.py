"""JSON Schema (draft 2020-12) of the letter and letterhead formats, for editors.

The schema starts from the pydantic model and is then widened to what the YAML loader accepts:
the loader reads every scalar as text (``archive_code: 035`` stays "035", ``true`` is "true"),
takes a path where the model holds a loaded file (``letterhead``, ``recipients``), and a string
where the model holds a list or a mapping (``address``, ``case_officer``, list items). Every
key gets a Norwegian title and the model's description, shown by editors on hover.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel

from letterpress.labels import labels
from letterpress.model import (
    HEX_COLOUR,
    ApprovalText,
    Attachment,
    CaseOfficer,
    Email,
    Fonts,
    Letter,
    Letterhead,
    MergeRecipient,
    Recipient,
    Reference,
    Signatory,
)

DRAFT = "https://json-schema.org/draft/2020-12/schema"

TEXT: dict[str, Any] = {"type": ["string", "number", "boolean"]}
"""Any scalar: the loader keeps each one as the text it was written as."""

BOOLEAN_WORDS = ("true", "false", "yes", "no", "on", "off", "1", "0", "t", "f", "y", "n")
"""The words pydantic reads as true or false, in any case."""

_NB = labels("nb")
"""Fields a letter prints under a label are titled with that label."""

LABELS: dict[type[BaseModel], dict[str, str]] = {
    Letter: {
        "letterhead": "Brevhode", "language": "Målform", "labels": "Ledetekster", "date": _NB.date,
        "reference": "Referanser", "recipient": "Mottaker", "recipients": _NB.recipients,
        "exempt": _NB.exempt, "title": "Tittel", "body": "Brødtekst",
        "body_file": "Brødtekst fra fil", "closing": "Hilsen", "signatories": "Underskrivere",
        "approved_electronically": "Elektronisk godkjent", "attachments": _NB.attachments,
        "attachments_numbered": "Nummererte vedlegg",
        "copies": _NB.copies, "email": _NB.email,
    },
    Reference: {
        "ours": _NB.our_reference, "yours": _NB.your_reference,
        "archive_code": _NB.archive_code, "case_officer": _NB.case_officer,
    },
    CaseOfficer: {"name": "Navn", "phone": _NB.phone, "email": _NB.email},
    Recipient: {"name": "Navn", "attention": "Att.", "address": "Adresse", "email": _NB.email},
    Signatory: {"name": "Navn", "title": "Stilling", "signature": "Signatur"},
    Attachment: {"title": "Tittel", "file": "Fil"},
    Email: {
        "to": "Til", "cc": "Kopi", "bcc": "Blindkopi", "subject": "Emne", "text": "Tekst",
        "reply_to": "Svar til",
    },
    Letterhead: {
        "name": "Avsender", "unit": "Enhet", "logo": "Logo", "logo_alt": "Alternativ tekst",
        "post_address": _NB.post_address, "visit_address": _NB.visit_address,
        "phone": _NB.phone, "email": _NB.email, "web": _NB.web, "org_number": _NB.org_number,
        "account": _NB.account, "fonts": "Skrifter", "colour": "Farge",
        "approval_text": "Tekst om elektronisk godkjenning", "language": "Språk",
    },
    ApprovalText: {"nb": "Bokmål", "nn": "Nynorsk", "en": "Engelsk", "se": "Nordsamisk"},
    Fonts: {"regular": "Vanlig", "bold": "Fet", "italic": "Kursiv", "bold_italic": "Fet kursiv"},
}
LABELS[MergeRecipient] = LABELS[Recipient]

LINES_OR_TEXT: set[tuple[type[BaseModel], str]] = {
    (Recipient, "address"), (MergeRecipient, "address"),
    (Letterhead, "post_address"), (Letterhead, "visit_address"),
    (Email, "to"), (Email, "cc"), (Email, "bcc"),
}
"""Lists that may also be written as one string (lines, or comma-separated addresses)."""

PATTERNS: dict[tuple[type[BaseModel], str], str] = {(Letterhead, "colour"): HEX_COLOUR.pattern}
"""Text with a fixed shape, checked by the model."""


def letter_schema() -> dict[str, Any]:
    """The schema of a letter file."""
    schema = _adjusted(Letter)
    properties = schema["properties"]
    properties["letterhead"] = _either(
        _path("a letterhead file, relative to the letter"), {"$ref": "#/$defs/Letterhead"},
        like=properties["letterhead"],
    )
    properties["recipients"] = _either(
        {"type": "array", "items": {"$ref": "#/$defs/MergeRecipient"}},
        _path("a CSV file or an Excel workbook (.xlsx) with a header row: Navn/name, "
              "Att/attention, Adresse, Adresse1-3 or address (lines separated by |), Postnr, "
              "Poststed, Land, E-post/email and any others"),
        like=properties["recipients"],
    )
    _items_also_text(properties["attachments"])
    _items_also_text(properties["copies"])
    case_officer = schema["$defs"]["Reference"]["properties"]["case_officer"]
    case_officer["anyOf"].insert(0, TEXT)
    # Exactly one of each pair, as the model insists.
    schema["allOf"] = [
        {"oneOf": [{"required": ["recipient"]}, {"required": ["recipients"]}]},
        {"oneOf": [{"required": ["body"]}, {"required": ["body_file"]}]},
    ]
    return _finish(schema, "letterpress letter", "A letter for letterpress (letter format 1).")


def letterhead_schema() -> dict[str, Any]:
    """The schema of a letterhead file."""
    return _finish(
        _adjusted(Letterhead), "letterpress letterhead", "A letterhead for letterpress letters."
    )


def dumps(schema: dict[str, Any]) -> str:
    """The schema as the committed files hold it: indented, UTF-8, ending in a newline."""
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def _adjusted(model: type[BaseModel]) -> dict[str, Any]:
    schema = model.model_json_schema()
    definitions = schema.setdefault("$defs", {})
    for name, part in [(model.__name__, schema), *definitions.items()]:
        owner = _MODELS.get(name)
        if owner is not None:
            _adjust_model(owner, part)
    definitions.pop("Source", None)
    if not definitions:
        del schema["$defs"]
    return schema


def _adjust_model(model: type[BaseModel], schema: dict[str, Any]) -> None:
    properties = schema["properties"]
    labels = LABELS[model]
    for name, info in model.model_fields.items():
        if info.exclude:
            properties.pop(name, None)
            continue
        prop = _widen(properties[name])
        if (model, name) in PATTERNS:
            prop["anyOf"] = [{"type": "string", "pattern": PATTERNS[model, name]}, {"type": "null"}]
        if (model, name) in LINES_OR_TEXT:
            prop = _lines_or_text(prop)
        if info.default == "":
            prop = _nullable(prop)  # an empty value (``yours:``) reads as ""
        if name not in labels:
            raise KeyError(f"add the Norwegian label of {model.__name__}.{name} to LABELS")
        prop["title"] = labels[name]
        prop["description"] = info.description
        properties[name] = prop


def _widen(node: Any) -> Any:
    """Scalars as the loader reads them: any text for strings, true/false words for booleans."""
    if isinstance(node, list):
        return [_widen(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _widen(value) for key, value in node.items()}
    if node.get("format") == "path":
        del node["format"]
    if node.get("type") == "string" and not ({"format", "enum", "pattern"} & node.keys()):
        node["type"] = list(TEXT["type"])
    elif node.get("type") == "boolean":
        extra = {k: v for k, v in node.items() if k != "type"}
        node = {"anyOf": [{"type": "boolean"}, _boolean_words()], **extra}
    return node


def _boolean_words() -> dict[str, Any]:
    words = [w for word in BOOLEAN_WORDS for w in dict.fromkeys((word, word.title(), word.upper()))]
    return {"type": "string", "enum": words}


def _lines_or_text(prop: dict[str, Any]) -> dict[str, Any]:
    extra = {k: v for k, v in prop.items() if k not in ("type", "items")}
    return {"anyOf": [{"type": "array", "items": prop["items"]}, TEXT], **extra}


def _nullable(prop: dict[str, Any]) -> dict[str, Any]:
    if isinstance(prop.get("type"), list):
        return {**prop, "type": [*prop["type"], "null"]}
    return prop


def _path(description: str) -> dict[str, Any]:
    return {"type": "string", "description": description}


def _either(*choices: dict[str, Any], like: dict[str, Any]) -> dict[str, Any]:
    keep = {k: v for k, v in like.items() if k in ("title", "description")}
    return {"anyOf": list(choices), **keep}


def _items_also_text(prop: dict[str, Any]) -> None:
    prop["items"] = {"anyOf": [TEXT, prop["items"]]}


def _finish(schema: dict[str, Any], title: str, description: str) -> dict[str, Any]:
    head = {"$schema": DRAFT, "title": title, "description": description}
    rest = {k: v for k, v in schema.items() if k not in ("title", "description")}
    return {**head, **rest}


_MODELS: dict[str, type[BaseModel]] = {model.__name__: model for model in LABELS}

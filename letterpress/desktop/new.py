"""A new letter: a commented skeleton in bokmål, nynorsk or English that builds as it stands.

A North Sámi letter (``se``) gets the bokmål comments and placeholders: letterpress has no
attested North Sámi wording for them. It is not approved electronically until the letterhead
gives the approval sentence in North Sámi.

The skeleton names the nearest letterhead file when there is exactly one, so a letter started
in an organisation's letter folder uses its letterhead; otherwise it carries a minimal inline
letterhead to fill in. Its date is today (or the date of ``SOURCE_DATE_EPOCH``).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from pathlib import Path

from letterpress.clock import today
from letterpress.labels import labels, short_date
from letterpress.model import Language
from letterpress.output import write_atomic
from letterpress.reading.yamlfile import LETTER_SUFFIXES

SCHEMA = Path("docs") / "letter.schema.json"

PHRASES: dict[str, dict[str, str]] = {
    "nb": {
        "intro": "Et brev for letterpress. Bygg det med: letterpress build {file}",
        "letterhead": "brevhodet (en fil, relativ til dette brevet)",
        "inline": "brevhodet; eller en fil: letterhead: letterheads/navn.yaml",
        "choose": "flere brevhoder finnes; velg ett: {files}",
        "org": "Organisasjonens navn",
        "language": "nb (bokmål), nn (nynorsk), en (engelsk) eller se (nordsamisk)",
        "date": "ISO-dato, trykkes som {printed}",
        "ours": "{label}, f.eks. 24/01234-5",
        "yours": "{label} (trykkes også når den er tom)",
        "archive": "{label}, alltid i anførselstegn: \"035\"",
        "officer": "{label}; eller {{name: ..., phone: ..., email: ...}}",
        "recipient": "adresseblokken i konvoluttvinduet: høyst 6 linjer",
        "attention": "valgfri Att.-linje",
        "postnummer": "siste linje: postnummer og poststed",
        "name": "Mottakerens navn",
        "street": "Gateadresse 1",
        "title": "Tittel på brevet",
        "body": "Skriv brevet her, i Markdown. En tom linje skiller avsnitt.",
        "heading": "En mellomtittel",
        "bullets": "punktlister, **fet** og *kursiv* tekst",
        "signer": "Navn Navnesen",
        "position": "rådgiver",
        "approved": "skriver at dokumentet er elektronisk godkjent",
        "optional": "Valgfritt:",
        "attachment": "Tittel på vedlegget",
        "copy": "Den som får kopi",
    },
    "nn": {
        "intro": "Eit brev for letterpress. Bygg det med: letterpress build {file}",
        "letterhead": "brevhovudet (ei fil, relativ til dette brevet)",
        "inline": "brevhovudet; eller ei fil: letterhead: letterheads/namn.yaml",
        "choose": "fleire brevhovud finst; vel eitt: {files}",
        "org": "Namnet på organisasjonen",
        "language": "nb (bokmål), nn (nynorsk), en (engelsk) eller se (nordsamisk)",
        "date": "ISO-dato, vert trykt som {printed}",
        "ours": "{label}, t.d. 24/01234-5",
        "yours": "{label} (vert trykt òg når han er tom)",
        "archive": "{label}, alltid i hermeteikn: \"035\"",
        "officer": "{label}; eller {{name: ..., phone: ..., email: ...}}",
        "recipient": "adresseblokka i konvoluttvindauget: høgst 6 liner",
        "attention": "valfri Att.-line",
        "postnummer": "siste line: postnummer og poststad",
        "name": "Namnet på mottakaren",
        "street": "Gateadresse 1",
        "title": "Tittel på brevet",
        "body": "Skriv brevet her, i Markdown. Ei tom line skil avsnitt.",
        "heading": "Ein mellomtittel",
        "bullets": "punktlister, **feit** og *kursiv* tekst",
        "signer": "Namn Namnesen",
        "position": "rådgjevar",
        "approved": "skriv at dokumentet er elektronisk godkjent",
        "optional": "Valfritt:",
        "attachment": "Tittel på vedlegget",
        "copy": "Den som får kopi",
    },
    "en": {
        "intro": "A letter for letterpress. Build it with: letterpress build {file}",
        "letterhead": "the letterhead (a file, relative to this letter)",
        "inline": "the letterhead; or a file: letterhead: letterheads/name.yaml",
        "choose": "there are several letterheads; choose one: {files}",
        "org": "Name of the organisation",
        "language": "nb (Bokmål), nn (Nynorsk), en (English) or se (North Sámi)",
        "date": "ISO date, printed as {printed}",
        "ours": "{label}, e.g. 24/01234-5",
        "yours": "{label} (printed even when empty)",
        "archive": "{label}, always in quotes: \"035\"",
        "officer": "{label}; or {{name: ..., phone: ..., email: ...}}",
        "recipient": "the address block in the envelope window: at most 6 lines",
        "attention": "optional Att. line",
        "postnummer": "last line: postcode and town (abroad: then the country)",
        "name": "Name of the recipient",
        "street": "Street address 1",
        "title": "Title of the letter",
        "body": "Write the letter here, in Markdown. A blank line separates paragraphs.",
        "heading": "A subheading",
        "bullets": "bullet lists, **bold** and *italic* text",
        "signer": "Kari Nordmann",
        "position": "adviser",
        "approved": "prints that the document is approved electronically",
        "optional": "Optional:",
        "attachment": "Title of the attachment",
        "copy": "Who receives a copy",
    },
}

LABELLED = {
    "ours": "our_reference",
    "yours": "your_reference",
    "archive": "archive_code",
    "officer": "case_officer",
}
"""Phrases that start with a label the letter prints (``{label}``): the words are those of
``letterpress.labels``, so the skeleton names each field as the printed letter does."""

PHRASES["se"] = {
    **PHRASES["nb"],
    "labels": "ledetekster på nordsamisk og bokmål: Min čuj./Vår referanse; [se] bare samisk",
    "approved": (
        "true krever approval_text: {se: ...} i brevhodet, oversatt av kommunens translatør"
    ),
}
"""North Sámi: bokmål comments (no attested North Sámi wording exists for them)."""

TEMPLATE = """\
{modeline}# {intro}
{letterhead}
language: {language}{c_language}{labels}
date: {date}{c_date}
reference:
  ours: ""{c_ours}
  yours: ""{c_yours}
  archive_code: ""{c_archive}
  case_officer: ""{c_officer}
recipient:{c_recipient}
  name: {name}
  attention: ""{c_attention}
  address:
    - {street}
    - 0000 POSTSTED{c_postnummer}
title: {title}
body: |
  {body}

  ### {heading}

  - {bullets}
signatories:
  - name: {signer}
    title: {position}
approved_electronically: {approved}{c_approved}
# {optional}
# attachments:
#   - {attachment}
# copies:
#   - {copy}
"""


class LetterExists(FileExistsError):
    """The letter file is already there; ``new`` never overwrites."""


def letter_path(name: str | Path) -> Path:
    """``NAME`` as a letter file: ``svar`` becomes ``svar.yaml``; ``svar.yml`` stays."""
    path = Path(name)
    return path if path.suffix in LETTER_SUFFIXES else path.with_name(path.name + ".yaml")


def new_letter(
    name: str | Path, letterhead: Path | None = None, language: Language = "nb"
) -> Path:
    """Write the skeleton letter for ``name`` and return its path.

    Raises :class:`LetterExists` when the file exists and ``FileNotFoundError`` when
    ``letterhead`` does not.
    """
    path = letter_path(name)
    if path.exists():
        raise LetterExists(f"{path} already exists; choose another name")
    if letterhead is not None and not letterhead.is_file():
        raise FileNotFoundError(f"letterhead file not found: {letterhead}")
    path.parent.mkdir(parents=True, exist_ok=True)
    text = skeleton(path, letterhead, language, today())
    _write_new(path, text.encode("utf-8"))
    return path


def skeleton(path: Path, letterhead: Path | None, language: Language, day: dt.date) -> str:
    """The text of a new letter at ``path``."""
    printed = labels(language)
    words = {
        key: phrase.format(label=getattr(printed, LABELLED[key])) if key in LABELLED else phrase
        for key, phrase in PHRASES[language].items()
    }
    folder = path.parent
    candidates = [letterhead] if letterhead is not None else nearest_letterheads(folder)
    comments = {f"c_{key}": _comment(words[key]) for key in (
        "language", "ours", "yours", "archive", "officer", "recipient", "attention",
        "postnummer", "approved",
    )}
    comments["c_date"] = _comment(words["date"].format(printed=_printed(day, language)))
    fields = {key: _scalar(words[key]) for key in (
        "name", "street", "title", "signer", "position",
    )}
    return _align(TEMPLATE.format(
        modeline=_modeline(folder),
        intro=words["intro"].format(file=path.name),
        letterhead=_letterhead_lines(candidates, folder, words),
        language=language,
        labels=f"\nlabels: [se, nb]{_comment(words['labels'])}" if "labels" in words else "",
        approved=_approved(language, candidates),
        date=day.isoformat(),
        body=words["body"], heading=words["heading"], bullets=words["bullets"],
        optional=words["optional"], attachment=words["attachment"], copy=words["copy"],
        **comments, **fields,
    ))


def _approved(language: str, candidates: list[Path]) -> str:
    """Approved electronically, except a North Sámi letter whose letterhead has no North Sámi
    approval sentence: it would not build."""
    if language != "se":
        return "true"
    if len(candidates) == 1:
        from letterpress.errors import LetterError
        from letterpress.reading import load_letterhead

        try:
            return "true" if load_letterhead(candidates[0]).approval_text.se else "false"
        except LetterError:
            return "false"
    return "false"


def nearest_letterheads(folder: Path) -> list[Path]:
    """The letterhead files in ``letterheads/`` of ``folder`` or of its nearest ancestor."""
    for directory in [folder.resolve(), *folder.resolve().parents]:
        found = sorted(
            p for p in (directory / "letterheads").glob("*")
            if p.suffix in LETTER_SUFFIXES and p.is_file()
        )
        if found:
            return found
    return []


def _letterhead_lines(candidates: list[Path], folder: Path, words: dict[str, str]) -> str:
    if len(candidates) == 1:
        relative = _relative(candidates[0], folder)
        return f"letterhead: {_scalar(relative)}{_comment(words['letterhead'])}"
    lines = [f"letterhead:{_comment(words['inline'])}"]
    if candidates:
        names = ", ".join(_relative(p, folder) for p in candidates)
        lines.append(f"  # {words['choose'].format(files=names)}")
    lines += [
        f"  name: {_scalar(words['org'])}",
        "  post_address: [Postboks 1, 0000 POSTSTED]",
        '  phone: ""',
        '  email: ""',
        '  org_number: ""',
    ]
    return "\n".join(lines)


def _modeline(folder: Path) -> str:
    """Point editors at the schema when the letter lives in a letterpress checkout."""
    for directory in [folder.resolve(), *folder.resolve().parents]:
        if (directory / SCHEMA).is_file():
            return f"# yaml-language-server: $schema={_relative(directory / SCHEMA, folder)}\n"
    return ""


def _relative(path: Path, folder: Path) -> str:
    try:
        return Path(os.path.relpath(path.resolve(), folder.resolve())).as_posix()
    except ValueError:  # another drive on Windows: no relative path exists
        return path.resolve().as_posix()


def _printed(day: dt.date, language: str) -> str:
    return short_date(day, language)


COMMENT_COLUMN = 36


def _comment(text: str) -> str:
    """A trailing comment, marked so that ``_align`` can line all of them up in one column."""
    return f"\0{text}"


def _align(text: str) -> str:
    """Replace each comment marker by spaces up to the comment column and ``# ``."""
    aligned = []
    for line in text.splitlines():
        code, marker, comment = line.partition("\0")
        if marker:
            line = f"{code.ljust(COMMENT_COLUMN - 1)} # {comment}"
        aligned.append(line)
    return "\n".join(aligned) + "\n"


PLAIN = re.compile(r"^[\w.][\w .,/()'-]*$")


def _scalar(text: str) -> str:
    """``text`` as a YAML value: plain when it is safe, double-quoted otherwise."""
    if PLAIN.match(text) and not text.endswith(" "):
        return text
    return json.dumps(text, ensure_ascii=False)


def _write_new(path: Path, data: bytes) -> None:
    """Write a file that must not exist yet: whole or not at all, and never over another."""
    try:
        write_atomic(path, data, exclusive=True)
    except FileExistsError:
        raise LetterExists(f"{path} already exists; choose another name") from None

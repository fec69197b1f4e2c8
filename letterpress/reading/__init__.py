"""reading, the load stage: a letter's YAML file (and the letterhead and body files it names)
to a validated model.

``load(path)`` returns a :class:`~letterpress.model.Letter` or raises
:class:`~letterpress.errors.LetterError` naming the file, line and field of every problem.
"""

from __future__ import annotations

import calendar
import difflib
import os
import re
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from letterpress.errors import LetterError, Problem
from letterpress.filekey import FileKey, file_key
from letterpress.limits import MAX_BODY_CHARS
from letterpress.model import (
    NOARK_REFERENCE,
    Letter,
    Letterhead,
    Source,
    expand_home,
    is_file,
    outside_root,
)
from letterpress.reading.address import check_address
from letterpress.reading.attachments import attachment_problem
from letterpress.reading.fonts import font_problem
from letterpress.reading.images import image_problem
from letterpress.reading.invisible import invisible, is_direction_control
from letterpress.reading.invisible import message as invisible_message
from letterpress.reading.words import long_word, long_words
from letterpress.reading.yamlfile import YamlDocument, read_text, read_yaml

__all__ = ["load", "load_letterhead"]

# Keys whose text is not typeset: the body is checked as Markdown, the e-mail is not printed.
_NOT_PRINTED = ("body", "email")

# Tags of tagged unions and wrapper validators that pydantic puts into an error's location.
_LOC_NOISE = ("list", "csv")

M = TypeVar("M", bound=BaseModel)


def load(path: str | Path, warnings: list[Problem] | None = None) -> Letter:
    """Read, check and resolve the letter at ``path``; append soft findings to ``warnings``."""
    path = Path(path)
    root = root_folder(path)
    doc = read_yaml(path)
    if not isinstance(doc.data, dict):
        raise LetterError.at(path, 1, "", "a letter is a YAML mapping of keys such as title: ...")
    data = dict(doc.data)
    printed = {k: v for k, v in data.items() if k not in _NOT_PRINTED}
    _check_words(printed, doc)
    _check_invisible(printed, doc, warnings)
    letterhead_value = data.get("letterhead")
    if isinstance(letterhead_value, str):
        data["letterhead"] = load_letterhead(
            _relative(path, letterhead_value, doc), doc, ("letterhead",), root
        )
    elif isinstance(letterhead_value, dict):
        data["letterhead"] = _validate(Letterhead, letterhead_value, doc, ("letterhead",), root)
        _check_letterhead_files(data["letterhead"], doc, ("letterhead",))
    letter = _validate(Letter, data, doc, (), root)
    _check_files(letter, doc)
    letter = _with_body(letter, doc)
    _check_soft(letter, warnings)
    return letter


def load_letterhead(
    path: Path,
    named_in: YamlDocument | None = None,
    loc: tuple[str, ...] = (),
    root: Path | None = None,
) -> Letterhead:
    """Read a letterhead file; paths inside it are relative to it. With ``root``, it and the
    files it names must lie under that folder."""
    where = named_in.path if named_in else path
    line = named_in.line_of(loc) if named_in else None
    try:
        found = is_file(path)
    except ValueError as exc:
        raise LetterError.at(where, line, "letterhead", str(exc)) from None
    if not found:
        raise LetterError.at(
            where,
            line,
            "letterhead",
            f"letterhead file not found: {path} (paths are relative to the letter)",
        )
    outside = outside_root(path, root)
    if outside:
        raise LetterError.at(where, line, "letterhead", outside)
    key = _letterhead_key(path, root)
    kept = _LETTERHEADS.get(key) if key is not None else None
    if kept is not None and kept[1] == _named_files(kept[0]):
        return kept[0]
    doc = read_yaml(path)
    if not isinstance(doc.data, dict):
        raise LetterError.at(
            path, 1, "", "a letterhead is a YAML mapping of keys such as name: ..."
        )
    _check_words(doc.data, doc)
    letterhead = _validate(Letterhead, doc.data, doc, (), root)
    _check_letterhead_files(letterhead, doc, ())
    letterhead = letterhead.model_copy(update={"source": path})
    if key is not None:
        if len(_LETTERHEADS) >= LETTERHEADS_KEPT:
            _LETTERHEADS.clear()
        _LETTERHEADS[key] = (letterhead, _named_files(letterhead))
    return letterhead


LETTERHEADS_KEPT = 32
_LETTERHEADS: dict[tuple[FileKey, Path | None], tuple[Letterhead, list[FileKey | None]]] = {}
"""Letterheads read in this process, by their file (path, size, time) and the root folder,
with the files they name as they were when checked: the letters of a batch name one
letterhead, which is read and checked once while neither it nor its logo and fonts change."""


def _letterhead_key(path: Path, root: Path | None) -> tuple[FileKey, Path | None] | None:
    try:
        return file_key(Path(os.path.abspath(path))), root
    except OSError:
        return None


def _named_files(letterhead: Letterhead) -> list[FileKey | None]:
    """The logo's and fonts' keys: a letterhead whose files changed is checked again."""
    named = [letterhead.logo]
    if letterhead.fonts is not None:
        chosen = letterhead.fonts
        named += [chosen.regular, chosen.bold, chosen.italic, chosen.bold_italic]
    keys: list[FileKey | None] = []
    for path in named:
        try:
            keys.append(file_key(path) if path is not None else None)
        except OSError:
            keys.append(FileKey(path, -1, -1) if path is not None else None)
    return keys


def _check_letterhead_files(
    letterhead: Letterhead, doc: YamlDocument, prefix: tuple[str, ...]
) -> None:
    if letterhead.logo is not None:
        _refuse(doc, [((*prefix, "logo"), image_problem(letterhead.logo))])
    if letterhead.fonts is not None:
        chosen = letterhead.fonts
        _refuse(
            doc,
            [
                ((*prefix, "fonts", style), font_problem(path))
                for style in ("regular", "bold", "italic", "bold_italic")
                if (path := getattr(chosen, style)) is not None
            ],
        )


def _check_files(letter: Letter, doc: YamlDocument) -> None:
    """Refuse signatures that are not usable images (``images.py``) and appended PDFs over
    the limits (``attachments.py``), before any work is done on the letter."""
    found = [
        (("signatories", str(i), "signature"), image_problem(person.signature))
        for i, person in enumerate(letter.signatories)
        if person.signature is not None
    ]
    found += [
        (("attachments", str(i), "file"), attachment_problem(attachment.file))
        for i, attachment in enumerate(letter.attachments)
        if attachment.file is not None
    ]
    _refuse(doc, found)


def _check_words(data: Any, doc: YamlDocument) -> None:
    """Refuse words too long to typeset (see ``words.py``) in the printed fields of ``doc``."""
    _refuse(doc, [(loc, found.message()) for loc, found in long_words(data)])


def _check_invisible(data: Any, doc: YamlDocument, warnings: list[Problem] | None) -> None:
    """Refuse direction controls in printed fields; warn of zero-width characters."""
    errors: list[Problem] = []
    for loc, char in invisible(data):
        problem = Problem(doc.path, doc.line_of(loc), ".".join(loc), invisible_message(char))
        if is_direction_control(char):
            errors.append(problem)
        elif warnings is not None:
            warnings.append(replace(problem, warning=True))
    if errors:
        raise LetterError(errors)


def _refuse(doc: YamlDocument, found: Sequence[tuple[tuple[str, ...], str | None]]) -> None:
    """Raise every reason in ``found`` (a key path and a reason, or None) at its line."""
    problems = [
        Problem(doc.path, doc.line_of(loc), ".".join(loc), reason)
        for loc, reason in found
        if reason is not None
    ]
    if problems:
        raise LetterError(problems)


def _relative(path: Path, value: str, doc: YamlDocument) -> Path:
    try:
        target = expand_home(Path(value))
    except ValueError as exc:
        raise LetterError.at(path, doc.line_of(("letterhead",)), "letterhead", str(exc)) from None
    return target if target.is_absolute() else path.parent / target


def root_folder(letter: Path) -> Path:
    """The folder whose files a letter may use: ``LETTERPRESS_ROOT`` (set by ``--root``) when
    given; else the folder letterpress runs in when the letter lies inside it; else the
    letter's own folder. Symbolic links are followed, as they are for the files checked."""
    chosen = os.environ.get("LETTERPRESS_ROOT", "").strip()
    if chosen:
        return Path(chosen).expanduser().resolve()
    here = Path.cwd().resolve()
    real = letter.resolve()
    return here if real.is_relative_to(here) else real.parent


def _validate(
    model: type[M],
    data: Any,
    doc: YamlDocument,
    prefix: tuple[str, ...],
    root: Path | None = None,
) -> M:
    try:
        return model.model_validate(data, context={"base": doc.path.parent, "root": root})
    except ValidationError as exc:
        raise LetterError(_problems(exc, model, doc, prefix, data)) from None


def _problems(
    exc: ValidationError,
    model: type[BaseModel],
    doc: YamlDocument,
    prefix: tuple[str, ...],
    data: Any,
) -> list[Problem]:
    seen: dict[tuple[str, ...], Problem] = {}
    for error in exc.errors(include_url=False):
        loc = (*prefix, *_clean_loc(error["loc"], data))
        if loc in seen and error["type"] in ("none_required", "model_attributes_type"):
            continue
        if loc in seen and seen[loc].message.startswith("must be empty"):
            del seen[loc]
        if loc in seen:
            continue
        field = ".".join(loc)
        seen[loc] = Problem(doc.path, doc.line_of(loc), field, _message(error, model, loc))
    return list(seen.values())


def _clean_loc(loc: tuple[int | str, ...], data: Any) -> tuple[str, ...]:
    """The keys and indexes of ``loc``, without the names pydantic adds for union members and
    validators (``function-after[...]``, the tags ``list`` and ``csv``). A part that is a key
    of the letter is kept whatever it looks like: someone may well type ``navn (fullt)``."""
    cleaned: list[str] = []
    current = data
    for part in loc:
        text = str(part)
        if _holds(current, part):
            current = current[part]
        elif "[" in text or "(" in text or (text in _LOC_NOISE and cleaned[-1:] == ["recipients"]):
            continue
        else:
            current = None
        cleaned.append(text)
    return tuple(cleaned)


def _holds(data: Any, part: int | str) -> bool:
    """Whether ``part`` is a key of the mapping ``data`` or an index of the list ``data``."""
    if isinstance(data, dict):
        return part in data
    return isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data)


def _message(error: Any, model: type[BaseModel], loc: tuple[str, ...]) -> str:
    kind = error["type"]
    if kind == "missing":
        return f"the key {loc[-1]!r} is required here; add it"
    if kind == "extra_forbidden":
        return _unknown_key(loc, model)
    if kind in ("string_type", "str_type"):
        return f"expected text, not {_kind_of(error.get('input'))}"
    if kind == "list_type":
        return f"expected a list (lines starting with '- '), not {_kind_of(error.get('input'))}"
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        return f"expected a mapping (key: value lines), not {_kind_of(error.get('input'))}"
    if kind == "bool_parsing":
        return f"write true or false, not {error.get('input')!r}"
    if kind.startswith("date"):
        return impossible_date(error.get("input")) or (
            f"write the date as YYYY-MM-DD (e.g. 2022-09-13), not {error.get('input')!r}"
        )
    if kind == "literal_error":
        return f"{error.get('input')!r} is not allowed; {error['msg'].lower()}"
    if kind == "none_required":
        return "must be empty"
    if kind == "value_error":
        return str(error["msg"]).removeprefix("Value error, ")
    return str(error["msg"])


_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


def impossible_date(value: Any) -> str | None:
    """What is wrong with a date written as YYYY-MM-DD that no calendar has, or None."""
    found = _ISO_DATE.fullmatch(str(value).strip()) if isinstance(value, str) else None
    if found is None:
        return None
    year, month, day = (int(part) for part in found.groups())
    if not 1 <= month <= 12:
        return f"{value}: there is no month {month}; the month comes between year and day"
    days = calendar.monthrange(year, month)[1] if year >= 1 else 31
    if not 1 <= day <= days:
        name = calendar.month_name[month]
        return f"{value}: {name} {year} has {days} days"
    return None


def _kind_of(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing"
    return repr(value)


def _unknown_key(loc: tuple[str, ...], model: type[BaseModel]) -> str:
    key = loc[-1]
    allowed = _allowed_keys(model, loc[:-1])
    message = f"unknown key {key!r}"
    close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
    if close:
        return f"{message}; did you mean {close[0]!r}?"
    if allowed:
        return f"{message}; the keys here are: {', '.join(allowed)}"
    return message


def _allowed_keys(model: type[BaseModel], parent: tuple[str, ...]) -> list[str]:
    """The keys allowed at ``parent`` inside ``model``, following nested models."""
    current: Any = model
    for part in parent:
        if part.isdigit():
            continue
        field = getattr(current, "model_fields", {}).get(part)
        if field is None:
            return []
        current = _inner_model(field.annotation)
    names = getattr(current, "model_fields", {})
    return [name for name, info in names.items() if not info.exclude]


def _inner_model(annotation: Any) -> Any:
    """The model class inside ``list[X] | None`` and similar annotations."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _inner_model(arg)
        if found is not None:
            return found
    metadata_origin = getattr(annotation, "__origin__", None)
    if metadata_origin is not None and metadata_origin is not annotation:
        return _inner_model(metadata_origin)
    return None


def _with_body(letter: Letter, doc: YamlDocument) -> Letter:
    """Read ``body_file`` into ``body`` and record where the body's lines come from."""
    lines = dict(doc.lines)
    body_path, first_line = doc.path, doc.value_lines.get("body", doc.lines.get("body", 1))
    body = letter.body
    if letter.body_file is not None:
        body = read_text(letter.body_file, "body_file")
        body_path, first_line = letter.body_file, 1
    _check_body(body, body_path, first_line)
    source = Source(path=doc.path, lines=lines, body_path=body_path, body_first_line=first_line)
    return letter.model_copy(update={"body": body, "source": source})


def _check_body(body: str, path: Path, first_line: int) -> None:
    """What makes a body impossible to typeset, found before any work is done on it."""
    if len(body) > MAX_BODY_CHARS:
        raise LetterError.at(
            path,
            first_line,
            "body",
            f"the body has {len(body)} characters; at most {MAX_BODY_CHARS} are accepted: "
            "shorten it, or put the long parts in an attachment",
        )
    found = long_word(body, markdown=True)
    if found is not None:
        line = first_line + body.count("\n", 0, found.offset)
        raise LetterError.at(path, line, "body", found.message())
    nul = body.find("\0")
    if nul >= 0:
        # Markdown turns U+0000 into U+FFFD, which a later error would name instead.
        raise LetterError.at(
            path,
            first_line + body.count("\n", 0, nul),
            "body",
            "the character U+0000 (NULL) cannot be printed; remove it",
        )


def _check_soft(letter: Letter, warnings: list[Problem] | None) -> None:
    """Findings that do not stop a letter: an unusual reference, an address Posten may misread,
    an "approved electronically" sentence under signature images."""
    if warnings is None or letter.source is None:
        return
    ours = letter.reference.ours
    if ours and not NOARK_REFERENCE.match(ours):
        warnings.append(
            Problem(
                letter.source.path,
                letter.source.line_of("reference.ours"),
                "reference.ours",
                f"{ours!r} is not a Noark reference like 21/02732-67 or 2024/00187-4",
                warning=True,
            )
        )
    if letter.approved_electronically and any(s.signature for s in letter.signatories):
        warnings.append(
            Problem(
                letter.source.path,
                letter.source.line_of("approved_electronically"),
                "approved_electronically",
                "the letter prints that it is sent without a signature, yet it carries "
                "signature images; remove the images or set approved_electronically: false",
                warning=True,
            )
        )
    if letter.recipient is not None:
        fonts = letter.letterhead.fonts
        warnings.extend(
            check_address(letter.recipient, letter.source, font=fonts.regular if fonts else None)
        )

"""Read a YAML file safely into plain data, remembering the line of every value.

Every scalar stays the text it was written as (``035`` stays "035", ``no`` stays "no"); the
model decides what a value means. Duplicate keys, tags other than the plain ones, and alias
expansion beyond a small budget are errors that name the line.
"""

from __future__ import annotations

import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from letterpress.errors import LetterError
from letterpress.limits import MAX_INPUT_BYTES, MAX_YAML_CHARS, MAX_YAML_DEPTH, MAX_YAML_NODES

LETTER_SUFFIXES = (".yaml", ".yml")
"""What letter and letterhead files are called: ``NAME.yaml`` or ``NAME.yml``."""

# libyaml's parser when PyYAML was built with it: 25 times faster, and it keeps line marks.
_FAST_LOADER = getattr(yaml, "CBaseLoader", None)


def _compose(text: str) -> yaml.Node | None:
    """The node tree of ``text``. libyaml refuses a few things PyYAML accepts (some escapes), so
    a file it refuses is read again by PyYAML, which decides and words the error."""
    if _FAST_LOADER is not None:
        try:
            return yaml.compose(text, Loader=_FAST_LOADER)
        except yaml.YAMLError:
            pass
    return yaml.compose(text, Loader=yaml.BaseLoader)

PLAIN_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:map",
    "tag:yaml.org,2002:seq",
}
NULLS = {"", "~", "null", "Null", "NULL"}


@dataclass
class YamlDocument:
    """A YAML file's data, and the line (1-based) of each value by dotted path."""

    path: Path
    data: Any
    lines: dict[str, int] = field(default_factory=dict)
    value_lines: dict[str, int] = field(default_factory=dict)

    def line_of(self, loc: tuple[str | int, ...]) -> int | None:
        """The line of the value at ``loc``, or of its nearest parent that has one."""
        parts = [str(p) for p in loc]
        while parts:
            key = ".".join(parts)
            if key in self.lines:
                return self.lines[key]
            parts.pop()
        return self.lines.get("")


def read_text(path: Path, field: str = "") -> str:
    """Read a UTF-8 text file (a byte-order mark is allowed) or fail naming the line."""
    raw = _read_bytes(path, field)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise LetterError.at(
            path,
            line,
            field,
            f"the file is not UTF-8 (byte 0x{raw[exc.start]:02x}); save it as UTF-8",
        ) from None


def _read_bytes(path: Path, field: str) -> bytes:
    """The bytes of a regular file of at most ``MAX_INPUT_BYTES``.

    A device or a pipe is refused before it is opened: /dev/zero never ends, and opening a
    named pipe waits for a writer that may never come.
    """
    try:
        status = path.stat()
        if not stat.S_ISREG(status.st_mode):
            raise LetterError.at(
                path, None, field, "this is not a file (a folder, device or pipe); name a file"
            )
        with path.open("rb") as handle:
            raw = handle.read(MAX_INPUT_BYTES + 1)  # the file may have grown since stat
    except OSError as exc:
        raise LetterError.at(path, None, field, f"cannot read the file: {exc.strerror}") from None
    if max(len(raw), status.st_size) > MAX_INPUT_BYTES:
        size = max(len(raw), status.st_size)
        raise LetterError.at(
            path,
            None,
            field,
            f"the file is {size // 1024} KiB; at most {MAX_INPUT_BYTES // 1024} KiB is accepted",
        )
    return raw


def read_yaml(path: Path) -> YamlDocument:
    """Parse ``path`` into plain dicts, lists, strings and ``None``."""
    text = read_text(path)
    try:
        node = _compose(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        problem = exc.problem or "invalid YAML"
        lines = text.splitlines()
        written = lines[line - 1] if line is not None and 0 < line <= len(lines) else ""
        hint = syntax_hint(problem, written)
        message = f"YAML syntax: {problem}" + (f"; {hint}" if hint else "")
        raise LetterError.at(path, line, "", message) from None
    except yaml.YAMLError as exc:
        raise LetterError.at(path, None, "", f"YAML syntax: {exc}") from None
    except RecursionError:
        # PyYAML composes nested collections recursively: [[[[... a thousand deep ends it.
        raise LetterError.at(path, None, "", _TOO_DEEP) from None
    document = YamlDocument(path, None)
    if node is None:
        raise LetterError.at(path, 1, "", "the file is empty; a letter is a YAML mapping")
    budget = [MAX_YAML_NODES, MAX_YAML_CHARS]
    document.data = _convert(node, (), document, budget)
    return document


_KEY_AND_VALUE = re.compile(r"^(\s*(?:- )?)([^\s:#][^:#]*):\s+(.*\S)\s*$")


def syntax_hint(problem: str, line: str) -> str:
    """How to mend the common causes of a YAML syntax error on ``line``, or ""."""
    if "\\t" in problem or "\t" in problem or " tab " in problem:
        return "indent with spaces: YAML does not allow tabs"
    if problem.startswith("mapping values are not allowed"):
        found = _KEY_AND_VALUE.match(line)
        if found and ": " in found[3] and not found[3].startswith(("'", '"')):
            indent, key, value = found.groups()
            escaped = value.replace('"', '\\"')
            return f'a value with ": " in it must be in quotes: {indent.strip()}{key}: "{escaped}"'
        return (
            "check the indentation (this line may be indented deeper than the key before "
            'it), or put a value with ": " in quotes'
        )
    if "block end" in problem or "expected key" in problem or "expected ':'" in problem:
        return (
            "check the indentation: the keys of one mapping start in the same column, and "
            "the items of a list under it one level deeper"
        )
    if "end of stream" in problem or "quoted scalar" in problem:
        return "a quote (\" or ') is opened and not closed"
    return ""


_TOO_DEEP = f"lists and mappings nest more than {MAX_YAML_DEPTH} levels deep; flatten the file"


def _convert(node: yaml.Node, loc: tuple[str, ...], doc: YamlDocument, budget: list[int]) -> Any:
    """Plain data of ``node``; ``budget`` is what may still be made: values, characters."""
    budget[0] -= 1
    line = node.start_mark.line + 1
    if len(loc) > MAX_YAML_DEPTH:
        raise LetterError.at(doc.path, line, loc[0], _TOO_DEEP)
    if budget[0] < 0:
        raise LetterError.at(
            doc.path,
            line,
            ".".join(loc),
            f"the file expands to more than {MAX_YAML_NODES} values (aliases?); simplify it",
        )
    if node.tag not in PLAIN_TAGS:
        raise LetterError.at(
            doc.path,
            line,
            ".".join(loc),
            f"the tag {node.tag!r} is not allowed; remove it and write plain text",
        )
    doc.lines.setdefault(".".join(loc), line)
    if isinstance(node, yaml.ScalarNode):
        budget[1] -= len(node.value)
        if budget[1] < 0:
            raise LetterError.at(
                doc.path,
                line,
                ".".join(loc),
                f"the file expands to more than {MAX_YAML_CHARS} characters (an alias of a "
                "long text, repeated?); write the text once",
            )
        # A block scalar's text starts on the line after its indicator (| or >).
        doc.value_lines[".".join(loc)] = line + (1 if node.style in ("|", ">") else 0)
        if not node.style and node.value in NULLS:  # plain: None (PyYAML) or "" (libyaml)
            return None
        return node.value
    if isinstance(node, yaml.SequenceNode):
        return [_convert(item, (*loc, str(i)), doc, budget) for i, item in enumerate(node.value)]
    mapping: dict[str, Any] = {}
    for key_node, value_node in node.value:
        key_line = key_node.start_mark.line + 1
        if not isinstance(key_node, yaml.ScalarNode) or key_node.tag not in PLAIN_TAGS:
            raise LetterError.at(doc.path, key_line, ".".join(loc), "keys must be plain words")
        key = key_node.value
        if key in mapping:
            first = doc.lines.get(".".join((*loc, key)))
            raise LetterError.at(
                doc.path,
                key_line,
                ".".join((*loc, key)),
                f"the key {key!r} is given twice (first on line {first}); keep one",
            )
        doc.lines[".".join((*loc, key))] = key_line
        mapping[key] = _convert(value_node, (*loc, key), doc, budget)
    return mapping

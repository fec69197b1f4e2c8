"""Hyphenation with pyphen, its patterns kept in a cache on disk, by language.

A language pyphen has no patterns for (North Sámi) is not hyphenated at all: another
language's patterns would split its words in wrong places.

Parsing the nb/nn pattern files takes about a third of a second, longer than building a whole
letter; a clerk who builds one letter from the command line would pay it every time. The parsed
patterns are therefore stored with ``marshal`` (plain data only, nothing executable) in an entry
of the user's cache folder (``filekey.write_entry``: checked whole before it is read) and read
back in a millisecond, the patterns made into a dictionary only as words need them. Any
problem with the cache is ignored: it is only a shortcut to the same patterns.
"""

from __future__ import annotations

import marshal
import sys
from array import array
from functools import lru_cache
from pathlib import Path

import pyphen

from letterpress.filekey import entry_path, read_entry, write_entry
from letterpress.labels import LABELS

Patterns = dict[str, object]
"""pyphen's parsed patterns: a fragment of a word -> where it may be broken."""


def dictionary_for(tag: str) -> str:
    """The pyphen dictionary name for a BCP 47 language tag: ``se`` and ``se-NO`` give
    ``se_NO``, ``nb`` gives letterpress's ``nb_NO``, ``de-AT`` gives ``de_AT``."""
    name = tag.strip().replace("-", "_")
    primary = name.split("_")[0].lower()
    if primary == name.lower() and primary in LABELS:
        return LABELS[primary].hyphenation
    return name


@lru_cache(maxsize=8)
def hyphenator(language: str) -> pyphen.Pyphen | None:
    """A hyphenator for ``language`` (a pyphen dictionary name such as ``nb_NO``), or None
    when pyphen has no patterns for it."""
    found = pyphen.language_fallback(language) if language else None
    if found is None:
        return None
    source = pyphen.LANGUAGES[found]
    cache = _cache_file(source)
    if source not in pyphen.hdcache and cache is not None:
        stored = _read(cache)
        if stored is not None:
            pyphen.hdcache[source] = _Dictionary(source, *stored)
    fresh = source not in pyphen.hdcache
    hyphenator = pyphen.Pyphen(lang=language, left=2, right=3)
    if fresh and cache is not None:
        _write(cache, hyphenator.hd.patterns)
    return hyphenator


KIND = "hyphenation"
"""The parsed patterns of one pyphen dictionary, grouped by their first two characters (one
for a pattern of one character): for each group the pattern keys joined by line breaks and for
each key the number of its value (an ``array``); then the distinct values and the longest
key's length. A pattern file of 27,000 patterns has fewer than a thousand distinct values and
about as many groups; a letter's words need a few dozen groups, made into a dictionary when a
word first needs them, so a new process does not build all 27,000 entries for a few words."""
FORMAT = 2
_INDEX = "I"

Groups = dict[str, tuple[str, bytes]]


def _cache_file(source: Path) -> Path | None:
    try:
        stat = source.stat()
    except OSError:
        return None
    layout = (FORMAT, pyphen.VERSION, marshal.version, sys.byteorder, array(_INDEX).itemsize)
    return entry_path(KIND, source, stat.st_size, stat.st_mtime_ns, *layout)


def _group(key: str) -> str:
    return key[:2]


def _read(path: Path) -> tuple[Groups, list[tuple[int, tuple[int, ...]]], int] | None:
    """The groups, values and longest key of the entry at ``path``; None when there is none
    or it is not of the shape ``_write`` makes (a group is checked when it is made)."""
    payload = read_entry(path, KIND)
    if payload is None:
        return None
    try:
        groups, values, longest = marshal.loads(payload)
    except (EOFError, ValueError, TypeError):
        return None
    if not (
        isinstance(groups, dict)
        and isinstance(values, list)
        and isinstance(longest, int)
        and longest > 0
        and all(_is_value(value) for value in values)
    ):
        return None
    return groups, values, longest


def _is_value(value: object) -> bool:
    """A pattern's value as pyphen parses a standard dictionary: where it starts, and the
    numbers from there (``(2, (4,))``)."""
    return (
        isinstance(value, tuple)
        and len(value) == 2
        and isinstance(value[0], int)
        and isinstance(value[1], tuple)
        and all(isinstance(number, int) for number in value[1])
    )


def _write(path: Path | None, patterns: Patterns) -> None:
    if not all(map(_is_value, patterns.values())) or any("\n" in key for key in patterns):
        return  # dictionaries with non-standard hyphenation: parsed each time
    values = list(dict.fromkeys(patterns.values()))
    number = {value: at for at, value in enumerate(values)}
    keys: dict[str, list[str]] = {}
    for key in patterns:
        keys.setdefault(_group(key), []).append(key)
    groups = {
        name: ("\n".join(members), array(_INDEX, [number[patterns[k]] for k in members]).tobytes())
        for name, members in keys.items()
    }
    longest = max(map(len, patterns))
    write_entry(path, KIND, marshal.dumps((groups, values, longest)))


class _Dictionary(pyphen.HyphDict):  # type: ignore[misc]  # pyphen has no type hints
    """pyphen's dictionary of a pattern file read from the cache, its patterns made into the
    dictionary pyphen looks them up in group by group, before the first word that needs them
    is hyphenated. pyphen looks up every part of ``.word.``: each part's group is there by
    then, so every look-up finds what the whole dictionary holds."""

    def __init__(
        self, source: Path, groups: Groups, values: list[tuple[int, tuple[int, ...]]], longest: int
    ) -> None:
        # Not HyphDict.__init__, which parses the pattern file.
        self.source = source
        self.patterns: Patterns = {}
        self.cache: dict[str, list[pyphen.DataInt]] = {}
        self.maxlen = longest
        self.groups = groups
        self.values = values

    def positions(self, word: str) -> list[pyphen.DataInt]:
        lowered = word.lower()
        if self.groups and lowered not in self.cache:
            self.make_groups(f".{lowered}.")
        found: list[pyphen.DataInt] = super().positions(word)
        return found

    def make_groups(self, pointed: str) -> None:
        wanted = {pointed[i : i + size] for i in range(len(pointed)) for size in (1, 2)}
        for name in wanted & self.groups.keys():
            group = self.groups.pop(name)
            try:
                keys, numbers = group
                values = map(self.values.__getitem__, array(_INDEX, numbers))
                self.patterns.update(zip(keys.split("\n"), values, strict=True))
            except (TypeError, ValueError, IndexError, AttributeError):
                # Not what ``_write`` wrote: the pattern file decides, parsed as without a cache.
                self.groups = {}
                self.patterns = pyphen.HyphDict(self.source).patterns
                return

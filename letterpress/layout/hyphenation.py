"""Hyphenation with pyphen, its patterns kept in a cache on disk, by language.

A language pyphen has no patterns for (North Sámi) is not hyphenated at all: another
language's patterns would split its words in wrong places.

Parsing the nb/nn pattern files takes about a third of a second, longer than building a whole
letter; a clerk who builds one letter from the command line would pay it every time. The parsed
patterns are therefore stored with ``marshal`` (plain data only, nothing executable) in an entry
of the user's cache folder (``filekey.write_entry``: checked whole before it is read) and read
back in a few milliseconds. Any problem with the cache is ignored: it is only a shortcut to the
same patterns.
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
        patterns = _read(cache)
        if patterns is not None:
            pyphen.hdcache[source] = _dictionary(patterns)
    fresh = source not in pyphen.hdcache
    hyphenator = pyphen.Pyphen(lang=language, left=2, right=3)
    if fresh and cache is not None:
        _write(cache, hyphenator.hd.patterns)
    return hyphenator


KIND = "hyphenation"
"""The parsed patterns of one pyphen dictionary, as three plain parts: the pattern keys joined
by line breaks, the distinct values, and for each key the number of its value (an ``array``).
A pattern file of 27,000 patterns has fewer than a thousand distinct values, so this loads in
about a third of the time of the dictionary marshalled as it is."""
_INDEX = "I"


def _cache_file(source: Path) -> Path | None:
    try:
        stat = source.stat()
    except OSError:
        return None
    layout = (pyphen.VERSION, marshal.version, sys.byteorder, array(_INDEX).itemsize)
    return entry_path(KIND, source, stat.st_size, stat.st_mtime_ns, *layout)


def _read(path: Path) -> Patterns | None:
    payload = read_entry(path, KIND)
    if payload is None:
        return None
    try:
        keys, values, numbers = marshal.loads(payload)
    except (EOFError, ValueError, TypeError):
        return None
    if not (
        isinstance(keys, str)
        and isinstance(numbers, bytes)
        and isinstance(values, list)
        and all(_is_value(value) for value in values)
    ):
        return None
    index = array(_INDEX)
    try:
        index.frombytes(numbers)
    except ValueError:  # not a whole number of entries
        return None
    words = keys.split("\n")
    if not words or len(words) != len(index) or max(index, default=0) >= len(values):
        return None
    return dict(zip(words, map(values.__getitem__, index), strict=True))


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
    index = array(_INDEX, [number[value] for value in patterns.values()])
    write_entry(path, KIND, marshal.dumps(("\n".join(patterns), values, index.tobytes())))


def _dictionary(patterns: Patterns) -> pyphen.HyphDict:
    """A pyphen ``HyphDict`` from its parsed patterns, without parsing the file again."""
    dictionary = pyphen.HyphDict.__new__(pyphen.HyphDict)
    dictionary.patterns = patterns
    dictionary.cache = {}
    dictionary.maxlen = max(map(len, patterns))
    return dictionary

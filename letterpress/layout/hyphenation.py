"""Hyphenation with pyphen, its patterns kept in a cache on disk, by language.

A language pyphen has no patterns for (North Sámi) is not hyphenated at all: another
language's patterns would split its words in wrong places.

Parsing the nb/nn pattern files takes about a third of a second, longer than building a whole
letter; a clerk who builds one letter from the command line would pay it every time. The parsed
patterns are therefore stored with ``marshal`` (plain data only, nothing executable) under the
user's cache folder and read back in a few milliseconds. Any problem with the cache is ignored:
it is only a shortcut to the same patterns.
"""

from __future__ import annotations

import contextlib
import hashlib
import marshal
from functools import lru_cache
from pathlib import Path

import pyphen

from letterpress.filekey import cache_dir
from letterpress.labels import LABELS
from letterpress.output import write_atomic

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


def _cache_file(source: Path) -> Path | None:
    try:
        stat = source.stat()
    except OSError:
        return None
    key = f"{source}|{stat.st_size}|{stat.st_mtime_ns}|{pyphen.VERSION}|{marshal.version}"
    return cache_dir() / f"hyphenation-{hashlib.sha1(key.encode()).hexdigest()[:16]}.marshal"


def _read(path: Path) -> Patterns | None:
    with contextlib.suppress(OSError, EOFError, ValueError, TypeError):
        patterns = marshal.loads(path.read_bytes())
        if isinstance(patterns, dict) and patterns:
            return patterns
    return None


def _write(path: Path, patterns: Patterns) -> None:
    with contextlib.suppress(OSError, ValueError):
        # Dictionaries with non-standard hyphenation hold objects marshal cannot store.
        write_atomic(path, marshal.dumps(patterns))


def _dictionary(patterns: Patterns) -> pyphen.HyphDict:
    """A pyphen ``HyphDict`` from its parsed patterns, without parsing the file again."""
    dictionary = pyphen.HyphDict.__new__(pyphen.HyphDict)
    dictionary.patterns = patterns
    dictionary.cache = {}
    dictionary.maxlen = max(len(key) for key in patterns)
    return dictionary

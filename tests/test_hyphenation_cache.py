"""Hyphenation patterns read back from the cache folder hyphenate every word exactly as the
pattern file pyphen parses, however few of them a process has made into a dictionary."""

from __future__ import annotations

import marshal
import re
from array import array
from collections.abc import Iterator
from pathlib import Path

import pyphen
import pytest
from conftest import ROOT

from letterpress.filekey import CACHE_VARIABLE, read_entry, write_entry
from letterpress.layout import hyphenation

WORDS = [
    "kommunestyret", "Storbynettverket", "innspill", "høringsuttalelse", "samfunnsutvikling",
    "tilskuddsforvaltningsretningslinjene", "e-postadresse", "Æresborger", "øyeblikkelig",
    "ÅRSMELDING", "2024-rapporten", "x", "ab", "bydelsutvalg", "vedtaksføre", "fylkes-kommunen",
]


def _words_of_the_letters() -> list[str]:
    text = " ".join(path.read_text(encoding="utf-8") for path in (ROOT / "letters").glob("*.y*ml"))
    return sorted(set(re.findall(r"[^\W\d_]{6,}", text)))


@pytest.fixture
def cached(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv(CACHE_VARIABLE, str(tmp_path))
    source = pyphen.LANGUAGES[pyphen.language_fallback("nb_NO")]
    kept = pyphen.hdcache.pop(source, None)
    hyphenation.hyphenator.cache_clear()
    yield source
    pyphen.hdcache.pop(source, None)
    if kept is not None:
        pyphen.hdcache[source] = kept
    hyphenation.hyphenator.cache_clear()


def _from_cache(source: Path) -> pyphen.Pyphen:
    pyphen.hdcache.pop(source, None)
    hyphenation.hyphenator.cache_clear()
    found = hyphenation.hyphenator("nb_NO")
    assert found is not None
    return found


def _parsed(source: Path) -> pyphen.Pyphen:
    pyphen.hdcache[source] = pyphen.HyphDict(source)
    return pyphen.Pyphen(lang="nb_NO", left=2, right=3)


def test_patterns_from_the_cache_hyphenate_as_the_pattern_file(cached: Path) -> None:
    source = cached
    first = hyphenation.hyphenator("nb_NO")  # parses the file and stores the entry
    assert first is not None and not isinstance(first.hd, hyphenation._Dictionary)
    words = WORDS + _words_of_the_letters()
    expected = {word: first.positions(word) for word in words}

    # Each word alone in a new dictionary from the cache, which makes only the groups that
    # word's parts need; then all of them in one, as the letters of a batch ask.
    for word in words:
        alone = _from_cache(source)
        assert isinstance(alone.hd, hyphenation._Dictionary)
        assert alone.positions(word) == expected[word], word
    warm = _from_cache(source)
    assert {word: warm.positions(word) for word in words} == expected
    assert warm.hd.groups, "every group was made, not only those the words need"
    assert len(words) > 100


def test_a_group_that_is_not_what_was_written_falls_back_to_the_pattern_file(
    cached: Path,
) -> None:
    source = cached
    parsed = _parsed(source)
    expected = {word: parsed.positions(word) for word in WORDS}
    pyphen.hdcache.pop(source, None)
    hyphenation.hyphenator("nb_NO")  # stores the entry
    entry = hyphenation._cache_file(source)
    groups, values, longest = marshal.loads(read_entry(entry, hyphenation.KIND))
    keys, numbers = groups["ko"]
    index = array("I")
    index.frombytes(numbers)
    index[0] = len(values) + 5  # a value that is not there, in a whole entry
    groups["ko"] = (keys, index.tobytes())
    write_entry(entry, hyphenation.KIND, marshal.dumps((groups, values, longest)))

    warm = _from_cache(source)
    assert isinstance(warm.hd, hyphenation._Dictionary)
    assert {word: warm.positions(word) for word in WORDS} == expected

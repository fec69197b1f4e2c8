"""What a new process keeps in the cache folder (fonts as ReportLab parses them, encoded logos
and signatures) is only a shortcut: every letter in ``letters/`` comes out byte for byte the same
with an empty cache folder, a filled one, one whose entries were damaged, and none that can be
written."""

from __future__ import annotations

import hashlib
import marshal
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import LETTERS, ROOT

from letterpress.filekey import ENTRY_MARK, read_entry

Built = dict[str, bytes]


def _build_letters(out: Path, cache: Path) -> Built:
    """``letterpress build letters/`` in a new process with ``cache`` as its cache folder."""
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1663027200", "LETTERPRESS_CACHE_DIR": str(cache)}
    done = subprocess.run(
        [sys.executable, "-m", "letterpress", "build", str(LETTERS), "-j", "1", "-o", str(out)],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=300, check=False,
    )
    assert done.returncode == 0, done.stderr
    built = {path.name: path.read_bytes() for path in out.rglob("*.pdf")}
    assert len(built) >= 5
    return built


@pytest.fixture(scope="module")
def cold(tmp_path_factory: pytest.TempPathFactory) -> tuple[Built, Path]:
    """The letters built with an empty cache folder, and that folder as the build left it."""
    folder = tmp_path_factory.mktemp("cold")
    cache = folder / "cache"
    return _build_letters(folder / "out", cache), cache


def _entries(cache: Path) -> dict[Path, bytes]:
    return {path: path.read_bytes() for path in sorted(cache.glob("*.bin"))}


def test_a_new_process_reads_fonts_and_images_from_the_cache_and_makes_the_same_letters(
    cold: tuple[Built, Path], tmp_path: Path
) -> None:
    letters, cache = cold
    entries = _entries(cache)
    kinds = sorted(path.name.split("-")[0] for path in entries)
    # The three font styles the letters use, the two logos and two signatures, and the
    # hyphenation patterns of the letters that break a word (bokmål).
    assert kinds.count("ttface") >= 3
    assert kinds.count("image") == 4
    assert kinds.count("hyphenation") >= 1
    written = {path: path.stat().st_mtime_ns for path in entries}

    assert _build_letters(tmp_path / "warm", cache) == letters
    # Each entry was read and found whole: a missing or bad one would have been written anew.
    assert {path: path.stat().st_mtime_ns for path in entries} == written


def test_without_a_writable_cache_folder_the_letters_are_the_same(
    cold: tuple[Built, Path], tmp_path: Path
) -> None:
    letters, _ = cold
    blocked = tmp_path / "a file"
    blocked.write_text("the cache folder cannot be made inside a file\n")
    assert _build_letters(tmp_path / "out", blocked / "cache") == letters


def _framed(kind: str, payload: bytes) -> bytes:
    """An entry as ``write_entry`` frames it: whole, but holding what the caller wrote."""
    return ENTRY_MARK + kind.encode() + b"\n" + hashlib.sha256(payload).digest() + payload


DAMAGES = {
    "cut short": lambda kind, data: data[: len(data) // 2],
    "one byte changed": lambda kind, data: data[:-7] + bytes([data[-7] ^ 0x55]) + data[-6:],
    "empty": lambda kind, data: b"",
    "written by something else": lambda kind, data: (LETTERS / "logos" / "ks.png").read_bytes(),
    "whole, of another shape": lambda kind, data: _framed(kind, marshal.dumps(({}, [1, 2]))),
    "whole, not marshal": lambda kind, data: _framed(kind, b"\xff\x00 not marshal data"),
}


def test_damaged_entries_are_ignored_and_made_again(
    cold: tuple[Built, Path], tmp_path: Path
) -> None:
    letters, original = cold
    cache = tmp_path / "cache"
    cache.mkdir()
    good = {path.name: data for path, data in _entries(original).items()}
    damages = list(DAMAGES.items())
    for number, (name, data) in enumerate(sorted(good.items())):
        _, damage = damages[number % len(damages)]
        (cache / name).write_bytes(damage(name.split("-")[0], data))

    assert _build_letters(tmp_path / "out", cache) == letters
    for name, data in good.items():
        kind = name.split("-")[0]
        assert read_entry(cache / name, kind) == read_entry(original / name, kind), name
        assert (cache / name).read_bytes() == data, f"{name} was not made again whole"

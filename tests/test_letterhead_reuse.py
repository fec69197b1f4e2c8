"""A letterhead is read once for the letters that name it, and read again as soon as it, its
logo or its fonts change on disk (a letterhead being designed while ``watch`` runs)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from conftest import KS_LETTERHEAD, LETTERS, pdf_text, write_letter, write_yaml

import letterpress
from letterpress.errors import LetterError


def letterhead_copy(folder: Path) -> Path:
    """The KS letterhead with its own copy of the logo, in ``folder``."""
    shutil.copy(LETTERS / "logos" / "ks.png", folder / "logo.png")
    path = folder / "head.yaml"
    text = KS_LETTERHEAD.read_text(encoding="utf-8").replace("../logos/ks.png", "logo.png")
    path.write_text(text, encoding="utf-8")
    return path


def touch_later(path: Path) -> None:
    """A modification time clearly after the last one, as an editor's save gives."""
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 2_000_000_000))


def test_letters_naming_one_letterhead_see_it_change(tmp_path: Path) -> None:
    head = letterhead_copy(tmp_path)
    first = write_letter(tmp_path, "a.yaml", letterhead=str(head))
    second = write_letter(tmp_path, "b.yaml", letterhead=str(head))
    assert letterpress.load(first).letterhead.name == "KS"
    assert letterpress.load(second).letterhead.name == "KS"
    head.write_text(head.read_text(encoding="utf-8").replace("name: KS", "name: KS Bedrift"),
                    encoding="utf-8")
    touch_later(head)
    assert letterpress.load(second).letterhead.name == "KS Bedrift"
    assert "KS Bedrift" in pdf_text(letterpress.render(letterpress.load(first)))


def test_a_logo_replaced_by_a_broken_file_is_reported(tmp_path: Path) -> None:
    head = letterhead_copy(tmp_path)
    letter = write_letter(tmp_path, letterhead=str(head))
    assert letterpress.load(letter).letterhead.logo is not None
    (tmp_path / "logo.png").write_bytes(b"not a picture")
    touch_later(tmp_path / "logo.png")
    with pytest.raises(LetterError) as caught:
        letterpress.load(letter)
    assert "logo.png is not a PNG or JPEG image" in str(caught.value)
    assert str(head) in str(caught.value)


def test_a_logo_removed_is_reported_not_a_traceback(tmp_path: Path) -> None:
    head = letterhead_copy(tmp_path)
    letter = write_letter(tmp_path, letterhead=str(head))
    letterpress.load(letter)
    (tmp_path / "logo.png").unlink()
    with pytest.raises(LetterError) as caught:
        letterpress.load(letter)
    assert "logo" in str(caught.value)


def test_a_letterhead_that_went_bad_is_reported_for_every_letter(tmp_path: Path) -> None:
    head = letterhead_copy(tmp_path)
    letters = [write_letter(tmp_path, f"{n}.yaml", letterhead=str(head)) for n in "ab"]
    letterpress.load(letters[0])
    write_yaml(head, {"name": "KS", "colour": "blue"})
    touch_later(head)
    for letter in letters:
        with pytest.raises(LetterError) as caught:
            letterpress.load(letter)
        assert f"{head}:2: colour:" in str(caught.value)

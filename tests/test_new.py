"""``letterpress new`` writes a skeleton letter that builds, and never overwrites a file."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

import letterpress
from letterpress.cli import main
from letterpress.desktop.new import new_letter

ROOT = Path(__file__).resolve().parent.parent
EPOCH_2023_11_14 = "1700000000"


@pytest.fixture
def office(tmp_path: Path) -> Path:
    """A letter folder with one letterhead (and its logo) in ``letterheads/``."""
    (tmp_path / "letterheads").mkdir()
    shutil.copy(ROOT / "letters" / "letterheads" / "ks.yaml", tmp_path / "letterheads")
    shutil.copytree(ROOT / "letters" / "logos", tmp_path / "logos")
    return tmp_path


def test_new_then_build_gives_a_pdf(
    office: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH_2023_11_14)
    assert main(["new", str(office / "svar")]) == 0
    letter = office / "svar.yaml"
    assert f"wrote {letter}" in capsys.readouterr().out
    text = letter.read_text(encoding="utf-8")
    assert "letterhead: letterheads/ks.yaml" in text
    assert "date: 2023-11-14" in text
    report = letterpress.build([letter], office / "out", letterpress.Options(pdfa=False))
    assert report.ok, [str(p) for o in report.outcomes for p in o.problems]
    pdf = office / "out" / "svar.pdf"
    assert pdf.read_bytes().startswith(b"%PDF-")


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("nb", "Vår referanse, f.eks."),
        ("nn", "Sakshandsamar;"),
        ("en", "Case officer;"),
        ("se", "labels: [se, nb]"),
    ],
)
def test_each_language_loads_and_renders(
    tmp_path: Path, language: str, words: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH_2023_11_14)
    path = new_letter(tmp_path / "brev", language=language)  # type: ignore[arg-type]
    assert words in path.read_text(encoding="utf-8")
    warnings: list[letterpress.Problem] = []
    letter = letterpress.load(path, warnings)
    assert letter.language == language
    assert warnings == []
    assert letterpress.render(letter, letterpress.Options(pdfa=False)).startswith(b"%PDF-")


def test_refuses_to_overwrite(office: Path, capsys: pytest.CaptureFixture[str]) -> None:
    letter = office / "svar.yaml"
    letter.write_text("title: mitt viktige brev\n", encoding="utf-8")
    assert main(["new", str(office / "svar")]) == 1
    assert "already exists" in capsys.readouterr().err
    assert letter.read_text(encoding="utf-8") == "title: mitt viktige brev\n"


def test_nearest_letterhead_from_a_subfolder(office: Path) -> None:
    path = new_letter(office / "2024" / "mai" / "svar.yml")
    assert path.name == "svar.yml"
    assert yaml.safe_load(path.read_text(encoding="utf-8"))["letterhead"] == (
        "../../letterheads/ks.yaml"
    )
    letterpress.load(path)


def test_inline_letterhead_when_the_choice_is_not_clear(office: Path) -> None:
    shutil.copy(office / "letterheads" / "ks.yaml", office / "letterheads" / "ks-2.yaml")
    path = new_letter(office / "svar")
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert data["letterhead"]["name"] == "Organisasjonens navn"
    assert "letterheads/ks-2.yaml, letterheads/ks.yaml" in path.read_text(encoding="utf-8")


def test_letterhead_option_is_written_relative_to_the_letter(tmp_path: Path) -> None:
    letterhead = ROOT / "letters" / "letterheads" / "ks.yaml"
    assert main(["new", str(tmp_path / "brev"), "--letterhead", str(letterhead)]) == 0
    path = tmp_path / "brev.yaml"
    written = yaml.safe_load(path.read_text(encoding="utf-8"))["letterhead"]
    assert (tmp_path / written).resolve() == letterhead.resolve()
    assert letterpress.load(path).letterhead.name == "KS"


def test_missing_letterhead_option(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["new", str(tmp_path / "brev"), "--letterhead", str(tmp_path / "nei.yaml")]) == 1
    assert "letterhead file not found" in capsys.readouterr().err
    assert not (tmp_path / "brev.yaml").exists()


def test_a_letter_inside_the_project_points_editors_at_the_schema(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "letter.schema.json").write_text("{}", encoding="utf-8")
    path = new_letter(tmp_path / "letters" / "brev")
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first == "# yaml-language-server: $schema=../docs/letter.schema.json"

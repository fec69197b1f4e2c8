"""The import rule of docs/architecture.md, read from that page and checked against the code.

Every import in ``letterpress/`` counts: at the top of a module, inside a function, under
``TYPE_CHECKING``, and module names given as strings (what ``importlib`` is handed).
"""

from __future__ import annotations

import ast
import importlib
import re
import subprocess
import sys
import types
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "letterpress"
DOC = ROOT / "docs" / "architecture.md"
MODULE_NAME = re.compile(r"letterpress(\.\w+)+")

HEAVY = ("reportlab", "pikepdf", "pydantic", "PIL", "markdown_it", "pyhanko", "pyphen", "yaml")
"""Libraries the command line must not load before a command needs them."""

PDF_LIBRARIES = ("reportlab", "pikepdf", "pyhanko", "pypdfium2")
"""Libraries that read or write PDF; ``check`` needs none of them."""

SIGNING_LIBRARIES = ("cryptography", "pyhanko", "asn1crypto", "oscrypto")
"""Only signing and checking signatures need these; a build without ``--sign`` loads none."""

POOL_MODULES = ("multiprocessing", "concurrent.futures")
"""A pool of worker processes; a build of one letter is made in the build process."""

NETWORK_MODULES = ("ssl", "http.client", "urllib.request", "smtplib")
"""Only mail and a time-stamping authority go on the network."""

NOT_FOR_ONE_LETTER = ("letterpress.reading.recipients", "difflib", "xml.sax", "pypdfium2")
"""The recipients-file reader (merges), the suggestion of a key (mistakes), the XML escaping
module that brings ``urllib.request``, and pdfium (the print check reads a letter's own pages
from their layout; only appended PDFs are read back): a right letter to one recipient needs
none."""

SEED = ROOT / "letters" / "ks-storbynettverk-innspill.yaml"


def layers() -> dict[str, int]:
    """Unit (a subpackage or a top-level module of ``letterpress``) -> its layer, from the
    table under "The import rule" in docs/architecture.md."""
    section = DOC.read_text(encoding="utf-8").split("## The import rule", 1)[1]
    found: dict[str, int] = {}
    for row in re.finditer(r"^\| (\d+) [^|]*\| ([^|]+) \|$", section, re.MULTILINE):
        for unit in re.findall(r"`([\w]+)`", row.group(2)):
            found[unit] = int(row.group(1))
    return found


def unit_of(module: str) -> str:
    """``letterpress.layout.text`` -> ``layout``; ``letterpress`` -> ``__init__``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported(path: Path) -> set[str]:
    """Every ``letterpress`` module that the file at ``path`` imports, in any way."""
    text = path.read_text(encoding="utf-8")
    return imports_in(text, module_name(path), path.name == "__init__.py")


def imports_in(text: str, here: str, is_package: bool) -> set[str]:
    """Every ``letterpress`` module that source ``text`` of module ``here`` imports."""
    package = here if is_package else here.rpartition(".")[0]
    names: set[str] = set()
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            names.add(base)
            # ``from letterpress import geometry`` imports the module letterpress.geometry.
            names.update(f"{base}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            names.add(node.value)  # kept below only when it names a module
    return {name for name in names if _is_module(name)}


def _is_module(name: str) -> bool:
    if not MODULE_NAME.fullmatch(name) and name != "letterpress":
        return False
    path = ROOT.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def edges() -> list[tuple[str, str, str]]:
    """(importing file, its unit, imported unit) for every import between two units."""
    return [
        (str(path.relative_to(ROOT)), *edge)
        for path in sorted(PACKAGE.rglob("*.py"))
        for edge in unit_edges(module_name(path), imported(path))
    ]


def unit_edges(here: str, names: set[str]) -> list[tuple[str, str]]:
    return [
        (unit_of(here), unit_of(name))
        for name in sorted(names)
        if unit_of(name) != unit_of(here) and name != "letterpress"
    ]


def against_rule(here: str, there: str) -> bool:
    rank = layers()
    return rank[there] > rank[here] or (rank[there] == rank[here] and rank[here] != 0)


def units() -> set[str]:
    found = {p.stem for p in PACKAGE.glob("*.py")}
    found |= {p.parent.name for p in PACKAGE.glob("*/__init__.py")}
    return found


def test_the_rule_places_every_package_and_module() -> None:
    unplaced = units() - set(layers())
    assert not unplaced, f"add {sorted(unplaced)} to the import rule in docs/architecture.md"
    assert not set(layers()) - units(), "the import rule names a unit that does not exist"


def test_no_import_goes_to_a_later_stage_or_a_sibling() -> None:
    rank = layers()
    wrong = sorted({
        f"{path}: {here} (layer {rank[here]}) imports {there} (layer {rank[there]})"
        for path, here, there in edges()
        if against_rule(here, there)
    })
    assert not wrong, "\n".join(wrong)


def test_no_packages_import_each_other_in_a_circle() -> None:
    graph: dict[str, set[str]] = {}
    for _, here, there in edges():
        graph.setdefault(here, set()).add(there)

    def reaches(start: str, goal: str, seen: set[str]) -> bool:
        for step in graph.get(start, ()):
            if step == goal or (step not in seen and reaches(step, goal, seen | {step})):
                return True
        return False

    circles = sorted(unit for unit in graph if reaches(unit, unit, {unit}))
    assert not circles, f"these units import themselves through others: {circles}"


def test_the_rule_catches_imports_against_it() -> None:
    # The checks above would pass on code they cannot read; this shows they read every form.
    probe = (
        "from typing import TYPE_CHECKING\n"
        "from letterpress import geometry\n"
        "from . import words\n"
        "if TYPE_CHECKING:\n    from letterpress.layout.page import Node\n"
        "def f():\n    from letterpress import batch\n"
        "HOME = 'letterpress.finish.sign'\n"
    )
    found = imports_in(probe, "letterpress.reading.probe", is_package=False)
    assert found >= {"letterpress.geometry", "letterpress.reading.words",
                     "letterpress.layout.page", "letterpress.batch", "letterpress.finish.sign"}
    wrong = {there for here, there in unit_edges("letterpress.reading.probe", found)
             if against_rule(here, there)}
    assert wrong == {"layout", "batch", "finish"}


@pytest.mark.parametrize("unit", sorted(p.parent.name for p in PACKAGE.glob("*/__init__.py")))
def test_every_subpackage_imports_as_a_module(unit: str) -> None:
    assert isinstance(importlib.import_module(f"letterpress.{unit}"), types.ModuleType)


def loaded_after(code: str, watched: tuple[str, ...] = HEAVY + PDF_LIBRARIES) -> list[str]:
    """The modules of ``watched`` (by default ``HEAVY`` and ``PDF_LIBRARIES``) a fresh
    interpreter has loaded after running ``code``."""
    probe = (
        f"import sys\n{code}\n"
        f"print('LOADED', *(m for m in {sorted(set(watched))!r} if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT
    )
    return done.stdout.splitlines()[-1].split()[1:]


def test_the_command_line_loads_no_heavy_library_to_start() -> None:
    assert loaded_after("import letterpress.cli") == []
    assert loaded_after("import letterpress") == []


def test_help_loads_no_heavy_library() -> None:
    code = (
        "from letterpress.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "for command in ('build', 'check', 'mail', 'verify'):\n"
        "    try:\n        main([command, '--help'])\n    except SystemExit:\n        pass"
    )
    assert loaded_after(code) == []


def test_check_loads_no_pdf_library() -> None:
    letter = ROOT / "letters" / "ks-storbynettverk-innspill.yaml"
    code = f"from letterpress.cli import main\nassert main(['check', {str(letter)!r}]) == 0"
    loaded = loaded_after(code)
    assert not set(loaded) & set(PDF_LIBRARIES), loaded


def test_check_loads_no_signing_pool_or_network_module() -> None:
    code = f"from letterpress.cli import main\nassert main(['check', {str(SEED)!r}]) == 0"
    assert loaded_after(code, SIGNING_LIBRARIES + POOL_MODULES + NETWORK_MODULES) == []


def test_building_one_letter_loads_only_what_it_uses(tmp_path: Path) -> None:
    # What a build of one right letter without --sign never uses: x509 and CMS, a pool of
    # worker processes (one letter is built in this process), the network, merges, mistakes.
    code = (
        "from letterpress.cli import main\n"
        f"assert main(['build', {str(SEED)!r}, '-o', {str(tmp_path)!r}]) == 0"
    )
    watched = SIGNING_LIBRARIES + POOL_MODULES + NETWORK_MODULES + NOT_FOR_ONE_LETTER
    assert loaded_after(code, watched) == []
    assert (tmp_path / f"{SEED.stem}.pdf").stat().st_size > 0


def test_the_probe_sees_what_signing_loads() -> None:
    # The two tests above pass only if the probe can see these modules at all.
    loaded = loaded_after("import letterpress.finish.sign", SIGNING_LIBRARIES)
    assert "cryptography" in loaded
    loaded = loaded_after("import letterpress.batch.pool as p\np._context()", POOL_MODULES)
    assert loaded == ["multiprocessing"]


def test_loading_a_letter_without_images_loads_no_image_library(tmp_path: Path) -> None:
    letter = tmp_path / "brev.yaml"
    letter.write_text(
        "letterhead: {name: Testkommune}\n"
        "recipient: {name: Kari Nordmann, address: [Storgata 1, 0155 OSLO]}\n"
        "title: Svar på søknad\nbody: Søknaden er innvilget.\n",
        encoding="utf-8",
    )
    code = f"import letterpress\nletterpress.load({str(letter)!r})"
    assert "PIL" not in loaded_after(code)
    # With a logo the header is read by Pillow: the probe above would see it.
    logo = ROOT / "letters" / "logos"
    with_logo = letter.read_text(encoding="utf-8").replace(
        "{name: Testkommune}", f"{{name: Testkommune, logo: {next(logo.glob('*.png'))}}}"
    )
    letter.write_text(with_logo, encoding="utf-8")
    assert "PIL" in loaded_after(code)


def test_a_worker_imports_everything_it_builds_with_when_it_starts(tmp_path: Path) -> None:
    # Workers (and the fork server they start from) import RENDER_PATH before their first
    # letter; a module that building a letter imports later, every worker imports again.
    # (pdfium is left to the print check's first use: loading it in a fork server is not safe.)
    code = (
        "import importlib, sys\n"
        "from pathlib import Path\n"
        "from letterpress.batch import worker\n"
        "from letterpress.reading import load\n"
        "for name in worker.RENDER_PATH:\n    importlib.import_module(name)\n"
        "before = set(sys.modules)\n"
        "packages = {m.partition('.')[0] for m in before}\n"
        f"job = worker.Job(1, 1, Path({str(tmp_path / 'x.pdf')!r}), load({str(SEED)!r}))\n"
        "assert worker.run(job, worker.Options()).target is not None\n"
        "later = {m for m in set(sys.modules) - before if m.startswith('letterpress')}\n"
        "later |= {m.partition('.')[0] for m in sys.modules} - packages\n"
        "print('LATER', *sorted(later))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, cwd=ROOT)
    later = set(done.stdout.splitlines()[-1].split()[1:]) - set(sys.stdlib_module_names)
    assert later - {"pypdfium2", "pypdfium2_raw", "pypdfium2_cfg"} == set()

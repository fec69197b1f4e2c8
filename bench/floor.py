"""The import floor of a whole command: a new process that imports only the libraries the
command loads, and does nothing else.

A command's modules are found by running it once in a probe interpreter that writes, at exit,
every module the command loaded (what was already loaded when the interpreter started does not
count). The floor imports the third-party ones among them (not the standard library's as such,
not the engine's own package), in the order the command loaded them; the standard library
modules they need come along. So the floor follows what a build really imports: a library the
command stops using leaves the floor, a new one enters it.

    python bench/floor.py    # prints each engine's library modules, by package
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

OWN = {"letterpress", "workload", "table", "__main__", "__mp_main__"}
"""Top-level modules that are the engines' own code, not libraries."""

PROBE = """\
import atexit, json, runpy, sys
out, command = sys.argv[1], sys.argv[2:]
started = set(sys.modules)

def _dump():
    with open(out, "w", encoding="utf-8") as f:
        json.dump([m for m in list(sys.modules) if m not in started], f)

atexit.register(_dump)
if command[0] == "-c":
    sys.argv = ["-c", *command[2:]]
    exec(compile(command[1], "<command>", "exec"), {"__name__": "__main__"})
elif command[0] == "-m":
    sys.argv = [command[1], *command[2:]]
    runpy.run_module(command[1], run_name="__main__", alter_sys=True)
else:
    sys.argv = list(command)
    sys.path.insert(0, str(__import__("pathlib").Path(command[0]).resolve().parent))
    runpy.run_path(command[0], run_name="__main__")
"""

IMPORT_ALL = """\
import importlib, sys
for name in sys.argv[1:]:
    try:
        importlib.import_module(name)
    except Exception:
        pass
"""


def loaded_by(arguments: list[str], cwd: Path, env: dict[str, str]) -> list[str]:
    """The modules ``python ARGUMENTS`` loads, in the order it loads them. ``arguments`` start
    with ``-c CODE``, ``-m MODULE`` or a script's path."""
    with tempfile.TemporaryDirectory(prefix="lp-floor-") as folder:
        out = Path(folder) / "modules.json"
        subprocess.run([sys.executable, "-c", PROBE, str(out), *arguments], cwd=cwd, env=env,
                       capture_output=True, check=False, timeout=300)
        if not out.is_file():
            raise RuntimeError(f"the probe of {arguments[:2]} wrote no module list")
        return json.loads(out.read_text(encoding="utf-8"))


def libraries(modules: list[str]) -> list[str]:
    """The third-party modules of ``modules``: not the standard library, not an engine's own."""
    return [m for m in modules
            if (top := m.partition(".")[0]) not in sys.stdlib_module_names and top not in OWN]


def python_arguments(command: list[str]) -> list[str]:
    """What follows the interpreter in ``command``; an installed script (the ``letterpress``
    command) is itself the first argument."""
    return command[1:] if command[0] == sys.executable else command


def floor_command(modules: list[str]) -> list[str]:
    """A new interpreter that imports ``modules`` and stops."""
    return [sys.executable, "-c", IMPORT_ALL, *modules]


def main() -> None:
    import run

    with tempfile.TemporaryDirectory(prefix="lp-floor-") as name:
        commands = run.process_commands(Path(name))
        for engine, command in commands.items():
            found = libraries(loaded_by(python_arguments(command), run.REPO, run.worker_env()))
            packages = Counter(m.partition(".")[0] for m in found)
            print(f"{engine}: {len(found)} modules: "
                  + ", ".join(f"{p} {n}" for p, n in packages.most_common()))


if __name__ == "__main__":
    main()

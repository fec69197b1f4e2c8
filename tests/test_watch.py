"""``letterpress watch`` rebuilds on save, keeps the last good PDF through a broken save, and ends
cleanly on Ctrl-C."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO

import pypdfium2 as pdfium
import pytest

import letterpress
from letterpress.desktop.watch import watched_files

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "letters" / "ks-storbynettverk-innspill.yaml"
TIMEOUT = 30.0


def wait_for(condition: Callable[[], bool], what: str, timeout: float = TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


class Lines:
    """What a subprocess writes to one stream, collected line by line as it comes."""

    def __init__(self, stream: IO[str] | None) -> None:
        self.lines: list[str] = []
        self._thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self._thread.start()

    def _read(self, stream: IO[str] | None) -> None:
        assert stream is not None
        for line in stream:
            self.lines.append(line.rstrip("\n"))

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def pdf_text(path: Path) -> str:
    document = pdfium.PdfDocument(path.read_bytes())
    return "".join(document[i].get_textpage().get_text_range() for i in range(len(document)))


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    shutil.copy(SEED, tmp_path / "brev.yaml")
    shutil.copytree(ROOT / "letters" / "letterheads", tmp_path / "letterheads")
    shutil.copytree(ROOT / "letters" / "logos", tmp_path / "logos")
    return tmp_path


@pytest.mark.skipif(os.name == "nt", reason="Ctrl-C is sent as SIGINT")
def test_watch_rebuilds_survives_a_broken_save_and_stops_on_ctrl_c(folder: Path) -> None:
    letter, pdf = folder / "brev.yaml", folder / "out" / "brev.pdf"
    original = letter.read_text(encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [sys.executable, "-m", "letterpress", "watch", str(letter), "-o", str(folder / "out")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=folder,
    )
    out, err = Lines(process.stdout), Lines(process.stderr)
    try:
        wait_for(pdf.exists, "the first build")
        wait_for(lambda: "built" in out.text, "the first build's message")

        # An edit: the PDF is built again and shows the new title.
        letter.write_text(original.replace("title: KS storbynettverk", "title: Nytt innspill"),
                          encoding="utf-8")
        wait_for(lambda: "Nytt innspill" in pdf_text(pdf), "the rebuild after an edit")

        # A broken save: the problem is printed with file and line; the PDF stays as it was.
        good = pdf.read_bytes()
        letter.write_text(original + "title: [ikke lukket\n", encoding="utf-8")
        wait_for(lambda: "not built" in err.text, "the error of the broken save")
        assert f"{letter}:" in err.text
        assert "the last good PDF is kept" in err.text
        assert pdf.read_bytes() == good

        # The next good save builds again.
        letter.write_text(original.replace("title: KS storbynettverk", "title: Rettet innspill"),
                          encoding="utf-8")
        wait_for(lambda: "Rettet innspill" in pdf_text(pdf), "the rebuild after the fix")

        # The letterhead is watched too.
        letterhead = folder / "letterheads" / "ks.yaml"
        letterhead.write_text(
            letterhead.read_text(encoding="utf-8").replace("Storbynettverket", "Storbylaget"),
            encoding="utf-8",
        )
        wait_for(lambda: "Storbylaget" in pdf_text(pdf), "the rebuild after a letterhead edit")
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=TIMEOUT)
        finally:
            if process.poll() is None:
                process.kill()
    assert process.returncode == 0, err.text
    wait_for(lambda: "stopped watching" in out.text, "the goodbye")
    assert "Traceback" not in err.text


def test_watched_files_are_the_files_the_letter_uses(folder: Path) -> None:
    (folder / "innspill.md").write_text("Hei.\n", encoding="utf-8")
    (folder / "vedlegg.pdf").write_bytes(b"%PDF-1.4\n%%EOF\n")
    shutil.copytree(ROOT / "letters" / "signatures", folder / "signatures")
    signature = next((folder / "signatures").glob("*.png"))
    (folder / "brev.yaml").write_text(
        "letterhead: letterheads/ks.yaml\n"
        "title: Svar\n"
        "body_file: innspill.md\n"
        "recipient: {name: Kari}\n"
        f"signatories: [{{name: Kari, signature: signatures/{signature.name}}}]\n"
        "attachments: [{title: Vedtak, file: vedlegg.pdf}]\n",
        encoding="utf-8",
    )
    files = watched_files(letterpress.load(folder / "brev.yaml"))
    expected = {
        folder / "brev.yaml", folder / "letterheads" / "ks.yaml", folder / "logos" / "ks.png",
        folder / "innspill.md", signature, folder / "vedlegg.pdf",
    }
    assert files == {path.resolve() for path in expected}


def test_a_letterhead_font_changed_on_disk_is_used_by_the_next_build(tmp_path: Path) -> None:
    # watch rebuilds in one process: every cache of a font must notice the new file.
    import io

    import pikepdf
    from conftest import write_letter

    from letterpress.fonts import bundled_font_dir

    font = tmp_path / "brevfont.ttf"
    shutil.copyfile(bundled_font_dir() / "LiberationSans-Regular.ttf", font)
    letterhead = {"name": "Testkommune", "fonts": {"regular": str(font)}}
    path = write_letter(tmp_path, letterhead=letterhead)

    def embedded() -> set[str]:
        pdf = letterpress.render(letterpress.load(path))
        with pikepdf.open(io.BytesIO(pdf)) as doc:
            return {str(f.BaseFont).split("+")[-1] for f in doc.pages[0].Resources.Font.values()}

    assert embedded() == {"LiberationSans"}
    shutil.copyfile(bundled_font_dir() / "LiberationSans-Bold.ttf", font)
    os.utime(font, ns=(time.time_ns() + 10**9, time.time_ns() + 10**9))
    assert embedded() == {"LiberationSans-Bold"}

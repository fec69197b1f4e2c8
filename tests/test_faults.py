"""When the world around a build goes wrong: folders, a full disk, files vanishing, a second
build, signals, a server that never answers. Every case ends in whole files (or none) and a
clear message, never a traceback or a hang."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_batch import (
    ROOT,
    assert_only_whole_letters,
    assert_workers_exit,
    pdf_text,
    start_build,
    write_letter,
    write_merge,
)

import letterpress
from letterpress import output
from letterpress.batch.lock import FolderLock
from letterpress.batch.progress import Silent
from letterpress.batch.report import Outcome
from letterpress.cli import main


def every_file(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


# The output folder -----------------------------------------------------------------------------


def test_a_missing_output_folder_is_made(tmp_path: Path) -> None:
    letter = write_letter(tmp_path, "svar.yaml")
    out = tmp_path / "ny" / "mappe" / "ut"
    assert main(["build", str(letter), "-o", str(out)]) == 0
    assert every_file(out) == ["svar.pdf"]


@pytest.mark.parametrize("command", ["build", "mail"])
@pytest.mark.parametrize("below", ["", "brev/2024"])
def test_an_output_folder_that_is_a_file_is_one_clear_error(
    tmp_path: Path, capsys, command: str, below: str
) -> None:
    """Tests run as root, where no folder is read-only; a file where the folder should be is
    what every user can get wrong."""
    write_merge(tmp_path, "tilskudd.yaml", ["Kari", "Per", "Ola"])
    blocker = tmp_path / "ut"
    blocker.write_text("en fil, ikke en mappe", encoding="utf-8")
    out = blocker / below if below else blocker
    assert main([command, str(tmp_path), "-o", str(out)]) == 1
    captured = capsys.readouterr()
    assert captured.err == (
        f"letterpress: cannot write into {out}: {blocker} is a file, not a folder; choose "
        "another output folder\n"
    )
    assert blocker.read_text(encoding="utf-8") == "en fil, ikke en mappe"


def test_an_output_folder_that_may_not_be_written_is_one_clear_error(
    tmp_path: Path, monkeypatch, capsys
) -> None:
    """As root every folder may be written, so the system's answer is given by hand here."""
    letter = write_letter(tmp_path, "svar.yaml")
    out = tmp_path / "arkiv"
    out.mkdir()
    monkeypatch.setattr(output.os, "access", lambda path, mode: Path(path) != out)
    assert main(["build", str(letter), "-o", str(out / "2024")]) == 1
    assert capsys.readouterr().err == (
        f"letterpress: cannot write into {out / '2024'}: {out} may not be written to; choose "
        "another output folder\n"
    )
    assert every_file(out) == []


# Paths the system cannot use -------------------------------------------------------------------


def run_letterpress(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "letterpress", *arguments],
        capture_output=True, text=True, cwd=ROOT, timeout=60,
    )


@pytest.mark.parametrize("command", ["check", "build", "mail"])
def test_a_name_too_long_for_the_system_fails_that_letter_alone(
    tmp_path: Path, command: str
) -> None:
    good = mail_letter(tmp_path)
    long = tmp_path / ("x" * 300 + ".yaml")
    output = [] if command == "check" else ["-o", str(tmp_path / "ut")]
    done = run_letterpress(command, str(long), str(good), *output)
    assert done.returncode == 1
    assert f"{long}: cannot read the file: File name too long" in done.stderr
    assert "Traceback" not in done.stderr
    summary = {"check": "checked 1, failed 1", "build": "built 1, failed 1", "mail": "wrote 1 .eml"}
    assert summary[command] in done.stdout  # the good letter was still dealt with


@pytest.mark.parametrize("command", [["preflight"], ["new"], ["preview"]])
def test_other_commands_name_a_path_too_long_without_a_traceback(
    tmp_path: Path, command: list[str]
) -> None:
    long = tmp_path / ("x" * 300)
    done = run_letterpress(*command, str(long))
    assert done.returncode == 1
    assert "File name too long" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes")
def test_a_named_pipe_as_a_letter_is_refused_without_waiting(tmp_path: Path) -> None:
    pipe = tmp_path / "brev.yaml"
    os.mkfifo(pipe)
    done = run_letterpress("check", str(pipe))
    assert done.returncode == 1
    assert f"{pipe}: this is not a file (a folder, device or pipe); name a file" in done.stderr


# A full disk -----------------------------------------------------------------------------------


class _FullDisk:
    """A file whose disk fills up halfway through the first write."""

    def __init__(self, handle) -> None:
        self.handle = handle

    def write(self, data: bytes) -> int:
        self.handle.write(data[: len(data) // 2])
        self.handle.flush()
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    def __getattr__(self, name: str):
        return getattr(self.handle, name)

    def __enter__(self) -> _FullDisk:
        return self

    def __exit__(self, *exc: object) -> None:
        self.handle.close()


@contextlib.contextmanager
def full_disk(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every file ``write_atomic`` opens from now on fills the disk."""
    real = output.os.fdopen
    with monkeypatch.context() as patch:
        patch.setattr(output.os, "fdopen", lambda *args, **kw: _FullDisk(real(*args, **kw)))
        yield


def test_a_full_disk_keeps_the_old_letter_and_leaves_no_part(
    tmp_path: Path, monkeypatch, capsys
) -> None:
    letter = write_letter(tmp_path, "svar.yaml")
    out = tmp_path / "ut"
    assert main(["build", str(letter), "-o", str(out)]) == 0
    before = (out / "svar.pdf").read_bytes()
    write_letter(tmp_path, "svar.yaml", title="Endret svar")
    capsys.readouterr()
    with full_disk(monkeypatch):
        assert main(["build", str(letter), "-o", str(out), "-j", "1"]) == 1
    captured = capsys.readouterr()
    assert f"{letter}: cannot write {out / 'svar.pdf'}: No space left on device" in captured.err
    assert "built 0, failed 1" in captured.out
    assert every_file(out) == ["svar.pdf"]
    assert (out / "svar.pdf").read_bytes() == before


def test_a_full_disk_while_mailing_leaves_no_message(tmp_path: Path, monkeypatch, capsys) -> None:
    letter = write_letter(tmp_path, "svar.yaml", recipient={
        "name": "Kari Nordmann", "address": ["Storgata 1", "0155 OSLO"],
        "email": "kari@example.no",
    })
    out = tmp_path / "ut"
    with full_disk(monkeypatch):
        assert main(["mail", str(letter), "-o", str(out)]) == 1
    assert f"{out / 'svar.eml'}: cannot write it: No space left on device" in (
        capsys.readouterr().err
    )
    assert every_file(out) == []


def test_a_full_disk_on_a_file_system_without_hard_links_leaves_no_file(
    tmp_path: Path, monkeypatch
) -> None:
    """``letterpress new`` never replaces a file; without hard links it claims the name first,
    and must give it up again when the disk is full."""

    def no_links(source: str, target: Path) -> None:
        raise OSError(errno.EPERM, os.strerror(errno.EPERM))

    real_open = open
    monkeypatch.setattr(output.os, "link", no_links)
    monkeypatch.setattr(output, "open", lambda *a, **kw: _FullDisk(real_open(*a, **kw)),
                        raising=False)
    target = tmp_path / "svar.yaml"
    with pytest.raises(OSError, match="No space left on device"):
        output.write_atomic(target, b"title: Svar\n" * 1000, exclusive=True)
    assert every_file(tmp_path) == []


# Files that vanish during a build --------------------------------------------------------------


class _Vanishing(Silent):
    """Deletes ``victim`` once the letter file ``after`` is finished, as a colleague might."""

    def __init__(self, after: str, victim: Path) -> None:
        self.after, self.victim = after, victim

    def finished(self, outcome: Outcome) -> None:
        if outcome.source.name == self.after:
            self.victim.unlink()


def test_a_recipients_file_deleted_during_the_build_fails_that_merge(tmp_path: Path) -> None:
    write_letter(tmp_path, "a.yaml")
    write_merge(tmp_path, "m.yaml", ["Kari", "Per", "Ola"])
    write_letter(tmp_path, "z.yaml")
    csv_path = tmp_path / "m.csv"
    report = letterpress.build(
        [tmp_path], tmp_path / "ut", jobs=1, progress=_Vanishing("a.yaml", csv_path)
    )
    a, m, z = report.outcomes
    assert a.ok and z.ok and (report.built, report.failed) == (2, 3)
    assert [str(p) for p in m.problems] == [
        f"{csv_path}: cannot read the file: No such file or directory (moved or deleted?)"
    ]


def test_a_logo_deleted_during_a_merge_fails_the_letters_after_it(tmp_path: Path) -> None:
    (tmp_path / "logo.png").write_bytes((ROOT / "letters" / "logos" / "ks.png").read_bytes())
    head = tmp_path / "brevhode.yaml"
    head.write_text("name: Fjordvik kommune\nlogo: logo.png\n", encoding="utf-8")
    letter = write_merge(tmp_path, "m.yaml", ["Kari", "Per", "Ola"])
    ks = f"letterhead: {ROOT}/letters/letterheads/ks.yaml"
    text = letter.read_text(encoding="utf-8")
    letter.write_text(text.replace(ks, "letterhead: brevhode.yaml"), encoding="utf-8")

    class AfterFirst(Silent):
        def advance(self, ok: bool) -> None:
            (tmp_path / "logo.png").unlink(missing_ok=True)

    report = letterpress.build([letter], tmp_path / "ut", jobs=1, progress=AfterFirst())
    (outcome,) = report.outcomes
    assert (report.built, report.failed) == (1, 2)
    assert [p.name for p in outcome.outputs] == ["001-kari.pdf"]
    assert all(f"cannot read {tmp_path / 'logo.png'}" in str(p) for p in outcome.problems)
    assert all(str(p).startswith(str(head)) for p in outcome.problems)


# Two builds into one folder --------------------------------------------------------------------


def test_a_build_does_not_tidy_a_folder_another_build_is_writing(tmp_path: Path) -> None:
    """Another build's temporary file and new letters are not taken for leftovers; once that
    build is done, the next build tidies as usual."""
    letter = write_merge(tmp_path, "m.yaml", ["Kari", "Per"])
    folder = tmp_path / "ut" / "m"
    folder.mkdir(parents=True)
    theirs = [folder / ".003-ola.pdf.k3j9x2.part", folder / "003-ola.pdf"]
    for path in theirs:
        path.write_bytes(b"%PDF-1.7 being written by the other build")
    other = FolderLock(folder)
    writing = os.open(theirs[0], os.O_RDONLY)
    fcntl.flock(writing, fcntl.LOCK_EX)  # as write_atomic holds its temporary file
    try:
        assert main(["build", str(letter), "-o", str(tmp_path / "ut"), "-j", "1"]) == 0
        assert all(path.exists() for path in theirs)
    finally:
        os.close(writing)
        other.release()
    assert main(["build", str(letter), "-o", str(tmp_path / "ut"), "-j", "1"]) == 0
    assert every_file(folder) == ["001-kari.pdf", "002-per.pdf"]


def test_two_builds_into_one_folder_at_once_both_succeed_with_whole_letters(
    tmp_path: Path,
) -> None:
    names = [f"Mottaker {i}" for i in range(24)]
    letter = write_merge(tmp_path, "mange.yaml", names)
    out = tmp_path / "ut"
    command = [sys.executable, "-m", "letterpress", "build", str(letter), "-o", str(out),
               "-j", "1"]
    builds = [
        subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True)
        for _ in range(2)
    ]
    for build in builds:
        stdout, stderr = build.communicate(timeout=120)
        assert build.returncode == 0, stderr
        assert "built 24, failed 0" in stdout
    assert len(every_file(out)) == 24
    assert_only_whole_letters(out / "mange")


# Signals ---------------------------------------------------------------------------------------


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_sigterm_to_the_build_stops_it_cleanly_with_a_summary(tmp_path: Path) -> None:
    """``kill PID`` (or a service manager) signals the build process only, not its workers."""
    process, folder = start_build(tmp_path, 2000)
    try:
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=60)
    finally:
        assert_workers_exit(process)
    assert process.returncode == 130
    found = re.search(r"built (\d+), failed 0 in .* s; interrupted: (\d+) not built", out)
    assert found, out
    assert int(found[1]) == len(list(folder.glob("*.pdf")))
    assert int(found[1]) + int(found[2]) == 2000
    assert "Traceback" not in err
    assert_only_whole_letters(folder)


def test_a_second_ctrl_c_stops_without_waiting(tmp_path: Path) -> None:
    process, folder = start_build(tmp_path, 2000)
    os.killpg(process.pid, signal.SIGINT)
    os.killpg(process.pid, signal.SIGINT)
    _, err = process.communicate(timeout=30)
    assert process.returncode == 130
    assert "Traceback" not in err
    assert_only_whole_letters(folder)
    assert "Mottaker 0" in pdf_text(folder / "0001-mottaker-0.pdf")


# A server that never answers -------------------------------------------------------------------


@contextlib.contextmanager
def silent_server(greeting: bytes | None) -> Iterator[int]:
    """A server on 127.0.0.1 that accepts connections and then says nothing more: after
    ``greeting`` (and answers to EHLO) when one is given, or not even a greeting."""
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()
    held: list[socket.socket] = []

    def serve() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                continue
            held.append(connection)
            if greeting is not None:
                connection.sendall(greeting)
                connection.recv(1024)  # EHLO
                connection.sendall(b"250 smtp.example.no\r\n")

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        thread.join()
        for connection in held:
            connection.close()
        listener.close()


def mail_letter(tmp_path: Path) -> Path:
    return write_letter(tmp_path, "svar.yaml", recipient={
        "name": "Kari Nordmann", "address": ["Storgata 1", "0155 OSLO"],
        "email": "kari@example.no",
    })


def send_to(letter: Path, out: Path, port: int) -> int:
    return main(["mail", str(letter), "-o", str(out), "--send", "--smtp", f"127.0.0.1:{port}",
                 "--tls", "none", "--timeout", "0.5", "--attempts", "2", "--retry-delay", "0.01"])


def test_a_server_that_never_greets_times_out_with_a_clear_error(tmp_path: Path, capsys) -> None:
    out = tmp_path / "ut"
    started = time.monotonic()
    with silent_server(greeting=None) as port:
        assert send_to(mail_letter(tmp_path), out, port) == 1
    assert time.monotonic() - started < 10
    captured = capsys.readouterr()
    assert (
        f"letterpress: cannot connect to the SMTP server 127.0.0.1:{port}: no answer in time"
    ) in captured.err
    assert "1 message(s) not sent" in captured.err
    assert every_file(out) == [".letterpress-sent.jsonl", "svar.eml"]


def test_a_server_that_stops_answering_mid_message_times_out(tmp_path: Path, capsys) -> None:
    out = tmp_path / "ut"
    started = time.monotonic()
    with silent_server(greeting=b"220 smtp.example.no ESMTP\r\n") as port:
        assert send_to(mail_letter(tmp_path), out, port) == 1
    assert time.monotonic() - started < 10
    err = capsys.readouterr().err
    assert (
        f"svar.eml: not delivered to kari@example.no (the connection to 127.0.0.1:{port} was "
        "lost (no answer in time))"
    ) in err
    assert "Traceback" not in err
    assert "svar.eml" in every_file(out)  # the message is kept, to be sent by the next run


# A real full disk and a real kill ----------------------------------------------------------------


@contextlib.contextmanager
def small_disk(tmp_path: Path, size: str = "4m") -> Iterator[Path]:
    """A tmpfs of ``size`` mounted for the test; skipped where mounting is not allowed."""
    mount = tmp_path / "disk"
    mount.mkdir()
    made = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(mount)],
        capture_output=True,
    )
    if made.returncode != 0:
        pytest.skip("mounting a small file system needs root")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True)


def fill(disk: Path) -> Path:
    """Fill ``disk`` to the last byte."""
    filler = disk / "filler"
    with open(filler, "wb", buffering=0) as handle:
        for block in (65536, 1):
            with contextlib.suppress(OSError):
                while True:
                    handle.write(b"\0" * block)
    return filler


def test_a_merge_rebuilt_onto_a_full_disk_keeps_every_letter(tmp_path: Path, capsys) -> None:
    names = [f"Mottaker {n}" for n in range(1, 11)]
    letter = write_merge(tmp_path, "tilskudd.yaml", names)
    with small_disk(tmp_path) as disk:
        out = disk / "ut"
        assert main(["build", str(letter), "-o", str(out), "-j", "1"]) == 0
        before = {p.name: p.read_bytes() for p in (out / "tilskudd").iterdir()}
        assert len(before) == 10
        filler = fill(disk)
        capsys.readouterr()
        assert main(["build", str(letter), "-o", str(out), "-j", "1"]) == 1
        captured = capsys.readouterr()
        assert "No space left on device" in captured.err
        assert "built 0, failed 10" in captured.out
        after = {p.name: p.read_bytes() for p in (out / "tilskudd").iterdir()}
        assert after == before  # every old letter kept whole, no .part left
        filler.unlink()
        # A recipient taken off the list loses its old letter; the others are rebuilt.
        write_merge(tmp_path, "tilskudd.yaml", names[:9])
        assert main(["build", str(letter), "-o", str(out), "-j", "1"]) == 0
        assert sorted(p.name for p in (out / "tilskudd").iterdir()) == sorted(before)[:9]


_KILLED_WRITER = """
import os, sys, time
from pathlib import Path
from letterpress import output
def stall(fd):
    print("writing", flush=True)
    time.sleep(600)
output.os.fsync = stall
output.write_atomic(Path(sys.argv[1]), b"%PDF-1.7 half a letter")
"""


def _writer_stalled_in(target: Path) -> subprocess.Popen[str]:
    writer = subprocess.Popen(
        [sys.executable, "-c", _KILLED_WRITER, str(target)], stdout=subprocess.PIPE, text=True
    )
    assert writer.stdout is not None and writer.stdout.readline() == "writing\n"
    return writer


def test_the_next_build_removes_parts_a_killed_build_left(tmp_path: Path) -> None:
    letter = write_letter(tmp_path, "svar.yaml")
    out = tmp_path / "ut"
    killed = _writer_stalled_in(out / "svar.pdf")
    killed.send_signal(signal.SIGKILL)
    killed.wait(timeout=30)
    running = _writer_stalled_in(out / "annet.pdf")  # another build, still writing
    try:
        parts = [p.name for p in out.iterdir()]
        assert len(parts) == 2 and all(p.endswith(".part") for p in parts)
        assert main(["build", str(letter), "-o", str(out)]) == 0
        left = sorted(p.name for p in out.iterdir())
        assert left[1:] == ["svar.pdf"] and left[0].startswith(".annet.pdf.")
    finally:
        running.kill()
        running.wait(timeout=30)


def test_the_next_mail_run_removes_parts_a_killed_mail_run_left(tmp_path: Path) -> None:
    letter = write_letter(
        tmp_path, "svar.yaml",
        recipient={"name": "Kari Nordmann", "address": ["Storgata 1", "0155 OSLO"],
                   "email": "kari@example.no"},
    )
    out = tmp_path / "ut"
    killed = _writer_stalled_in(out / "svar.eml")
    killed.send_signal(signal.SIGKILL)
    killed.wait(timeout=30)
    assert [p.name for p in out.iterdir() if p.name.endswith(".part")]
    assert main(["mail", str(letter), "-o", str(out)]) == 0
    assert not [p.name for p in out.iterdir() if p.name.endswith(".part")]
    assert (out / "svar.eml").is_file()

"""``letterpress mail --send`` stopped by real signals at random moments, then run again.

Each run is a real process, interrupted by SIGTERM, SIGINT or SIGHUP while it delivers to an
aiosmtpd server on 127.0.0.1 that takes 30-60 ms per message. What is checked is what a clerk
relies on: every recipient gets the letter exactly once over all the runs, an interrupted run exits
130 with the same summary a complete run prints (its "delivered N" being what the server
accepted in that run), the ledger is valid JSON line by line, and no delivered ``.eml`` changes.

The normal suite does 5 interrupted runs with 20 recipients. ``LETTERPRESS_MAIL_TORTURE=1``
does 20 runs with 60 recipients, as a release check (``-s`` prints the figures).
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from conftest import KS_LETTERHEAD, ROOT, write_yaml
from test_mail_smtp import free_port

TORTURE = os.environ.get("LETTERPRESS_MAIL_TORTURE") == "1"
RUNS, RECIPIENTS = (20, 60) if TORTURE else (5, 20)
SUMMARY = re.compile(
    r"wrote (\d+) \.eml, delivered (\d+), already delivered before (\d+); "
    r"(\d+) letter\(s\) with problems"
)


class SlowInbox:
    """Accepts every message after 30-60 ms, as a loaded mail server does."""

    def __init__(self) -> None:
        self.received: list[tuple[str, ...]] = []
        self._random = random.Random(7)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        await asyncio.sleep(self._random.uniform(0.03, 0.06))
        self.received.append(tuple(envelope.rcpt_tos))
        return "250 2.0.0 Message accepted"


def write_invitation(folder: Path, count: int) -> Path:
    rows = ["name;email"] + [f"Deltaker {i:02d};deltaker{i:02d}@example.no"
                             for i in range(1, count + 1)]
    (folder / "deltakere.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return write_yaml(folder / "invitasjon.yaml", {
        "letterhead": str(KS_LETTERHEAD),
        "date": "2024-05-02",
        "reference": {"ours": "24/00123-1"},
        "recipients": "deltakere.csv",
        "title": "Invitasjon til {{ recipient.name }}",
        "body": "Kjære {{ recipient.name }}, velkommen til møtet.\n",
        "email": {"subject": "Invitasjon (vår ref. 24/00123-1)"},
    })


def start_mail(letter: Path, out: Path, port: int) -> subprocess.Popen[str]:
    # No SOURCE_DATE_EPOCH: every run dates its messages anew, so a rewritten copy would show.
    env = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"}
    env["PYTHONPATH"] = str(ROOT)
    env["PYTHONFAULTHANDLER"] = "1"  # a run that hangs shows where, when it is aborted
    command = [sys.executable, "-m", "letterpress", "mail", str(letter), "-o", str(out),
               "--send", "--smtp", f"127.0.0.1:{port}", "--tls", "none", "--no-pdfa",
               "--timeout", "10", "--attempts", "2", "--retry-delay", "0.05", "-j", "2"]
    return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def finish(process: subprocess.Popen[str]) -> tuple[str, str]:
    try:
        return process.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGABRT)
        stdout, stderr = process.communicate()
        raise AssertionError(f"the run did not end:\n{stdout}\n{stderr}") from None


def ledger_lines(out: Path) -> list[dict[str, Any]]:
    path = out / ".letterpress-sent.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def sent_copies(out: Path) -> dict[str, bytes]:
    return {r["file"]: (out / r["file"]).read_bytes()
            for r in ledger_lines(out) if r["event"] == "delivered"}


@pytest.fixture
def slow_server():
    inbox = SlowInbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


def test_interrupted_runs_deliver_every_recipient_exactly_once(
    tmp_path: Path, slow_server: tuple[SlowInbox, int]
) -> None:
    inbox, port = slow_server
    letter, out = write_invitation(tmp_path, RECIPIENTS), tmp_path / "out"
    chooser = random.Random(int(os.environ.get("LETTERPRESS_MAIL_SEED", "12")))
    copies: dict[str, bytes] = {}
    interrupted = 0
    started = time.monotonic()
    for _ in range(RUNS):
        before = len(inbox.received)
        process = start_mail(letter, out, port)
        # A random moment while messages are being delivered: after the k-th new message has
        # reached the server, plus up to one message's time, so that some signals arrive in
        # the middle of an SMTP transaction. Each run is the rerun of the one before.
        wanted = before + chooser.randint(1, max(1, RECIPIENTS // RUNS))
        limit = time.monotonic() + 120
        while (len(inbox.received) < wanted and process.poll() is None
               and time.monotonic() < limit):
            time.sleep(0.002)
        time.sleep(chooser.uniform(0, 0.06))
        chosen = chooser.choice([signal.SIGTERM, signal.SIGINT, signal.SIGHUP])
        if process.poll() is None:
            process.send_signal(chosen)
        stdout, stderr = finish(process)
        lines = stdout.strip().splitlines()
        assert lines, stderr
        summary = SUMMARY.fullmatch(lines[-1])
        assert summary, (stdout, stderr)
        if process.returncode == 130:
            interrupted += 1
            assert "interrupted:" in stderr
        else:
            # The run had finished (all delivered, summary printed) when the signal came; it
            # may have ended the exiting process as that signal ends any program.
            assert process.returncode in (0, -chosen), (stdout, stderr)
            assert int(summary.group(2)) + int(summary.group(3)) == RECIPIENTS
        # "delivered N" is what the server accepted in this run.
        assert int(summary.group(2)) == len(inbox.received) - before, (stdout, stderr)
        ledger_lines(out)  # every line is a JSON object, or this raises
        for name, data in sent_copies(out).items():
            assert copies.setdefault(name, data) == data, f"{name} was rewritten"
    final = start_mail(letter, out, port)
    stdout, stderr = finish(final)
    assert final.returncode == 0, (stdout, stderr)
    deliveries = Counter(address for recipients in inbox.received for address in recipients)
    expected = {f"deltaker{i:02d}@example.no" for i in range(1, RECIPIENTS + 1)}
    assert set(deliveries) == expected
    assert [a for a, n in deliveries.items() if n != 1] == []
    for name, data in sent_copies(out).items():
        assert copies.setdefault(name, data) == data, f"{name} was rewritten"
    assert len(copies) == RECIPIENTS
    assert interrupted >= RUNS - 1  # one run may have finished as the signal was sent
    # Only the copies of what was sent are there: no draft was left among them.
    assert not [p for p in (out / "invitasjon").glob("*.eml") if b"X-Unsent" in p.read_bytes()]
    print(f"\n{RUNS} runs x {RECIPIENTS} recipients: {interrupted} interrupted, "
          f"{len(inbox.received)} deliveries, duplicates "
          f"{sum(n - 1 for n in deliveries.values())}, "
          f"{time.monotonic() - started:.1f} s")

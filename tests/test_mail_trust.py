"""What a secretariat relies on when it mails a merge twice: nobody gets a letter twice after the
list was edited, the copies of what was sent stay as sent, the build options work for mail,
and answers reach the case officer."""

from __future__ import annotations

import email
import io
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from email import policy
from pathlib import Path

import pki
import pytest
from aiosmtpd.controller import Controller
from asn1crypto import x509 as asn1_x509
from conftest import KS_LETTERHEAD, ROOT, pdf_text, write_yaml
from cryptography.hazmat.primitives.serialization import Encoding
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from test_mail_smtp import Inbox, free_port, ledger, send, write_letter

from letterpress.cli import main


@pytest.fixture
def smtp_server() -> Iterator[Callable[[], tuple[Inbox, int]]]:
    controllers: list[Controller] = []

    def start() -> tuple[Inbox, int]:
        inbox, port = Inbox(), free_port()
        controllers.append(Controller(inbox, hostname="127.0.0.1", port=port))
        controllers[-1].start()
        return inbox, port

    yield start
    for controller in controllers:
        controller.stop()


@pytest.fixture(autouse=True)
def _environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1714640400")
    monkeypatch.delenv("LETTERPRESS_SMTP_USER", raising=False)
    monkeypatch.delenv("LETTERPRESS_SMTP_PASSWORD", raising=False)


def write_csv_merge(folder: Path, rows: list[tuple[str, str]], **fields: object) -> Path:
    lines = ["name;address;email"] + [f"{n};Storgata 1|0155 OSLO;{a}" for n, a in rows]
    (folder / "liste.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    data: dict[str, object] = {
        "letterhead": str(KS_LETTERHEAD),
        "date": "2024-05-02",
        "reference": {"ours": "24/00123-1"},
        "recipients": "liste.csv",
        "title": "Invitasjon til {{ recipient.name }}",
        "body": "Kjære {{ recipient.name }}, velkommen.\n",
    }
    return write_yaml(folder / "invitasjon.yaml", {**data, **fields})


def copies(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*.eml")}


def received_by(inbox: Inbox) -> list[str]:
    return sorted(a for r in inbox.received for a in r.rcpt_tos)


ANNE, BO, CECILIE = ("Anne A", "anne@example.no"), ("Bo B", "bo@example.no"), (
    "Cecilie C", "cecilie@example.no")


def test_edited_list_resends_to_nobody_who_has_the_letter(
    tmp_path: Path, smtp_server, capsys
) -> None:
    inbox, port = smtp_server()
    out = tmp_path / "out"
    letter = write_csv_merge(tmp_path, [ANNE, BO, CECILIE])
    assert send(letter, out, port) == 0
    first = copies(out)
    assert received_by(inbox) == ["anne@example.no", "bo@example.no", "cecilie@example.no"]
    # A row inserted at the top renumbers every other row.
    dag = ("Dag D", "dag@example.no")
    write_csv_merge(tmp_path, [dag, ANNE, BO, CECILIE])
    assert send(letter, out, port) == 0
    assert len(inbox.received) == 4
    assert inbox.received[-1].rcpt_tos == ["dag@example.no"]
    assert "delivered 1, already delivered before 3" in capsys.readouterr().out
    # A name corrected, a row removed: nothing is sent.
    write_csv_merge(tmp_path, [dag, ("Anne Aas", "anne@example.no"), CECILIE])
    assert send(letter, out, port) == 0
    captured = capsys.readouterr()
    assert len(inbox.received) == 4
    assert "delivered 0, already delivered before 3" in captured.out
    assert "1 letter(s) changed since they were sent" in captured.err
    # Every copy of what was sent is as it was; the stale numbering was not written over.
    now = copies(out)
    for name, data in first.items():
        assert now[name] == data
    assert set(now) == set(first) | {"invitasjon/001-dag-d.eml"}


def test_resend_writes_the_new_version_beside_the_copy_of_the_old(
    tmp_path: Path, smtp_server, capsys
) -> None:
    inbox, port = smtp_server()
    out = tmp_path / "out"
    assert send(write_letter(tmp_path), out, port) == 0
    sent = (out / "svar.eml").read_bytes()
    changed = write_letter(tmp_path, body="Beløpet er endret.\n")
    assert send(changed, out, port, "--resend") == 0
    assert (out / "svar.eml").read_bytes() == sent
    new = email.message_from_bytes((out / "svar.2.eml").read_bytes(), policy=policy.default)
    (pdf,) = [part.get_content() for part in new.iter_attachments()]
    assert "Beløpet er endret." in pdf_text(pdf)
    assert len(inbox.received) == 2
    assert inbox.received[1].content != inbox.received[0].content
    assert [r["file"] for r in ledger(out) if r["event"] == "delivered"] == [
        "svar.eml", "svar.2.eml"]


def test_a_replaced_attachment_is_a_change(tmp_path: Path, smtp_server, capsys) -> None:
    import pki as material

    inbox, port = smtp_server()
    appended = tmp_path / "vedlegg.pdf"
    appended.write_bytes(material.pdfa_letter("Første versjon"))
    letter = write_letter(tmp_path, attachments=[{"title": "Vedlegg", "file": str(appended)}])
    out = tmp_path / "out"
    assert send(letter, out, port) == 0
    capsys.readouterr()
    appended.write_bytes(material.pdfa_letter("Andre versjon"))
    assert send(letter, out, port) == 0
    assert "1 letter(s) changed since they were sent" in capsys.readouterr().err
    assert len(inbox.received) == 1


@pytest.mark.parametrize("names", [("a/svar.yaml", "b/svar.yaml"), ("x.yaml", "x.yml")])
def test_two_letters_that_would_write_one_eml_are_refused(
    tmp_path: Path, smtp_server, capsys, names: tuple[str, str]
) -> None:
    inbox, port = smtp_server()
    letters = []
    for name in names:
        (tmp_path / name).parent.mkdir(exist_ok=True)
        letters.append(write_letter((tmp_path / name).parent, Path(name).name))
    out = tmp_path / "out"
    code = main(["mail", *map(str, letters), "-o", str(out), "--send", "--smtp",
                 f"127.0.0.1:{port}", "--tls", "none"])
    assert code == 1
    assert f"{letters[0]} also builds" in capsys.readouterr().err
    assert len(inbox.received) == 1


def test_a_folder_and_a_letter_in_it_are_mailed_once(tmp_path: Path, capsys) -> None:
    letter = write_letter(tmp_path, email={"to": "kari at example"})
    out = tmp_path / "out"
    assert main(["mail", str(tmp_path), str(letter), "-o", str(out)]) == 1
    assert capsys.readouterr().err.count("is not an e-mail address") == 1


def test_strict_fails_exactly_the_bad_row_naming_the_csv_and_its_line(
    tmp_path: Path, smtp_server, capsys
) -> None:
    inbox, port = smtp_server()
    letter = write_csv_merge(tmp_path, [ANNE, BO, CECILIE])
    csv = tmp_path / "liste.csv"
    lines = csv.read_text(encoding="utf-8").splitlines()
    lines[2] = "Bo B;Storgata 1|Oslo;bo@example.no"  # no postcode: the address check warns
    csv.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    assert send(letter, out, port, "--strict") == 1
    err = capsys.readouterr().err
    assert received_by(inbox) == ["anne@example.no", "cecilie@example.no"]
    (line,) = [line for line in err.splitlines() if line.startswith(f"{csv}:3: ")]
    assert "recipient 2 (liste.csv:3)" in line and "postnummer" in line
    assert "warning" not in line


def test_signed_letters_are_mailed_with_a_signature_that_validates(
    tmp_path: Path, smtp_server
) -> None:
    inbox, port = smtp_server()
    ca = pki.make_ca()
    p12 = pki.write_p12(tmp_path / "saksbehandler.p12", pki.issue(ca), ca)
    letter, out = write_letter(tmp_path), tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "LETTERPRESS_SIGN_PASSWORD":
           pki.PASSWORD.decode(), "SOURCE_DATE_EPOCH": str(int(time.time()) - 3600)}
    run = subprocess.run(
        [sys.executable, "-m", "letterpress", "mail", str(letter), "-o", str(out), "--send",
         "--smtp", f"127.0.0.1:{port}", "--tls", "none", "--sign", str(p12)],
        capture_output=True, text=True, env=env, timeout=120,
    )
    assert run.returncode == 0, run.stderr
    (attachment,) = list(inbox.received[0].message.iter_attachments())
    pdf = attachment.get_content()
    root = asn1_x509.Certificate.load(ca.cert.public_bytes(Encoding.DER))
    context = ValidationContext(trust_roots=[root], allow_fetching=False)
    (embedded,) = PdfFileReader(io.BytesIO(pdf)).embedded_signatures
    status = validate_pdf_signature(embedded, context)
    assert status.intact and status.valid and status.trusted


def test_a_wrong_signing_password_sends_nothing(tmp_path: Path, smtp_server, capsys,
                                                monkeypatch) -> None:
    inbox, port = smtp_server()
    ca = pki.make_ca()
    p12 = pki.write_p12(tmp_path / "saksbehandler.p12", pki.issue(ca), ca)
    monkeypatch.setenv("LETTERPRESS_SIGN_PASSWORD", "feil")
    assert send(write_letter(tmp_path), tmp_path / "out", port, "--sign", str(p12)) == 1
    assert inbox.received == []
    assert not (tmp_path / "out" / "svar.eml").exists()


def test_answers_go_to_the_case_officer(tmp_path: Path, smtp_server) -> None:
    inbox, port = smtp_server()
    reference = {"ours": "24/00123-1", "case_officer": {
        "name": "Siri Saksbehandler", "email": "siri@ks.no"}}
    letter = write_letter(tmp_path, reference=reference,
                          email={"subject": "Svar på søknad (vår ref. 24/00123-1)"})
    assert send(letter, tmp_path / "out", port) == 0
    message = inbox.received[0].message
    assert message["Reply-To"] == "Siri Saksbehandler <siri@ks.no>"
    assert message["Subject"] == "Svar på søknad (vår ref. 24/00123-1)"
    other = write_letter(tmp_path, "annen.yaml", reference=reference,
                         email={"reply_to": "postmottak@ks.no"})
    assert send(other, tmp_path / "out", port) == 0
    assert inbox.received[1].message["Reply-To"] == "postmottak@ks.no"


def test_an_empty_cc_of_a_row_means_no_copy(tmp_path: Path, smtp_server, capsys) -> None:
    inbox, port = smtp_server()
    (tmp_path / "liste.csv").write_text(
        "name;address;email;cc\n"
        "Anne A;Storgata 1|0155 OSLO;anne@example.no;leder@example.no\n"
        "Bo B;Storgata 1|0155 OSLO;bo@example.no;\n", encoding="utf-8")
    letter = write_csv_merge(tmp_path, [], email={"cc": ["{{ recipient.cc }}"]})
    (tmp_path / "liste.csv").write_text(
        "name;address;email;cc\n"
        "Anne A;Storgata 1|0155 OSLO;anne@example.no;leder@example.no\n"
        "Bo B;Storgata 1|0155 OSLO;bo@example.no;\n", encoding="utf-8")
    assert send(letter, tmp_path / "out", port, "--strict") == 0
    err = capsys.readouterr().err
    assert "warning" not in err
    assert received_by(inbox) == ["anne@example.no", "bo@example.no", "leder@example.no"]
    (to_bo,) = [r for r in inbox.received if r.rcpt_tos == ["bo@example.no"]]
    assert to_bo.message["Cc"] is None


def test_a_quoted_display_name_with_a_comma(tmp_path: Path, smtp_server) -> None:
    inbox, port = smtp_server()
    letter = write_letter(
        tmp_path, email={"to": '"Nordmann, Kari" <kari@example.no>, per@example.no'})
    assert send(letter, tmp_path / "out", port) == 0
    assert received_by(inbox) == ["kari@example.no", "per@example.no"]
    assert inbox.received[0].message["To"] == '"Nordmann, Kari" <kari@example.no>, per@example.no'


def test_an_appended_exempt_letter_makes_its_cover_letter_exempt(
    tmp_path: Path, smtp_server, capsys
) -> None:
    inbox, port = smtp_server()
    secret = write_letter(tmp_path, "vedtak.yaml", exempt="Offl. § 13, jf. fvl. § 13")
    assert main(["build", str(secret), "-o", str(tmp_path / "pdf"), "-j", "1"]) == 0
    cover = write_letter(tmp_path, "oversending.yaml", attachments=[
        {"title": "Vedtak", "file": str(tmp_path / "pdf" / "vedtak.pdf")}])
    out = tmp_path / "out"
    assert send(cover, out, port) == 1
    err = capsys.readouterr().err
    assert "the appended vedtak.pdf is a letter exempt from public disclosure" in err
    assert "Offl. § 13" in err
    assert inbox.received == []
    assert send(cover, out, port, "--allow-exempt") == 0
    assert len(inbox.received) == 1


def test_messages_not_sent_are_marked_unsent(tmp_path: Path, capsys) -> None:
    letter, out = write_letter(tmp_path), tmp_path / "out"
    assert send(letter, out, free_port()) == 1
    assert b"X-Unsent: 1" in (out / "svar.eml").read_bytes()


def test_a_ledger_that_cannot_be_written_stops_sending_and_says_what_went_out(
    tmp_path: Path, smtp_server
) -> None:
    import resource

    inbox, port = smtp_server()
    letter = write_csv_merge(tmp_path, [ANNE, BO, CECILIE])
    out = tmp_path / "out"
    out.mkdir()
    limit = 400_000  # more than one .eml, less than the ledger may grow to
    # Another letter's records fill the ledger to a little below the limit: the first message's
    # "sending" record fits, its "delivered" record does not.
    filler = ('{"event": "refused", "file": "x.eml", "recipients": [], "message_id": "", '
              '"fingerprint": "", "time": "", "letter": "/x", "row": ""}\n')
    count = (limit - 500) // len(filler)
    (out / ".letterpress-sent.jsonl").write_text(filler * count, encoding="utf-8")
    size = (out / ".letterpress-sent.jsonl").stat().st_size

    def small_files() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    run = subprocess.run(
        [sys.executable, "-m", "letterpress", "mail", str(letter), "-o", str(out), "--send",
         "--smtp", f"127.0.0.1:{port}", "--tls", "none", "-j", "1", "--no-pdfa"],
        capture_output=True, text=True, env=env, timeout=120, preexec_fn=small_files,
    )
    assert run.returncode == 1
    assert len(inbox.received) == 1  # sending stopped at once
    assert "cannot write to" in run.stderr and "File too large" in run.stderr
    assert "was delivered to anne@example.no but this is not recorded" in run.stderr
    # The other two were not sent: their files are drafts, and the summary says so.
    assert run.stdout.strip().splitlines()[-1].startswith("wrote 3 .eml, delivered 1,")
    assert b"X-Unsent: 1" in (out / "invitasjon" / "003-cecilie-c.eml").read_bytes()
    # Every line is still a JSON object: the torn record was cut off.
    records = ledger(out)
    assert [r["event"] for r in records[count:]] == ["sending"]
    assert (out / ".letterpress-sent.jsonl").stat().st_size > size


def test_a_ledger_of_an_older_version_still_counts(tmp_path: Path, smtp_server, capsys) -> None:
    inbox, port = smtp_server()
    out = tmp_path / "out"
    out.mkdir()
    # Records of a version that knew messages only by file name, made by position.
    (out / ".letterpress-sent.jsonl").write_text(
        '{"event": "delivered", "file": "invitasjon/001-anne-a.eml", "recipients": '
        '["anne@example.no"], "message_id": "<x@ks.no>", "fingerprint": "", "time": ""}\n',
        encoding="utf-8",
    )
    (out / "invitasjon").mkdir()
    (out / "invitasjon" / "001-anne-a.eml").write_bytes(b"the copy of what was sent")
    letter = write_csv_merge(tmp_path, [("Dag D", "dag@example.no"), ANNE])
    assert send(letter, out, port) == 0
    assert received_by(inbox) == ["dag@example.no"]
    assert (out / "invitasjon" / "001-anne-a.eml").read_bytes() == b"the copy of what was sent"
    assert (out / "invitasjon" / "001-dag-d.eml").exists()


def test_a_recipient_listed_twice_gets_the_letter_once(
    tmp_path: Path, smtp_server, capsys
) -> None:
    inbox, port = smtp_server()
    letter = write_csv_merge(tmp_path, [ANNE, BO, ANNE])
    assert send(letter, tmp_path / "out", port) == 0
    assert received_by(inbox) == ["anne@example.no", "bo@example.no"]
    assert "delivered 2, already delivered before 1" in capsys.readouterr().out

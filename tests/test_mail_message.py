"""``letterpress mail`` without sending: the .eml a clerk opens, and what it refuses to write."""

from __future__ import annotations

import email
from email import policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from conftest import KS_LETTERHEAD, ROOT, pdf_text, write_yaml

from letterpress.cli import main

EXEMPT_EXAMPLE = ROOT / "letters" / "fjordvik-exempt-english.yaml"
SEED = ROOT / "letters" / "ks-storbynettverk-innspill.yaml"


def write_letter(folder: Path, name: str = "svar.yaml", **fields: object) -> Path:
    """A small letter with the KS letterhead to Kari Nordmann; ``fields`` replace defaults."""
    data: dict[str, object] = {
        "letterhead": str(KS_LETTERHEAD),
        "date": "2024-05-02",
        "reference": {"ours": "24/00123-1", "archive_code": "035"},
        "recipient": {
            "name": "Kari Nordmann",
            "address": ["Storgata 1", "0155 OSLO"],
            "email": "kari@example.no",
        },
        "title": "Svar på søknad om tilskudd",
        "body": "Vi viser til søknaden din om tilskudd til kulturtiltak.\n",
    }
    return write_yaml(folder / name, {**data, **fields})


def read_eml(path: Path) -> EmailMessage:
    message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
    assert isinstance(message, EmailMessage)
    return message


def body_text(message: EmailMessage) -> str:
    """The plain-text body as a mail client shows it (line ends as the platform's)."""
    return message.get_body(("plain",)).get_content().replace("\r\n", "\n")



def attachment(message: EmailMessage) -> tuple[str, str, bytes]:
    (part,) = list(message.iter_attachments())
    return part.get_filename() or "", part.get_content_type(), part.get_content()


def line_of(path: Path, text: str) -> int:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if text in line.replace("'", "").replace('"', ""):
            return number
    raise AssertionError(f"{text!r} is not in {path}")


@pytest.fixture(autouse=True)
def _fixed_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1714640400")


def test_eml_is_a_draft_with_the_letter_attached(tmp_path: Path, capsys) -> None:
    letter = write_letter(tmp_path)
    assert main(["mail", str(letter), "-o", str(tmp_path / "out")]) == 0
    message = read_eml(tmp_path / "out" / "svar.eml")
    assert message["From"] == "KS <ks@ks.no>"
    assert message["To"] == "Kari Nordmann <kari@example.no>"
    assert message["Subject"] == "Svar på søknad om tilskudd"
    assert message["Date"] == "Thu, 02 May 2024 09:00:00 +0000"
    assert message["Message-ID"].endswith("@ks.no>")
    assert message["X-Unsent"] == "1"
    assert message["Content-Language"] == "nb-NO"
    text = body_text(message)
    assert text == "Vedlagt følger brev fra KS.\n\nMed hilsen\nKS\nStorbynettverket\n"
    name, kind, pdf = attachment(message)
    assert (name, kind) == ("Svar på søknad om tilskudd.pdf", "application/pdf")
    assert "Vi viser til søknaden din om tilskudd til kulturtiltak." in pdf_text(pdf)
    assert "wrote 1 .eml" in capsys.readouterr().out


def test_file_name_uses_rfc_2231_and_keeps_norwegian_letters(tmp_path: Path) -> None:
    letter = write_letter(tmp_path, title="Vedtak: søknad om «Ærlig åpen» – høring/svar")
    assert main(["mail", str(letter), "-o", str(tmp_path / "out")]) == 0
    raw = (tmp_path / "out" / "svar.eml").read_bytes()
    assert b"filename*=utf-8''" in raw or b"filename*0*=utf-8''" in raw
    name, _, _ = attachment(read_eml(tmp_path / "out" / "svar.eml"))
    assert name == "Vedtak søknad om «Ærlig åpen» – høring svar.pdf"


def test_long_norwegian_subject_keeps_every_space(tmp_path: Path) -> None:
    title = (
        "Vedtak om søknad – Ærlig åpen Øyvind: «svar» på høring om endring av reguleringsplan "
        "for Åsen næringsområde"
    )
    letter = write_letter(tmp_path, title=title)
    assert main(["mail", str(letter), "-o", str(tmp_path / "out")]) == 0
    raw = (tmp_path / "out" / "svar.eml").read_bytes()
    assert all(len(line) <= 78 for line in raw.split(b"\r\n\r\n")[0].split(b"\r\n"))
    assert read_eml(tmp_path / "out" / "svar.eml")["Subject"] == title


@pytest.mark.parametrize(
    ("language", "intro", "closing"),
    [
        ("nn", "Vedlagt følgjer brev frå KS.", "Med helsing"),
        ("en", "Please find attached a letter from KS.", "Yours sincerely"),
    ],
)
def test_default_text_follows_the_language(
    tmp_path: Path, language: str, intro: str, closing: str
) -> None:
    letter = write_letter(tmp_path, language=language)
    assert main(["mail", str(letter), "-o", str(tmp_path / "out")]) == 0
    message = read_eml(tmp_path / "out" / "svar.eml")
    text = body_text(message)
    assert text.startswith(f"{intro}\n\n{closing}\nKS\n")


def test_email_section_sets_people_subject_and_text(tmp_path: Path) -> None:
    letter = write_letter(
        tmp_path,
        email={
            "to": ["Postmottak <postmottak@example.no>", "saksbehandler@example.no"],
            "cc": ["leder@example.no"],
            "bcc": ["arkiv@ks.no"],
            "subject": "Svar i sak 24/00123",
            "text": "Hei!\n\nSe vedlagte brev.\n",
        },
    )
    assert main(["mail", str(letter), "-o", str(tmp_path / "out"), "--from",
                 "Kulturkontoret <kultur@ks.no>"]) == 0
    message = read_eml(tmp_path / "out" / "svar.eml")
    assert message["From"] == "Kulturkontoret <kultur@ks.no>"
    assert message["To"] == "Postmottak <postmottak@example.no>, saksbehandler@example.no"
    assert message["Cc"] == "leder@example.no"
    # The file is the sender's copy: a clerk opening it sees who gets a blind copy.
    assert message["Bcc"] == "arkiv@ks.no"
    assert message["Subject"] == "Svar i sak 24/00123"
    assert body_text(message) == "Hei!\n\nSe vedlagte brev.\n"


def test_international_domain_is_written_in_its_ascii_form(tmp_path: Path) -> None:
    letter = write_letter(tmp_path, email={"to": ["post@bærum.kommune.no"]})
    assert main(["mail", str(letter), "-o", str(tmp_path / "out")]) == 0
    assert read_eml(tmp_path / "out" / "svar.eml")["To"] == "post@xn--brum-voa.kommune.no"


def test_same_input_gives_the_same_bytes(tmp_path: Path, monkeypatch) -> None:
    letter = write_letter(tmp_path, email={"bcc": ["arkiv@ks.no"], "to": ["a@example.no"]})
    assert main(["mail", str(letter), "-o", str(tmp_path / "one")]) == 0
    assert main(["mail", str(letter), "-o", str(tmp_path / "two")]) == 0
    first = (tmp_path / "one" / "svar.eml").read_bytes()
    assert first == (tmp_path / "two" / "svar.eml").read_bytes()
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1714726800")
    assert main(["mail", str(letter), "-o", str(tmp_path / "three")]) == 0
    later = read_eml(tmp_path / "three" / "svar.eml")
    assert later["Date"] == "Fri, 03 May 2024 09:00:00 +0000"
    assert later["Message-ID"] != read_eml(tmp_path / "one" / "svar.eml")["Message-ID"]


def test_merge_writes_one_message_per_recipient(tmp_path: Path, capsys) -> None:
    letter = write_letter(
        tmp_path, "invitasjon.yaml",
        recipient=None,
        recipients=[
            {"name": "Kari Nordmann", "email": "kari@example.no"},
            {"name": "Per Ås", "email": "per@example.no"},
            {"name": "Ola Feil", "email": "ola-at-example.no"},
        ],
        title="Invitasjon til {{ recipient.name }}",
    )
    assert main(["mail", str(letter), "-o", str(tmp_path / "out")]) == 1
    folder = tmp_path / "out" / "invitasjon"
    assert sorted(p.name for p in folder.iterdir()) == ["001-kari-nordmann.eml", "002-per-as.eml"]
    per = read_eml(folder / "002-per-as.eml")
    assert per["To"] == "Per Ås <per@example.no>"
    assert per["Subject"] == "Invitasjon til Per Ås"
    assert "Invitasjon til Per Ås" in pdf_text(attachment(per)[2])
    assert "recipient 3 (invitasjon.yaml:" in capsys.readouterr().err


def test_merge_from_the_example_letter_needs_an_address(tmp_path: Path, capsys) -> None:
    assert main(["mail", str(SEED), "-o", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    line = line_of(SEED, "recipient:")
    assert f"{SEED}:{line}: recipient.email: no address to send to" in err
    assert not (tmp_path / "out" / "ks-storbynettverk-innspill.eml").exists()


def test_exempt_letter_is_refused_unless_allowed(tmp_path: Path, capsys) -> None:
    assert main(["mail", str(EXEMPT_EXAMPLE), "-o", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert f"{EXEMPT_EXAMPLE}:{line_of(EXEMPT_EXAMPLE, 'exempt:')}: exempt:" in err
    assert "--allow-exempt" in err
    assert not (tmp_path / "out").exists()
    letter = write_letter(tmp_path, exempt="Offl. § 13 jf. fvl. § 13")
    assert main(["mail", str(letter), "-o", str(tmp_path / "out"), "--allow-exempt"]) == 0
    assert (tmp_path / "out" / "svar.eml").exists()


@pytest.mark.parametrize(
    ("fields", "field", "marker"),
    [
        ({"title": "Svar\nBcc: spion@example.com"}, "title", "title:"),
        ({"email": {"subject": "Svar\r\nBcc: spion@example.com"}}, "email.subject", "subject:"),
        ({"email": {"to": ["kari@example.no\nBcc: spion@example.com"]}}, "email.to", "- kari@"),
        ({"email": {"cc": ["Kari <kari@example.no>\rBcc: x@example.com"]}}, "email.cc", "x@"),
        (
            {"recipient": {"name": "Kari\nBcc: spion@example.com", "email": "kari@example.no"}},
            "recipient.name", "name: Kari",
        ),
    ],
)
def test_header_injection_is_refused(
    tmp_path: Path, capsys, fields: dict, field: str, marker: str
) -> None:
    letter = write_letter(tmp_path, **fields)
    assert main(["mail", str(letter), "-o", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert f"{letter}:{line_of(letter, marker)}: {field}: " in err
    assert "line break" in err
    assert not (tmp_path / "out" / "svar.eml").exists()


@pytest.mark.parametrize("address", ["kari@", "kari at example.no", "kari@example", "kå@x.no"])
def test_bad_address_names_file_line_and_field(tmp_path: Path, capsys, address: str) -> None:
    letter = write_letter(tmp_path, email={"cc": ["leder@example.no", address]})
    assert main(["mail", str(letter), "-o", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert f"{letter}:{line_of(letter, f'- {address}')}: email.cc: {address!r}" in err


def test_letterhead_without_address_needs_from(tmp_path: Path, capsys) -> None:
    head = tmp_path / "head.yaml"
    head.write_text("name: Fjordvik kommune\n", encoding="utf-8")
    letter = write_letter(tmp_path, letterhead=str(head))
    assert main(["mail", str(letter), "-o", str(tmp_path / "out")]) == 1
    assert f"{head}: email: no sender address" in capsys.readouterr().err
    assert main(["mail", str(letter), "-o", str(tmp_path / "out"),
                 "--from", "postmottak@fjordvik.kommune.no"]) == 0
    message = read_eml(tmp_path / "out" / "svar.eml")
    assert message["From"] == "postmottak@fjordvik.kommune.no"


def test_one_bad_letter_does_not_stop_the_others(tmp_path: Path, capsys) -> None:
    good = write_letter(tmp_path, "god.yaml")
    bad = write_letter(tmp_path, "feil.yaml", exempt="Offl. § 13")
    assert main(["mail", str(bad), str(good), "-o", str(tmp_path / "out")]) == 1
    assert (tmp_path / "out" / "god.eml").exists()
    assert "Traceback" not in capsys.readouterr().err


@pytest.mark.parametrize(
    ("arguments", "complaint"),
    [
        (["--send"], "--send needs --smtp"),
        (["--smtp", "127.0.0.1:2525"], "--smtp is only used with --send"),
        (["--resend"], "--resend is only used with --send"),
        (["--from", "ikke en adresse"], "--from:"),
        (["--send", "--smtp", "127.0.0.1:99999"], "not a port number"),
    ],
)
def test_wrong_command_line_exits_2(tmp_path: Path, capsys, arguments, complaint) -> None:
    letter = write_letter(tmp_path)
    assert main(["mail", str(letter), "-o", str(tmp_path / "out"), *arguments]) == 2
    assert complaint in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_half_set_credentials_are_a_usage_error(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.setenv("LETTERPRESS_SMTP_USER", "kari")
    monkeypatch.delenv("LETTERPRESS_SMTP_PASSWORD", raising=False)
    letter = write_letter(tmp_path)
    code = main(["mail", str(letter), "-o", str(tmp_path / "out"), "--send", "--smtp", "x.invalid"])
    assert code == 2
    assert "LETTERPRESS_SMTP_PASSWORD is not set" in capsys.readouterr().err

"""The words a letter prints in bokmål, nynorsk and English, and how it writes dates."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class Labels:
    """Every fixed text of a letter in one language."""

    our_reference: str
    your_reference: str
    archive_code: str
    case_officer: str
    date: str
    exempt: str
    closing: str
    attachments: str
    copies: str
    recipients: str
    page: str
    """A format with ``{n}`` and ``{m}``: "Side {n} av {m}"."""
    post_address: str
    visit_address: str
    phone: str
    email: str
    org_number: str
    web: str
    account: str
    approved: str
    """The sentence printed when the letter is approved electronically."""
    language_tag: str
    """BCP 47 tag for the document language: nb-NO, nn-NO, en."""
    hyphenation: str
    """The pyphen dictionary."""
    months: tuple[str, ...]


_NORWEGIAN_MONTHS = (
    "januar",
    "februar",
    "mars",
    "april",
    "mai",
    "juni",
    "juli",
    "august",
    "september",
    "oktober",
    "november",
    "desember",
)
_ENGLISH_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)

LABELS: dict[str, Labels] = {
    "nb": Labels(
        our_reference="Vår referanse",
        your_reference="Deres referanse",
        archive_code="Arkivkode",
        case_officer="Saksbehandler",
        date="Dato",
        exempt="Unntatt offentlighet",
        closing="Med hilsen",
        attachments="Vedlegg",
        copies="Kopi til",
        recipients="Mottakere",
        page="Side {n} av {m}",
        post_address="Postadresse",
        visit_address="Besøksadresse",
        phone="Telefon",
        email="E-post",
        org_number="Org.nr.",
        web="Nettside",
        account="Kontonummer",
        approved="Dokumentet er elektronisk godkjent og har derfor ingen håndskrevne signaturer.",
        language_tag="nb-NO",
        hyphenation="nb_NO",
        months=_NORWEGIAN_MONTHS,
    ),
    "nn": Labels(
        our_reference="Vår referanse",
        your_reference="Dykkar referanse",
        archive_code="Arkivkode",
        case_officer="Sakshandsamar",
        date="Dato",
        exempt="Unnateke offentlegheit",
        closing="Med helsing",
        attachments="Vedlegg",
        copies="Kopi til",
        recipients="Mottakarar",
        page="Side {n} av {m}",
        post_address="Postadresse",
        visit_address="Besøksadresse",
        phone="Telefon",
        email="E-post",
        org_number="Org.nr.",
        web="Nettstad",
        account="Kontonummer",
        approved="Dokumentet er elektronisk godkjent og vert sendt utan signatur.",
        language_tag="nn-NO",
        hyphenation="nn_NO",
        months=_NORWEGIAN_MONTHS,
    ),
    "en": Labels(
        our_reference="Our reference",
        your_reference="Your reference",
        archive_code="Archive code",
        case_officer="Case officer",
        date="Date",
        exempt="Exempt from public disclosure",
        closing="Yours sincerely",
        attachments="Attachments",
        copies="Copy to",
        recipients="Recipients",
        page="Page {n} of {m}",
        post_address="Postal address",
        visit_address="Visiting address",
        phone="Telephone",
        email="E-mail",
        org_number="Org. no.",
        web="Website",
        account="Account",
        approved=(
            "The document is electronically approved and therefore has no handwritten signatures."
        ),
        language_tag="en",
        hyphenation="en_GB",
        months=_ENGLISH_MONTHS,
    ),
}


def labels(language: str) -> Labels:
    """The labels of ``language`` (nb, nn or en)."""
    return LABELS[language]


def short_date(day: dt.date, language: str) -> str:
    """The date as the reference block prints it: 13.09.2022; in English "13 September 2022",
    since dd.mm.yyyy reads ambiguously to English readers."""
    if language == "en":
        return long_date(day, language)
    return f"{day.day:02d}.{day.month:02d}.{day.year}"


def long_date(day: dt.date, language: str) -> str:
    """The date in running text: "13. september 2022" (nb, nn), "13 September 2022" (en)."""
    month = LABELS[language].months[day.month - 1]
    if language == "en":
        return f"{day.day} {month} {day.year}"
    return f"{day.day}. {month} {day.year}"


def page_label(language: str, number: int, total: int) -> str:
    """ "Side 2 av 3" / "Page 2 of 3"."""
    return LABELS[language].page.format(n=number, m=total)

"""The words a letter prints in bokmål, nynorsk, English and North Sámi, and how it writes dates.

Every North Sámi word is one attested in public letters, letterheads and translations of
Norwegian municipalities, Sámediggi and ministries (see ``docs/letter-format.md``); where no
attested wording exists (the electronic-approval sentence) the letterhead must give it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any


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
    """The sentence printed when the letter is approved electronically; empty where no
    attested wording exists, so the letterhead must give it (``approval_text``)."""
    language_tag: str
    """BCP 47 tag for the document language: nb-NO, nn-NO, en, se-NO."""
    hyphenation: str
    """The pyphen dictionary; one pyphen does not have (se_NO) means no hyphenation at all."""
    months: tuple[str, ...]
    """The month names as a date writes them (North Sámi: the genitive)."""
    attachment: str = ""
    """The heading over a single attachment where the language has its own word for it
    (North Sámi: Mielddus, several: Mildosat); empty: ``attachments`` for any number."""

    def attachments_heading(self, count: int) -> str:
        """ "Vedlegg" / "Mielddus" for one attachment, "Mildosat" for several."""
        return self.attachment if count == 1 and self.attachment else self.attachments

    def page_of(self, number: int, total: int) -> str:
        """ "Side 2 av 3", "2 siidu 3 siiddus"."""
        return self.page.format(n=number, m=total)


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

_SAMI_MONTHS_GENITIVE = (
    "ođđajagemánu",
    "guovvamánu",
    "njukčamánu",
    "cuoŋománu",
    "miessemánu",
    "geassemánu",
    "suoidnemánu",
    "borgemánu",
    "čakčamánu",
    "golggotmánu",
    "skábmamánu",
    "juovlamánu",
)
"""North Sámi months as a date writes them: the genitive, "čakčamánu 26. b. 2011"."""

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
    # North Sámi, each word as attested (Gáivuotna, Guovdageaidnu, Sámediggi, ministries).
    "se": Labels(
        our_reference="Min čuj.",
        your_reference="Din čuj.",
        archive_code="Arkiivakoda",
        case_officer="Áššemeannudeaddji",
        date="Beaivi",
        exempt="Čuldojuvvon almmolašvuođas",
        closing="Dearvvuođaiguin",
        attachments="Mildosat",
        copies="Kopiija",
        recipients="Adreassalistu",
        page="{n} siidu {m} siiddus",
        post_address="Poastačujuhus",
        visit_address="Galledančujuhus",
        phone="Telefovdna",
        email="E-poasta",
        org_number="Org.nr.",
        web="Neahttasiidu",
        account="Kontonr.",
        approved="",  # no attested wording: the letterhead's approval_text gives it
        language_tag="se-NO",
        hyphenation="se_NO",  # pyphen has no North Sámi patterns: Sámi text is not hyphenated
        months=_SAMI_MONTHS_GENITIVE,
        attachment="Mielddus",
    ),
}

LANGUAGES = tuple(LABELS)
"""The languages a letter may be written in and label in."""

LABEL_SEPARATOR = "/"
"""Between the languages of a bilingual label, as Sámediggi and Gáivuotna print them:
"Min čuj./Vår referanse", "Beaivi/Dato"."""

PRINTED = (
    "our_reference",
    "your_reference",
    "archive_code",
    "case_officer",
    "date",
    "exempt",
    "closing",
    "attachments",
    "copies",
    "recipients",
    "page",
    "post_address",
    "visit_address",
    "phone",
    "email",
    "org_number",
    "web",
    "account",
)
"""The labels, each joined in all label languages of a bilingual letter; the approval sentence,
document language, hyphenation and months stay those of the letter's own language."""


def default_label_languages(language: str) -> tuple[str, ...]:
    """A North Sámi letter labels in North Sámi and bokmål, the style of Sámediggi and the
    Sámi municipalities; any other letter in its own language."""
    return ("se", "nb") if language == "se" else (language,)


def label_set(language: str, languages: Sequence[str]) -> Labels:
    """The labels of a letter in ``language`` printed in ``languages`` joined: ``["se", "nb"]``
    gives "Min čuj./Vår referanse", and a word both languages share ("Org.nr.") once. The
    approval sentence, document language, hyphenation and month names are ``language``'s."""
    own = LABELS[language]
    sets = [LABELS[each] for each in languages]
    joined: dict[str, Any] = {name: _join([getattr(s, name) for s in sets]) for name in PRINTED}
    joined["attachment"] = _join([s.attachments_heading(1) for s in sets])
    return replace(own, **joined)


def _join(words: list[str]) -> str:
    return LABEL_SEPARATOR.join(dict.fromkeys(words))


def labels(language: str) -> Labels:
    """The labels of ``language`` (nb, nn, en or se)."""
    return LABELS[language]


def short_date(day: dt.date, language: str) -> str:
    """The date as the reference block prints it: 13.09.2022; in English "13 September 2022",
    since dd.mm.yyyy reads ambiguously to English readers."""
    if language == "en":
        return long_date(day, language)
    return f"{day.day:02d}.{day.month:02d}.{day.year}"


def long_date(day: dt.date, language: str) -> str:
    """The date in running text: "13. september 2022" (nb, nn), "13 September 2022" (en),
    "čakčamánu 13. b. 2022" (se: genitive month, day, b. for beaivi, year)."""
    month = LABELS[language].months[day.month - 1]
    if language == "en":
        return f"{day.day} {month} {day.year}"
    if language == "se":
        return f"{month} {day.day}. b. {day.year}"
    return f"{day.day}. {month} {day.year}"


def page_label(language: str, number: int, total: int) -> str:
    """ "Side 2 av 3" / "Page 2 of 3" / "2 siidu 3 siiddus"."""
    return LABELS[language].page_of(number, total)

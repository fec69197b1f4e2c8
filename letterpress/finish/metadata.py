"""Document properties of a finished letter: the Info dictionary and the XMP packet, in agreement.

PDF/A requires every entry of the document information dictionary to have an equal XMP
property, so both are written here from one ``DocumentInfo``. Nothing reads a clock: the
dates come from the caller, which derives them from ``SOURCE_DATE_EPOCH`` when that is set.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import pikepdf
from pikepdf import Dictionary, Name, String

LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")
# Characters XML 1.0 cannot carry at all; a title pasted from a word processor may hold some.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

XMP_PACKET_ID = "W5M0MpCehiHzreSzNTczkc9d"
NS_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"


@dataclass(frozen=True)
class DocumentInfo:
    """What a reader sees under document properties, and what an archive indexes."""

    title: str
    author: str
    """The organisation that sends the letter."""
    subject: str
    language: str
    """BCP 47: ``nb-NO``, ``nn-NO`` or ``en``."""
    created: dt.datetime
    """Time zone aware; used as creation, modification and metadata date."""
    creator_tool: str = "letterpress"
    producer: str = "letterpress"
    keywords: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.created.tzinfo is None or self.created.utcoffset() is None:
            raise ValueError("DocumentInfo.created must be time zone aware")
        if not LANGUAGE_TAG.match(self.language):
            raise ValueError(f"{self.language!r} is not a BCP 47 language tag such as nb-NO")
        if not self.title.strip():
            raise ValueError("DocumentInfo.title must not be empty")


def write_metadata(pdf: pikepdf.Pdf, info: DocumentInfo) -> None:
    """Set the Info dictionary, the XMP packet, the catalog's /Lang and DisplayDocTitle.

    The XMP packet is replaced; call this before ``pdfa.make_pdfa``, which adds its claim.
    """
    pdf.trailer.Info = pdf.make_indirect(_docinfo(info))
    set_xmp(pdf, xmp_packet(info))
    pdf.Root.Lang = String(info.language)
    prefs = pdf.Root.get("/ViewerPreferences")
    if not isinstance(prefs, Dictionary):
        prefs = pdf.Root.ViewerPreferences = Dictionary()
    # Viewers then show the letter's title, not the file name (PDF/UA and WCAG ask for it).
    prefs.DisplayDocTitle = True


def pdf_date(when: dt.datetime) -> str:
    """``when`` as a PDF date string, ``D:YYYYMMDDHHmmSS+HH'mm'``."""
    offset = when.utcoffset() or dt.timedelta(0)
    sign = "-" if offset < dt.timedelta(0) else "+"
    minutes = abs(int(offset.total_seconds())) // 60
    return f"D:{when:%Y%m%d%H%M%S}{sign}{minutes // 60:02d}'{minutes % 60:02d}'"


def xmp_date(when: dt.datetime) -> str:
    """``when`` as an XMP date (ISO 8601 to the second, with its offset)."""
    return when.replace(microsecond=0).isoformat()


def _docinfo(info: DocumentInfo) -> Dictionary:
    date = pdf_date(info.created)
    entries: dict[str, object] = {
        "/Title": String(info.title),
        "/Author": String(info.author),
        "/Creator": String(info.creator_tool),
        "/Producer": String(info.producer),
        "/CreationDate": String(date),
        "/ModDate": String(date),
    }
    # An empty entry would still need its XMP twin; leaving both out is simpler and equal.
    if info.subject:
        entries["/Subject"] = String(info.subject)
    if info.keywords:
        entries["/Keywords"] = String(", ".join(info.keywords))
    return Dictionary(entries)


def _text(value: str) -> str:
    return _escape(_NOT_XML.sub("", value))


def _escape(text: str) -> str:
    """``text`` as XML character data: what ``xml.sax.saxutils.escape`` does, without the
    import of ``urllib.request`` (and so ``http``, ``ssl`` and ``email``) that module brings."""
    return text.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")


def _alt(value: str) -> str:
    return f'<rdf:Alt><rdf:li xml:lang="x-default">{_text(value)}</rdf:li></rdf:Alt>'


def _items(kind: str, values: tuple[str, ...]) -> str:
    items = "".join(f"<rdf:li>{_text(v)}</rdf:li>" for v in values)
    return f"<rdf:{kind}>{items}</rdf:{kind}>"


def xmp_packet(info: DocumentInfo) -> bytes:
    """The XMP packet equal to ``_docinfo(info)``, property for property."""
    date = xmp_date(info.created)
    props = [
        "<dc:format>application/pdf</dc:format>",
        f"<dc:title>{_alt(info.title)}</dc:title>",
        f"<dc:creator>{_items('Seq', (info.author,))}</dc:creator>",
        f"<dc:language>{_items('Bag', (info.language,))}</dc:language>",
        f"<xmp:CreateDate>{date}</xmp:CreateDate>",
        f"<xmp:ModifyDate>{date}</xmp:ModifyDate>",
        f"<xmp:MetadataDate>{date}</xmp:MetadataDate>",
        f"<xmp:CreatorTool>{_text(info.creator_tool)}</xmp:CreatorTool>",
        f"<pdf:Producer>{_text(info.producer)}</pdf:Producer>",
    ]
    if info.subject:
        props.append(f"<dc:description>{_alt(info.subject)}</dc:description>")
    if info.keywords:
        props.append(f"<dc:subject>{_items('Bag', info.keywords)}</dc:subject>")
        props.append(f"<pdf:Keywords>{_text(', '.join(info.keywords))}</pdf:Keywords>")
    body = "\n   ".join(props)
    description = (
        f'  <rdf:Description rdf:about=""\n'
        f'    xmlns:dc="http://purl.org/dc/elements/1.1/"\n'
        f'    xmlns:xmp="http://ns.adobe.com/xap/1.0/"\n'
        f'    xmlns:pdf="http://ns.adobe.com/pdf/1.3/">\n'
        f"   {body}\n"
        f"  </rdf:Description>\n"
    )
    return wrap_packet(description)


def wrap_packet(descriptions: str) -> bytes:
    """An XMP packet holding the given ``rdf:Description`` elements."""
    return xpacket(
        '<x:xmpmeta xmlns:x="adobe:ns:meta/">\n'
        f' <rdf:RDF xmlns:rdf="{NS_RDF}">\n'
        f"{descriptions}"
        " </rdf:RDF>\n"
        "</x:xmpmeta>"
    )


def xpacket(xml: str) -> bytes:
    """``xml`` (an ``x:xmpmeta`` element) inside the processing instructions of a packet."""
    head = f'<?xpacket begin="\ufeff" id="{XMP_PACKET_ID}"?>'
    return f'{head}\n{xml}\n<?xpacket end="w"?>'.encode()


def set_xmp(pdf: pikepdf.Pdf, packet: bytes) -> None:
    """Store ``packet`` as the document's metadata stream."""
    # PDF/A wants the packet readable by tools that do not decode PDF filters: no /Filter.
    pdf.Root.Metadata = pdf.make_stream(packet, Type=Name.Metadata, Subtype=Name.XML)


def get_xmp(pdf: pikepdf.Pdf) -> bytes | None:
    """The document's XMP packet, or None when it has none."""
    stream = pdf.Root.get("/Metadata")
    if not isinstance(stream, pikepdf.Stream):
        return None
    return stream.read_bytes()

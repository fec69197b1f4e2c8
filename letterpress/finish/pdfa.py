"""PDF/A-2 for finished letters: the claim in XMP, an sRGB output intent, mended annotations
and actions, and a deterministic save.

Arkivverket takes PDF/A for deposit. A letter painted by ReportLab already embeds its fonts
and paints in DeviceRGB; what it lacks is the identification in XMP, an output intent that
gives DeviceRGB a meaning, and print flags on its link annotations. ``make_pdfa`` adds those
(and mends what appended attachments bring along); ``save_pdf`` writes PDF 1.7 bytes.
"""

from __future__ import annotations

import base64
import functools
import io
import re
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

import pikepdf
from lxml import etree
from pikepdf import Array, Dictionary, Name, ObjectStreamMode, String

from letterpress.finish.metadata import NS_RDF, get_xmp, set_xmp, xpacket

NS_PDFAID = "http://www.aiim.org/pdfa/ns/id/"
NS_PDFUAID = "http://www.aiim.org/pdfua/ns/id/"
NS_EXTENSION = "http://www.aiim.org/pdfa/ns/extension/"
NS_SCHEMA = "http://www.aiim.org/pdfa/ns/schema#"
NS_PROPERTY = "http://www.aiim.org/pdfa/ns/property#"

PDF_VERSION = "1.7"
"""PDF/A-2 is based on PDF 1.7; central print services refuse PDF 2.0."""

SRGB_IDENTIFIER = "sRGB IEC61966-2.1"

# ISO 19005-2, 6.3.1 and 6.5.1: annotation and action types a PDF/A-2 file must not hold.
FORBIDDEN_ANNOTATIONS = frozenset({"/3D", "/Sound", "/Screen", "/Movie", "/RichMedia"})
FORBIDDEN_ACTIONS = frozenset(
    {
        "/Launch",
        "/Sound",
        "/Movie",
        "/ResetForm",
        "/ImportData",
        "/Hide",
        "/SetOCGState",
        "/Rendition",
        "/Trans",
        "/GoTo3DView",
        "/JavaScript",
        "/SetState",
        "/NOP",
        "/RichMediaExecute",
    }
)

# 6.5.1 again: of the named actions only these four page turns are allowed.
ALLOWED_NAMED_ACTIONS = frozenset({"/NextPage", "/PrevPage", "/FirstPage", "/LastPage"})

# Annotation flags (ISO 32000-1, 12.5.3): Print must be set; Invisible, Hidden, NoView and
# ToggleNoView must not, or the printed page and the screen could differ.
PRINT_FLAG = 4
HIDING_FLAGS = 1 | 2 | 32 | 256

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)

_PDFUA_SCHEMA = f"""<rdf:li xmlns:rdf="{NS_RDF}"
    xmlns:pdfaSchema="{NS_SCHEMA}" xmlns:pdfaProperty="{NS_PROPERTY}"
    rdf:parseType="Resource">
  <pdfaSchema:schema>PDF/UA Universal Accessibility Schema</pdfaSchema:schema>
  <pdfaSchema:namespaceURI>{NS_PDFUAID}</pdfaSchema:namespaceURI>
  <pdfaSchema:prefix>pdfuaid</pdfaSchema:prefix>
  <pdfaSchema:property>
   <rdf:Seq>
    <rdf:li rdf:parseType="Resource">
     <pdfaProperty:name>part</pdfaProperty:name>
     <pdfaProperty:valueType>Integer</pdfaProperty:valueType>
     <pdfaProperty:category>internal</pdfaProperty:category>
     <pdfaProperty:description>Part of ISO 14289 the file conforms to</pdfaProperty:description>
    </rdf:li>
   </rdf:Seq>
  </pdfaSchema:property>
 </rdf:li>"""


def make_pdfa(pdf: pikepdf.Pdf, *, conformance: Literal["B", "A"] = "B", ua: bool = False) -> None:
    """Make ``pdf`` a PDF/A-2 file of the given conformance level, and PDF/UA-1 when ``ua``.

    Call after ``metadata.write_metadata`` (which replaces the XMP packet) and after the
    attachments are appended, so their annotations are mended too. Level A and PDF/UA
    need a tagged PDF; this raises ``ValueError`` for an untagged one instead of writing
    a claim that is not true.
    """
    if conformance not in ("A", "B"):
        raise ValueError(f"conformance must be 'A' or 'B', not {conformance!r}")
    if (conformance == "A" or ua) and not is_tagged(pdf):
        raise ValueError("PDF/A-2a and PDF/UA-1 need a tagged PDF (/StructTreeRoot, /MarkInfo)")
    _write_claim(pdf, conformance, ua)
    _set_output_intent(pdf)
    _mend_catalog(pdf)
    for page in pdf.pages:
        _mend_page(page.obj)
        if ua and "/Annots" in page.obj:
            # PDF/UA 7.18.3: tab through annotations in structure order, as they are read.
            page.obj.Tabs = Name.S
    if conformance == "A" or ua:
        mend_unicode_maps(pdf)


def save_pdf(pdf: pikepdf.Pdf, *, deterministic: bool) -> bytes:
    """Write ``pdf`` as PDF 1.7 and return the bytes.

    With ``deterministic`` both halves of the /ID are an MD5 digest of the written content,
    so the same document gives the same bytes and different letters different IDs; without
    it qpdf makes a fresh one from the time.
    """
    if deterministic and "/ID" in pdf.trailer:
        # ReportLab's invariant mode gives every letter the same /ID; without one, qpdf
        # derives both halves from the content, so each letter has its own.
        del pdf.trailer.ID
    data = _save(pdf, deterministic)
    if CR_BEFORE_ENDSTREAM not in data:
        return data
    # Some stream ends in CR (about one letter in sixteen): mend and write again. Looking at
    # every stream of every letter beforehand cost more than the second save of the few.
    end_streams_without_cr(pdf)
    data = _save(pdf, deterministic)
    if CR_BEFORE_ENDSTREAM in data:
        # Every stream was mended above, and the streams qpdf makes itself cannot end in CR
        # (object streams are written uncompressed and end in a newline; the cross-reference
        # stream ends with its own entry, generation 0). A scan of the bytes is cheap; a file
        # that failed its claim would be worse than a letter that failed to build.
        raise ValueError("a stream ends in CR, so the file would not meet PDF/A")
    return data


CR_BEFORE_ENDSTREAM = b"\r\nendstream"
"""What a stream whose data ends in CR looks like when saved for PDF/A: pikepdf writes an EOL
before ``endstream``, and a validator takes CR LF for that EOL and finds /Length one byte too
long (ISO 19005-2, 6.1.7.1; page-validation's PDFA2A-STREAM-LENGTH-001)."""


def end_streams_without_cr(pdf: pikepdf.Pdf) -> None:
    """Give every stream whose encoded data ends in CR an ASCII85 layer, which ends in ``~>``.

    Deflated data ends in the Adler-32 checksum of what it holds, so about one stream in 256
    ends in CR whatever compresses it; which one depends on the letter's text. ASCII85 makes
    that stream a quarter larger and is allowed in PDF/A.
    """
    for obj in pdf.objects:
        if not isinstance(obj, pikepdf.Stream) or obj.get("/Type") == Name.Metadata:
            continue
        raw = obj.read_raw_bytes()
        if not raw.endswith(b"\r"):
            continue
        filters = _as_list(obj.get("/Filter"))
        parms = _as_list(obj.get("/DecodeParms"))
        obj.write(
            base64.a85encode(raw) + b"~>",
            filter=Array([Name.ASCII85Decode, *filters]),
            decode_parms=Array([None, *parms]) if parms else None,
        )


def _as_list(value: object) -> list[object]:
    if value is None:
        return []
    if isinstance(value, Array):
        return list(value)
    return [value]


def _save(pdf: pikepdf.Pdf, deterministic: bool) -> bytes:
    out = io.BytesIO()
    pdf.save(
        out,
        force_version=PDF_VERSION,
        # PDF/A-2 allows object streams; they make a letter 7-12 % smaller.
        object_stream_mode=ObjectStreamMode.generate,
        # Every stream is compressed where it is made (ReportLab, images, ICC profile); asking
        # qpdf to compress would make it inflate and deflate each one again (4 ms a letter).
        compress_streams=False,
        # pikepdf would otherwise rewrite the XMP packet after make_pdfa wrote it.
        fix_metadata_version=False,
        encryption=False,
        deterministic_id=deterministic,
    )
    return out.getvalue()


def pdfa_claim(pdf: pikepdf.Pdf) -> tuple[int, str] | None:
    """The PDF/A part and conformance level ``pdf`` claims in XMP, e.g. ``(2, "B")``."""
    root = _parse_xmp(pdf)
    if root is None:
        return None
    part = _property(root, NS_PDFAID, "part")
    if part is None or not part.strip().isdigit():
        return None
    return int(part), (_property(root, NS_PDFAID, "conformance") or "").strip()


def pdfua_claim(pdf: pikepdf.Pdf) -> int | None:
    """The PDF/UA part ``pdf`` claims in XMP, or None."""
    root = _parse_xmp(pdf)
    part = None if root is None else _property(root, NS_PDFUAID, "part")
    return int(part) if part is not None and part.strip().isdigit() else None


def is_tagged(pdf: pikepdf.Pdf) -> bool:
    """Whether ``pdf`` has a structure tree and says it is marked."""
    mark_info = pdf.Root.get("/MarkInfo")
    marked = isinstance(mark_info, Dictionary) and bool(mark_info.get("/Marked", False))
    return marked and "/StructTreeRoot" in pdf.Root


# --- the claim -------------------------------------------------------------------------


def _parse_xmp(pdf: pikepdf.Pdf) -> etree._Element | None:
    packet = get_xmp(pdf)
    if not packet:
        return None
    try:
        return etree.fromstring(packet, _PARSER)
    except etree.XMLSyntaxError:
        return None


def _property(root: etree._Element, ns: str, name: str) -> str | None:
    """A simple XMP property, written either as an element or as an attribute."""
    for description in root.iter(f"{{{NS_RDF}}}Description"):
        value = description.get(f"{{{ns}}}{name}")
        if value is not None:
            return value
        element = description.find(f"{{{ns}}}{name}")
        if element is not None:
            return element.text or ""
    return None


def _write_claim(pdf: pikepdf.Pdf, conformance: str, ua: bool) -> None:
    packet = get_xmp(pdf)
    claimed = _claimed(packet, conformance, ua) if packet else None
    if claimed is None:
        claimed = _claim_in(_xmp_from_docinfo(pdf), conformance, ua)
    set_xmp(pdf, claimed)


@functools.lru_cache(maxsize=64)
def _claimed(packet: bytes, conformance: str, ua: bool) -> bytes | None:
    """``packet`` with the claim, or None when it is not XML; the letters of a merge share
    their packet (title, author, date), so it is rewritten once."""
    try:
        root = etree.fromstring(packet, _PARSER)
    except etree.XMLSyntaxError:
        return None
    return _claim_in(root, conformance, ua)


def _claim_in(root: etree._Element, conformance: str, ua: bool) -> bytes:
    rdf = root if root.tag == f"{{{NS_RDF}}}RDF" else root.find(f"{{{NS_RDF}}}RDF")
    if rdf is None:
        raise ValueError("the XMP packet has no rdf:RDF element")
    _drop_claims(rdf)
    claim = f"<pdfaid:part>2</pdfaid:part><pdfaid:conformance>{conformance}</pdfaid:conformance>"
    namespaces = f'xmlns:pdfaid="{NS_PDFAID}"'
    if ua:
        claim += "<pdfuaid:part>1</pdfuaid:part>"
        namespaces += f' xmlns:pdfuaid="{NS_PDFUAID}"'
    rdf.append(
        etree.fromstring(
            f'<rdf:Description xmlns:rdf="{NS_RDF}" rdf:about="" {namespaces}>{claim}'
            "</rdf:Description>",
            _PARSER,
        )
    )
    if ua:
        _declare_pdfua_schema(rdf)
    etree.indent(root, space=" ")
    return xpacket(etree.tostring(root, encoding="unicode"))


def _xmp_from_docinfo(pdf: pikepdf.Pdf) -> etree._Element:
    """An XMP packet equal to the Info dictionary, for a PDF that has none yet."""
    info = pdf.docinfo
    if "/Trapped" in info:
        # pikepdf cannot carry this name into XMP, and pdf:Trapped is not among the
        # properties PDF/A-2 predefines; a trapping hint means nothing for a letter.
        del info.Trapped
    with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as meta:
        meta.load_from_docinfo(info)
    root = _parse_xmp(pdf)
    if root is None:
        raise ValueError("could not make an XMP packet from the document information")
    return root


def _drop_claims(rdf: etree._Element) -> None:
    """Remove earlier PDF/A and PDF/UA claims, so a file never claims two levels."""
    for description in list(rdf.iter(f"{{{NS_RDF}}}Description")):
        for name in list(description.attrib):
            if str(name).startswith((f"{{{NS_PDFAID}}}", f"{{{NS_PDFUAID}}}")):
                del description.attrib[name]
        for child in list(description):
            if child.tag.startswith((f"{{{NS_PDFAID}}}", f"{{{NS_PDFUAID}}}")):
                description.remove(child)
        keep = set(description.attrib) - {f"{{{NS_RDF}}}about"}
        if len(description) == 0 and not keep and description.getparent() is rdf:
            rdf.remove(description)


def _declare_pdfua_schema(rdf: etree._Element) -> None:
    """Declare the pdfuaid namespace in the PDF/A extension schema container (6.6.2.3)."""
    for uri in rdf.iter(f"{{{NS_SCHEMA}}}namespaceURI"):
        if (uri.text or "").strip() == NS_PDFUAID:
            return
    bag = rdf.find(f"{{{NS_RDF}}}Description/{{{NS_EXTENSION}}}schemas/{{{NS_RDF}}}Bag")
    if bag is None:
        description = etree.SubElement(
            rdf,
            f"{{{NS_RDF}}}Description",
            {f"{{{NS_RDF}}}about": ""},
            nsmap={"pdfaExtension": NS_EXTENSION},
        )
        schemas = etree.SubElement(description, f"{{{NS_EXTENSION}}}schemas")
        bag = etree.SubElement(schemas, f"{{{NS_RDF}}}Bag")
    bag.append(etree.fromstring(_PDFUA_SCHEMA, _PARSER))


# --- output intent -------------------------------------------------------------------


@functools.cache
def srgb_profile() -> bytes:
    """The bundled sRGB ICC profile (see srgb.icc.txt)."""
    return Path(__file__).with_name("srgb.icc").read_bytes()


@functools.cache
def _compressed_srgb_profile() -> bytes:
    return zlib.compress(srgb_profile())


def _set_output_intent(pdf: pikepdf.Pdf) -> None:
    """Give DeviceRGB (and DeviceGray) a defined meaning: sRGB, as on every screen."""
    profile = pdf.make_stream(_compressed_srgb_profile(), N=3, Filter=Name.FlateDecode)
    intent = Dictionary(
        Type=Name.OutputIntent,
        S=Name.GTS_PDFA1,
        OutputConditionIdentifier=String(SRGB_IDENTIFIER),
        RegistryName=String("http://www.color.org"),
        Info=String(SRGB_IDENTIFIER),
        DestOutputProfile=profile,
    )
    # One intent for the whole file: PDF/A-2 requires every intent to use the same profile.
    pdf.Root.OutputIntents = Array([pdf.make_indirect(intent)])
    for page in pdf.pages:
        if "/OutputIntents" in page.obj:
            del page.obj.OutputIntents


# --- mending ---------------------------------------------------------------------------


def _mend_catalog(pdf: pikepdf.Pdf) -> None:
    root = pdf.Root
    assert isinstance(root, Dictionary)  # pikepdf refuses to open a file without a catalog
    for key in ("/AA", "/Version", "/Requirements"):
        if key in root:
            del root[key]
    open_action = root.get("/OpenAction")
    if isinstance(open_action, Dictionary) and not is_allowed_action(open_action):
        del root.OpenAction
    names = root.get("/Names")
    if isinstance(names, Dictionary) and "/JavaScript" in names:
        del names.JavaScript
    form = root.get("/AcroForm")
    if isinstance(form, Dictionary):
        for key in ("/XFA", "/NeedAppearances"):
            if key in form:
                del form[key]
    _mend_optional_content(root)


def _mend_optional_content(root: pikepdf.Dictionary) -> None:
    """PDF/A-2 6.9: every layer configuration has a /Name and no automatic /AS states."""
    properties = root.get("/OCProperties")
    if not isinstance(properties, Dictionary):
        return
    configs = [properties.get("/D")]
    configs += list(properties.get("/Configs", Array()))
    for number, config in enumerate(configs):
        if not isinstance(config, Dictionary):
            continue
        if "/AS" in config:
            del config.AS
        if "/Name" not in config:
            config.Name = String("Default" if number == 0 else f"Configuration {number}")


def _mend_page(page: pikepdf.Dictionary) -> None:
    # /AA runs actions when a page opens; /Trans is a slide-show effect (ReportLab writes an
    # empty one). Neither belongs in an archived letter, and validators cannot vouch for /Trans.
    for key in ("/AA", "/Trans"):
        if key in page:
            del page[key]
    annots = page.get("/Annots")
    if not isinstance(annots, Array):
        return
    kept = [a for a in annots if isinstance(a, Dictionary) and _mend_annotation(a)]
    if len(kept) != len(annots):
        page.Annots = Array(kept)


def _mend_annotation(annot: pikepdf.Dictionary) -> bool:
    """Mend one annotation in place; False when it has to go."""
    if str(annot.get("/Subtype", "")) in FORBIDDEN_ANNOTATIONS:
        return False
    flags = int(annot.get("/F", 0))
    annot.F = (flags | PRINT_FLAG) & ~HIDING_FLAGS
    if "/AA" in annot:
        del annot.AA
    action = annot.get("/A")
    if isinstance(action, Dictionary) and not is_allowed_action(action):
        del annot.A
    return True


MAX_ACTIONS = 1_000
"""Actions chained after one another (``/Next``) that are looked at; more is refused."""


def is_allowed_action(action: pikepdf.Dictionary) -> bool:
    """Whether an action and every action chained after it are allowed in PDF/A-2.

    The chain is a graph in a hostile file (an action listing itself twice under /Next):
    each action is looked at once, and at most ``MAX_ACTIONS`` of them.
    """
    seen: set[tuple[int, int]] = set()
    pending = [action]
    looked = 0
    while pending:
        current = pending.pop()
        if current.is_indirect:
            if current.objgen in seen:
                continue
            seen.add(current.objgen)
        looked += 1
        kind = str(current.get("/S", ""))
        if looked > MAX_ACTIONS or kind in FORBIDDEN_ACTIONS:
            return False
        if kind == "/Named" and str(current.get("/N", "")) not in ALLOWED_NAMED_ACTIONS:
            return False
        following = current.get("/Next")
        if isinstance(following, Dictionary):
            pending.append(following)
        elif isinstance(following, Array):
            pending.extend(a for a in following if isinstance(a, Dictionary))
    return True


# --- text that can be read out -----------------------------------------------------------

_BFCHAR = re.compile(rb"(\d+)\s+beginbfchar(.*?)endbfchar", re.S)
_PAIR = re.compile(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>")
_NOT_TEXT = frozenset({b"0000", b"FEFF", b"FFFE"})


def mend_unicode_maps(pdf: pikepdf.Pdf) -> None:
    """Drop ToUnicode entries that map to U+0000, U+FEFF or U+FFFE (PDF/A-2a 6.2.11.7.2).

    ReportLab fills the unused codes of each font subset with U+0000; no text uses them,
    but a validator reading the map cannot know that.
    """
    seen: set[tuple[int, int]] = set()
    for font in _fonts(pdf):
        cmap = font.get("/ToUnicode")
        if not isinstance(cmap, pikepdf.Stream) or cmap.objgen in seen:
            continue
        seen.add(cmap.objgen)
        filters = cmap.get("/Filter")
        raw = cmap.read_raw_bytes()
        if filters == Name.FlateDecode and not cmap.get("/DecodeParms") and raw in _CLEAN_MAPS:
            # A map already found clean (the letters' own fonts, cut once per process).
            continue
        data = cmap.read_bytes()
        cleaned = _BFCHAR.sub(_clean_bfchar, data)
        if cleaned != data:
            cmap.write(zlib.compress(cleaned), filter=Name.FlateDecode)
        elif filters == Name.FlateDecode:
            _remember_clean(raw)


_CLEAN_MAPS: dict[bytes, None] = {}
"""Compressed ToUnicode maps already found to need no mending, oldest first."""
CLEAN_MAPS_KEPT = 256


def _remember_clean(raw: bytes) -> None:
    _CLEAN_MAPS[raw] = None
    if len(_CLEAN_MAPS) > CLEAN_MAPS_KEPT:
        del _CLEAN_MAPS[next(iter(_CLEAN_MAPS))]


def _clean_bfchar(block: re.Match[bytes]) -> bytes:
    pairs = [(c, u) for c, u in _PAIR.findall(block.group(2)) if u.upper() not in _NOT_TEXT]
    if not pairs:
        return b""
    lines = b"\n".join(b"<%s> <%s>" % pair for pair in pairs)
    return b"%d beginbfchar\n%s\nendbfchar" % (len(pairs), lines)


def _fonts(pdf: pikepdf.Pdf) -> Iterator[pikepdf.Dictionary]:
    """Every font in the resources of the pages and the forms and Type 3 fonts they use."""
    seen: set[tuple[int, int]] = set()
    pending = [page.obj.get("/Resources") for page in pdf.pages]
    while pending:
        resources = pending.pop()
        if not isinstance(resources, Dictionary) or not first_visit(resources, seen):
            continue
        fonts = resources.get("/Font")
        # The pages of a letter share one font dictionary: its fonts are looked at once.
        if not isinstance(fonts, Dictionary) or not first_visit(fonts, seen):
            fonts = None
        for font in fonts.values() if fonts is not None else ():
            if isinstance(font, Dictionary):
                yield font
                pending.append(font.get("/Resources"))
        xobjects = resources.get("/XObject")
        for xobject in xobjects.values() if isinstance(xobjects, Dictionary) else ():
            if isinstance(xobject, pikepdf.Stream) and xobject.get("/Subtype") == Name.Form:
                pending.append(xobject.get("/Resources"))


def first_visit(obj: pikepdf.Object, seen: set[tuple[int, int]]) -> bool:
    """True the first time a walk meets the indirect object ``obj`` (direct objects every
    time): what keeps a walk over shared or cyclic objects from visiting one twice."""
    if not obj.is_indirect:
        return True
    if obj.objgen in seen:
        return False
    seen.add(obj.objgen)
    return True

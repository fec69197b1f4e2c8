"""A painted letter finished with metadata and PDF/A-2b passes two independent validators,
carries its document properties in both places, and comes out byte for byte the same."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import page
import pikepdf
import pypdfium2 as pdfium
import pytest
from pikepdf.models.metadata import decode_pdf_date
from PIL import Image
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from letterpress.finish.metadata import DocumentInfo, write_metadata
from letterpress.finish.pdfa import is_tagged, make_pdfa, pdfa_claim, pdfua_claim, save_pdf

FONT = Path(__file__).resolve().parents[1] / "fonts" / "LiberationSans-Regular.ttf"
FONT_NAME = "LiberationSans"
OSLO = dt.timezone(dt.timedelta(hours=2))

INFO = DocumentInfo(
    title="KS storbynettverk – innspill til generalistkommuneutvalget",
    author="KS",
    subject="Innspill fra storbynettverket",
    language="nb-NO",
    created=dt.datetime(2022, 9, 13, 10, 30, tzinfo=OSLO),
    creator_tool="letterpress",
    producer="letterpress 0.1.0",
    keywords=("storby", "generalistkommune"),
)


def _logo() -> ImageReader:
    """A PNG with an alpha channel, as letterheads often have."""
    image = Image.new("RGBA", (60, 30), (26, 60, 110, 255))
    for x in range(30):
        for y in range(30):
            image.putpixel((x, y), (200, 30, 30, 100))
    data = io.BytesIO()
    image.save(data, "PNG")
    data.seek(0)
    return ImageReader(data)


def letter_pdf(pages: int = 2, text: str = "Vår referanse 21/02732-67") -> bytes:
    """A letter painted the way the layout stage paints one."""
    pdfmetrics.registerFont(TTFont(FONT_NAME, str(FONT)))
    out = io.BytesIO()
    canvas = Canvas(
        out,
        pagesize=A4,
        invariant=1,
        pageCompression=1,
        initialFontName=FONT_NAME,
        initialFontSize=11,
    )
    for number in range(1, pages + 1):
        canvas.setFont(FONT_NAME, 11)
        canvas.drawString(72, 700, f"{text} – side {number} av {pages}: æøå ÆØÅ")
        if number == 1:
            canvas.drawImage(_logo(), 72, 760, 90, 45, mask="auto")
            canvas.drawString(72, 660, "www.ks.no")
            canvas.linkURL("https://www.ks.no", (72, 655, 130, 672), relative=0)
        canvas.showPage()
    canvas.save()
    return out.getvalue()


def finish(raw: bytes, info: DocumentInfo = INFO, **pdfa: object) -> bytes:
    with pikepdf.open(io.BytesIO(raw)) as pdf:
        write_metadata(pdf, info)
        make_pdfa(pdf, **pdfa)
        return save_pdf(pdf, deterministic=True)


def page_report(data: bytes, profile: page.ValidationProfile) -> page.ValidationReport:
    return page.validate_pdf_bytes(data, profile=profile)


def failures(report: page.ValidationReport) -> list[str]:
    return [f"{f.rule_id}: {f.message}" for f in report.failures]


def tagged(raw: bytes) -> bytes:
    """The letter with a (minimal) structure tree, as the accessibility stage leaves it."""
    with pikepdf.open(io.BytesIO(raw)) as pdf:
        document = pdf.make_indirect(
            pikepdf.Dictionary(Type=pikepdf.Name.StructElem, S="/Document")
        )
        root = pdf.make_indirect(
            pikepdf.Dictionary(Type=pikepdf.Name.StructTreeRoot, K=pikepdf.Array([document]))
        )
        document.P = root
        pdf.Root.StructTreeRoot = root
        pdf.Root.MarkInfo = pikepdf.Dictionary(Marked=True)
        out = io.BytesIO()
        pdf.save(out)
        return out.getvalue()


@pytest.fixture(scope="module")
def finished() -> bytes:
    return finish(letter_pdf())


def test_page_validator_finds_the_letter_pdfa_2b(finished: bytes) -> None:
    report = page_report(finished, page.ValidationProfile.PDF_A_2B)
    assert report.is_compliant, failures(report)
    assert report.rules.failed == 0
    assert report.rules.passed > 100  # the profile really ran


def test_pikepdf_reads_the_claim_and_its_validator_passes_the_bytes(finished: bytes) -> None:
    with pikepdf.open(io.BytesIO(finished)) as pdf:
        assert pdf.open_metadata().pdfa_status == "2B"
        assert pdfa_claim(pdf) == (2, "B")
    validator = pytest.importorskip("pikepdf.pdfa")
    report = validator.validate_written(io.BytesIO(finished), "2b")
    assert report.passed, [str(f) for f in report.findings]


def test_the_painted_letter_alone_is_not_pdfa() -> None:
    """The validators are not rubber stamps: the same letter before finishing fails."""
    report = page_report(letter_pdf(), page.ValidationProfile.PDF_A_2B)
    assert not report.is_compliant
    with pikepdf.open(io.BytesIO(letter_pdf())) as pdf:
        assert pdfa_claim(pdf) is None


def test_document_properties_agree_in_info_and_xmp(finished: bytes) -> None:
    with pikepdf.open(io.BytesIO(finished)) as pdf:
        info = pdf.docinfo
        meta = pdf.open_metadata()
        assert str(info.Title) == meta["dc:title"] == INFO.title
        assert str(info.Author) == INFO.author
        assert meta["dc:creator"] == [INFO.author]
        assert str(info.Subject) == meta["dc:description"] == INFO.subject
        assert str(info.Producer) == meta["pdf:Producer"] == INFO.producer
        assert str(info.Creator) == meta["xmp:CreatorTool"] == INFO.creator_tool
        assert str(info.Keywords) == meta["pdf:Keywords"] == "storby, generalistkommune"
        assert meta["dc:language"] == {"nb-NO"}  # an rdf:Bag
        assert str(pdf.Root.Lang) == "nb-NO"
        assert pdf.Root.ViewerPreferences.DisplayDocTitle is True
        for xmp_key, info_key in (
            ("xmp:CreateDate", "/CreationDate"),
            ("xmp:ModifyDate", "/ModDate"),
        ):
            assert dt.datetime.fromisoformat(meta[xmp_key]) == INFO.created
            assert decode_pdf_date(str(info[info_key])) == INFO.created
        assert dt.datetime.fromisoformat(meta["xmp:MetadataDate"]) == INFO.created


def test_same_letter_gives_the_same_bytes_and_id() -> None:
    first, second = finish(letter_pdf()), finish(letter_pdf())
    assert first == second
    with pikepdf.open(io.BytesIO(first)) as pdf:
        ids = [bytes(half) for half in pdf.trailer.ID]
    assert len(ids) == 2 and all(len(half) == 16 for half in ids)
    other = finish(letter_pdf(text="Deres referanse 22/1"))
    with pikepdf.open(io.BytesIO(other)) as pdf:
        other_ids = [bytes(half) for half in pdf.trailer.ID]
    # Both halves differ: no two letters share an identifier, as ReportLab's would.
    assert other_ids[0] != ids[0] and other_ids[1] != ids[1]


def test_version_is_at_most_1_7_also_from_a_pdf_2_input() -> None:
    with pikepdf.open(io.BytesIO(letter_pdf())) as pdf:
        newer = io.BytesIO()
        pdf.save(newer, force_version="2.0")
    out = finish(newer.getvalue())
    assert out.startswith(b"%PDF-1.7")
    with pikepdf.open(io.BytesIO(out)) as pdf:
        assert pdf.pdf_version == "1.7"


def test_link_prints_and_still_leads_to_the_web_page(finished: bytes) -> None:
    with pikepdf.open(io.BytesIO(finished)) as pdf:
        (link,) = pdf.pages[0].Annots
        assert int(link.F) & 4, "print flag"
        assert int(link.F) & (1 | 2 | 32) == 0, "hidden flags"
        assert str(link.A.URI) == "https://www.ks.no"


def test_the_output_intent_is_srgb(finished: bytes) -> None:
    with pikepdf.open(io.BytesIO(finished)) as pdf:
        (intent,) = pdf.Root.OutputIntents
        assert intent.S == pikepdf.Name.GTS_PDFA1
        profile = intent.DestOutputProfile.read_bytes()
        assert profile[16:20] == b"RGB " and profile[36:40] == b"acsp"
        assert int(intent.DestOutputProfile.N) == 3


def test_javascript_and_hidden_annotations_are_mended() -> None:
    with pikepdf.open(io.BytesIO(letter_pdf())) as pdf:
        script = pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String("app.alert(1)"))
        pdf.Root.OpenAction = script
        pdf.Root.Names = pikepdf.Dictionary(
            JavaScript=pikepdf.Dictionary(Names=pikepdf.Array(["x", script]))
        )
        link = pdf.pages[0].Annots[0]
        link.A = script
        link.F = 2  # hidden
        pdf.pages[1].obj.AA = pikepdf.Dictionary(O=script)
        raw = io.BytesIO()
        pdf.save(raw)
    out = finish(raw.getvalue())
    report = page_report(out, page.ValidationProfile.PDF_A_2B)
    assert report.is_compliant, failures(report)
    with pikepdf.open(io.BytesIO(out)) as pdf:
        assert "/OpenAction" not in pdf.Root
        assert "/JavaScript" not in pdf.Root.get("/Names", {})
        assert "/A" not in pdf.pages[0].Annots[0]
        assert int(pdf.pages[0].Annots[0].F) == 4
        assert "/AA" not in pdf.pages[1].obj


def test_make_pdfa_without_write_metadata_keeps_info_and_xmp_equal() -> None:
    """ReportLab's own Info dictionary is carried into XMP, so the two still agree."""
    with pikepdf.open(io.BytesIO(letter_pdf())) as pdf:
        make_pdfa(pdf)
        out = save_pdf(pdf, deterministic=True)
    report = page_report(out, page.ValidationProfile.PDF_A_2B)
    assert report.is_compliant, failures(report)


def test_a_second_make_pdfa_replaces_the_claim() -> None:
    with pikepdf.open(io.BytesIO(tagged(letter_pdf()))) as pdf:
        write_metadata(pdf, INFO)
        make_pdfa(pdf)
        make_pdfa(pdf, conformance="A")
        assert pdfa_claim(pdf) == (2, "A")
        assert len(pdf.Root.OutputIntents) == 1
        xmp = pdf.Root.Metadata.read_bytes()
    assert xmp.count(b"pdfaid:part>") == 2  # one element: an opening and a closing tag


def test_level_a_with_pdfua_writes_both_claims() -> None:
    raw = tagged(letter_pdf())
    out = finish(raw, conformance="A", ua=True)
    with pikepdf.open(io.BytesIO(out)) as pdf:
        assert is_tagged(pdf)
        assert pdfa_claim(pdf) == (2, "A")
        assert pdfua_claim(pdf) == 1
        assert pdf.open_metadata().pdfa_status == "2A"
        assert pdf.pages[0].Tabs == pikepdf.Name.S
    document = pdfium.PdfDocument(out)
    try:
        assert "æøå ÆØÅ" in document[0].get_textpage().get_text_range()
    finally:
        document.close()
    # The structure tree here is a stub, so both validators still fail the content; what
    # this stage answers for is the identification, its schema, the ToUnicode maps and the
    # tab order.
    ours = ("-ID-", "UNICODE", "METADATA", "XMP", "TABS")
    for profile in (page.ValidationProfile.PDF_A_2A, page.ValidationProfile.PDF_UA_1):
        report = page_report(out, profile)
        mine = [f for f in failures(report) if any(word in f for word in ours)]
        assert mine == [], mine
        assert report.rules.passed > 50


def test_level_a_refuses_an_untagged_letter() -> None:
    with pikepdf.open(io.BytesIO(letter_pdf())) as pdf, pytest.raises(ValueError, match="tagged"):
        make_pdfa(pdf, conformance="A")


def test_document_info_refuses_a_time_without_zone() -> None:
    with pytest.raises(ValueError, match="time zone"):
        DocumentInfo("Tittel", "KS", "", "nb-NO", dt.datetime(2022, 9, 13))
    with pytest.raises(ValueError, match="BCP 47"):
        DocumentInfo("Tittel", "KS", "", "norsk", dt.datetime(2022, 9, 13, tzinfo=dt.UTC))


def test_titles_with_markup_and_control_characters_stay_valid_xmp() -> None:
    info = DocumentInfo(
        "AT&T <b> \x0b«svar»", "Kommune & co", "", "nn-NO", dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    )
    out = finish(letter_pdf(pages=1), info)
    with pikepdf.open(io.BytesIO(out)) as pdf:
        assert pdf.open_metadata()["dc:title"] == "AT&T <b> «svar»"
        assert str(pdf.docinfo.Title) == "AT&T <b> \x0b«svar»"
    report = page_report(out, page.ValidationProfile.PDF_A_2B)
    assert report.is_compliant, failures(report)

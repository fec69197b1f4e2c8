"""Logos and signatures keep their colours: a CMYK JPEG is converted (with its profile when it
has one) instead of being labelled RGB, a 16-bit grey PNG keeps its ink, and a signature that
shows nothing is an error. Checked on the page as a reader renders it."""

from __future__ import annotations

import io
from pathlib import Path

import pikepdf
import pypdfium2 as pdfium
import pytest
from conftest import write_yaml
from PIL import Image, ImageDraw
from test_batch import write_letter

import letterpress
from letterpress import batch
from letterpress.errors import LetterError

RED_CMYK = (0, 255, 255, 0)


def rendered(pdf: bytes, scale: float = 1.0) -> Image.Image:
    document = pdfium.PdfDocument(pdf)
    try:
        return document[0].render(scale=scale).to_pil().convert("RGB")
    finally:
        document.close()


def image_streams(pdf: bytes) -> list[pikepdf.PdfImage]:
    with pikepdf.open(io.BytesIO(pdf)) as document:
        found = []
        for page in document.pages:
            for xobject in page.obj.Resources.get("/XObject", {}).values():
                if xobject.get("/Subtype") == "/Image":
                    image = pikepdf.PdfImage(xobject)
                    found.append((str(xobject.ColorSpace), image.as_pil_image().copy()))
        return found


def test_a_cmyk_jpeg_logo_prints_in_its_colour(tmp_path: Path) -> None:
    Image.new("CMYK", (300, 120), RED_CMYK).save(tmp_path / "logo.jpg", quality=95)
    head = write_yaml(tmp_path / "brevhode.yaml", {"name": "Rødby kommune", "logo": "logo.jpg"})
    letter = write_letter(tmp_path, "a.yaml", letterhead=str(head))
    pdf = letterpress.render(letterpress.load(letter))
    ((space, logo),) = image_streams(pdf)
    assert space == "/DeviceRGB" and logo.mode == "RGB"
    red, green, blue = logo.getpixel((150, 60))
    assert red > 200 and green < 80 and blue < 80, (red, green, blue)
    page = rendered(pdf)
    reds = [p for p in page.get_flattened_data() if p[0] > 200 and p[1] < 80 and p[2] < 80]
    assert len(reds) > 1000  # the logo, drawn in red (not stripes, not grey)


def test_a_cmyk_jpeg_with_a_profile_is_converted_through_it(tmp_path: Path) -> None:
    from PIL import ImageCms

    # A profile that is not CMYK's naive inverse: Pillow's own LAB-like sRGB will not do, so
    # the test builds the image in sRGB and lets littleCMS make CMYK from it.
    srgb = ImageCms.createProfile("sRGB")
    profile = ImageCms.ImageCmsProfile(srgb).tobytes()
    cmyk = Image.new("CMYK", (300, 120), RED_CMYK)
    cmyk.save(tmp_path / "logo.jpg", quality=95, icc_profile=profile)
    head = write_yaml(tmp_path / "brevhode.yaml", {"name": "Rødby kommune", "logo": "logo.jpg"})
    letter = write_letter(tmp_path, "a.yaml", letterhead=str(head))
    pdf = letterpress.render(letterpress.load(letter))
    ((space, logo),) = image_streams(pdf)
    assert space == "/DeviceRGB" and logo.mode == "RGB"


def signature_letter(tmp_path: Path, image: Image.Image, name: str = "signatur.png") -> Path:
    image.save(tmp_path / name)
    return write_letter(
        tmp_path, "a.yaml",
        signatories=[{"name": "Kari Nordmann", "title": "rådgiver", "signature": name}],
    )


def test_a_16_bit_grey_signature_keeps_its_ink(tmp_path: Path) -> None:
    signature = Image.new("I;16", (600, 200), 60000)  # paper, a little grey
    stroke = [(40, 150), (200, 40), (380, 160), (560, 50)]
    ImageDraw.Draw(signature).line(stroke, fill=12000, width=9)
    pdf = letterpress.render(letterpress.load(signature_letter(tmp_path, signature)))
    (embedded,) = [image for _, image in image_streams(pdf) if image.size == (600, 200)]
    ink, paper = embedded.convert("L").getextrema()
    assert ink < 60 and paper > 220  # dark ink (12000 of 65535) on light paper
    page = rendered(pdf, scale=2).convert("L")
    signature = page.crop((60 * 2, 300 * 2, 220 * 2, 380 * 2))  # under "Med hilsen" (pt)
    assert sum(1 for p in signature.get_flattened_data() if p < 80) > 150


@pytest.mark.parametrize(
    ("image", "what"),
    [
        (Image.new("L", (400, 150), 255), "white"),
        (Image.new("RGBA", (400, 150), (0, 0, 0, 0)), "transparent"),
    ],
)
def test_a_signature_that_shows_nothing_is_an_error(
    tmp_path: Path, image: Image.Image, what: str
) -> None:
    letter = signature_letter(tmp_path, image)
    line = next(
        i for i, t in enumerate(letter.read_text().splitlines(), 1) if "signature:" in t
    )
    with pytest.raises(LetterError) as caught:
        letterpress.render(letterpress.load(letter))
    (problem,) = caught.value.problems
    assert (problem.path, problem.line, problem.field) == (
        letter, line, "signatories.0.signature"
    )
    assert f"shows nothing (every pixel is {what})" in problem.message
    report = batch.check([letter])
    assert [p.message for p in report.outcomes[0].problems] == [problem.message]


def test_an_image_of_20000_by_1_pixels_is_refused_as_too_thin(tmp_path: Path) -> None:
    letter = signature_letter(tmp_path, Image.new("L", (20_000, 1), 0))
    report = batch.check([letter])
    (problem,) = report.outcomes[0].problems
    assert problem.field == "signatories.0.signature"
    assert problem.message.endswith("is 20000 × 1 pixels, too thin to print as a logo or "
                                    "signature; crop it to the picture or save it again")

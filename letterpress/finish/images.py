"""Image XObjects for the pages that draw logos and signatures.

The painter only places ``/Key Do``; here each page gets the XObjects it names, built from the
streams layout encoded once per process, so a batch never compresses the same logo twice.
"""

from __future__ import annotations

import pikepdf
from pikepdf import Dictionary, Name

from letterpress.layout.images import Encoded
from letterpress.layout.painter import Painted


def attach_images(pdf: pikepdf.Pdf, painted: Painted) -> None:
    """Add every image a page draws to that page's resources (one object per image)."""
    made: dict[str, pikepdf.Object] = {}
    for page, keys in zip(pdf.pages, painted.images, strict=True):
        if not keys:
            continue
        if "/Resources" not in page.obj:
            page.obj.Resources = Dictionary()
        resources = page.obj.Resources
        if "/XObject" not in resources:
            resources.XObject = Dictionary()
        xobjects = resources.XObject
        for key in sorted(keys):
            if key not in made:
                made[key] = _stream(pdf, painted.document.images[key].encoded)
            xobjects[Name("/" + key)] = made[key]


def _stream(pdf: pikepdf.Pdf, image: Encoded) -> pikepdf.Object:
    stream = pikepdf.Stream(pdf, image.data)
    stream.Type = Name.XObject
    stream.Subtype = Name.Image
    stream.Width = image.width
    stream.Height = image.height
    stream.ColorSpace = Name(image.colour_space)
    stream.BitsPerComponent = 8
    stream.Filter = Name(image.filter)
    if image.predicted:
        stream.DecodeParms = _predictor(image, 3 if image.colour_space == "/DeviceRGB" else 1)
    if image.mask is not None:
        mask = pikepdf.Stream(pdf, image.mask)
        mask.Type = Name.XObject
        mask.Subtype = Name.Image
        mask.Width = image.width
        mask.Height = image.height
        mask.ColorSpace = Name.DeviceGray
        mask.BitsPerComponent = 8
        mask.Filter = Name.FlateDecode
        if image.predicted:
            mask.DecodeParms = _predictor(image, 1)
        stream.SMask = pdf.make_indirect(mask)
    return pdf.make_indirect(stream)


def _predictor(image: Encoded, colours: int) -> Dictionary:
    return Dictionary(Predictor=15, Colors=colours, BitsPerComponent=8, Columns=image.width)

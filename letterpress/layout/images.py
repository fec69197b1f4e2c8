"""Logos and signature images: read with Pillow, encoded for PDF once (kept in the cache folder
between runs), fitted without stretching.

Palette images and transparency become RGB with a soft mask (never a colour-key mask); a JPEG
without transparency is embedded as it is. Pixel counts are limited before decoding. The encoded
streams are cached, so a batch of letters with the same logo compresses it once.
"""

from __future__ import annotations

import hashlib
import io
import marshal
import struct
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, cast

import PIL
from PIL import Image as PILImage
from PIL import UnidentifiedImageError

from letterpress import geometry as g
from letterpress.errors import LetterError
from letterpress.filekey import FileKey, code_version, entry_path, file_key, read_entry, write_entry
from letterpress.limits import MAX_IMAGE_PIXELS
from letterpress.model import Letter, Letterhead, Source

PILImage.MAX_IMAGE_PIXELS = MAX_IMAGE_PIXELS


@dataclass(frozen=True)
class Encoded:
    """An image as PDF stream data: samples, colour space, filter, and an optional soft mask."""

    width: int
    height: int
    colour_space: str
    """``/DeviceRGB`` or ``/DeviceGray``."""
    filter: str
    """``/FlateDecode`` or ``/DCTDecode``."""
    data: bytes
    mask: bytes | None = None
    """The alpha channel, 8-bit gray, Flate-compressed."""
    predicted: bool = False
    """Flate data (image and mask) holds PNG-filtered rows: ``/Predictor 15`` decodes them."""


@dataclass(frozen=True)
class Picture:
    """An image ready to draw: its encoded streams and its natural aspect ratio."""

    key: str
    encoded: Encoded
    width_px: int
    height_px: int
    blank: str = ""
    """What every pixel is ("white", "transparent", "one colour") when the image shows
    nothing, else empty."""

    def fit(self, max_width: float, max_height: float) -> tuple[float, float]:
        """The largest width and height (mm) inside the box that keep the aspect ratio."""
        scale = min(max_width / self.width_px, max_height / self.height_px)
        return self.width_px * scale, self.height_px * scale


PRINT_DPI = 300
"""Images are never embedded at more pixels than this resolution needs at their largest size."""
OVERSIZE = 2
"""Only an image this many times larger than needed is scaled down: resampling a small logo
blurs its flat colours, and the result compresses worse than the original."""


def picture(
    path: Path, source: Path | None, field: str, line: int | None, box: tuple[float, float]
) -> Picture:
    """The image at ``path``, for a ``box`` (width, height) in mm; a clear error naming
    ``field`` when it cannot be used."""
    try:
        key = file_key(path)
    except OSError as exc:
        raise LetterError.at(source, line, field, f"cannot read {path}: {exc.strerror}") from None
    try:
        loaded = _load(key, box)
    except PILImage.DecompressionBombError:
        raise LetterError.at(
            source,
            line,
            field,
            f"{path} has more than {MAX_IMAGE_PIXELS} pixels; scale it down",
        ) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise LetterError.at(
            source, line, field, f"{path} is not a PNG or JPEG image that can be read ({exc})"
        ) from None
    if loaded.blank and field.endswith("signature"):
        # A signature that prints nothing makes a letter look signed by no one.
        raise LetterError.at(
            source,
            line,
            field,
            f"{path} shows nothing (every pixel is {loaded.blank}); scan or save the signature "
            "again as dark ink on white or on a transparent background",
        )
    return loaded



def logo_picture(letterhead: Letterhead, source: Source | None) -> Picture:
    """The letterhead's logo for the logo box. A letterhead file is named by itself in a
    problem; an inline one by the letter, with its line."""
    assert letterhead.logo is not None
    path, line, field = letterhead.source, None, "logo"
    if letterhead.source is None and source is not None:
        field = "letterhead.logo"
        path, line = source.path, source.line_of(field)
    return picture(letterhead.logo, path, field, line, (g.LOGO_BOX.width, g.LOGO_BOX.height))


def signature_picture(letter: Letter, number: int) -> Picture:
    """The signature image of the letter's signatory ``number``, for the signature box."""
    signature = letter.signatories[number].signature
    assert signature is not None
    field = f"signatories.{number}.signature"
    source = letter.source
    path, line = (source.path, source.line_of(field)) if source else (None, None)
    return picture(signature, path, field, line, g.SIGNATURE_BOX)


@lru_cache(maxsize=64)
def _load(key: FileKey, box: tuple[float, float]) -> Picture:
    data = key.path.read_bytes()
    entry = entry_path(KIND, hashlib.sha256(data).hexdigest(), box, *_versions())
    stored = _from_plain(_unmarshal(read_entry(entry, KIND)))
    if stored is not None and stored.key == _name(data, box):
        return stored
    made = _encode(data, box)
    write_entry(entry, KIND, marshal.dumps(_as_plain(made)))
    return made


KIND = "image"
"""Encoded images are kept in the cache folder between runs: encoding a logo (decoding the PNG,
converting, PNG-filtering and compressing its rows) takes 10-30 ms, reading it back well under
one. An entry is named by the image's bytes, the box it is fitted to, and the versions of
Pillow, its zlib and this module, so it holds exactly the streams encoding would give now."""


def _versions() -> tuple[object, ...]:
    zlib_version = getattr(PILImage.core, "zlib_version", "?")  # type: ignore[attr-defined]
    return PIL.__version__, zlib_version, marshal.version, code_version(__file__)


def _as_plain(made: Picture) -> tuple[Any, ...]:
    e = made.encoded
    return (
        made.key,
        made.width_px,
        made.height_px,
        made.blank,
        (e.width, e.height, e.colour_space, e.filter, e.data, e.mask, e.predicted),
    )


def _unmarshal(payload: bytes | None) -> object:
    if payload is None:
        return None
    try:
        return marshal.loads(payload)
    except (EOFError, ValueError, TypeError):
        return None


def _from_plain(plain: object) -> Picture | None:
    """The picture ``_as_plain`` stored, or None for anything of another shape."""
    match plain:
        case (
            str() as key,
            int() as width_px,
            int() as height_px,
            str() as blank,
            (
                int() as width,
                int() as height,
                "/DeviceRGB" | "/DeviceGray" as space,
                "/FlateDecode" | "/DCTDecode" as kind,
                bytes() as data,
                bytes() | None as mask,
                bool() as predicted,
            ),
        ) if min(width_px, height_px, width, height) > 0:
            encoded = Encoded(width, height, space, kind, data, mask, predicted)
            return Picture(key, encoded, width_px, height_px, blank)
    return None


def _encode(data: bytes, box: tuple[float, float]) -> Picture:
    with PILImage.open(io.BytesIO(data)) as opened:
        if opened.format not in ("PNG", "JPEG"):
            raise ValueError(f"the format is {opened.format}; use PNG or JPEG")
        opened.load()
        width, height = opened.size
        image = _normalised(opened)
        reduced = _reduced(image, box)
        # Only JPEG data whose samples are RGB or grey can stand under /DeviceRGB or
        # /DeviceGray as it is; a CMYK JPEG is converted like any other image.
        if opened.format == "JPEG" and reduced is image and opened.mode in ("RGB", "L"):
            encoded = _jpeg(data, image)
        else:
            encoded = _flate(reduced)
        blank = _blank(reduced)
    return Picture(_name(data, box), encoded, width, height, blank)


def _name(data: bytes, box: tuple[float, float]) -> str:
    """The image's resource name: the same for the same image in the same box."""
    return "Im" + hashlib.sha1(data + repr(box).encode()).hexdigest()[:12]


def _blank(image: PILImage.Image) -> str:
    if image.mode == "RGBA" and image.getchannel("A").getextrema()[1] == 0:
        return "transparent"
    low, high = cast("tuple[int, int]", image.convert("L").getextrema())
    if high - low > 0:
        return ""
    return "white" if low == 255 else "one colour"


def _jpeg(data: bytes, image: PILImage.Image) -> Encoded:
    space = "/DeviceGray" if image.mode == "L" else "/DeviceRGB"
    return Encoded(image.width, image.height, space, "/DCTDecode", data)


def _flate(image: PILImage.Image) -> Encoded:
    mask = None
    if image.mode == "RGBA":
        mask = _png_rows(image.getchannel("A"))
        image = image.convert("RGB")
    space = "/DeviceGray" if image.mode == "L" else "/DeviceRGB"
    return Encoded(
        image.width, image.height, space, "/FlateDecode", _png_rows(image), mask, predicted=True
    )


def _png_rows(image: PILImage.Image) -> bytes:
    """The image's samples as a PNG encoder filters and compresses them (the IDAT data).

    PDF's Flate filter with ``/Predictor 15`` reads exactly this, and PNG's per-row filters
    make a logo two or three times smaller than compressing the raw samples.
    """
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=6)
    data = buffer.getvalue()
    chunks = []
    at = 8  # after the PNG signature
    while at < len(data):
        (length,) = struct.unpack_from(">I", data, at)
        kind = data[at + 4 : at + 8]
        if kind == b"IDAT":
            chunks.append(data[at + 8 : at + 8 + length])
        at += 12 + length
    return b"".join(chunks)


def _reduced(image: PILImage.Image, box: tuple[float, float]) -> PILImage.Image:
    """The image scaled down to what 300 dpi needs when it fills ``box``; a logo scanned at
    2000 pixels would otherwise make every letter heavy."""
    scale = min(box[0] / image.width, box[1] / image.height)
    needed = (
        max(1, round(image.width * scale / 25.4 * PRINT_DPI)),
        max(1, round(image.height * scale / 25.4 * PRINT_DPI)),
    )
    if needed[0] * OVERSIZE >= image.width:
        return image
    return image.resize(needed, PILImage.Resampling.LANCZOS)


SIXTEEN_BIT = ("I", "I;16", "I;16B", "I;16L", "I;16N")


def _normalised(image: PILImage.Image) -> PILImage.Image:
    if image.mode in SIXTEEN_BIT:
        # Pillow clips 16-bit samples to 8 bits instead of scaling them: all would be white.
        image = image.convert("I").point(lambda value: value * (1 / 256)).convert("L")
    elif image.mode == "CMYK":
        return _from_cmyk(image)
    has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    if has_alpha:
        converted = image.convert("RGBA")
        if converted.getchannel("A").getextrema() == (255, 255):
            return converted.convert("RGB")
        return converted
    if image.mode in ("RGB", "L"):
        return image.copy()
    return image.convert("RGB")


def _from_cmyk(image: PILImage.Image) -> PILImage.Image:
    """A CMYK image as sRGB, through its own colour profile when it has one (the letter's
    output intent is sRGB, so CMYK cannot stay)."""
    profile = image.info.get("icc_profile")
    if profile:
        from PIL import ImageCms

        try:
            converted = ImageCms.profileToProfile(
                image,
                ImageCms.ImageCmsProfile(io.BytesIO(profile)),
                ImageCms.createProfile("sRGB"),
                outputMode="RGB",
            )
        except (ImageCms.PyCMSError, OSError, ValueError):
            converted = None
        if converted is not None:
            return converted
    return image.convert("RGB")

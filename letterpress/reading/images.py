"""Logos and signature images checked while loading, from their headers alone.

Layout decodes an image only when it draws it, and Pillow's decompression-bomb guard there
only warns below twice its limit; so a file that is not a PNG or JPEG, or whose header claims
more pixels than ``MAX_IMAGE_PIXELS``, is refused here, naming the letter's line, before any
pixel is decoded.
"""

from __future__ import annotations

import warnings
from pathlib import Path

from letterpress.limits import MAX_IMAGE_PIXELS

FORMATS = ("PNG", "JPEG")
MIN_SIDE = 4
"""Pixels an image needs each way to show anything at the size it is printed."""
MAX_ASPECT = 50
"""How many times longer than high (or high than long) an image may be; a logo or
signature thinner than this would print as a line, or scale to zero pixels."""


def image_problem(path: Path) -> str | None:
    """Why the image at ``path`` cannot be used, or None when its header is fine."""
    # Pillow (10-15 ms to import) only for a letter that has an image.
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            # Opening reads the header only; the size is checked against our own limit below.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                kind, (width, height) = image.format, image.size
    except Image.DecompressionBombError:
        return _too_large(path, "")
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        return f"{path} is not a PNG or JPEG image that can be read; save it again as PNG"
    if kind not in FORMATS:
        return f"{path} is a {kind} image; save it as PNG or JPEG"
    if width * height > MAX_IMAGE_PIXELS:
        return _too_large(path, f" ({width} × {height})")
    if min(width, height) < MIN_SIDE or max(width, height) > MAX_ASPECT * min(width, height):
        return (
            f"{path} is {width} × {height} pixels, too thin to print as a logo or signature; "
            "crop it to the picture or save it again"
        )
    return None


def _too_large(path: Path, size: str) -> str:
    limit = f"{MAX_IMAGE_PIXELS:,}".replace(",", " ")
    return (
        f"{path} has more than {limit} pixels{size}; scale it down (300 dpi at the size it is "
        "printed is plenty)"
    )

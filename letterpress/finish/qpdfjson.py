"""New objects written as text of one qpdf JSON update (``Pdf.update_from_qpdf_json``).

Making an object through pikepdf's bindings costs a call per key; a letter's sixty structure
elements, its document information, XMP packet and output intent are written instead as the
objects of one JSON document that qpdf reads in one go. The objects are the same either way;
qpdf numbers them afresh when it saves.
"""

from __future__ import annotations

import base64
import io
import json

import pikepdf

_string = json.encoder.encode_basestring
"""A JSON string literal, quoted, non-ASCII left as it is (``json.dumps(ensure_ascii=False)``)."""


def ref(obj: pikepdf.Object) -> str:
    """An indirect object's reference as qpdf JSON writes it: ``"12 0 R"``."""
    number, generation = obj.objgen
    return f"{number} {generation} R"


def objgen(reference: str) -> tuple[int, int]:
    """``"12 0 R"`` as pikepdf names an object: ``(12, 0)``."""
    number, generation, _ = reference.split()
    return int(number), int(generation)


def text(value: str) -> str:
    """A text string in qpdf JSON, as a JSON literal: encoded as ``pikepdf.String`` encodes it
    (PDFDocEncoding where it can, else UTF-16)."""
    return _string("u:" + value)


def entry(reference: str, value: str) -> str:
    """One object of a qpdf JSON update: ``"obj:12 0 R": {"value": ...}``."""
    return f'"obj:{reference}": {{"value": {value}}}'


class NewObjects:
    """Objects numbered from ``first`` on, as the entries of one qpdf JSON update."""

    def __init__(self, first: int) -> None:
        self.entries: list[str] = []
        """``"obj:N 0 R": {...}`` for each object, in the order they are numbered."""
        self.next_id = first

    def reserve(self) -> str:
        """The next object's reference; its entry is filled in when its value is known."""
        reference = f"{self.next_id} 0 R"
        self.next_id += 1
        self.entries.append("")
        return reference

    def new_object(self, value: str) -> str:
        reference = self.reserve()
        self.entries[-1] = entry(reference, value)
        return reference

    def new_stream(self, dictionary: str, data: bytes) -> str:
        """A stream of ``data`` as it is stored (encoded as ``dictionary``'s /Filter says)."""
        reference = self.reserve()
        encoded = base64.b64encode(data).decode("ascii")
        self.entries[-1] = (
            f'"obj:{reference}": {{"stream": {{"dict": {dictionary}, "data": "{encoded}"}}}}'
        )
        return reference

    def write(self, pdf: pikepdf.Pdf) -> None:
        """Add the objects to ``pdf``."""
        header = (
            '{"jsonversion": 2, "pushedinheritedpageresources": false,'
            f' "calledgetallpages": false, "maxobjectid": {self.next_id - 1}}}'
        )
        update = f'{{"qpdf": [{header}, {{{", ".join(self.entries)}}}]}}'
        pdf.update_from_qpdf_json(io.BytesIO(update.encode("utf-8")))

"""Reading a PDF's logical structure the way the readers people use do.

pdfium is the PDF engine of Chrome and Edge: ``pdfium_pages`` asks it for the structure tree of
each page (``FPDF_StructTree_GetForPage``, which finds a page's elements through the page's
``/StructParents`` and the parent tree) and reads each element's text in structure order, with
``/ActualText`` applied, as assistive technology gets it. pdf.js is Firefox's viewer:
``pdfjs_pages`` runs ``tests/readers/pdfjs_structure.mjs`` with Node.
"""

from __future__ import annotations

import ctypes
import functools
import io
import json
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pikepdf
import pypdfium2 as pdfium
import pypdfium2.raw as raw

READERS = Path(__file__).resolve().parent / "readers"
PDFJS_SCRIPT = READERS / "pdfjs_structure.mjs"
PDFJS_PACKAGE = READERS / "node_modules" / "pdfjs-dist"


@dataclass
class Element:
    """A structure element as a reader found it on one page."""

    role: str
    lang: str = ""
    alt: str = ""
    actual_text: str = ""
    children: list[Element] = field(default_factory=list)
    text: str = ""
    """The element's text on this page in structure order, its children's included."""

    def walk(self) -> Iterator[Element]:
        yield self
        for child in self.children:
            yield from child.walk()


def walk(elements: list[Element]) -> Iterator[Element]:
    for element in elements:
        yield from element.walk()


# --- pdfium ----------------------------------------------------------------------------------


def pdfium_pages(pdf: bytes | Path) -> list[list[Element]]:
    """For every page, the top-level structure elements pdfium finds for it."""
    document = pdfium.PdfDocument(pdf)
    try:
        pages = []
        for index in range(len(document)):
            page = document[index]
            texts = _marked_texts(page)
            tree = raw.FPDF_StructTree_GetForPage(page.raw)
            try:
                count = raw.FPDF_StructTree_CountChildren(tree) if tree else 0
                found = []
                for i in range(count):
                    child = raw.FPDF_StructTree_GetChildAtIndex(tree, i)
                    if child:
                        found.append(_element(child, texts))
                pages.append(found)
            finally:
                if tree:
                    raw.FPDF_StructTree_Close(tree)
        return pages
    finally:
        document.close()


def document_elements(pdf: bytes) -> list[Element]:
    """The whole structure tree, each element with its text across all its pages: the
    tree read with pikepdf, the text of each marked-content id as pdfium reads it."""
    document = pdfium.PdfDocument(pdf)
    try:
        texts = [_marked_texts(document[i]) for i in range(len(document))]
    finally:
        document.close()
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        pages = {page.obj.objgen: index for index, page in enumerate(doc.pages)}
        root = doc.Root.get("/StructTreeRoot")
        if root is None:
            return []
        return [
            _tree_element(kid, None, pages, texts)
            for kid in _kids(root)
            if isinstance(kid, pikepdf.Dictionary)
        ]


def _kids(element: pikepdf.Object) -> list[pikepdf.Object]:
    kids = element.get("/K")
    if kids is None:
        return []
    return list(kids) if isinstance(kids, pikepdf.Array) else [kids]


def _tree_element(
    element: pikepdf.Dictionary, page: int | None, pages: dict, texts: list[dict[int, str]]
) -> Element:
    if "/Pg" in element:
        page = pages.get(element.Pg.objgen, page)
    found = Element(
        role=str(element.get("/S", "/"))[1:],
        lang=str(element.get("/Lang", "")),
        alt=str(element.get("/Alt", "")),
        actual_text=str(element.get("/ActualText", "")),
    )
    parts = []
    for kid in _kids(element):
        if isinstance(kid, int) or (isinstance(kid, pikepdf.Object) and _is_integer(kid)):
            parts.append(texts[page].get(int(kid), "") if page is not None else "")
        elif isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/MCR":
            kid_page = pages.get(kid.Pg.objgen, page) if "/Pg" in kid else page
            parts.append(texts[kid_page].get(int(kid.MCID), "") if kid_page is not None else "")
        elif isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
            child = _tree_element(kid, page, pages, texts)
            found.children.append(child)
            parts.append(child.text)
    found.text = found.actual_text or "".join(parts)
    return found


def _is_integer(value: pikepdf.Object) -> bool:
    try:
        int(value)
    except (TypeError, ValueError):
        return False
    return not isinstance(value, pikepdf.Dictionary | pikepdf.Array)


def _element(handle, texts: dict[int, str]) -> Element:
    element = Element(
        role=_string(raw.FPDF_StructElement_GetType, handle),
        lang=_string(raw.FPDF_StructElement_GetLang, handle),
        alt=_string(raw.FPDF_StructElement_GetAltText, handle),
        actual_text=_string(raw.FPDF_StructElement_GetActualText, handle),
    )
    parts: list[str] = []
    for i in range(raw.FPDF_StructElement_CountChildren(handle)):
        mcid = raw.FPDF_StructElement_GetChildMarkedContentID(handle, i)
        if mcid >= 0:
            parts.append(texts.get(mcid, ""))
            continue
        child = raw.FPDF_StructElement_GetChildAtIndex(handle, i)
        if child:
            kid = _element(child, texts)
            element.children.append(kid)
            parts.append(kid.text)
    if raw.FPDF_StructElement_CountChildren(handle) <= 0:
        # An element whose only content is marked content on this page.
        for i in range(raw.FPDF_StructElement_GetMarkedContentIdCount(handle)):
            parts.append(texts.get(raw.FPDF_StructElement_GetMarkedContentIdAtIndex(handle, i), ""))
    element.text = element.actual_text or "".join(parts)
    return element


def _string(function, handle) -> str:
    size = function(handle, None, 0)
    if size <= 2:
        return ""
    buffer = ctypes.create_string_buffer(size)
    function(handle, buffer, size)
    return buffer.raw[: size - 2].decode("utf-16-le")


def _marked_texts(page: pdfium.PdfPage) -> dict[int, str]:
    """The text inside each marked-content id of the page, in content order, with the
    ``/ActualText`` of nested marked content in place of the glyphs it replaces."""
    textpage = page.get_textpage()
    by_object = _object_texts(textpage.raw)
    texts: dict[int, str] = {}
    replaced: set[int] = set()
    for index in range(raw.FPDFPage_CountObjects(page.raw)):
        obj = raw.FPDFPage_GetObject(page.raw, index)
        if raw.FPDFPageObj_GetType(obj) != raw.FPDF_PAGEOBJ_TEXT:
            continue
        mcid, actual, mark = _marks(obj)
        if mcid is None:
            continue
        if actual is not None:
            # One marked-content sequence with /ActualText reads once, however many text
            # objects it holds.
            key = ctypes.cast(mark, ctypes.c_void_p).value or 0
            if key in replaced:
                continue
            replaced.add(key)
            text = actual
        else:
            text = by_object.get(ctypes.cast(obj, ctypes.c_void_p).value or 0, "")
        texts[mcid] = texts.get(mcid, "") + text
    return texts


def _marks(obj) -> tuple[int | None, str | None, object]:
    mcid: int | None = None
    actual: str | None = None
    actual_mark = None
    for i in range(raw.FPDFPageObj_CountMarks(obj)):
        mark = raw.FPDFPageObj_GetMark(obj, i)
        value = ctypes.c_int()
        if raw.FPDFPageObjMark_GetParamIntValue(mark, b"MCID", ctypes.byref(value)):
            mcid = value.value
        value = _blob(mark, b"ActualText")
        if value is not None:
            actual, actual_mark = _text_string(value), mark
    return mcid, actual, actual_mark


def _blob(mark, key: bytes) -> bytes | None:
    """A string parameter's raw bytes (pdfium's string getter reads them as UTF-8, which a
    PDF text string with a byte order mark is not)."""
    length = ctypes.c_ulong()
    if not raw.FPDFPageObjMark_GetParamBlobValue(mark, key, None, 0, ctypes.byref(length)):
        return None
    buffer = ctypes.create_string_buffer(max(length.value, 1))
    raw.FPDFPageObjMark_GetParamBlobValue(
        mark, key, ctypes.cast(buffer, ctypes.POINTER(ctypes.c_ubyte)), length.value, length
    )
    return buffer.raw[: length.value]


def _text_string(data: bytes) -> str:
    """A PDF text string: UTF-16BE after its byte order mark, else PDFDocEncoding."""
    if data.startswith(b"\xfe\xff"):
        return data[2:].decode("utf-16-be")
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    return data.decode("latin-1")


def _object_texts(textpage) -> dict[int, str]:
    """The characters of each text object as pdfium's text page has them, without the spaces
    and line ends pdfium adds where it guesses a gap (``FPDFText_IsGenerated``)."""
    texts: dict[int, list[str]] = {}
    for index in range(raw.FPDFText_CountChars(textpage)):
        if raw.FPDFText_IsGenerated(textpage, index) == 1:
            continue
        obj = raw.FPDFText_GetTextObject(textpage, index)
        key = ctypes.cast(obj, ctypes.c_void_p).value
        if not key:
            continue
        char = chr(raw.FPDFText_GetUnicode(textpage, index))
        # pdfium reports a hyphen that ends a line as U+0002; the content has a hyphen.
        texts.setdefault(key, []).append("-" if char == "\x02" else char)
    return {key: "".join(chars) for key, chars in texts.items()}


# --- pdf.js ----------------------------------------------------------------------------------


@functools.cache
def pdfjs_missing() -> str | None:
    """Why pdf.js cannot be run here, or None when it can. pdfjs-dist is installed from the
    committed lock file on first use where npm is at hand, so the README's test command reads
    letters with pdf.js too."""
    if shutil.which("node") is None:
        return "node is not installed"
    npm = shutil.which("npm")
    if not PDFJS_PACKAGE.is_dir() and npm is not None:
        subprocess.run(
            [npm, "ci", "--prefix", str(READERS), "--no-audit", "--no-fund", "--silent"],
            capture_output=True, timeout=600, check=False,
        )
    if not PDFJS_PACKAGE.is_dir():
        return f"pdfjs-dist is not installed (npm ci --prefix {READERS})"
    return None


def pdfjs_pages(*paths: Path) -> dict[Path, list[list[Element]]]:
    """For every file and page, the top-level structure elements pdf.js finds for it (one
    Node process for all the files)."""
    result = subprocess.run(
        ["node", str(PDFJS_SCRIPT), *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    found: dict[Path, list[list[Element]]] = {}
    for path, pages in json.loads(result.stdout).items():
        found[Path(path)] = [
            [
                _pdfjs_element(node, page["content"])
                for node in (page["tree"] or {}).get("children", [])
            ]
            for page in pages
        ]
    return found


def _pdfjs_element(node: dict, content: dict[str, str]) -> Element:
    element = Element(role=node.get("role", ""), lang=node.get("lang", ""), alt=node.get("alt", ""))
    parts = []
    for kid in node.get("children", []):
        if "role" in kid:
            child = _pdfjs_element(kid, content)
            element.children.append(child)
            parts.append(child.text)
        elif kid.get("type") == "content":
            parts.append(content.get(kid["id"], ""))
    element.text = "".join(parts)
    return element

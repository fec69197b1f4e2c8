"""The structure tree of a tagged PDF, written from what layout recorded while painting.

Every marked-content id on a page and every link annotation already belongs to a structure
element (``Painted.marks``, ``Painted.links``); this module writes those elements as
``/StructElem`` objects, the parent tree that maps back from content to element, ``/MarkInfo``
and the tab order, so assistive technology reads the letter in its logical order.
"""

from __future__ import annotations

import io
import json
import zlib
from collections import defaultdict
from operator import itemgetter
from typing import Any

import pikepdf
from pikepdf import Array, Dictionary, Name

from letterpress.layout.page import Node
from letterpress.layout.painter import Painted

Mark = tuple[int, int]
"""Marked content: its page index and MCID (an annotation sorts after every MCID of its page)."""
Kid = str | dict[str, Any] | Mark
"""A structure element's kid: another element (its reference, ``"12 0 R"``), an object
reference (an ``/OBJR`` dictionary), or marked content."""

NOWHERE: Mark = (10**9, 0)
"""Where an element without marked content sorts: after every page."""

ATTRIBUTE_OWNERS = {"Scope": "/Table", "ListNumbering": "/List"}
"""Structure attributes written to the PDF, and the standard owner each belongs to."""


def write_structure(pdf: pikepdf.Pdf, painted: Painted) -> None:
    """Add the structure tree of ``painted`` to ``pdf`` (opened from ``painted.pdf``).

    The elements are written in one qpdf JSON update (``update_from_qpdf_json``) rather than
    one pikepdf object at a time: a letter has some sixty elements, and making each of them
    through pikepdf's bindings took most of the time finishing spent on tagging. The JSON is
    written as text, element by element, rather than built as dictionaries and serialised.
    The objects are the same either way; qpdf numbers them afresh when it saves.
    """
    pages = list(pdf.pages)
    page_refs = [_ref(page.obj) for page in pages]
    content = _content_by_node(painted)
    annotations = _link_annotations(pages, painted)
    root = pdf.make_indirect(Dictionary(Type=Name.StructTreeRoot))
    writer = _Writer(page_refs, content, annotations, first=root.objgen[0] + 1)
    document, _ = writer.element(
        painted.document.structure, _ref(root), language=painted.document.language
    )
    parent_tree = writer.parent_tree(len(pages))
    writer.entries.append(
        _entry(
            _ref(root),
            f'{{"/Type": "/StructTreeRoot", "/K": ["{document}"], "/ParentTree": "{parent_tree}",'
            f' "/ParentTreeNextKey": {writer.next_key}}}',
        )
    )
    header = (
        '{"jsonversion": 2, "pushedinheritedpageresources": false, "calledgetallpages": false,'
        f' "maxobjectid": {writer.next_id - 1}}}'
    )
    update = f'{{"qpdf": [{header}, {{{", ".join(writer.entries)}}}]}}'
    pdf.update_from_qpdf_json(io.BytesIO(update.encode("utf-8")))
    pdf.Root.StructTreeRoot = root
    pdf.Root.MarkInfo = Dictionary(Marked=True)
    for index, page in enumerate(pages):
        page.obj.Tabs = Name.S
        if painted.marks[index]:
            # The page's key in the parent tree (ISO 32000-1, 14.7.4.4): without it readers
            # that build the structure per page (pdfium in Chrome and Edge, pdf.js in Firefox)
            # cannot tell which elements the page's marked content belongs to.
            page.obj.StructParents = index


def _ref(obj: pikepdf.Object) -> str:
    """An indirect object's reference as qpdf JSON writes it: ``"12 0 R"``."""
    number, generation = obj.objgen
    return f"{number} {generation} R"


_string = json.encoder.encode_basestring
"""A JSON string literal, quoted, non-ASCII left as it is (``json.dumps(ensure_ascii=False)``)."""


def _text(value: str) -> str:
    """A text string in qpdf JSON, as a JSON literal: encoded as ``pikepdf.String`` encodes it
    (PDFDocEncoding where it can, else UTF-16)."""
    return _string("u:" + value)


def _entry(ref: str, value: str) -> str:
    """One object of a qpdf JSON update: ``"obj:12 0 R": {"value": ...}``."""
    return f'"obj:{ref}": {{"value": {value}}}'


def _content_by_node(painted: Painted) -> dict[int, list[tuple[int, int]]]:
    """For every element, its (page index, MCID) pairs in painting order."""
    content: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for page_index, marks in enumerate(painted.marks):
        for mcid, node in enumerate(marks):
            content[id(node)].append((page_index, mcid))
    return content


def _link_annotations(
    pages: list[pikepdf.Page], painted: Painted
) -> dict[int, list[tuple[int, pikepdf.Object]]]:
    """For every link element, its annotations with the index of their page."""
    found: dict[int, list[tuple[int, pikepdf.Object]]] = defaultdict(list)
    for page_index, (page, nodes) in enumerate(zip(pages, painted.links, strict=True)):
        links = [a for a in page.obj.get("/Annots", []) if a.get("/Subtype") == Name.Link]
        for annotation, node in zip(links, nodes, strict=True):
            found[id(node)].append((page_index, annotation))
    return found


class _Writer:
    """The structure elements as the objects of a qpdf JSON update, in text."""

    def __init__(
        self,
        pages: list[str],
        content: dict[int, list[Mark]],
        annotations: dict[int, list[tuple[int, pikepdf.Object]]],
        first: int,
    ) -> None:
        self.pages = pages
        self.content = content
        self.annotations = annotations
        self.entries: list[str] = []
        """``"obj:N 0 R": {"value": ...}`` for each object, in the order they are numbered."""
        self.next_id = first
        self.by_mcid: dict[int, dict[int, str]] = defaultdict(dict)
        self.object_refs: list[str] = []
        self.next_key = len(pages)

    def new_object(self, value: str) -> str:
        ref = self.reserve()
        self.entries[-1] = _entry(ref, value)
        return ref

    def reserve(self) -> str:
        """The next object's reference; its entry is filled in when its value is known."""
        ref = f"{self.next_id} 0 R"
        self.next_id += 1
        self.entries.append("")
        return ref

    def element(self, node: Node, parent: str, language: str | None = None) -> tuple[str, Mark]:
        """The element of ``node`` and its children; its reference and its first marked
        content, which places it among its parent's kids."""
        slot = len(self.entries)
        ref = self.reserve()
        fields = [f'"/S": "/{node.role}"', f'"/P": "{parent}"']
        if node.alt:
            fields.append(f'"/Alt": {_text(node.alt)}')
        lang = language if language is not None else node.lang
        if lang:
            fields.append(f'"/Lang": {_text(lang)}')
        attributes = _attributes(node)
        if attributes is not None:
            fields.append(f'"/A": {json.dumps(attributes)}')
        kids, first = self._kids(node, ref)
        if kids:
            page = kids[0][0][0]
            if page < len(self.pages):
                fields.append(f'"/Pg": "{self.pages[page]}"')
            fields.append(f'"/K": [{", ".join(self._kid(kid, page) for _, kid in kids)}]')
        self.entries[slot] = _entry(ref, "{" + ", ".join(fields) + "}")
        return ref, first

    def _kid(self, kid: Kid, page: int) -> str:
        """A kid as written: marked content on the element's own page is just its MCID."""
        if isinstance(kid, tuple):
            kid_page, mcid = kid
            if kid_page == page:
                return str(mcid)
            return f'{{"/Type": "/MCR", "/Pg": "{self.pages[kid_page]}", "/MCID": {mcid}}}'
        if isinstance(kid, str):
            return f'"{kid}"'
        return json.dumps(kid)

    def _kids(self, node: Node, elem: str) -> tuple[list[tuple[Mark, Kid]], Mark]:
        """The kids of ``elem`` in reading order, and its first marked content: its own first,
        else the earliest of its children's (``NOWHERE`` when it has none)."""
        kids: list[tuple[Mark, Kid]] = []
        own = self.content.get(id(node), [])
        for mark in own:
            self.by_mcid[mark[0]][mark[1]] = elem
            kids.append((mark, mark))
        for page, annotation in self.annotations.get(id(node), []):
            annotation.StructParent = self.next_key
            if "/Contents" not in annotation:
                # PDF/UA: every annotation has an alternate description; a link's is its target.
                annotation.Contents = pikepdf.String(_link_target(annotation))
            self.object_refs.append(elem)
            self.next_key += 1
            objr = {"/Type": "/OBJR", "/Obj": _ref(annotation), "/Pg": self.pages[page]}
            kids.append(((page, 10**9), objr))
        first = own[0] if own else NOWHERE
        for child in node.children:
            child_elem, child_first = self.element(child, elem)
            kids.append((child_first, child_elem))
            if not own and child_first < first:
                first = child_first
        if own:
            # Text and inline elements (links) interleave in the order they were painted.
            kids.sort(key=itemgetter(0))
        return kids, first

    def parent_tree(self, page_count: int) -> str:
        nums: list[str] = []
        for page in range(page_count):
            marks = self.by_mcid.get(page, {})
            elements = ", ".join(f'"{marks[m]}"' for m in sorted(marks))
            nums.append(f'{page}, "{self.new_object(f"[{elements}]")}"')
        for offset, elem in enumerate(self.object_refs):
            nums.append(f'{page_count + offset}, "{elem}"')
        return self.new_object(f'{{"/Nums": [{", ".join(nums)}]}}')


def _link_target(annotation: pikepdf.Object) -> str:
    action = annotation.get("/A")
    uri = str(action.get("/URI", "")) if action is not None else ""
    return uri.removeprefix("mailto:") or "link"


def _attributes(node: Node) -> dict[str, str] | list[dict[str, str]] | None:
    if not node.attributes:
        return None
    written = {k: v for k, v in node.attributes.items() if k in ATTRIBUTE_OWNERS}
    if not written:
        return None
    owners: dict[str, dict[str, str]] = {}
    for key, value in written.items():
        owner = ATTRIBUTE_OWNERS[key]
        owners.setdefault(owner, {"/O": owner})["/" + key] = "/" + value
    values = list(owners.values())
    return values[0] if len(values) == 1 else values


def tag_appended_pages(pdf: pikepdf.Pdf, first: int, attachments: list[tuple[str, int]]) -> None:
    """Give each appended page a place in the structure: a Figure whose alternative text
    names the attachment and the page, in a Sect per attachment (``(alt, pages)`` pairs, in
    order, their pages from index ``first``).

    letterpress does not tag what an appended PDF holds; but a reader that builds the
    structure page by page then finds where it is instead of nothing. The page's drawing
    becomes a form XObject inside one marked-content sequence, so marked content the
    attachment had of its own stays in its own content stream, apart from the Figure's.
    """
    root = pdf.Root.StructTreeRoot
    document = root.K[0]
    nums = root.ParentTree.Nums
    key = int(root.ParentTreeNextKey)
    pages = list(pdf.pages)
    index = first
    for alt, count in attachments:
        section = pdf.make_indirect(Dictionary(S=Name.Sect, P=document))
        figures = Array()
        for number in range(1, count + 1):
            page = pages[index]
            index += 1
            figure = pdf.make_indirect(
                Dictionary(
                    S=Name.Figure,
                    P=section,
                    Pg=page.obj,
                    Alt=pikepdf.String(alt.format(n=number, m=count)),
                    K=0,
                )
            )
            _draw_as_figure(pdf, page)
            page.obj.StructParents = key
            page.obj.Tabs = Name.S
            nums.append(key)
            nums.append(pdf.make_indirect(Array([figure])))
            key += 1
            figures.append(figure)
        section.K = figures
        document.K.append(section)
    root.ParentTreeNextKey = key


APPENDED_PAGE = "LetterpressPage"
"""The name of an appended page's drawing (a form XObject) in the page's resources."""


def _draw_as_figure(pdf: pikepdf.Pdf, page: pikepdf.Page) -> None:
    contents = page.obj.get("/Contents")
    streams = list(contents) if isinstance(contents, Array) else [contents] if contents else []
    drawing = b"\n".join(stream.read_bytes() for stream in streams)
    form = pdf.make_stream(
        zlib.compress(drawing),
        Type=Name.XObject,
        Subtype=Name.Form,
        # The whole sheet, in the page's own coordinates: /Rotate stays on the page.
        BBox=Array(list(page.mediabox)),
        Resources=_inherited(page.obj, "/Resources") or Dictionary(),
        Filter=Name.FlateDecode,
    )
    page.obj.Resources = Dictionary(XObject=Dictionary({f"/{APPENDED_PAGE}": form}))
    figure = f"/Figure <</MCID 0>> BDC q /{APPENDED_PAGE} Do Q EMC\n".encode()
    page.obj.Contents = pdf.make_stream(figure)


def _inherited(node: pikepdf.Dictionary, key: str) -> pikepdf.Object | None:
    """A page attribute, from the page or the nearest page tree node that has it."""
    for _ in range(64):
        if key in node:
            return node[key]
        parent = node.get("/Parent")
        if not isinstance(parent, Dictionary):
            return None
        node = parent
    return None

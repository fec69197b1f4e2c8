"""Appending the PDFs a letter lists under Vedlegg, after the letter's own pages.

Attachments come from anywhere (word processors, scanners, other case systems), so each is
checked before any page is copied: a file that is not a readable, unencrypted PDF within the
limits is an error. What keeps an attachment from being archived as PDF/A-2b is reported by
name; what can be mended without changing how a page looks (JavaScript, hidden or
non-printing annotations, multimedia) is mended, and the report says so.
"""

from __future__ import annotations

import re
import zlib
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path

import pikepdf
from pikepdf import Array, Dictionary, Name, Stream

from letterpress import limits
from letterpress.errors import LetterError, Problem
from letterpress.finish.pdfa import (
    FORBIDDEN_ANNOTATIONS,
    HIDING_FLAGS,
    PRINT_FLAG,
    first_visit,
    is_allowed_action,
)
from letterpress.model import Letter

FIELD = "attachments"
HEADER_WINDOW = 1024
"""A PDF header may stand anywhere in the first 1024 bytes (ISO 32000-1, annex H)."""

STANDARD_BLEND_MODES = frozenset(
    {
        "/Normal", "/Compatible", "/Multiply", "/Screen", "/Overlay", "/Darken", "/Lighten",
        "/ColorDodge", "/ColorBurn", "/HardLight", "/SoftLight", "/Difference", "/Exclusion",
        "/Hue", "/Saturation", "/Color", "/Luminosity",
    }
)  # fmt: skip
FONT_FILES = ("/FontFile", "/FontFile2", "/FontFile3")
NEEDS_NO_APPEARANCE = frozenset({"/Link", "/Popup"})

# Cheap tests on decoded content before the exact (and slower) parse: most pages have none.
_CMYK_HINT = re.compile(rb"\b[kK]\b|/DeviceCMYK")
_INLINE_HINT = re.compile(rb"\bBI\b")
_CMYK_NAMES = frozenset({"/DeviceCMYK", "/CMYK"})

# What a malformed attachment raises when its objects are read: a damaged file, not a bug.
UNREADABLE = (pikepdf.PdfError, TypeError, ValueError)

FIX_EXPORT = "export it again as PDF/A (in Word: Save as PDF, Options, PDF/A compliant)"


class PdfaProblem(Problem):
    """An attachment problem that stays in the letter and keeps it from being PDF/A-2b."""


class _LeftOut(Problem):
    """Part of an attachment that is not carried into the letter."""


def breaks_pdfa(problems: list[Problem]) -> bool:
    """Whether any of ``problems`` means the finished letter cannot claim PDF/A."""
    return any(isinstance(p, PdfaProblem) for p in problems)


def append_attachments(pdf: pikepdf.Pdf, files: list[Path], *, strict: bool) -> list[Problem]:
    """Append every page of each PDF in ``files`` after the pages of ``pdf``, in order.

    Pages keep their own size and get no page numbers. Raises ``LetterError`` naming every
    file that cannot be appended (and, when ``strict``, every file that breaks PDF/A-2b);
    nothing is appended then. Returns the warnings: what breaks PDF/A-2b (as
    ``PdfaProblem``), what was mended and what was left out.
    """
    opened: list[tuple[Path, pikepdf.Pdf]] = []
    try:
        warnings = _open_and_check(files, strict, opened)
        for path, source in opened:
            try:
                # The letter's bookmarks are its own; an attachment's would be mixed in.
                pdf.add_pages_from(source, forms="preserve", layers="preserve", outlines="ignore")
            except UNREADABLE as error:
                raise LetterError(_damaged(path, str(error))) from None
    finally:
        for _, source in opened:
            source.close()
    return warnings


def _open_and_check(
    files: list[Path], strict: bool, opened: list[tuple[Path, pikepdf.Pdf]]
) -> list[Problem]:
    """Open and inspect every file (adding it to ``opened``); raise if any cannot go in."""
    errors: list[Problem] = []
    warnings: list[Problem] = []
    for path in files:
        try:
            source = open_attachment(path)
            opened.append((path, source))
            found = _inspect(source, path)
        except LetterError as error:
            errors.extend(error.problems)
            continue
        for problem in found:
            if strict and _fails_strict(problem):
                errors.append(replace(problem, warning=False))
            else:
                warnings.append(problem)
    if errors:
        raise LetterError(errors)
    return warnings


def _inspect(source: pikepdf.Pdf, path: Path) -> list[Problem]:
    try:
        return inspect_and_mend(source, path)
    except UNREADABLE as error:
        raise LetterError(_damaged(path, str(error))) from None
    except _TooDeep as deep:
        raise _error(
            path,
            f"nests {deep.what} more than {limits.MAX_PDF_NESTING} levels deep, which no "
            "real document does (the file is damaged or made to harm). Print it to a new PDF "
            "and attach that",
        ) from None


def _fails_strict(problem: Problem) -> bool:
    return isinstance(problem, PdfaProblem | _LeftOut)


def check_attachments(letter: Letter, *, strict: bool) -> list[Problem]:
    """Open and inspect the letter's attachments as finishing will, without typesetting:
    raises ``LetterError`` for what finishing would refuse; returns the warnings. Every
    problem is located at the letter's line that names the file."""
    files = [a.file for a in letter.attachments if a.file is not None]
    opened: list[tuple[Path, pikepdf.Pdf]] = []
    try:
        return locate(_open_and_check(files, strict, opened), letter)
    except LetterError as error:
        raise LetterError(locate(error.problems, letter)) from None
    finally:
        for _, source in opened:
            source.close()


def locate(problems: list[Problem], letter: Letter) -> list[Problem]:
    """Problems of attachment files as problems of the letter, at the line naming each file."""
    if letter.source is None:
        return problems
    where = {a.file: i for i, a in enumerate(letter.attachments) if a.file is not None}
    located: list[Problem] = []
    for problem in problems:
        index = where.get(problem.path) if problem.path is not None else None
        if index is None:
            located.append(problem)
            continue
        field_name = f"attachments.{index}.file"
        located.append(
            replace(
                problem,
                path=letter.source.path,
                line=letter.source.line_of(field_name),
                field=field_name,
                message=f"{problem.path} {problem.message}",
            )
        )
    return located


# --- opening ---------------------------------------------------------------------------


def open_attachment(path: Path) -> pikepdf.Pdf:
    """Open ``path`` if it is a readable, unencrypted PDF within the limits."""
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            head = handle.read(HEADER_WINDOW)
    except OSError as error:
        raise _error(
            path, f"cannot be read ({error.strerror}); check the path under 'file'"
        ) from None
    if size > limits.MAX_ATTACHMENT_BYTES:
        raise _error(
            path,
            f"is {_size(size)}; an attachment may be at most "
            f"{_size(limits.MAX_ATTACHMENT_BYTES)}. Reduce the resolution of its images or "
            "split it into several attachments",
        )
    if b"%PDF-" not in head:
        raise _error(
            path,
            "is not a PDF (it does not begin with %PDF-). Save or print the document as "
            "PDF and name that file under 'file'",
        )
    try:
        source = pikepdf.open(path)
    except pikepdf.PasswordError:
        raise _error(path, _ENCRYPTED) from None
    except pikepdf.PdfError as error:
        raise LetterError(_damaged(path, str(error))) from None
    try:
        _check_opened(source, path)
    except BaseException:
        source.close()
        raise
    return source


_ENCRYPTED = (
    "is encrypted (password protected); PDF/A and the print services refuse encrypted "
    "files. Save a copy without password protection and attach that"
)


def _check_opened(source: pikepdf.Pdf, path: Path) -> None:
    if source.is_encrypted:
        raise _error(path, _ENCRYPTED)
    repairs = source.get_warnings()
    if repairs:
        raise LetterError(_damaged(path, repairs[0]))
    count = len(source.pages)
    if count == 0:
        raise _error(path, "has no pages; attach a PDF with at least one page")
    if count > limits.MAX_ATTACHMENT_PAGES:
        raise _error(
            path,
            f"has {count} pages; an attachment may have at most "
            f"{limits.MAX_ATTACHMENT_PAGES}. Split it into several attachments",
        )


def _size(count: int) -> str:
    return f"{count / 2**20:.1f} MB" if count >= 2**20 else f"{count / 2**10:.1f} kB"


def _error(path: Path, message: str) -> LetterError:
    return LetterError(Problem(path, None, FIELD, message))


def _damaged(path: Path, detail: str) -> Problem:
    # qpdf starts its messages with the file's name, which the report already gives.
    detail = detail.rsplit(": ", 1)[-1].strip() or "unreadable"
    return Problem(
        path,
        None,
        FIELD,
        f"is damaged ({detail}). Open it in a PDF viewer, save or print it to a new PDF "
        "and attach that",
    )


# --- inspecting and mending ------------------------------------------------------------


@dataclass
class Findings:
    """What an attachment holds that PDF/A-2b forbids, and what was mended."""

    fonts: set[str] = field(default_factory=set)
    cmyk: bool = False
    forbidden: set[str] = field(default_factory=set)
    no_appearance: Counter[str] = field(default_factory=Counter)
    embedded_files: int = 0
    xfa: bool = False
    mended: Counter[str] = field(default_factory=Counter)


def inspect_and_mend(source: pikepdf.Pdf, path: Path) -> list[Problem]:
    """Check every page of ``source`` for PDF/A-2b, mending what is cheap and safe."""
    scan = _Scan(Findings())
    _document_level(source, scan.found)
    for page in source.pages:
        scan.page(page)
    _every_object(source, scan.found)
    return _report(scan.found, path)


def _document_level(source: pikepdf.Pdf, found: Findings) -> None:
    """What the catalog holds; none of it is copied with the pages, so it is only reported."""
    root = source.Root
    names = root.get("/Names")
    if isinstance(names, Dictionary):
        if "/JavaScript" in names:
            found.mended["removed the document's JavaScript"] += 1
        if "/EmbeddedFiles" in names:
            found.embedded_files += _count_name_tree(names.EmbeddedFiles)
    if "/AA" in root:
        found.mended["removed the document's JavaScript"] += 1
    action = root.get("/OpenAction")
    if isinstance(action, Dictionary) and not is_allowed_action(action):
        found.mended["removed the JavaScript or other action run when the file opens"] += 1
    form = root.get("/AcroForm")
    found.xfa = isinstance(form, Dictionary) and "/XFA" in form


def _count_name_tree(root: pikepdf.Object) -> int:
    """Leaves of a name tree, each node counted once: a node listed under its own /Kids (or
    twice) would otherwise be walked again and again."""
    count = 0
    seen: set[tuple[int, int]] = set()
    level = [root]
    for _ in range(limits.MAX_PDF_NESTING):
        following: list[pikepdf.Object] = []
        for node in level:
            if not isinstance(node, Dictionary) or not first_visit(node, seen):
                continue
            names = node.get("/Names")
            count += len(names) // 2 if isinstance(names, Array) else 0
            kids = node.get("/Kids")
            following.extend(kids if isinstance(kids, Array) else ())
        if not following:
            return count
        level = following
    raise _TooDeep("its list of embedded files")


class _TooDeep(Exception):
    """An attachment nests objects deeper than ``limits.MAX_PDF_NESTING``."""

    def __init__(self, what: str) -> None:
        super().__init__(what)
        self.what = what


# Filters that read_bytes() undoes completely, so their data can be compressed again.
_GENERAL_FILTERS = frozenset(
    {"/LZWDecode", "/FlateDecode", "/ASCIIHexDecode", "/ASCII85Decode", "/RunLengthDecode"}
)
_EXTERNAL_KEYS = ("/F", "/FFilter", "/FDecodeParms")


def _every_object(source: pikepdf.Pdf, found: Findings) -> None:
    """What hides outside the walk over pages: actions on the parents of form fields, LZW and
    external streams. Every object of the file once, in the order of its cross-reference
    table, so no cycle or depth matters."""
    for obj in source.objects:
        if isinstance(obj, Stream):
            _stream(obj, found)
        if isinstance(obj, Dictionary | Stream):
            _actions(obj, found)


def _actions(obj: pikepdf.Object, found: Findings) -> None:
    if "/AA" in obj:
        del obj.AA
        found.mended["removed JavaScript"] += 1
    action = obj.get("/A")
    if isinstance(action, Dictionary) and not is_allowed_action(action):
        del obj.A
        found.mended["removed JavaScript and other forbidden actions"] += 1


def _stream(stream: pikepdf.Stream, found: Findings) -> None:
    if any(key in stream for key in _EXTERNAL_KEYS):
        found.forbidden.add("external streams (content kept in another file)")
    names = _filter_names(stream)
    if "/LZWDecode" not in names:
        return
    if not set(names) <= _GENERAL_FILTERS:
        found.forbidden.add("LZW compression")
        return
    # PDF/A forbids LZW; the same bytes compressed with Flate look exactly the same.
    stream.write(zlib.compress(stream.read_bytes()), filter=Name.FlateDecode)
    found.mended["compressed LZW streams with Flate"] += 1


def _filter_names(stream: pikepdf.Stream) -> list[str]:
    filters = stream.get("/Filter")
    return [str(f) for f in (filters if isinstance(filters, Array) else [filters]) if f]


def archive_faults(pdf: pikepdf.Pdf) -> list[str]:
    """What in the finished letter still keeps it from PDF/A-2, checked on every object just
    before the claim is made: actions, JavaScript, LZW and external streams."""
    faults: set[str] = set()
    for obj in pdf.objects:
        if not isinstance(obj, Dictionary | Stream):
            continue
        if "/AA" in obj or "/JS" in obj or str(obj.get("/S", "")) == "/JavaScript":
            faults.add("JavaScript or other actions")
        action = obj.get("/A")
        if isinstance(action, Dictionary) and not is_allowed_action(action):
            faults.add("JavaScript or other actions")
        if isinstance(obj, Stream):
            if any(key in obj for key in _EXTERNAL_KEYS):
                faults.add("external streams")
            if "/LZWDecode" in _filter_names(obj):
                faults.add("LZW compression")
    return sorted(faults)


class _Scan:
    """One walk over the pages, their resources, forms and annotations; each object once."""

    def __init__(self, found: Findings) -> None:
        self.found = found
        self.seen: set[tuple[int, int]] = set()
        self.depth = 0
        """Resources being walked inside each other now: forms, patterns, Type 3 fonts."""

    def first_visit(self, obj: pikepdf.Object) -> bool:
        return first_visit(obj, self.seen)

    def page(self, page: pikepdf.Page) -> None:
        obj = page.obj
        if "/AA" in obj:
            del obj.AA
            self.found.mended["removed JavaScript"] += 1
        # The attachment's structure tree stays behind, so its references would dangle.
        if "/StructParents" in obj:
            del obj.StructParents
        group = obj.get("/Group")
        if isinstance(group, Dictionary):
            self.colour_space(group.get("/CS"))
        self.resources(obj.get("/Resources"))
        self.content(page, _page_bytes(obj))
        self.annotations(obj)

    def annotations(self, page: pikepdf.Dictionary) -> None:
        annots = page.get("/Annots")
        if not isinstance(annots, Array):
            return
        kept = [a for a in annots if isinstance(a, Dictionary) and self.annotation(a)]
        if len(kept) != len(annots):
            page.Annots = Array(kept)

    def annotation(self, annot: pikepdf.Dictionary) -> bool:
        """Check and mend one annotation; False when it has to be left out."""
        subtype = str(annot.get("/Subtype", ""))
        if subtype in FORBIDDEN_ANNOTATIONS:
            self.found.mended["removed multimedia annotations"] += 1
            return False
        if subtype == "/FileAttachment":
            self.found.embedded_files += 1
            return False
        if "/StructParent" in annot:
            del annot.StructParent
        flags = _int(annot.get("/F"))
        if flags & PRINT_FLAG == 0 or flags & HIDING_FLAGS:
            annot.F = (flags | PRINT_FLAG) & ~HIDING_FLAGS
            self.found.mended["set annotations to print as they show on screen"] += 1
        if "/AA" in annot:
            del annot.AA
            self.found.mended["removed JavaScript"] += 1
        action = annot.get("/A")
        if isinstance(action, Dictionary) and not is_allowed_action(action):
            del annot.A
            self.found.mended["removed JavaScript and other forbidden actions"] += 1
        self.appearance(annot, subtype)
        return True

    def appearance(self, annot: pikepdf.Dictionary, subtype: str) -> None:
        ap = annot.get("/AP")
        normal = ap.get("/N") if isinstance(ap, Dictionary) else None
        if normal is None and subtype not in NEEDS_NO_APPEARANCE and _has_area(annot):
            self.found.no_appearance[subtype.lstrip("/")] += 1
        if not isinstance(ap, Dictionary):
            return
        for key in ("/N", "/R", "/D"):
            entry = ap.get(key)
            states = [entry] if isinstance(entry, Stream) else _values(entry)
            for state in states:
                self.xobject(state)

    def resources(self, res: pikepdf.Object | None) -> None:
        if not isinstance(res, Dictionary) or not self.first_visit(res):
            return
        if self.depth >= limits.MAX_PDF_NESTING:
            raise _TooDeep("forms, patterns or Type 3 fonts")
        self.depth += 1
        try:
            self._resources(res)
        finally:
            self.depth -= 1

    def _resources(self, res: pikepdf.Dictionary) -> None:
        for font in _values(res.get("/Font")):
            self.font(font)
        for xobject in _values(res.get("/XObject")):
            self.xobject(xobject)
        for space in _values(res.get("/ColorSpace")):
            self.colour_space(space)
        for shading in _values(res.get("/Shading")):
            self.shading(shading)
        for pattern in _values(res.get("/Pattern")):
            self.pattern(pattern)
        for state in _values(res.get("/ExtGState")):
            self.graphics_state(state)

    def font(self, font: pikepdf.Object) -> None:
        if not isinstance(font, Dictionary) or not self.first_visit(font):
            return
        subtype = str(font.get("/Subtype", ""))
        if subtype == "/Type3":
            # Type 3 glyphs are drawn by content streams: nothing to embed.
            self.resources(font.get("/Resources"))
            return
        described: pikepdf.Object = font
        if subtype == "/Type0":
            descendants = font.get("/DescendantFonts")
            if isinstance(descendants, Array) and len(descendants) > 0:
                described = descendants[0]
        descriptor = described.get("/FontDescriptor")
        if not (isinstance(descriptor, Dictionary) and any(k in descriptor for k in FONT_FILES)):
            self.found.fonts.add(str(font.get("/BaseFont", "/unnamed")).lstrip("/"))

    def xobject(self, xobject: pikepdf.Object | None) -> None:
        if not isinstance(xobject, Stream) or not self.first_visit(xobject):
            return
        subtype = str(xobject.get("/Subtype", ""))
        if subtype == "/Image":
            self.image(xobject)
        elif subtype == "/Form":
            self.form(xobject)
        elif subtype == "/PS":
            self.found.forbidden.add("PostScript XObjects")

    def image(self, image: pikepdf.Stream) -> None:
        self.colour_space(image.get("/ColorSpace"))
        if bool(image.get("/Interpolate", False)):
            image.Interpolate = False
            self.found.mended["turned off image smoothing hints"] += 1
        for key in ("/Alternates", "/OPI"):
            if key in image:
                del image[key]
                self.found.mended["removed alternate versions of images"] += 1

    def form(self, form: pikepdf.Stream) -> None:
        if "/PS" in form or str(form.get("/Subtype2", "")) == "/PS":
            self.found.forbidden.add("PostScript XObjects")
        if "/Ref" in form:
            self.found.forbidden.add("reference XObjects (content from another file)")
        group = form.get("/Group")
        if isinstance(group, Dictionary):
            self.colour_space(group.get("/CS"))
        self.resources(form.get("/Resources"))
        self.content(form, form.read_bytes())

    def colour_space(self, space: pikepdf.Object | None, depth: int = 0) -> None:
        if space is None or depth > 8:
            return
        if isinstance(space, Name):
            self.found.cmyk |= str(space) == "/DeviceCMYK"
            return
        if not isinstance(space, Array) or len(space) == 0:
            return
        family = str(space[0])
        # The colour spaces that build on another one; the rest are device independent.
        inner = {"/Indexed": 1, "/Separation": 2, "/DeviceN": 2, "/Pattern": 1}.get(family)
        if inner is not None and len(space) > inner:
            self.colour_space(space[inner], depth + 1)

    def shading(self, shading: pikepdf.Object | None) -> None:
        if isinstance(shading, Dictionary | Stream) and self.first_visit(shading):
            self.colour_space(shading.get("/ColorSpace"))

    def pattern(self, pattern: pikepdf.Object) -> None:
        if not isinstance(pattern, Dictionary | Stream) or not self.first_visit(pattern):
            return
        if isinstance(pattern, Stream):
            self.resources(pattern.get("/Resources"))
            self.content(pattern, pattern.read_bytes())
        self.shading(pattern.get("/Shading"))
        state = pattern.get("/ExtGState")
        if state is not None:
            self.graphics_state(state)

    def graphics_state(self, state: pikepdf.Object) -> None:
        if not isinstance(state, Dictionary) or not self.first_visit(state):
            return
        modes = state.get("/BM")
        for mode in modes if isinstance(modes, Array) else [modes]:
            if mode is not None and str(mode) not in STANDARD_BLEND_MODES:
                self.found.forbidden.add(f"the blend mode {str(mode).lstrip('/')}")
        if "/TR" in state or str(state.get("/TR2", "/Default")) != "/Default":
            self.found.forbidden.add("transfer functions")
        if "/HTP" in state:
            self.found.forbidden.add("halftone phase (/HTP)")
        mask = state.get("/SMask")
        if isinstance(mask, Dictionary):
            self.xobject(mask.get("/G"))

    def content(self, holder: pikepdf.Object | pikepdf.Page, data: bytes) -> None:
        """Find DeviceCMYK set directly by operators or inline images in a content stream."""
        if self.found.cmyk:
            return
        if _CMYK_HINT.search(data):
            for instruction in pikepdf.parse_content_stream(holder, "k K cs CS"):
                operands, operator = instruction.operands, instruction.operator
                if str(operator) in ("k", "K") or (operands and str(operands[0]) == "/DeviceCMYK"):
                    self.found.cmyk = True
                    return
        if _INLINE_HINT.search(data):
            for instruction in pikepdf.parse_content_stream(holder):
                if isinstance(instruction, pikepdf.ContentStreamInlineImage):
                    space = instruction.iimage.obj.get("/ColorSpace")
                    self.found.cmyk |= str(space) in _CMYK_NAMES


def _page_bytes(page: pikepdf.Dictionary) -> bytes:
    contents = page.get("/Contents")
    if isinstance(contents, Stream):
        return contents.read_bytes()
    if isinstance(contents, Array):
        return b"\n".join(part.read_bytes() for part in contents if isinstance(part, Stream))
    return b""


def _int(value: pikepdf.Object | None) -> int:
    if value is None:
        return 0
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _values(container: pikepdf.Object | None) -> list[pikepdf.Object]:
    if isinstance(container, Dictionary):
        return list(container.values())
    return []


def _has_area(annot: pikepdf.Dictionary) -> bool:
    rect = annot.get("/Rect")
    if not isinstance(rect, Array):
        return False
    try:
        x1, y1, x2, y2 = (float(v) for v in rect)
    except (TypeError, ValueError):
        return False
    return x1 != x2 and y1 != y2


# --- reporting -------------------------------------------------------------------------


def _report(found: Findings, path: Path) -> list[Problem]:
    problems: list[Problem] = []

    def breaks(message: str) -> None:
        problems.append(PdfaProblem(path, None, FIELD, message, warning=True))

    if found.fonts:
        names = ", ".join(sorted(found.fonts))
        breaks(
            f"uses fonts that are not embedded ({names}); PDF/A-2b needs every font "
            f"embedded. To fix, {FIX_EXPORT}"
        )
    if found.cmyk:
        breaks(
            "uses DeviceCMYK colour, which the letter's sRGB output intent cannot describe "
            f"(PDF/A-2b). To fix, {FIX_EXPORT}"
        )
    if found.forbidden:
        breaks(
            f"uses {', '.join(sorted(found.forbidden))}, which PDF/A-2b forbids. To fix, "
            f"{FIX_EXPORT}"
        )
    if found.no_appearance:
        kinds = ", ".join(f"{n} {kind}" for kind, n in sorted(found.no_appearance.items()))
        breaks(
            f"has annotations or form fields without an appearance ({kinds}), which PDF/A-2b "
            "forbids. To fix, print it to a new PDF (this flattens them) and attach that"
        )
    if found.xfa:
        breaks(
            "is an XFA form, which PDF/A forbids; its pages may not show the form. To fix, "
            "print it to a new PDF and attach that"
        )
    if found.embedded_files:
        problems.append(
            _LeftOut(
                path,
                None,
                FIELD,
                f"contains {found.embedded_files} embedded file(s), which are left out: "
                "PDF/A-2b allows only PDF/A files inside. Attach them as attachments of "
                "their own",
                warning=True,
            )
        )
    if found.mended:
        done = "; ".join(sorted(found.mended))
        problems.append(Problem(path, None, FIELD, f"mended for PDF/A-2b: {done}", warning=True))
    return problems

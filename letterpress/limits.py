"""Upper bounds on input, checked before any work starts, so no input can exhaust the machine."""

MAX_INPUT_BYTES = 4 * 1024 * 1024
"""A letter, letterhead or body file larger than this is refused (a recipients CSV has its own
bound, ``MAX_RECIPIENT_FILE_BYTES``)."""

MAX_YAML_NODES = 20_000
"""Values a YAML file may expand to; stops alias bombs long before memory runs out."""

MAX_YAML_CHARS = 2 * MAX_INPUT_BYTES
"""Characters of all values of a YAML file once its aliases are expanded: an alias of a long
text, repeated, stays within ``MAX_YAML_NODES`` but would print gigabytes."""

MAX_YAML_DEPTH = 20
"""Levels of lists and mappings inside each other in a YAML file; a letter needs four."""

MAX_BODY_CHARS = 500_000
"""Characters of Markdown in one body (about 150 pages of text)."""

MAX_WORD_CHARS = 1_000
"""Characters of one word (text without a space) in a printed field or the body. No word or
address comes close; such a token is pasted data, and is refused before any layout."""

MAX_IMAGE_PIXELS = 40_000_000
"""Pixels in a logo or signature image; Pillow's decompression-bomb guard uses it."""

MAX_FONT_BYTES = 32 * 1024 * 1024
"""Size of one letterhead font file; large CJK fonts are about 20 MB."""

MAX_ATTACHMENT_BYTES = 100 * 1024 * 1024
"""Size of one appended PDF."""

MAX_ATTACHMENT_PAGES = 2_000
"""Pages of one appended PDF."""

MAX_RECIPIENTS = 200_000
"""Recipients of one mail merge."""

MAX_RECIPIENT_FILE_BYTES = 64 * 1024 * 1024
"""A recipients CSV; it is read row by row, so only its size on disk is bounded."""

MAX_WORKBOOK_UNPACKED_BYTES = 512 * 1024 * 1024
"""An .xlsx recipients file unpacked (it is a zip archive): a small file that unpacks to far
more than 200,000 rows need is a zip bomb, refused before it is read."""

MAX_PDF_NESTING = 100
"""Levels of form XObjects, patterns, Type 3 fonts, name-tree nodes or form fields inside
each other in an appended PDF. Real files use a handful; a hostile one nests thousands, which
would exhaust Python's stack."""

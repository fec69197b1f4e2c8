"""desktop: what one person at a desk needs around a single letter.

Each module is one concept: ``preflight`` (is a PDF fit for central print and digital mailboxes),
``schema`` (JSON Schema of the letter format for editors), ``new`` (a skeleton letter),
``preview`` (PNG pages), ``viewer`` (open a PDF in the system viewer) and ``watch`` (rebuild on
save). The layout overlay of ``build --show-layout`` is a finishing step: ``finish/overlay.py``.
"""

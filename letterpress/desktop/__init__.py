"""desktop: what one person at a desk needs around a single letter.

Each module is one concept: ``schema`` (JSON Schema of the letter format for editors), ``new``
(a skeleton letter), ``preview`` (PNG pages), ``viewer`` (open a PDF in the system viewer) and
``watch`` (rebuild on save). Preflight of a finished PDF is in ``checks/preflight.py``; the
layout overlay of ``build --show-layout`` is a finishing step: ``finish/overlay.py``.
"""

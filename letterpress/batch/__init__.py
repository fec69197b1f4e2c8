"""batch: build or check many letters (files and folders of them) into an output folder.

``build(paths, out_dir, options, jobs=, combined=, progress=, duplex=)`` and ``check(paths)``
return a :class:`Report` with an :class:`Outcome` per letter file. See ``docs/batch.md``.
``produce(paths, out_dir, producer, options, jobs=)`` plans and renders as ``build`` does and
hands each finished PDF to a :class:`Producer` (``mail``) instead of writing it.
"""

from __future__ import annotations

from letterpress.batch.report import Outcome, Report
from letterpress.batch.run import Producer, build, check, default_jobs, letter_files, produce
from letterpress.reading.yamlfile import LETTER_SUFFIXES

__all__ = [
    "LETTER_SUFFIXES", "Outcome", "Producer", "Report", "build", "check", "default_jobs",
    "letter_files", "produce",
]

"""checks: what letterpress says about finished PDFs, its own or anyone's.

- ``preflight``: fit for central print and digital mailboxes (A4, fonts embedded, print zones);
- ``verify``: signatures and the PDF/A and PDF/UA claims.

Read by the front ends (``batch`` preflights every letter it builds, ``cli`` has ``verify`` and
``preflight``). ``preflight`` reads only the shared geometry; ``verify`` reads signatures
through ``letterpress.finish.pades``, the one module that uses pyHanko.
"""

"""checks: what letterpress says about finished PDFs, its own or anyone's.

- ``preflight``: fit for central print and digital mailboxes (A4, fonts embedded, print zones);
- ``verify``: signatures and the PDF/A claim.

Read by the front ends (``batch`` preflights every letter it builds, ``cli`` has ``verify`` and
``preflight``); these modules read the shared geometry and nothing of the stages that made the
PDF.
"""

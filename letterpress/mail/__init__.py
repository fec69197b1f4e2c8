"""mail: letters as ready-to-send e-mail messages (``.eml``), delivered over SMTP on request.

The modules, in the order a message passes through them:

- ``policy``: exempt letters (and letters appending one) are refused;
- ``addresses``: sender and recipients read from the letter and checked;
- ``message``: the RFC 5322 message with the PDF attached, the same bytes on every run;
- ``ledger``: which message has reached whom, so that a second run sends only the rest;
- ``smtp``: one connection for the batch, timeouts and retries;
- ``run``: ``mail(paths, out_dir, smtp=...)``, which lets the build driver (``batch.produce``)
  plan and render the letters and makes each finished PDF a message, delivered or a draft.
"""

from __future__ import annotations

from letterpress.mail.run import MailOutcome, MailReport, mail
from letterpress.mail.smtp import SmtpError, SmtpSettings

__all__ = ["MailOutcome", "MailReport", "SmtpError", "SmtpSettings", "mail"]

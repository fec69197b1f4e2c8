"""clock: the time a build is made at, read from ``SOURCE_DATE_EPOCH`` when it is set.

Reproducible builds (https://reproducible-builds.org/specs/source-date-epoch/) set the variable
to a whole number of seconds since 1970; every date and time that reaches a PDF, a signature or
a message then comes from it, so the same input gives the same bytes. A value that is not a
whole number counts as unset.
"""

from __future__ import annotations

import datetime as dt
import os


def fixed_time() -> dt.datetime | None:
    """The moment ``SOURCE_DATE_EPOCH`` names, in UTC, or None when it is not set."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), dt.UTC)
    return None


def now() -> dt.datetime:
    """The fixed time, or now in UTC to the second."""
    return fixed_time() or dt.datetime.now(dt.UTC).replace(microsecond=0)


def local_now() -> dt.datetime:
    """The fixed time (in UTC), or now in this computer's time zone."""
    return fixed_time() or dt.datetime.now(dt.UTC).astimezone()


def today() -> dt.date:
    """The date of the fixed time, or today here."""
    fixed = fixed_time()
    return fixed.date() if fixed else dt.date.today()

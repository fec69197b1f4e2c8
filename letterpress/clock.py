"""clock: the time a build is made at, read from ``SOURCE_DATE_EPOCH`` when it is set.

Reproducible builds (https://reproducible-builds.org/specs/source-date-epoch/) set the variable
to a whole number of seconds since 1970; every date and time that reaches a PDF, a signature or
a message then comes from it, so the same input gives the same bytes. A value that is not a
whole number is an error (:class:`BadEpoch`), never taken for unset: a reproducible build that
silently used the current time would not be one. The command line asks :func:`epoch_problem`
before any command runs.
"""

from __future__ import annotations

import datetime as dt
import os

LATEST_EPOCH = 253_402_300_799
"""9999-12-31 23:59:59 UTC: the last second a date can hold."""


class BadEpoch(ValueError):
    """``SOURCE_DATE_EPOCH`` is set to something that is not a moment."""


def epoch_problem() -> str | None:
    """What is wrong with ``SOURCE_DATE_EPOCH``, or None when it is unset or usable."""
    value = os.environ.get("SOURCE_DATE_EPOCH")
    if value is None or not value.strip():
        return None
    text = value.strip()
    if text.isascii() and text.isdigit() and int(text) <= LATEST_EPOCH:
        return None
    return (
        f"SOURCE_DATE_EPOCH is {value!r}; it must be a whole number of seconds since "
        "1970-01-01 UTC, such as 1714640400 (date +%s prints one), or unset"
    )


def fixed_time() -> dt.datetime | None:
    """The moment ``SOURCE_DATE_EPOCH`` names, in UTC, or None when it is not set; raises
    :class:`BadEpoch` when it is set to something else."""
    problem = epoch_problem()
    if problem:
        raise BadEpoch(problem)
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    return dt.datetime.fromtimestamp(int(epoch), dt.UTC) if epoch else None


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

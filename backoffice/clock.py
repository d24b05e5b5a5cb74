"""The wall clock, read in one place: now, in UTC, as the naive datetime the database stores.

Only the shell reads it (commands, jobs, the web app, locks); ``billing`` is
given ``now`` by its callers.
"""

from __future__ import annotations

import datetime as dt


def utc_now() -> dt.datetime:
    """Now, naive UTC."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)

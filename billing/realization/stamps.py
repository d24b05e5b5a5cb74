"""How far realization trusts the ATS's ``updated_at``: clamped marks and suspect rows.

A high-water mark is the newest ``updated_at`` read, but one row stamped in
the future (2099) would move it past every change still to come, and every
later change of that table would be missed. So a mark never goes past the
run's own now minus the look-back, and the rows stamped in the future, or
with no valid stamp at all, are named to a person as warnings.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from billing.realization.state import VersionedRecord

MAX_IDS_NAMED = 20  # a warning names at most this many rows, then how many more

SOURCE_NOUNS = {"billtos": "Billto", "placements": "placement", "timecards": "time card",
                "service_fees": "service fee"}  # fmt: skip


def clamp_mark(high_water: dt.datetime, now: dt.datetime, lookback: dt.timedelta) -> dt.datetime:
    """The mark to store for ``high_water``: never later than ``now`` minus the look-back."""
    return min(high_water, now - lookback)


def has_invalid_stamp(record: VersionedRecord) -> bool:
    """Whether the row's ``updated_at`` is no real time (a zero date, say)."""
    return any(defect.column == "updated_at" for defect in record.defects)


@dataclass
class StampWarnings:
    """The rows of each source whose ``updated_at`` is in the future or not a time at all."""

    now: dt.datetime
    future: dict[str, set[int]] = field(default_factory=dict)
    invalid: dict[str, set[int]] = field(default_factory=dict)

    def check(self, source: str, record: VersionedRecord) -> None:
        """Note ``record`` if its stamp is suspect."""
        if has_invalid_stamp(record):
            self.invalid.setdefault(source, set()).add(record.id)
        elif record.updated_at > self.now:
            self.future.setdefault(source, set()).add(record.id)

    def sentences(self) -> list[str]:
        """One warning per source and kind, naming the rows by id."""
        found = []
        for source, ids in sorted(self.future.items()):
            found.append(
                f"{_rows(source, ids)} an updated_at later than now ({self.now:%Y-%m-%d %H:%M:%S}"
                " UTC): correct the ATS clock or these rows; they are read again on every run "
                "until then"
            )
        for source, ids in sorted(self.invalid.items()):
            found.append(
                f"{_rows(source, ids)} an updated_at that is not a valid timestamp: correct it "
                "in the ATS; their events stay blocked until then"
            )
        return found


def _rows(source: str, ids: set[int]) -> str:
    """``ATS placement 5003 has`` / ``ATS placements 5003, 5004 have``."""
    ordered = sorted(ids)
    named = ", ".join(str(i) for i in ordered[:MAX_IDS_NAMED])
    more = f" and {len(ordered) - MAX_IDS_NAMED} more" if len(ordered) > MAX_IDS_NAMED else ""
    noun = SOURCE_NOUNS.get(source, source)
    if len(ordered) == 1:
        return f"ATS {noun} {named} has"
    return f"ATS {noun}s {named}{more} have"

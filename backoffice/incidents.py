"""Unexpected failures: the full story goes to a log file, the person gets an id.

A traceback on someone's screen helps nobody and may show data it should
not; an error the code did not foresee is written, redacted, to
``errors.log`` in the data dir (owner-only, like the keys) under a short
id, and the interface shows only that id and where the details are. When
the data dir cannot be written the file goes to the system's temporary
directory instead.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
import traceback
import uuid
from dataclasses import dataclass
from pathlib import Path

from backoffice.clock import utc_now
from backoffice.logs import redact
from backoffice.settings import make_private_directory
from backoffice.storage import PRIVATE_FILE

INCIDENT_LOG = "errors.log"


@dataclass(frozen=True)
class Incident:
    """One unexpected failure as recorded: its id and the file that holds its details."""

    incident_id: str
    where: str

    def summary(self) -> str:
        """The sentence for the person who met it."""
        return f"unexpected error {self.incident_id}; details were logged to {self.where}"


def record_incident(error: BaseException, data_dir: Path, context: str) -> Incident:
    """Write ``error``'s traceback (redacted) under a new id; ``context`` says what was running."""
    incident_id = uuid.uuid4().hex[:12]
    text = _entry(incident_id, error, context, utc_now())
    fallback = Path(tempfile.gettempdir()) / f"backoffice-{os.getuid()}"
    for folder in (data_dir, fallback):
        try:
            return Incident(incident_id, str(_append(folder, text)))
        except OSError:
            continue
    return Incident(incident_id, "nowhere: neither the data dir nor the temporary dir is writable")


def _entry(incident_id: str, error: BaseException, context: str, now: dt.datetime) -> str:
    details = "".join(traceback.format_exception(error))
    return redact(f"--- {now:%Y-%m-%d %H:%M:%S} UTC unexpected error {incident_id} in {context}\n"
                  f"{details}\n")  # fmt: skip


def _append(folder: Path, text: str) -> Path:
    make_private_directory(folder)
    path = folder / INCIDENT_LOG
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, PRIVATE_FILE)
    with os.fdopen(fd, "a", encoding="utf-8") as log:
        log.write(text)
    return path

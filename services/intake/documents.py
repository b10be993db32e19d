"""The proposal documents proposers attach (one PDF, up to 10 MB), kept beside intake's
store and never in an event or on Kafka.

Why files under KYOSO_DATA_DIR, not the database: the event store is eventsourcing's
recorder on SQLite or PostgreSQL (or memory), and a blob table beside it would need its
own SQL for each of them; a file named by its SHA-256 works the same whichever store is
configured, is written once (a second upload of the same bytes is the same file), and
can be checked against the hash every event carries. The events keep only the reference
(name, size, content type, SHA-256), so rebuilding or replaying from history never needs
a file. The cost: the folder must be backed up with the database, and replicas of intake
must share it (one volume), like the SQLite file of the default set-up.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from typing import Any

from shared.errors import InvalidValue, NotFound

PDF = "application/pdf"
# The limit: 「one attached proposal document (PDF, up to 10 MB)」.
DOCUMENT_MAX_BYTES = 10 * 1024 * 1024
PDF_MAGIC = b"%PDF-"  # every PDF begins with its header (ISO 32000-1, 7.5.2)


class DocumentTooLarge(InvalidValue):
    """A document above DOCUMENT_MAX_BYTES (answered 413, naming the field)."""


def require_pdf(content: bytes, field: str = "document") -> None:
    """Only a PDF is taken: its first bytes must be the PDF header, whatever the file's
    name or the content type the browser claimed."""
    if len(content) > DOCUMENT_MAX_BYTES:
        raise DocumentTooLarge(field, f"the document is larger than {DOCUMENT_MAX_BYTES} bytes")
    if not content:
        raise InvalidValue(field, "the document is empty")
    if not content.startswith(PDF_MAGIC):
        raise InvalidValue(field, "the document is not a PDF (it does not begin with %PDF-)")


class DocumentStore:
    """Files named by their SHA-256, in two levels of folders (ab/abcdef….pdf)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _path(self, sha256: str) -> Path:
        return self.folder / sha256[:2] / f"{sha256}.pdf"

    def keep(self, content: bytes, name: str) -> dict[str, Any]:
        """Keep a checked PDF; its reference (what a submission names and an event carries)."""
        require_pdf(content)
        sha256 = hashlib.sha256(content).hexdigest()
        path = self._path(sha256)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            # Written whole to a temporary file, then renamed: a reader never sees half.
            handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".part")
            with os.fdopen(handle, "wb") as file:
                file.write(content)
            os.replace(temporary, path)
        return _reference(name, len(content), sha256)

    def reference(self, sha256: str, name: str) -> dict[str, Any]:
        """The reference of a document uploaded before (refused when there is none)."""
        path = self._path(sha256)
        if not path.is_file():
            raise InvalidValue("document", "no document with this sha256 was uploaded; upload it")
        return _reference(name, path.stat().st_size, sha256)

    def read(self, sha256: str) -> bytes:
        path = self._path(sha256)
        if not path.is_file():
            raise NotFound(f"the document {sha256} is not kept here")
        return path.read_bytes()


def _reference(name: str, size: int, sha256: str) -> dict[str, Any]:
    return {"name": name, "size": size, "content_type": PDF, "sha256": sha256}

"""SQLite persistence: the one import for everything on disk.

* ``Writer`` drains the in-memory store into the file in batched
  transactions (writer.py); what a batch writes is batch.py, also usable
  on a plain sqlite3 connection (``encode_batch`` + ``write_batch``);
* ``Reader`` answers the read API later screens and commands use (reader.py);
* ``delete_session``, ``prune``, ``vacuum``, ``rebuild_summaries`` keep the
  file tidy (maintenance.py);
* ``default_db_path`` says where the file lives (paths.py); the layout and
  its version check are in schema.py.
"""

from __future__ import annotations

from .batch import Batch, encode_batch, write_batch
from .maintenance import delete_session, prune, rebuild_summaries, vacuum
from .paths import default_db_path
from .reader import MetricRow, Reader, SessionRow, TraceRow
from .schema import SCHEMA_VERSION, SchemaError, ensure_schema, needs_upgrade
from .writer import Writer

__all__ = [
    "Writer",
    "Reader",
    "SessionRow",
    "TraceRow",
    "MetricRow",
    "SchemaError",
    "SCHEMA_VERSION",
    "default_db_path",
    "delete_session",
    "prune",
    "vacuum",
    "rebuild_summaries",
    "ensure_schema",
    "needs_upgrade",
    "Batch",
    "encode_batch",
    "write_batch",
]

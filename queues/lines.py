"""The lines callers wait in: the named queues every flow and every rep team share."""

from __future__ import annotations

# Callers waiting for the next free person; also where every way to a person ends by default.
SUPPORT = "support"
# Callers who asked for a manager; only supervisors take them.
MANAGERS = "managers"

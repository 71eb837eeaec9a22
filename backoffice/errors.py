"""The one base of the engine's expected failures.

An expected failure is one a person can fix without reading code: a bad setting, a
definition with a problem, a server that does not answer, a task already decided. Its
message names where (the file, the setting, the task) and what to do. Deriving every such
error from ``BackofficeError`` lets the CLI print any of them as one line, and treat every
other exception as a bug that keeps its traceback, without a list of classes to keep in
step. A leaf module, importing nothing, so workflow code may import what derives from it.
"""

from __future__ import annotations

__all__ = ["BackofficeError"]


class BackofficeError(Exception):
    """A failure the message explains to the person who can fix it; not a bug."""

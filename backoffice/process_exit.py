"""Leaving a command's process once its work is done, without interpreter finalisation.

Temporal's core runs background threads that may still touch the GIL while Python
finalises, which aborts a process that has already done its work (sdk-python #300). The
command's own cleanup has run by then, so the process exits right away instead. Both
entry points, ``backoffice`` and ``python worker.py``, leave this way.
"""

from __future__ import annotations

import os
import sys
from typing import NoReturn


def exit_now(code: int) -> NoReturn:
    """Flush what was printed, then end the process with ``code``."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)

"""Sandbox legacy systems that bots drive: an ERP, an HR intranet and a treasury portal.

Each is a server-rendered web application of the old school (login page, menu, tables,
forms that ask ``confirm()`` before an irreversible submit) with its own SQLite file, and
injectable faults (error pages, latency, expired sessions, lost responses, pop-ups).

Run one with ``python -m legacy erp --port 8301 --data DIR``; build one in code with
:func:`create_app`, after :func:`seed` has given it master data and users. A system's
screens are built from the shapes in ``legacy.screen_kit`` (search, display, submit,
cancel once) and the helpers in ``legacy.screens``; its templates sit in its own folder.
"""

from legacy.app import DEFAULT_PORTS, SYSTEMS, create_app, seed
from legacy.faults import FaultSettings

__all__ = ["DEFAULT_PORTS", "SYSTEMS", "FaultSettings", "create_app", "seed"]

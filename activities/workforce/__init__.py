"""Workforce: hiring and onboarding, and offboarding (``definitions/onboarding.yaml``,
``definitions/offboarding.yaml``).

Both processes share the pack's activities and records: the people they start and end
are the same employees, on the same identity provider, HRIS, asset register and HR
intranet.
"""

from __future__ import annotations

from backoffice.packs import Pack, register_pack

PACK = register_pack(
    Pack(
        name="workforce",
        title="Workforce",
        processes=("offboarding",),  # and onboarding, once its definition is in definitions/
    )
)

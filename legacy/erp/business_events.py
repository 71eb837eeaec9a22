"""The business events the ERP raises, written to its outbox with the record they are about.

Like a real ERP's event interface (SAP's business events, say), the ERP tells its
subscriber what happened and to which business object, never the subscriber's own ids:
a goods receipt names its PO and material document, not the invoices waiting for it.
"""

from __future__ import annotations

import json
import uuid
from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from legacy.erp.models import BusinessEvent
from legacy.storage import utcnow

GOODS_RECEIPT_POSTED = "goods_receipt.posted"


def goods_receipt_posted(
    session: Session,
    material_document: str,
    po_number: str,
    quantities: dict[int, Decimal],
    posted_on: date,
) -> None:
    """Raise ``goods_receipt.posted`` for one material document (in the caller's transaction)."""
    event_id = f"evt-{uuid.uuid4().hex}"
    body = {
        "id": event_id,
        "type": GOODS_RECEIPT_POSTED,
        "occurred_at": utcnow().isoformat(timespec="seconds") + "Z",
        "data": {
            "po_number": po_number,
            "material_document": material_document,
            "posted_on": posted_on.isoformat(),
            # Exact quantities as text, as the ERP keeps them.
            "lines": [
                {"line_no": line_no, "received_qty": str(qty)}
                for line_no, qty in sorted(quantities.items())
                if qty > 0
            ],
        },
    }
    session.add(
        BusinessEvent(event_id=event_id, type=GOODS_RECEIPT_POSTED, payload=json.dumps(body))
    )

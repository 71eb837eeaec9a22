"""Make records_before_migrations.db: a records database as the last release before
migrations made it, with rows in every table (amounts among them).

Run it with that release's code, not this tree's, so the file holds what that release
really made (its tables came from SQLModel's create_all, with no version table):

    git worktree add --detach /tmp/before a71f787
    PYTHONPATH=/tmp/before python tests/records/data/make_records_before_migrations.py

tests/records/test_migrations.py upgrades a copy and checks every row is still there.
"""

from __future__ import annotations

import sys
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import MetaData

from backoffice import database

HERE = Path(__file__).resolve().parent
TARGET = HERE / "records_before_migrations.db"
AT = datetime(2025, 6, 12, 8, 30, tzinfo=UTC)
LATER = datetime(2025, 6, 19, 17, 0, tzinfo=UTC)

ROWS: dict[str, list[dict[str, object]]] = {
    "person": [
        {"id": "alice", "name": "Alice Ng", "email": "alice@example.com", "manager_id": None,
         "approval_limit": 15000.5, "active": True, "password_hash": "$argon2id$x"},
        {"id": "bob", "name": "Bob Ruiz", "email": "bob@example.com", "manager_id": "alice",
         "approval_limit": 0.1, "active": False, "password_hash": None},
    ],
    "person_group": [{"person_id": "bob", "group_id": "ap-clerks"}],
    "person_role": [{"person_id": "alice", "role": "cfo"}],
    "cost_centre": [{"id": "CC-4100", "owner_id": "alice"}],
    "delegation": [{"id": 1, "from_id": "alice", "to_id": "bob", "starts": date(2025, 7, 1),
                    "ends": date(2025, 7, 14)}],
    "inbox_session": [{"id": "s1", "person_id": "alice", "password": "digest",
                       "started_at": AT, "expires_at": LATER}],
    "sign_in_failure": [{"id": 1, "name": "mallory", "client": "10.0.0.9", "at": AT}],
    "event_subscription": [{"workflow_id": "wf-1", "event": "goods_received", "key": "PO-7",
                            "run_id": "run-1", "step": "wait_gr", "until": LATER,
                            "subscribed_at": AT, "last_event_id": None}],
    "step_event": [{"id": 1, "key": "wf-1/check/1", "workflow_id": "wf-1", "run_id": "run-1",
                    "process": "invoice-approval", "business_key": "INV-1", "step": "check",
                    "action": "invoice.check", "actor": "worker", "attempt": 1,
                    "started_at": AT, "ended_at": AT, "input_hash": "ab", "output_hash": "cd",
                    "outcome": "completed", "reason_code": None, "error": None}],
    "system_state": [{"system": "erp", "failures": 2, "last_error": "timeout",
                      "last_failure_at": AT, "paused_since": None, "next_probe_at": None,
                      "resumed_at": LATER}],
    "system_lease": [{"system": "erp", "slot": 0, "holder": "worker-1", "expires_at": LATER}],
    "task": [
        {"id": "wf-1/approve", "workflow_id": "wf-1", "process": "invoice-approval",
         "business_key": "INV-1", "step_id": "approve", "title": "Approve INV-1",
         "status": "open", "outcome": None, "created_at": AT, "due_at": LATER,
         "deadline": LATER, "closed_at": None, "outcomes_json": '["approve","reject"]',
         "context_json": '{"gross_amount": 61880.0}', "description": None, "form_json": None,
         "approvals": 1, "excluded_json": None, "reassigners_json": None, "claimed_by": None,
         "supplier": "Acme GmbH", "amount": 61880.0, "amount_text": "61,880.00 EUR"},
        {"id": "wf-2/review", "workflow_id": "wf-2", "process": "invoice-approval",
         "business_key": "INV-2", "step_id": "review", "title": "Review INV-2",
         "status": "closed", "outcome": "approve", "created_at": AT, "due_at": None,
         "deadline": LATER, "closed_at": LATER, "outcomes_json": "[]", "context_json": "{}",
         "description": "d", "form_json": "{}", "approvals": 2, "excluded_json": "[]",
         "reassigners_json": "[]", "claimed_by": "bob", "supplier": None, "amount": None,
         "amount_text": None},
    ],
    "task_candidate": [{"task_id": "wf-1/approve", "person_id": "alice", "reason": "owner"}],
    "task_queue": [{"task_id": "wf-1/approve", "group_id": "ap-clerks"}],
    "task_event": [{"id": 1, "key": "wf-1/approve/opened", "task_id": "wf-1/approve",
                    "at": AT, "event": "opened", "actor": "worker", "source": "engine",
                    "detail_json": "{}"}],
    "notification": [{"id": 1, "key": "n1", "task_id": "wf-1/approve", "person_id": "alice",
                      "email": "alice@example.com", "subject": "s", "body": "b",
                      "created_at": AT, "sent_at": None}],
    "supplier_invoice": [
        {"invoice_id": "INV-1", "company": "1000", "supplier_id": "SUP-00100",
         "supplier_invoice_no": "AOS-88231", "number_key": "AOS-88231",
         "reference_key": "AOS88231", "fiscal_year": 2025, "currency": "EUR",
         "gross_amount": 1190.1, "invoice_date": date(2025, 6, 12), "kind": "invoice",
         "status": "posted", "document_number": "5100000042", "reason_code": None,
         "duplicate_of": None, "registered_at": AT},
        {"invoice_id": "INV-2", "company": "1000", "supplier_id": "SUP-00100",
         "supplier_invoice_no": "aos-88231", "number_key": "AOS-88231",
         "reference_key": "AOS88231", "fiscal_year": 2025, "currency": "EUR",
         "gross_amount": 1190.1, "invoice_date": date(2025, 6, 12), "kind": "invoice",
         "status": "cancelled", "document_number": None, "reason_code": "DUPLICATE",
         "duplicate_of": "INV-1", "registered_at": LATER},
        {"invoice_id": "INV-3", "company": "2000", "supplier_id": "SUP-00777",
         "supplier_invoice_no": "K-1", "number_key": "K-1", "reference_key": "K1",
         "fiscal_year": 2025, "currency": "KWD", "gross_amount": 12345678.125,
         "invoice_date": date(2025, 6, 1), "kind": "credit_memo", "status": "received",
         "document_number": None, "reason_code": None, "duplicate_of": None,
         "registered_at": AT},
    ],
    "invoice_match_line": [
        {"invoice_id": "INV-1", "line": 1, "po_number": "PO-7", "po_line": 10,
         "route": "three_way", "status": "matched", "price_variance": 12.345678,
         "quantity_variance": 0.0, "reason_codes": "", "warnings": "", "matched_at": AT},
        {"invoice_id": "INV-1", "line": 2, "po_number": None, "po_line": None,
         "route": "non_po", "status": "exception", "price_variance": -0.3,
         "quantity_variance": 2.5, "reason_codes": "PRICE,QTY", "warnings": "w",
         "matched_at": AT},
    ],
    "invoice_archive": [{"archive_ref": "AR-1", "invoice_id": "INV-1", "workflow_id": "wf-1",
                         "run_id": "run-1", "outcome": "posted", "document_url": None,
                         "content_json": "{}", "sha256": "00ff", "archived_at": LATER,
                         "retain_until": date(2035, 12, 31)}],
}  # fmt: skip


def main(target: Path = TARGET) -> None:
    target.unlink(missing_ok=True)
    url = f"sqlite:///{target}"
    engine = database.engine_for(url)  # that release made its tables on first open
    tables = MetaData()
    tables.reflect(engine)
    if "alembic_version" in tables.tables:
        sys.exit("run this with the release before migrations, not with this tree's code")
    missing = set(tables.tables) - set(ROWS)
    if missing:
        sys.exit(f"no rows given for {', '.join(sorted(missing))}")
    with engine.begin() as connection:
        for table in tables.sorted_tables:
            connection.execute(table.insert(), ROWS[table.name])
    database.forget(url)  # closed: the file holds everything, no write-ahead log


if __name__ == "__main__":
    main()

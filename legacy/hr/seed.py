"""The HR intranet's demo data: employees, accounts on six systems, badges, payroll records."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from legacy.demo_tables import read_table
from legacy.hr.models import (
    BADGE_RANGE,
    EMPLOYEE_RANGE,
    OFFCYCLE_RANGE,
    PAYROLL_RANGE,
    Badge,
    Employee,
    PayrollRecord,
    UserAccount,
)
from legacy.storage import ensure_number_range

DATA = Path(__file__).parent / "data"
EMAIL_DOMAIN = "acme.example"
# Routing numbers that pass the ABA check digit, with their banks.
BANKS = (
    ("121000358", "Bank of America"),
    ("121000248", "Wells Fargo Bank"),
    ("322271627", "JPMorgan Chase Bank"),
)
LEAVERS_DISABLED_AT = datetime(2025, 3, 31, 18, 0, 0)
FIRST_NEW_EMPLOYEE = 600
FIRST_PAYROLL_RECORD = 100101
FIRST_OFFCYCLE_RUN = 1
FIRST_BADGE = 100101


def user_ids(employee: Employee) -> dict[str, str]:
    """The login of an employee on each system, as each system's naming rule makes it."""
    short = (employee.first_name[0] + employee.last_name).lower().replace("'", "")
    number = employee.employee_id.removeprefix("EMP-")
    return {
        "AD": short,
        "M365": f"{employee.email}@{EMAIL_DOMAIN}",
        "ERP": short.upper()[:12],
        "VPN": f"vpn-{short}",
        "CRM": f"{short}@crm",
        "LEGACY_PAYROLL": f"P{number}",
    }


def seed_master(session: Session) -> None:
    """Add whatever of the demo data is missing."""
    for index, row in enumerate(read_table(DATA / "employees.csv")):
        employee = session.get(Employee, row["employee_id"])
        if employee is None:
            employee = Employee(
                **{
                    **row,
                    "manager_id": row["manager_id"] or None,
                    "hire_date": date.fromisoformat(row["hire_date"]),
                }
            )
            session.add(employee)
            session.flush()
        if employee.status == "Pre-hire":
            continue
        _accounts(session, employee)
        _payroll_record(session, employee, index)
        _badge(session, employee, index)
    ensure_number_range(session, EMPLOYEE_RANGE, FIRST_NEW_EMPLOYEE)
    ensure_number_range(session, BADGE_RANGE, FIRST_BADGE)
    ensure_number_range(session, PAYROLL_RANGE, FIRST_PAYROLL_RECORD)
    ensure_number_range(session, OFFCYCLE_RANGE, FIRST_OFFCYCLE_RUN)


def _accounts(session: Session, employee: Employee) -> None:
    existing = set(
        session.scalars(
            select(UserAccount.system).where(UserAccount.employee_id == employee.employee_id)
        )
    )
    left = employee.status == "Left"
    for system, user_id in user_ids(employee).items():
        if system in existing:
            continue
        session.add(
            UserAccount(
                employee_id=employee.employee_id,
                system=system,
                user_id=user_id,
                status="DISABLED" if left else "ACTIVE",
                disabled_at=LEAVERS_DISABLED_AT if left else None,
                disabled_by="HRADMIN" if left else None,
                disable_reason="Leaver" if left else None,
            )
        )


def _badge(session: Session, employee: Employee, index: int) -> None:
    # Everyone who started has a card; a leaver's was revoked on the last day.
    number = f"BDG-{100001 + index:06d}"
    if session.get(Badge, number) is not None:
        return
    left = employee.status == "Left"
    session.add(
        Badge(
            badge_number=number,
            employee_id=employee.employee_id,
            holder_name=f"{employee.first_name} {employee.last_name}",
            valid_from=employee.hire_date,
            status="Revoked" if left else "Active",
            issued_by="FACILITIES",
            revoked_at=LEAVERS_DISABLED_AT if left else None,
            revoked_by="FACILITIES" if left else None,
            revoke_reason="Leaver" if left else None,
        )
    )


def _payroll_record(session: Session, employee: Employee, index: int) -> None:
    record_number = f"PR-{100001 + index:06d}"
    if session.get(PayrollRecord, record_number) is not None:
        return
    routing, bank = BANKS[index % len(BANKS)]
    number = int(employee.employee_id.removeprefix("EMP-"))
    session.add(
        PayrollRecord(
            record_number=record_number,
            employee_id=employee.employee_id,
            status="INACTIVE" if employee.status == "Left" else "ACTIVE",
            effective_date=employee.hire_date,
            pay_frequency="Biweekly",
            account_holder=f"{employee.first_name} {employee.last_name}",
            bank_name=bank,
            routing_number=routing,
            account_number=f"{4000000000 + number * 7919:010d}",
            account_type="Checking",
            filing_status="Single or Married filing separately",
            multiple_jobs=False,
            dependents_amount=Decimal("0.00"),
            other_income=Decimal("0.00"),
            deductions=Decimal("0.00"),
            extra_withholding=Decimal("0.00"),
            state="CA",
            state_allowances=1,
            created_by="HRADMIN",
        )
    )

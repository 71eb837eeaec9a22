"""The HR intranet's tables: personnel, user accounts per system, badges, payroll and pay runs."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from legacy.storage import EXACT_DECIMALS, utcnow

EMPLOYEE_RANGE = "employee"
PAYROLL_RANGE = "payroll_record"
OFFCYCLE_RANGE = "offcycle_run"
BADGE_RANGE = "badge"

# BADGE is the door-access profile in the facilities system; the card itself is a Badge.
ACCOUNT_SYSTEMS = ("AD", "M365", "ERP", "VPN", "CRM", "LEGACY_PAYROLL", "BADGE")


class HrBase(DeclarativeBase):
    type_annotation_map = EXACT_DECIMALS


class Employee(HrBase):
    __tablename__ = "employee"

    employee_id: Mapped[str] = mapped_column(String(12), primary_key=True)
    first_name: Mapped[str]
    last_name: Mapped[str] = mapped_column(index=True)
    department: Mapped[str]
    job_title: Mapped[str]
    manager_id: Mapped[str | None] = mapped_column(String(12))
    location: Mapped[str]
    cost_center: Mapped[str] = mapped_column(String(10))
    hire_date: Mapped[date]
    status: Mapped[str] = mapped_column(String(12))  # Pre-hire, Active, Left
    email: Mapped[str]


class UserAccount(HrBase):
    """A login of an employee on one system, as the access-management screen knows it."""

    __tablename__ = "user_account"

    account_id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[str] = mapped_column(ForeignKey("employee.employee_id"), index=True)
    system: Mapped[str] = mapped_column(String(20))
    user_id: Mapped[str]
    status: Mapped[str] = mapped_column(String(10))  # ACTIVE or DISABLED
    disabled_at: Mapped[datetime | None] = mapped_column(default=None)
    disabled_by: Mapped[str | None] = mapped_column(default=None)
    disable_reason: Mapped[str | None] = mapped_column(default=None)


class AccountEvent(HrBase):
    """Each disable or enable, kept as the intranet's audit trail."""

    __tablename__ = "account_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("user_account.account_id"), index=True)
    employee_id: Mapped[str] = mapped_column(String(12), index=True)
    system: Mapped[str] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(10))  # CREATE, DISABLE or ENABLE
    at: Mapped[datetime] = mapped_column(default=utcnow)
    by: Mapped[str]
    reason: Mapped[str | None]


class AccountLogin(HrBase):
    """A sign-in on an account, as the system reports it (kept apart: one row per login)."""

    __tablename__ = "account_login"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("user_account.account_id"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    source: Mapped[str] = mapped_column(default="")  # where from (an address, a door)


class Badge(HrBase):
    """An access card: opens the doors from ``valid_from`` until it is revoked."""

    __tablename__ = "badge"

    badge_number: Mapped[str] = mapped_column(String(12), primary_key=True)
    employee_id: Mapped[str] = mapped_column(ForeignKey("employee.employee_id"), index=True)
    holder_name: Mapped[str]
    valid_from: Mapped[date]
    status: Mapped[str] = mapped_column(String(10))  # Active or Revoked
    issued_by: Mapped[str]
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)
    revoked_by: Mapped[str | None] = mapped_column(default=None)
    revoke_reason: Mapped[str | None] = mapped_column(default=None)


class PayrollRecord(HrBase):
    __tablename__ = "payroll_record"

    record_number: Mapped[str] = mapped_column(String(12), primary_key=True)
    employee_id: Mapped[str] = mapped_column(ForeignKey("employee.employee_id"), index=True)
    status: Mapped[str] = mapped_column(String(10))  # ACTIVE or INACTIVE
    effective_date: Mapped[date]
    pay_frequency: Mapped[str]
    account_holder: Mapped[str]
    bank_name: Mapped[str]
    routing_number: Mapped[str] = mapped_column(String(9))
    account_number: Mapped[str]
    account_type: Mapped[str]
    filing_status: Mapped[str]
    multiple_jobs: Mapped[bool]
    dependents_amount: Mapped[Decimal]
    other_income: Mapped[Decimal]
    deductions: Mapped[Decimal]
    extra_withholding: Mapped[Decimal]
    state: Mapped[str] = mapped_column(String(2))
    state_allowances: Mapped[int]
    created_by: Mapped[str]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    inactivated_at: Mapped[datetime | None] = mapped_column(default=None)


class OffCycleRun(HrBase):
    __tablename__ = "offcycle_run"

    run_number: Mapped[str] = mapped_column(String(20), primary_key=True)
    employee_id: Mapped[str] = mapped_column(ForeignKey("employee.employee_id"), index=True)
    amount: Mapped[Decimal]
    currency: Mapped[str] = mapped_column(String(3))
    reason: Mapped[str]
    payment_date: Mapped[date]
    comment: Mapped[str | None]
    status: Mapped[str] = mapped_column(String(10))  # CREATED or CANCELLED
    created_by: Mapped[str]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    cancelled_at: Mapped[datetime | None] = mapped_column(default=None)

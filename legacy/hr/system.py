"""The HR intranet as a legacy system: its menu, screens and the records admins can count."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from legacy.context import SystemSpec, Theme
from legacy.hr import account_screens, employee_screens, offcycle_screens, payroll_screens
from legacy.hr.models import AccountEvent, HrBase, OffCycleRun, PayrollRecord
from legacy.hr.seed import seed_master

COUNT_KINDS = {
    "payroll_record": "employee ID (optional status=ACTIVE|INACTIVE)",
    "account_disable": "employee ID (optional system=AD|M365|ERP|VPN|CRM|LEGACY_PAYROLL)",
    "offcycle_run": "employee ID (optional status=CREATED|CANCELLED)",
}


def count(session: Session, kind: str, key: str, params: Mapping[str, str]) -> int:
    if kind == "payroll_record":
        statement = select(func.count()).where(PayrollRecord.employee_id == key)
        if params.get("status"):
            statement = statement.where(PayrollRecord.status == params["status"])
    elif kind == "account_disable":
        statement = select(func.count()).where(
            AccountEvent.employee_id == key, AccountEvent.action == "DISABLE"
        )
        if params.get("system"):
            statement = statement.where(AccountEvent.system == params["system"])
    else:
        statement = select(func.count()).where(OffCycleRun.employee_id == key)
        if params.get("status"):
            statement = statement.where(OffCycleRun.status == params["status"])
    return int(session.execute(statement).scalar_one())


HR = SystemSpec(
    name="hr",
    title="PeopleDesk HR & Payroll Intranet 3.2",
    base=HrBase,
    menu=(
        ("Employee search", "/employees"),
        ("New hire", "/employees/new"),
        ("Payroll records", "/payroll"),
        ("User accounts", "/accounts"),
        ("Off-cycle pay runs", "/offcycle"),
    ),
    routes=(
        *employee_screens.ROUTES,
        *account_screens.ROUTES,
        *payroll_screens.ROUTES,
        *offcycle_screens.ROUTES,
    ),
    seed_master=seed_master,
    count_kinds=COUNT_KINDS,
    count=count,
    theme=Theme(banner="#5a2d0c", menu="#f3ead8", accent="#8b4513"),
    date_format="%m/%d/%Y",
)

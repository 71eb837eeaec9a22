"""The HR intranet as a legacy system: its menu, screens and the records admins can count."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from legacy.context import SystemSpec, Theme
from legacy.hr import (
    account_screens,
    badge_screens,
    employee_screens,
    logins,
    new_account_screens,
    offcycle_screens,
    payroll_screens,
)
from legacy.hr.models import (
    AccountEvent,
    Badge,
    Employee,
    HrBase,
    OffCycleRun,
    PayrollRecord,
    UserAccount,
)
from legacy.hr.seed import seed_master

COUNT_KINDS = {
    "payroll_record": "employee ID (optional status=ACTIVE|INACTIVE)",
    "account_disable": "employee ID (optional system=AD|M365|ERP|VPN|CRM|LEGACY_PAYROLL|BADGE)",
    "offcycle_run": "employee ID (optional status=CREATED|CANCELLED)",
    "account": "employee ID (optional system=..., status=ACTIVE|DISABLED)",
    "badge": "employee ID (optional status=Active|Revoked)",
    "employee": "employee ID (1 when the personnel file has it)",
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
    elif kind == "offcycle_run":
        statement = select(func.count()).where(OffCycleRun.employee_id == key)
        if params.get("status"):
            statement = statement.where(OffCycleRun.status == params["status"])
    elif kind == "account":
        statement = select(func.count()).where(UserAccount.employee_id == key)
        for name in ("system", "status"):
            if params.get(name):
                statement = statement.where(getattr(UserAccount, name) == params[name])
    elif kind == "badge":
        statement = select(func.count()).where(Badge.employee_id == key)
        if params.get("status"):
            statement = statement.where(Badge.status == params["status"])
    else:
        statement = select(func.count()).where(Employee.employee_id == key)
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
        ("Access badges", "/badges"),
        ("Off-cycle pay runs", "/offcycle"),
    ),
    routes=(
        *employee_screens.ROUTES,
        *logins.ROUTES,
        *new_account_screens.ROUTES,
        *account_screens.ROUTES,
        *badge_screens.ROUTES,
        *payroll_screens.ROUTES,
        *offcycle_screens.ROUTES,
    ),
    seed_master=seed_master,
    count_kinds=COUNT_KINDS,
    count=count,
    theme=Theme(banner="#5a2d0c", menu="#f3ead8", accent="#8b4513"),
    date_format="%m/%d/%Y",
)

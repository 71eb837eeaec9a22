"""The sandbox HRIS's JSON API (``/api/v1``): employees, separations and full-and-final
statements, in ``DATA/hris.db``.

The HRIS refuses to submit a full-and-final statement while any of its payables or
receivables is Unsettled or an asset to be returned is still Owned (409, each reason in
words), as frappe/hrms does. Amounts are decimal text (``"180.40"``), never floats.
See docs/systems/hris.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from sandbox.api_kit import (
    Faults,
    FaultSettings,
    Guard,
    Refusal,
    Store,
    admin_routes,
    body_as,
    endpoint,
    rows_of,
)
from sandbox.hris.seed import (
    CURRENCY,
    DAILY_WAGE_BY_GRADE,
    DEFAULT_DAILY_WAGE,
    TABLES,
    seed,
    work_email,
)

SCHEMA = """
CREATE TABLE IF NOT EXISTS employees (
    employee_id TEXT PRIMARY KEY, onboarding_id TEXT UNIQUE, first_name TEXT NOT NULL,
    last_name TEXT NOT NULL, designation TEXT, department TEXT, grade TEXT, cost_center TEXT,
    location TEXT, employment_type TEXT, manager_id TEXT, date_of_joining TEXT,
    status TEXT NOT NULL, work_email TEXT, daily_wage TEXT NOT NULL, currency TEXT NOT NULL,
    relieving_date TEXT);
CREATE TABLE IF NOT EXISTS separations (
    separation_id TEXT PRIMARY KEY, employee_id TEXT NOT NULL, type TEXT NOT NULL,
    relieving_date TEXT NOT NULL, notice_given_at TEXT NOT NULL, status TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS statements (
    statement_id TEXT PRIMARY KEY, employee_id TEXT NOT NULL, separation_id TEXT UNIQUE,
    currency TEXT NOT NULL, status TEXT NOT NULL, run_number TEXT, journal_entry TEXT,
    submitted_at TEXT, paid_at TEXT);
CREATE TABLE IF NOT EXISTS statement_rows (
    statement_id TEXT NOT NULL, kind TEXT NOT NULL, component TEXT NOT NULL,
    reference TEXT NOT NULL, amount TEXT NOT NULL, status TEXT NOT NULL,
    PRIMARY KEY (statement_id, reference));
CREATE TABLE IF NOT EXISTS statement_assets (
    statement_id TEXT NOT NULL, asset TEXT NOT NULL, action TEXT NOT NULL,
    status TEXT NOT NULL, amount TEXT NOT NULL, PRIMARY KEY (statement_id, asset));
CREATE TABLE IF NOT EXISTS open_items (
    employee_id TEXT NOT NULL, kind TEXT NOT NULL, component TEXT NOT NULL,
    reference TEXT NOT NULL, amount TEXT NOT NULL, status TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS held_assets (
    employee_id TEXT NOT NULL, asset TEXT NOT NULL, amount TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
"""
Money = Field(ge=0, max_digits=14, decimal_places=2)
Id = Field(min_length=1, max_length=60, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:/-]*$")


class NewEmployee(BaseModel):
    model_config = ConfigDict(extra="forbid")

    onboarding_id: str = Id
    first_name: str = Field(min_length=1, max_length=100)
    last_name: str = Field(min_length=1, max_length=100)
    designation: str = Field(default="", max_length=100)
    department: str = Field(default="", max_length=100)
    grade: str = Field(default="", max_length=20)
    cost_center: str = Field(default="", max_length=20)
    location: str = Field(default="", max_length=20)
    employment_type: str = Field(default="Full-time", max_length=40)
    manager_id: str = Field(default="", max_length=20)
    date_of_joining: date
    daily_wage: Decimal | None = Field(default=None, ge=0, max_digits=14, decimal_places=2)


class EmployeeChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: Literal["Active", "Inactive", "Suspended", "Left"] | None = None
    relieving_date: date | None = None


class NewSeparation(BaseModel):
    model_config = ConfigDict(extra="forbid")

    employee_id: str = Id
    type: Literal["voluntary", "involuntary", "retirement", "end_of_contract"]
    relieving_date: date
    notice_given_at: date


class NewStatement(BaseModel):
    model_config = ConfigDict(extra="forbid")

    employee_id: str = Id
    separation_id: str = Id


class AssetChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    action: Literal["Return", "Recover Cost"]
    amount: Decimal = Money
    status: Literal["Owned", "Returned"] | None = None


class RowChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: Literal["Settled", "Unsettled"]


class Payment(BaseModel):
    model_config = ConfigDict(extra="forbid")

    run_number: str = Id
    journal_entry: str = Id


def _money(text: str) -> str:
    return str(Decimal(text).quantize(Decimal("0.01")))


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


class Hris:
    def __init__(self, store: Store) -> None:
        self.store = store

    # --- employees
    def employee(self, employee_id: str) -> dict[str, Any]:
        row = self.store.one("SELECT * FROM employees WHERE employee_id = ?", employee_id)
        if row is None:
            raise Refusal(
                404, f"there is no employee {employee_id} in the HRIS", missing="employee"
            )
        shown = dict(row)
        shown["daily_wage"] = _money(shown["daily_wage"])
        return shown

    def find_by_onboarding(self, onboarding_id: str) -> list[dict[str, Any]]:
        rows = self.store.all(
            "SELECT employee_id FROM employees WHERE onboarding_id = ?", onboarding_id
        )
        return [self.employee(row["employee_id"]) for row in rows]

    def create_employee(self, new: NewEmployee) -> dict[str, Any]:
        existing = self.find_by_onboarding(new.onboarding_id)
        if existing:
            raise Refusal(
                409,
                f"onboarding {new.onboarding_id} already made employee "
                f"{existing[0]['employee_id']}",
                employee_id=existing[0]["employee_id"],
            )
        if (
            new.manager_id
            and self.store.one("SELECT 1 FROM employees WHERE employee_id = ?", new.manager_id)
            is None
        ):
            raise Refusal(422, f"the manager {new.manager_id} is not an employee in the HRIS")
        number = self._next("employee")
        employee_id = f"EMP-{number:04d}"
        wage = new.daily_wage
        if wage is None:
            wage = Decimal(DAILY_WAGE_BY_GRADE.get(new.grade, DEFAULT_DAILY_WAGE))
        self.store.run(
            "INSERT INTO employees (employee_id, onboarding_id, first_name, last_name, "
            "designation, department, grade, cost_center, location, employment_type, "
            "manager_id, date_of_joining, status, work_email, daily_wage, currency) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'Active', ?, ?, ?)",
            employee_id, new.onboarding_id, new.first_name, new.last_name, new.designation,
            new.department, new.grade, new.cost_center, new.location, new.employment_type,
            new.manager_id or None, new.date_of_joining.isoformat(),
            work_email(new.first_name, new.last_name), str(wage), CURRENCY,
        )  # fmt: skip
        return self.employee(employee_id)

    def change_employee(self, employee_id: str, change: EmployeeChange) -> dict[str, Any]:
        current = self.employee(employee_id)
        relieving = change.relieving_date.isoformat() if change.relieving_date else None
        if change.status == "Left" and not (relieving or current["relieving_date"]):
            raise Refusal(422, "an employee who left needs a relieving_date")
        self.store.run(
            "UPDATE employees SET status = COALESCE(?, status), "
            "relieving_date = COALESCE(?, relieving_date) WHERE employee_id = ?",
            change.status, relieving, employee_id,
        )  # fmt: skip
        return self.employee(employee_id)

    def _next(self, counter: str) -> int:
        row = self.store.one("SELECT value FROM counters WHERE name = ?", counter)
        value = int(row["value"]) if row else 1
        self.store.run(
            "INSERT INTO counters (name, value) VALUES (?, ?) "
            "ON CONFLICT(name) DO UPDATE SET value = excluded.value",
            counter, value + 1,
        )  # fmt: skip
        return value

    # --- separations
    def separation(self, separation_id: str) -> dict[str, Any]:
        row = self.store.one("SELECT * FROM separations WHERE separation_id = ?", separation_id)
        if row is None:
            raise Refusal(
                404, f"there is no separation {separation_id} in the HRIS", missing="separation"
            )
        return dict(row)

    def record_separation(self, separation_id: str, new: NewSeparation) -> tuple[int, Any]:
        self.employee(new.employee_id)
        row = self.store.one("SELECT * FROM separations WHERE separation_id = ?", separation_id)
        values = (new.type, new.relieving_date.isoformat(), new.notice_given_at.isoformat())
        if row is None:
            self.store.run(
                "INSERT INTO separations VALUES (?, ?, ?, ?, ?, 'Pending')",
                separation_id, new.employee_id, *values,
            )  # fmt: skip
            return 201, self.separation(separation_id)
        if row["employee_id"] != new.employee_id:
            raise Refusal(
                409, f"separation {separation_id} is of employee {row['employee_id']}, "
                f"not {new.employee_id}"
            )  # fmt: skip
        if row["status"] == "Cancelled":
            raise Refusal(409, f"separation {separation_id} was cancelled: record a new one")
        # The same separation again: its dates may have moved (a later relieving date).
        self.store.run(
            "UPDATE separations SET type = ?, relieving_date = ?, notice_given_at = ? "
            "WHERE separation_id = ?",
            *values, separation_id,
        )  # fmt: skip
        return 200, self.separation(separation_id)

    def cancel_separation(self, separation_id: str) -> dict[str, Any]:
        self.separation(separation_id)
        done = self.store.one(
            "SELECT statement_id, status FROM statements WHERE separation_id = ? "
            "AND status != 'Draft'",
            separation_id,
        )
        if done is not None:
            raise Refusal(
                409, f"separation {separation_id} cannot be cancelled: its full-and-final "
                f"statement {done['statement_id']} is {done['status']}"
            )  # fmt: skip
        self.store.run(
            "UPDATE separations SET status = 'Cancelled' WHERE separation_id = ?", separation_id
        )
        return self.separation(separation_id)

    # --- full-and-final statements
    def statement(self, statement_id: str) -> dict[str, Any]:
        row = self.store.one("SELECT * FROM statements WHERE statement_id = ?", statement_id)
        if row is None:
            raise Refusal(
                404, f"there is no full-and-final statement {statement_id}", missing="statement"
            )
        shown = dict(row)
        lines = self.store.all(
            "SELECT kind, component, reference, amount, status FROM statement_rows "
            "WHERE statement_id = ? ORDER BY rowid",
            statement_id,
        )
        for kind in ("payable", "receivable"):
            shown[f"{kind}s"] = [
                {"component": r["component"], "reference": r["reference"],
                 "amount": _money(r["amount"]), "status": r["status"]}
                for r in lines if r["kind"] == kind
            ]  # fmt: skip
        assets = self.store.all(
            "SELECT asset, action, status, amount FROM statement_assets WHERE statement_id = ? "
            "ORDER BY rowid",
            statement_id,
        )
        shown["assets"] = [{**dict(a), "amount": _money(a["amount"])} for a in assets]
        return shown

    def open_statement(self, new: NewStatement) -> tuple[int, Any]:
        self.employee(new.employee_id)
        separation = self.separation(new.separation_id)
        if separation["employee_id"] != new.employee_id:
            raise Refusal(
                409, f"separation {new.separation_id} is of employee "
                f"{separation['employee_id']}, not {new.employee_id}"
            )  # fmt: skip
        existing = self.store.one(
            "SELECT statement_id FROM statements WHERE separation_id = ?", new.separation_id
        )
        if existing is not None:
            return 200, self.statement(existing["statement_id"])
        if separation["status"] == "Cancelled":
            raise Refusal(409, f"separation {new.separation_id} was cancelled")
        statement_id = f"HR-FNF-{datetime.now(UTC).year}-{self._next('statement'):05d}"
        self.store.run(
            "INSERT INTO statements (statement_id, employee_id, separation_id, currency, "
            "status) VALUES (?, ?, ?, ?, 'Draft')",
            statement_id, new.employee_id, new.separation_id, CURRENCY,
        )  # fmt: skip
        for item in self.store.all(
            "SELECT * FROM open_items WHERE employee_id = ? ORDER BY rowid", new.employee_id
        ):
            self.store.run(
                "INSERT INTO statement_rows VALUES (?, ?, ?, ?, ?, ?)",
                statement_id, item["kind"], item["component"], item["reference"],
                item["amount"], item["status"],
            )  # fmt: skip
        for held in self.store.all(
            "SELECT * FROM held_assets WHERE employee_id = ? ORDER BY rowid", new.employee_id
        ):
            self.store.run(
                "INSERT INTO statement_assets VALUES (?, ?, 'Return', 'Owned', ?)",
                statement_id, held["asset"], held["amount"],
            )  # fmt: skip
        return 201, self.statement(statement_id)

    def _draft(self, statement_id: str) -> dict[str, Any]:
        shown = self.statement(statement_id)
        if shown["status"] != "Draft":
            raise Refusal(
                409, f"statement {statement_id} is {shown['status']}: only a Draft changes"
            )
        return shown

    def set_asset(self, statement_id: str, asset: str, change: AssetChange) -> dict[str, Any]:
        self._draft(statement_id)
        row = self.store.one(
            "SELECT status FROM statement_assets WHERE statement_id = ? AND asset = ?",
            statement_id, asset,
        )  # fmt: skip
        status = change.status or (row["status"] if row else "Owned")
        self.store.run(
            "INSERT INTO statement_assets VALUES (?, ?, ?, ?, ?) ON CONFLICT(statement_id, "
            "asset) DO UPDATE SET action = excluded.action, status = excluded.status, "
            "amount = excluded.amount",
            statement_id, asset, change.action, status, str(change.amount),
        )  # fmt: skip
        return self.statement(statement_id)

    def set_row(self, statement_id: str, reference: str, change: RowChange) -> dict[str, Any]:
        self._draft(statement_id)
        if self.store.one(
            "SELECT 1 FROM statement_rows WHERE statement_id = ? AND reference = ?",
            statement_id, reference,
        ) is None:  # fmt: skip
            raise Refusal(404, f"statement {statement_id} has no row {reference}")
        self.store.run(
            "UPDATE statement_rows SET status = ? WHERE statement_id = ? AND reference = ?",
            change.status, statement_id, reference,
        )  # fmt: skip
        return self.statement(statement_id)

    def submit(self, statement_id: str) -> dict[str, Any]:
        shown = self.statement(statement_id)
        if shown["status"] != "Draft":
            return shown  # submitted (or paid) already: the same answer again
        reasons = [
            f"{row['component']} {row['reference']} ({row['amount']} {shown['currency']}) "
            "is Unsettled"
            for row in shown["payables"] + shown["receivables"]
            if row["status"] == "Unsettled"
        ]
        reasons += [
            f"asset {asset['asset']} is to be returned and is still Owned: record its return "
            "or set its action to Recover Cost"
            for asset in shown["assets"]
            if asset["action"] == "Return" and asset["status"] == "Owned"
        ]
        if reasons:
            raise Refusal(
                409, f"statement {statement_id} cannot be submitted: " + "; ".join(reasons),
                reasons=reasons,
            )  # fmt: skip
        self.store.run(
            "UPDATE statements SET status = 'Submitted', submitted_at = ? WHERE statement_id = ?",
            _now(), statement_id,
        )  # fmt: skip
        return self.statement(statement_id)

    def pay(self, statement_id: str, payment: Payment) -> dict[str, Any]:
        shown = self.statement(statement_id)
        if shown["status"] == "Paid":
            if shown["journal_entry"] != payment.journal_entry:
                raise Refusal(
                    409, f"statement {statement_id} was paid by journal entry "
                    f"{shown['journal_entry']}, not {payment.journal_entry}"
                )  # fmt: skip
            return shown
        if shown["status"] != "Submitted":
            raise Refusal(409, f"statement {statement_id} is a Draft: submit it before paying")
        self.store.run(
            "UPDATE statements SET status = 'Paid', run_number = ?, journal_entry = ?, "
            "paid_at = ? WHERE statement_id = ?",
            payment.run_number, payment.journal_entry, _now(), statement_id,
        )  # fmt: skip
        return self.statement(statement_id)

    def state(self) -> dict[str, Any]:
        def table(name: str) -> list[dict[str, Any]]:
            return rows_of(self.store.all(f"SELECT * FROM {name} ORDER BY rowid"))  # noqa: S608

        return {
            "employees": table("employees"),
            "separations": table("separations"),
            "statements": [self.statement(r["statement_id"]) for r in table("statements")],
        }

    def reset(self) -> None:
        self.store.wipe(TABLES)
        seed(self.store)


def create_app(data_dir: Path, tokens: Mapping[str, str], *, faults: FaultSettings | None = None
               ) -> Starlette:  # fmt: skip
    """The HRIS on ``data_dir/hris.db``; ``tokens`` maps each API client's name to its
    bearer token (any of them is let in)."""
    store = Store(data_dir / "hris.db", SCHEMA)
    seed(store)
    hris = Hris(store)
    outage = Faults(faults or FaultSettings())

    def path(request: Request, name: str) -> str:
        value: str = request.path_params[name]
        return value

    async def list_employees(request: Request) -> Any:
        onboarding_id = request.query_params.get("onboarding_id")
        if onboarding_id is None:
            raise Refusal(400, "ask by onboarding: /api/v1/employees?onboarding_id=...")
        return {"employees": hris.find_by_onboarding(onboarding_id)}

    async def create_employee(request: Request) -> Any:
        return hris.create_employee(await body_as(request, NewEmployee))

    async def get_employee(request: Request) -> Any:
        return hris.employee(path(request, "employee_id"))

    async def patch_employee(request: Request) -> Any:
        change = await body_as(request, EmployeeChange)
        return hris.change_employee(path(request, "employee_id"), change)

    async def get_separation(request: Request) -> Any:
        return hris.separation(path(request, "separation_id"))

    async def put_separation(request: Request) -> Any:
        new = await body_as(request, NewSeparation)
        return _with_status(*hris.record_separation(path(request, "separation_id"), new))

    async def cancel_separation(request: Request) -> Any:
        return hris.cancel_separation(path(request, "separation_id"))

    async def open_statement(request: Request) -> Any:
        return _with_status(*hris.open_statement(await body_as(request, NewStatement)))

    async def get_statement(request: Request) -> Any:
        return hris.statement(path(request, "statement_id"))

    async def put_asset(request: Request) -> Any:
        change = await body_as(request, AssetChange)
        return hris.set_asset(path(request, "statement_id"), path(request, "asset"), change)

    async def put_row(request: Request) -> Any:
        change = await body_as(request, RowChange)
        return hris.set_row(path(request, "statement_id"), path(request, "reference"), change)

    async def submit(request: Request) -> Any:
        return hris.submit(path(request, "statement_id"))

    async def pay(request: Request) -> Any:
        return hris.pay(path(request, "statement_id"), await body_as(request, Payment))

    api = "/api/v1"
    routes = [
        Route(f"{api}/employees", endpoint(list_employees), methods=["GET"]),
        Route(f"{api}/employees", endpoint(create_employee, 201), methods=["POST"]),
        Route(f"{api}/employees/{{employee_id}}", endpoint(get_employee), methods=["GET"]),
        Route(f"{api}/employees/{{employee_id}}", endpoint(patch_employee), methods=["PATCH"]),
        Route(f"{api}/separations/{{separation_id}}", endpoint(get_separation), methods=["GET"]),
        Route(f"{api}/separations/{{separation_id}}", endpoint(put_separation), methods=["PUT"]),
        Route(f"{api}/separations/{{separation_id}}/cancel", endpoint(cancel_separation),
              methods=["POST"]),
        Route(f"{api}/final-statements", endpoint(open_statement), methods=["POST"]),
        Route(f"{api}/final-statements/{{statement_id}}", endpoint(get_statement),
              methods=["GET"]),
        Route(f"{api}/final-statements/{{statement_id}}/assets/{{asset}}", endpoint(put_asset),
              methods=["PUT"]),
        Route(f"{api}/final-statements/{{statement_id}}/rows/{{reference}}", endpoint(put_row),
              methods=["PUT"]),
        Route(f"{api}/final-statements/{{statement_id}}/submit", endpoint(submit),
              methods=["POST"]),
        Route(f"{api}/final-statements/{{statement_id}}/payment", endpoint(pay),
              methods=["POST"]),
        *admin_routes(outage, hris.reset, hris.state),
    ]  # fmt: skip
    app = Starlette(
        routes=routes, middleware=[Middleware(Guard, system="HRIS", tokens=tokens, faults=outage)]
    )
    app.state.store = store
    return app


def _with_status(status: int, body: Any) -> JSONResponse:
    return JSONResponse(body, status)

"""The sandbox IT asset register's JSON API (``/api/v1``), in ``DATA/assets.db``.

Laptops are kept by asset tag (``AST-LAP-0931``) with a serial number and a model
(``STD-WIN-14``, ``STD-MAC-14``). An assignment gives one in stock to a holder (an
employee id, or an onboarding id before the employee exists); it is shipped with a
tracking number, returned, or cancelled before it ships. See docs/systems/assets.md.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

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

SCHEMA = """
CREATE TABLE IF NOT EXISTS laptops (
    asset TEXT PRIMARY KEY, serial TEXT UNIQUE NOT NULL, model TEXT NOT NULL,
    condition TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS assignments (
    id INTEGER PRIMARY KEY AUTOINCREMENT, asset TEXT NOT NULL, holder_ref TEXT NOT NULL,
    status TEXT NOT NULL, ship_to TEXT NOT NULL, tracking TEXT, assigned_at TEXT NOT NULL,
    shipped_at TEXT, returned_at TEXT, cancelled_at TEXT);
"""
TABLES = ("laptops", "assignments")
MODELS = {"STD-WIN-14": ("PF4", 931), "STD-MAC-14": ("C02", 960)}
IN_STOCK_PER_MODEL = 6
ACTIVE = ("Assigned", "Shipped")  # an assignment the holder still has


def seed(store: Store) -> None:
    """Stock of both standard models, and Jordan Miller's laptop (AST-LAP-0931)."""
    if store.one("SELECT 1 FROM laptops LIMIT 1") is not None:
        return
    for model, (prefix, first) in MODELS.items():
        for n in range(IN_STOCK_PER_MODEL + 1):
            number = first + n
            serial = prefix + hashlib.sha256(f"{model}-{number}".encode()).hexdigest()[:8].upper()
            store.run(
                "INSERT INTO laptops VALUES (?, ?, ?, 'In Stock')",
                f"AST-LAP-{number:04d}", serial, model,
            )  # fmt: skip
    # The first of each model is in use: Jordan Miller's and Olivia Grant's (the HRIS
    # lists them in their full-and-final statements).
    for asset, holder in (("AST-LAP-0931", "EMP-0420"), ("AST-LAP-0960", "EMP-0466")):
        store.run("UPDATE laptops SET condition = 'In Use' WHERE asset = ?", asset)
        store.run(
            "INSERT INTO assignments (asset, holder_ref, status, ship_to, tracking, "
            "assigned_at, shipped_at) VALUES (?, ?, 'Assigned', '', NULL, "
            "'2024-04-01T16:00:00Z', NULL)",
            asset, holder,
        )  # fmt: skip


class LaptopRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    holder_ref: str = Field(min_length=1, max_length=60)
    model: str = Field(min_length=1, max_length=40)
    ship_to: str = Field(default="", max_length=300)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


class Register:
    def __init__(self, store: Store) -> None:
        self.store = store

    def _shown(self, assignment_id: int) -> dict[str, Any]:
        row = self.store.one(
            "SELECT a.*, l.serial, l.model FROM assignments a JOIN laptops l "
            "ON l.asset = a.asset WHERE a.id = ?",
            assignment_id,
        )
        if row is None:  # pragma: no cover - ids come from our own rows
            raise Refusal(404, f"there is no assignment {assignment_id}")
        shown = dict(row)
        shown["assignment_id"] = shown.pop("id")
        return shown

    def current(self, asset: str) -> dict[str, Any]:
        """The latest assignment of a laptop."""
        if self.store.one("SELECT 1 FROM laptops WHERE asset = ?", asset) is None:
            raise Refusal(404, f"there is no asset {asset} in the register")
        row = self.store.one(
            "SELECT id FROM assignments WHERE asset = ? ORDER BY id DESC LIMIT 1", asset
        )
        if row is None:
            raise Refusal(404, f"asset {asset} is in stock: it was never assigned to anyone")
        return self._shown(int(row["id"]))

    def holdings(self, holder_ref: str) -> list[dict[str, Any]]:
        rows = self.store.all(
            "SELECT id FROM assignments WHERE holder_ref = ? ORDER BY id", holder_ref
        )
        return [self._shown(int(row["id"])) for row in rows]

    def assign(self, request: LaptopRequest) -> tuple[int, dict[str, Any]]:
        for held in self.holdings(request.holder_ref):
            if held["model"] == request.model and held["status"] in ACTIVE:
                return 200, held  # the same request again: the same laptop
        if request.model not in MODELS:
            raise Refusal(
                422, f"there is no model {request.model}: the models are "
                + ", ".join(sorted(MODELS))
            )  # fmt: skip
        laptop = self.store.one(
            "SELECT asset FROM laptops WHERE model = ? AND condition = 'In Stock' "
            "ORDER BY asset LIMIT 1",
            request.model,
        )
        if laptop is None:
            stock = self.stock()
            shown = ", ".join(f"{model} ({count})" for model, count in stock.items() if count)
            raise Refusal(
                409, f"no {request.model} laptop is in stock; in stock: {shown or 'nothing'}",
                stock=stock,
            )  # fmt: skip
        self.store.run("UPDATE laptops SET condition = 'In Use' WHERE asset = ?", laptop["asset"])
        made = self.store.run(
            "INSERT INTO assignments (asset, holder_ref, status, ship_to, assigned_at) "
            "VALUES (?, ?, 'Assigned', ?, ?)",
            laptop["asset"], request.holder_ref, request.ship_to, _now(),
        )  # fmt: skip
        return 201, self._shown(made)

    def ship(self, asset: str) -> dict[str, Any]:
        current = self.current(asset)
        if current["status"] == "Shipped":
            return current
        if current["status"] != "Assigned":
            raise Refusal(409, f"asset {asset} is {current['status']}: only an assigned one ships")
        digest = hashlib.sha256(f"{asset}-{current['assignment_id']}".encode()).hexdigest()
        tracking = "1Z" + digest[:16].upper()
        self.store.run(
            "UPDATE assignments SET status = 'Shipped', tracking = ?, shipped_at = ? WHERE id = ?",
            tracking, _now(), current["assignment_id"],
        )  # fmt: skip
        return self._shown(current["assignment_id"])

    def record_return(self, asset: str) -> dict[str, Any]:
        current = self.current(asset)
        if current["status"] == "Returned":
            return current
        if current["status"] == "Cancelled":
            raise Refusal(409, f"the assignment of {asset} was cancelled: nothing to return")
        self.store.run(
            "UPDATE assignments SET status = 'Returned', returned_at = ? WHERE id = ?",
            _now(), current["assignment_id"],
        )  # fmt: skip
        # A returned laptop is wiped and checked before anyone gets it again.
        self.store.run("UPDATE laptops SET condition = 'Refurbishing' WHERE asset = ?", asset)
        return self._shown(current["assignment_id"])

    def cancel(self, asset: str) -> dict[str, Any]:
        current = self.current(asset)
        if current["status"] == "Cancelled":
            return current
        if current["status"] != "Assigned":
            raise Refusal(
                409, f"asset {asset} is {current['status']} (tracking "
                f"{current['tracking']}): record its return instead of cancelling"
                if current["status"] == "Shipped"
                else f"asset {asset} is {current['status']}: there is nothing to cancel"
            )  # fmt: skip
        self.store.run(
            "UPDATE assignments SET status = 'Cancelled', cancelled_at = ? WHERE id = ?",
            _now(), current["assignment_id"],
        )  # fmt: skip
        self.store.run("UPDATE laptops SET condition = 'In Stock' WHERE asset = ?", asset)
        return self._shown(current["assignment_id"])

    def stock(self) -> dict[str, int]:
        counts = {model: 0 for model in MODELS}
        for row in self.store.all(
            "SELECT model, COUNT(*) AS n FROM laptops WHERE condition = 'In Stock' GROUP BY model"
        ):
            counts[row["model"]] = int(row["n"])
        return counts

    def state(self) -> dict[str, Any]:
        return {
            "stock": self.stock(),
            "laptops": rows_of(self.store.all("SELECT * FROM laptops ORDER BY asset")),
            "assignments": [
                self._shown(int(r["id"])) for r in self.store.all("SELECT id FROM assignments")
            ],
        }

    def reset(self) -> None:
        self.store.wipe(TABLES)
        self.store.run("DELETE FROM sqlite_sequence WHERE name = 'assignments'")
        seed(self.store)


def create_app(data_dir: Path, tokens: Mapping[str, str], *, faults: FaultSettings | None = None
               ) -> Starlette:  # fmt: skip
    """The asset register on ``data_dir/assets.db``; ``tokens`` maps each API client's name
    to its bearer token (any of them is let in)."""
    store = Store(data_dir / "assets.db", SCHEMA)
    seed(store)
    register = Register(store)
    outage = Faults(faults or FaultSettings())

    def asset_of(request: Request) -> str:
        value: str = request.path_params["asset"]
        return value

    async def assign(request: Request) -> Any:
        status, body = register.assign(await body_as(request, LaptopRequest))
        return JSONResponse(body, status)

    async def list_assignments(request: Request) -> Any:
        holder = request.query_params.get("holder_ref")
        if not holder:
            raise Refusal(400, "ask by holder: /api/v1/assignments?holder_ref=...")
        return {"holder_ref": holder, "assignments": register.holdings(holder)}

    async def get_asset(request: Request) -> Any:
        return register.current(asset_of(request))

    async def ship(request: Request) -> Any:
        return register.ship(asset_of(request))

    async def record_return(request: Request) -> Any:
        return register.record_return(asset_of(request))

    async def cancel(request: Request) -> Any:
        return register.cancel(asset_of(request))

    async def stock(request: Request) -> Any:
        return {"stock": register.stock()}

    api = "/api/v1"
    routes = [
        Route(f"{api}/assignments", endpoint(assign), methods=["POST"]),
        Route(f"{api}/assignments", endpoint(list_assignments), methods=["GET"]),
        Route(f"{api}/stock", endpoint(stock), methods=["GET"]),
        Route(f"{api}/assets/{{asset}}", endpoint(get_asset), methods=["GET"]),
        Route(f"{api}/assets/{{asset}}/shipment", endpoint(ship), methods=["POST"]),
        Route(f"{api}/assets/{{asset}}/return", endpoint(record_return), methods=["POST"]),
        Route(f"{api}/assets/{{asset}}/cancel", endpoint(cancel), methods=["POST"]),
        *admin_routes(outage, register.reset, register.state),
    ]
    guard = Middleware(Guard, system="asset register", tokens=tokens, faults=outage)
    app = Starlette(routes=routes, middleware=[guard])
    app.state.store = store
    return app

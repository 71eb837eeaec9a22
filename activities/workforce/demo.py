"""The workforce demo: hires and leavers started in the running stack, one for every shape
the onboarding and offboarding handle.

The cases are data, in ``demo/people.yaml`` beside this module. Before a run starts, the
sandbox systems are made ready the way its case needs them: the screening vendor is told
which outcome each candidate's check gets (``/__admin/outcomes``); each leaver gets the
account the identity provider will switch off, signed in so that there are sessions to
end, and the laptop the asset register will take back. Then every run starts, a
withdrawal is sent where the case withdraws, and what each will do and where to watch it
is printed.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache
from importlib import resources
from typing import Any

import httpx
import yaml
from pydantic import BaseModel, ConfigDict, Field

from backoffice.packs import Demo, DemoContext, DemoError

ONBOARDING = "onboarding"
OFFBOARDING = "offboarding"
DATA_FILE = "demo/people.yaml"
SYSTEMS = ("idp", "hris", "assets", "screening")
# A batch name goes into onboarding and separation ids: short capitals and digits.
BATCH_PATTERN = re.compile(r"^[A-Z][A-Z0-9]{1,7}$")
DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
EPOCH = datetime(2020, 1, 1, tzinfo=UTC)
ANSWER_WAIT_SECONDS = 120  # for a run to answer before its withdrawal is sent
POLL_SECONDS = 0.5
# The identity provider's applications where a leaver is signed in before the demo.
SIGNED_IN_TO = ("directory", "mail")


class Withdrawal(BaseModel):
    model_config = ConfigDict(extra="forbid")

    event: str
    data: dict[str, Any] = Field(default_factory=dict)


class CheckOutcome(BaseModel):
    """What the screening vendor answers for this candidate (its /__admin/outcomes)."""

    model_config = ConfigDict(extra="forbid")

    outcome: str = Field(pattern="^(clear|adverse|never)$")
    after_seconds: float = Field(default=20.0, ge=0)


class Hire(BaseModel):
    model_config = ConfigDict(extra="forbid")

    path: str
    expect: str
    first_name: str
    last_name: str
    starts_in_days: int = Field(ge=1)
    check: CheckOutcome
    access_bundle: list[str] | None = None
    withdraw: Withdrawal | None = None


class Leaver(BaseModel):
    model_config = ConfigDict(extra="forbid")

    path: str
    expect: str
    employee: str
    manager_id: str
    type: str
    risk: str = "standard"
    notice_days_before: int = Field(ge=0)
    leaves_in_days: int = Field(ge=0)
    laptop: str = ""
    open_items: dict[str, int] | None = None
    directory_user: str = ""
    withdraw: Withdrawal | None = None


class PeopleFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    hire: dict[str, Any]
    hires: list[Hire]
    leaver: dict[str, Any]
    leavers: list[Leaver]


@dataclass(frozen=True)
class Case:
    """One run of the batch: which process, with what input, and what it shows."""

    process: str
    key: str
    path: str
    expect: str
    data: dict[str, Any]
    withdraw: Withdrawal | None = None

    @property
    def workflow_id(self) -> str:
        return f"{self.process}/{self.key}"


@cache
def people_file() -> PeopleFile:
    text = resources.files(__package__).joinpath(DATA_FILE).read_text(encoding="utf-8")
    return PeopleFile.model_validate(yaml.safe_load(text))


def batch_name(now: datetime) -> str:
    """W and the seconds since 2020 in base 36: short, and new every second."""
    seconds = int((now - EPOCH).total_seconds())
    text = ""
    while seconds:
        seconds, digit = divmod(seconds, 36)
        text = DIGITS[digit] + text
    return "W" + (text or "0")


def hires(batch: str, today: date) -> list[tuple[Case, CheckOutcome]]:
    """The onboardings of a batch, each with the outcome its background check gets."""
    spec = people_file()
    made = []
    for number, hire in enumerate(spec.hires, start=1):
        key = f"HR-EMP-ONB-{batch}-{number:02d}"
        # The batch goes into the family name too: the sign-in name is made of the names,
        # and two batches' candidates must not ask for the same one.
        last_name = f"{hire.last_name}-{batch}"
        data = {
            **spec.hire,
            "onboarding_id": key,
            "job_applicant": f"HR-APP-{batch}-{number:02d}",
            "job_offer": f"HR-OFF-{batch}-{number:02d}",
            "candidate": {
                **spec.hire["candidate"],
                "first_name": hire.first_name,
                "last_name": last_name,
                "personal_email": f"{hire.first_name}.{last_name}@example.org".lower(),
            },
            "date_of_joining": (today + timedelta(days=hire.starts_in_days)).isoformat(),
            "boarding_begins_on": today.isoformat(),
        }
        if hire.access_bundle is not None:
            data["access_bundle"] = hire.access_bundle
        case = Case(ONBOARDING, key, hire.path, hire.expect, data, hire.withdraw)
        made.append((case, hire.check))
    return made


def leavers(batch: str, today: date) -> list[tuple[Case, Leaver]]:
    """The offboardings of a batch (without the laptops, which the register hands out)."""
    spec = people_file()
    made = []
    for number, leaver in enumerate(spec.leavers, start=1):
        key = f"HR-EMP-SEP-{batch}-{number:02d}"
        data: dict[str, Any] = {
            **spec.leaver,
            "separation_id": key,
            "employee": leaver.employee,
            "type": leaver.type,
            "risk": leaver.risk,
            "notice_given_at": (today - timedelta(days=leaver.notice_days_before)).isoformat(),
            "relieving_date": (today + timedelta(days=leaver.leaves_in_days)).isoformat(),
            "manager_id": leaver.manager_id,
        }
        if leaver.open_items is not None:
            data["open_items"] = leaver.open_items
        if leaver.directory_user:
            data["directory_user"] = leaver.directory_user
        made.append(
            (Case(OFFBOARDING, key, leaver.path, leaver.expect, data, leaver.withdraw), leaver)
        )
    return made


class Systems:
    """The sandbox API systems, called as the activities call them (bearer token)."""

    def __init__(self, stack: DemoContext) -> None:
        self.urls = {system: stack.system_url(system) for system in SYSTEMS}
        self.tokens = {system: stack.system_token(system) for system in SYSTEMS}

    async def call(
        self, system: str, method: str, path: str, body: Any = None, ok: tuple[int, ...] = ()
    ) -> Any:
        url = self.urls[system]
        headers = (
            {}
            if path.startswith("/__admin/")
            else {"Authorization": f"Bearer {self.tokens[system]}"}
        )
        try:
            async with httpx.AsyncClient(base_url=url, headers=headers, timeout=10) as http:
                response = await http.request(method, path, json=body)
        except httpx.HTTPError as error:
            raise DemoError(
                f"cannot reach the sandbox system '{system}' at {url} ({error}): is "
                "`backoffice dev` running with its sandbox systems?"
            ) from None
        if response.status_code in ok:
            return None
        if response.status_code not in (200, 201):
            raise DemoError(
                f"the sandbox system '{system}' at {url} refused {method} {path}: "
                f"{response.status_code} {response.text[:300]}"
            )
        return response.json()


async def choose_check_outcomes(systems: Systems, cases: list[tuple[Case, CheckOutcome]]) -> None:
    for case, check in cases:
        await systems.call("screening", "PUT", f"/__admin/outcomes/{case.key}", check.model_dump())


async def prepare_leaver(systems: Systems, case: Case, leaver: Leaver) -> None:
    """The leaver's record read in the HRIS, their account, their sessions, their laptop."""
    record = await systems.call("hris", "GET", f"/api/v1/employees/{leaver.employee}")
    if record.get("status") != "Active":
        raise DemoError(
            f"{leaver.employee} ({leaver.path}) is {record.get('status')} in the sandbox HRIS, "
            f"not Active: reset it (POST {systems.urls['hris']}/__admin/reset) or name another "
            f"employee in activities/workforce/{DATA_FILE}"
        )
    user_name = record["work_email"]
    account = {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": user_name,
        "externalId": leaver.employee,
        "active": True,
        "name": {"givenName": record["first_name"], "familyName": record["last_name"]},
        "emails": [{"value": user_name, "primary": True}],
    }
    await systems.call("idp", "POST", "/scim/v2/Users", account, ok=(409,))  # 409: there already
    for application in SIGNED_IN_TO:
        sign_in = {"application": application, "user_name": user_name}
        await systems.call("idp", "POST", "/__admin/sign-in", sign_in, ok=(403,))  # 403: disabled
    if leaver.laptop:
        request = {"holder_ref": leaver.employee, "model": leaver.laptop}
        laptop = await systems.call("assets", "POST", "/api/v1/assignments", request)
        case.data["assets"] = [{"asset": laptop["asset"], "type": "laptop"}]


async def answering(stack: DemoContext, workflow_id: str) -> None:
    """Wait until the run answers its progress query (a worker has taken it)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + ANSWER_WAIT_SECONDS
    while loop.time() < deadline:
        try:
            await stack.progress(workflow_id)
        except Exception:  # not taken by a worker yet: asked again
            await asyncio.sleep(POLL_SECONDS)
        else:
            return
    raise DemoError(
        f"{workflow_id} did not answer within {ANSWER_WAIT_SECONDS} s: is a worker running? "
        "(`backoffice dev` runs one)"
    )


def where_to_watch(stack: DemoContext, case: Case) -> str:
    """The inbox page of the first task the run opens, or its list when that is not known."""
    if case.process == OFFBOARDING:
        return stack.task_url(f"{case.workflow_id}/confirm")  # hanna confirms every leaver first
    if case.path == "compressed start":
        return stack.task_url(f"{case.workflow_id}/compressed")
    return f"{stack.settings.inbox_url.rstrip('/')}/?q={case.key}"


async def run_demo(stack: DemoContext, name: str | None) -> None:
    today = date.today()
    batch = name or batch_name(datetime.now(UTC))
    if not BATCH_PATTERN.match(batch):
        raise DemoError(
            f"batch name '{batch}': use 2 to 8 capital letters and digits, starting with a "
            "letter (it goes into onboarding and separation ids)"
        )
    stack.check_definition(ONBOARDING)  # a definition that does not validate stops here
    stack.check_definition(OFFBOARDING)
    systems = Systems(stack)
    onboardings = hires(batch, today)
    offboardings = leavers(batch, today)
    await choose_check_outcomes(systems, onboardings)
    for case, leaver in offboardings:
        await prepare_leaver(systems, case, leaver)
    cases = [case for case, _ in onboardings] + [case for case, _ in offboardings]
    stack.say(
        f"workforce demo batch {batch}: {len(onboardings)} hires and {len(offboardings)} leavers"
    )
    for case in cases:
        await stack.start(case.process, case.data)
        stack.say(f"  {case.workflow_id}  {case.path}: {case.expect}")
        stack.say(f"      inbox  {where_to_watch(stack, case)}")
        if case.withdraw is not None:
            await answering(stack, case.workflow_id)
            verdict = await stack.send(case.workflow_id, case.withdraw.event, case.withdraw.data)
            stack.say(f"      sent   {case.withdraw.event}: {verdict}")
    onboarding_runs = f'BusinessKey STARTS_WITH "HR-EMP-ONB-{batch}-"'
    offboarding_runs = f'BusinessKey STARTS_WITH "HR-EMP-SEP-{batch}-"'
    urls = systems.urls
    hr = stack.settings.systems.get("hr")
    intranet = (
        f"\n  HR intranet  {hr.url.rstrip('/')}/ (badges, payroll logins; demo, legacy-demo)"
        if hr
        else ""
    )
    stack.say(
        "\nWatch them:\n"
        f"  Temporal UI  {stack.runs_url(onboarding_runs)}  (the hires)\n"
        f"               {stack.runs_url(offboarding_runs)}  (the leavers)\n"
        "               (columns CurrentStep and WaitingOn: which step, for whom)\n"
        f"  list         backoffice status --process {ONBOARDING}  (and {OFFBOARDING})\n"
        f"  inbox        {stack.settings.inbox_url} as hanna, henrik, carol, ivan, pavel, "
        "sofia or dave (password backoffice-demo)\n"
        "  candidates   backoffice mail: each candidate's own link (consent, payroll details)\n"
        f"  screening    {urls['screening']}/__admin/outcomes (what each check answers, and when)\n"
        f"  identity     {urls['idp']}/__admin/state (accounts, sessions, tokens)\n"
        f"  HRIS         {urls['hris']}/__admin/state (employees, separations, statements)\n"
        f"  assets       {urls['assets']}/__admin/state (laptops and who holds them)" + intranet
    )


DEMO = Demo(
    summary="hires and leavers, one for every shape of onboarding and offboarding",
    run=run_demo,
    needs_systems=SYSTEMS,
)

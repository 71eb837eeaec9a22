"""Entering a new hire in the intranet's personnel file, with the ID the HRIS gave them.

The HRIS is the master of employee IDs. The intranet keeps payroll records, accounts and
badges only for employees it knows, so a bot working for a new hire the intranet does not
know yet enters them first (``/employees/new`` with the Employee ID). That is not the
bot's irreversible step: the ID is the key, looked up before, so a retry never enters a
second person, and the bot's own submit comes after.
"""

from __future__ import annotations

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Page
from pydantic import BaseModel, ConfigDict, Field

from bots.hr.screens import HrScreens
from bots.kit.errors import BusinessRuleViolation, TransientFailure

CONFIRM = "Enter this new hire"


class NewHire(BaseModel):
    """Who a new hire is, for the personnel file, when the intranet does not know them yet."""

    model_config = ConfigDict(extra="forbid")

    first_name: str
    last_name: str
    department: str = Field(description="as the intranet lists them: Finance, Sales...")
    job_title: str
    hire_date: str = Field(description="ISO date, the start date")
    manager_id: str = ""
    location: str = ""
    cost_center: str = ""


async def employee_known(bot: HrScreens, page: Page, employee_id: str) -> bool:
    response = await page.goto(bot.url(f"/employees/{employee_id}"))
    await bot.check(page)
    return not (response is not None and response.status == 404)


async def ensure_employee(
    bot: HrScreens, page: Page, employee_id: str, new_hire: NewHire | None
) -> None:
    """Make sure the intranet knows the employee: enter the new hire if it does not."""
    if await employee_known(bot, page, employee_id):
        return
    if new_hire is None:
        raise BusinessRuleViolation(
            f"employee {employee_id} is not in the HR system yet: give new_hire "
            "(first_name, last_name, department, job_title, hire_date) so the bot enters "
            "the new hire first"
        )
    await page.goto(bot.url("/employees/new"))
    await bot.check(page)
    await page.get_by_label("Employee ID").fill(employee_id)
    texts = {
        "First name": new_hire.first_name,
        "Last name": new_hire.last_name,
        "Job title": new_hire.job_title,
        "Manager": new_hire.manager_id,
        "Location": new_hire.location,
        "Cost center": new_hire.cost_center,
        "Hire date": new_hire.hire_date,
    }
    for label, value in texts.items():
        await page.get_by_label(label, exact=True).fill(value)
    department = page.get_by_label("Department", exact=True)
    offered = [o.strip() for o in await department.locator("option").all_text_contents()]
    if new_hire.department not in offered:
        choices = ", ".join(o for o in offered if o and not o.startswith("("))
        raise BusinessRuleViolation(
            f"the HR system has no department {new_hire.department!r}: choose one of {choices}"
        )
    await department.select_option(new_hire.department)
    await page.get_by_role("button", name="Save").click()
    entered = page.get_by_test_id("employee-id")
    try:
        await entered.or_(page.get_by_role("alert")).first.wait_for()
    except (PlaywrightError, TimeoutError):
        await bot.check(page)  # an error page says so itself
        # No answer: whether the hire arrived is looked up by the next attempt.
        raise TransientFailure(
            f"entering the new hire {employee_id} got no answer: the next attempt looks "
            "the employee up before anything else"
        ) from None
    await bot.check(page)
    message = await bot.alert_text(page)
    if message and "already in use" not in message:  # entered meanwhile: known now
        raise BusinessRuleViolation(f"the HR system refused the new hire: {message}")

"""The HRIS's demo data: the HR intranet's employees (same ids, names and managers), with
what an HRIS knows besides: location codes, daily wages, and the open items a leaver's
full-and-final statement will list.
"""

from __future__ import annotations

from decimal import Decimal

from sandbox.api_kit import Store

EMAIL_DOMAIN = "acme.example"
CURRENCY = "USD"
FIRST_NEW_EMPLOYEE = 700  # above the intranet's own numbers: new ids come from here
# A day's wage by grade, for employees the HRIS creates (the seeded ones have their own).
DAILY_WAGE_BY_GRADE = {"G3": "184.00", "G4": "224.00", "G5": "268.00", "G6": "320.00",
                       "G7": "392.00"}  # fmt: skip
DEFAULT_DAILY_WAGE = "240.00"

# employee_id, first, last, designation, department, grade, cost center, location,
# manager, joined, status, daily wage
EMPLOYEES = (
    ("EMP-0001", "Margaret", "Whitfield", "Chief Executive Officer", "Executive", "G9",
     "CC-1000", "SFO-01", "", "2012-03-01", "Active", "1480.00"),
    ("EMP-0017", "Daniel", "Okafor", "Chief Financial Officer", "Finance", "G8", "CC-2000",
     "SFO-01", "EMP-0001", "2014-09-15", "Active", "1120.00"),
    ("EMP-0042", "Helen", "Brandt", "HR Manager", "Human Resources", "G7", "CC-3000",
     "SFO-01", "EMP-0001", "2016-01-11", "Active", "560.00"),
    ("EMP-0088", "Rafael", "Mendes", "IT Manager", "Information Technology", "G7", "CC-5000",
     "OAK-01", "EMP-0001", "2015-06-01", "Active", "584.00"),
    ("EMP-0102", "Susan", "Kowalski", "Accounts Payable Manager", "Finance", "G6", "CC-2100",
     "SFO-01", "EMP-0017", "2017-04-03", "Active", "432.00"),
    ("EMP-0135", "Thomas", "Nguyen", "Accounts Payable Clerk", "Finance", "G4", "CC-2100",
     "SFO-01", "EMP-0102", "2019-08-19", "Active", "236.00"),
    ("EMP-0193", "Christopher", "Hale", "Regional Sales Director", "Sales", "G7", "CC-4000",
     "SJC-01", "EMP-0001", "2016-10-10", "Active", "612.00"),
    ("EMP-0208", "Laura", "Fischer", "Payroll Specialist", "Human Resources", "G5", "CC-3100",
     "SFO-01", "EMP-0042", "2018-05-14", "Active", "276.00"),
    ("EMP-0246", "Mei", "Lin", "Account Executive", "Sales", "G5", "CC-4100", "SJC-01",
     "EMP-0193", "2021-03-22", "Active", "268.00"),
    ("EMP-0420", "Jordan", "Miller", "Account Manager", "Sales", "G5", "CC-4100", "SFO-01",
     "EMP-0193", "2020-08-17", "Active", "288.00"),
    ("EMP-0466", "Olivia", "Grant", "Account Executive", "Sales", "G5", "CC-4100", "SJC-01",
     "EMP-0193", "2024-04-01", "Active", "260.00"),
    ("EMP-0471", "Marcus", "Bell", "Warehouse Associate", "Operations", "G3", "CC-6000",
     "OAK-01", "EMP-0001", "2019-03-11", "Left", "176.00"),
    ("EMP-0489", "Sofia", "Russo", "Accounts Payable Clerk", "Finance", "G4", "CC-2100",
     "SFO-01", "EMP-0102", "2024-10-07", "Active", "228.00"),
)  # fmt: skip

# What a full-and-final statement of these employees lists: employee, kind (payable or
# receivable), component, reference document, amount, status. Jordan Miller has two
# expense claims and an advance still open (DOMAIN.md's leaver); Olivia Grant's are settled.
OPEN_ITEMS = (
    ("EMP-0420", "payable", "Expense Claim", "HR-EXP-2025-00031", "180.40", "Unsettled"),
    ("EMP-0420", "payable", "Expense Claim", "HR-EXP-2025-00044", "64.25", "Unsettled"),
    ("EMP-0420", "payable", "Leave Encashment", "HR-LENC-2025-00012", "2304.00", "Settled"),
    ("EMP-0420", "receivable", "Employee Advance", "HR-EAD-2025-00007", "300.00", "Unsettled"),
    ("EMP-0466", "payable", "Leave Encashment", "HR-LENC-2025-00019", "1040.00", "Settled"),
    ("EMP-0135", "payable", "Gratuity", "HR-GRA-2025-00003", "1416.00", "Settled"),
    ("EMP-0135", "receivable", "Loan", "HR-LOAN-2024-00021", "1250.00", "Unsettled"),
)
# Company assets a leaver holds (the asset register's tags), with their book value.
HELD_ASSETS = (
    ("EMP-0420", "AST-LAP-0931", "1150.00"),
    ("EMP-0466", "AST-LAP-0960", "1290.00"),
)

TABLES = ("employees", "separations", "statements", "statement_rows", "statement_assets",
          "open_items", "held_assets", "counters")  # fmt: skip


def work_email(first_name: str, last_name: str) -> str:
    local = f"{first_name}.{last_name}".lower().replace("'", "").replace(" ", "")
    return f"{local}@{EMAIL_DOMAIN}"


def seed(store: Store) -> None:
    """Add the demo data if it is not there (a restart keeps what changed since)."""
    if store.one("SELECT 1 FROM employees LIMIT 1") is not None:
        return
    for row in EMPLOYEES:
        (employee_id, first, last, designation, department, grade, cost_center, location,
         manager, joined, status, wage) = row  # fmt: skip
        store.run(
            "INSERT INTO employees (employee_id, first_name, last_name, designation, "
            "department, grade, cost_center, location, employment_type, manager_id, "
            "date_of_joining, status, work_email, daily_wage, currency, relieving_date) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'Full-time', ?, ?, ?, ?, ?, ?, ?)",
            employee_id, first, last, designation, department, grade, cost_center, location,
            manager or None, joined, status, work_email(first, last), str(Decimal(wage)),
            CURRENCY, "2025-03-31" if status == "Left" else None,
        )  # fmt: skip
    store.many(
        "INSERT INTO open_items (employee_id, kind, component, reference, amount, status) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        OPEN_ITEMS,
    )
    store.many("INSERT INTO held_assets (employee_id, asset, amount) VALUES (?, ?, ?)", HELD_ASSETS)
    store.run("INSERT INTO counters (name, value) VALUES ('employee', ?)", FIRST_NEW_EMPLOYEE)
    store.run("INSERT INTO counters (name, value) VALUES ('statement', 1)")

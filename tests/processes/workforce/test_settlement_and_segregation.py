"""The net of a full-and-final statement, exact to the cent (DOMAIN.md offboarding T3), and
segregation of duties by the definition's conflict rules (onboarding step 4c)."""

from __future__ import annotations

from decimal import Decimal

from activities.workforce.settlement import Settlement, net_of
from tests.processes.workforce.conftest import Pack

NET = "workforce.net_settlement"
SEGREGATION = "workforce.check_segregation"


async def test_the_net_is_payables_less_receivables_less_assets_recovered(pack: Pack) -> None:
    statement = {
        "payables": [
            {"component": "Gratuity", "amount": 1234.10, "status": "Settled"},
            {"component": "Leave Encashment", "amount": 0.10, "status": "Settled"},
            {"component": "Expense Claim", "amount": 0.20, "status": "Unsettled"},
        ],
        "receivables": [{"component": "Employee Advance", "amount": 300.00, "status": "Settled"}],
        "assets": [
            {"asset": "AST-LAP-0931", "action": "Recover Cost", "status": "Owned",
             "amount": 899.30},
            {"asset": "AST-PHN-0077", "action": "Return", "status": "Returned", "amount": 410},
        ],
    }  # fmt: skip

    found = await pack.call(NET, statement)

    # 1234.10 + 0.10 + 0.20 - 300.00 - 899.30 = 35.10: not 35.100000000000136.
    assert found == {
        "net_payable": 35.1,
        "payables_total": 1234.4,
        "receivables_total": 300,
        "recovered_total": 899.3,
    }


def test_the_net_is_computed_in_decimals() -> None:
    ten_cents = [{"component": "Bonus", "amount": "0.10"} for _ in range(200)]

    net = net_of(Settlement.model_validate({"payables": ten_cents}))

    assert net.net_payable == Decimal("20.00")
    assert isinstance(net.net_payable, Decimal)


async def test_a_leaver_who_owes_more_than_is_owed_has_a_negative_net(pack: Pack) -> None:
    found = await pack.call(
        NET,
        {
            "payables": [{"component": "Bonus", "amount": 100}],
            "receivables": [{"component": "Loan", "amount": 250.55}],
        },
    )

    assert found["net_payable"] == -150.55


CONFLICTS = [
    {"roles": ["ERP:AP_CLERK", "ERP:VENDOR_MASTER"],
     "reason": "who enters invoices may not maintain the vendor master"},
    {"roles": ["ERP:AP_CLERK", "ERP:PAYMENT_RELEASE"],
     "reason": "who enters invoices may not release payments"},
    {"roles": ["ERP:VENDOR_MASTER", "ERP:PAYMENT_RELEASE", "ERP:AP_CLERK"],
     "reason": "the whole chain in one hand"},
]  # fmt: skip


async def test_roles_that_break_a_rule_are_named_with_its_reason(pack: Pack) -> None:
    found = await pack.call(
        SEGREGATION,
        {"roles": ["AD:G-FIN-AP", "ERP:AP_CLERK", "ERP:PAYMENT_RELEASE"], "rules": CONFLICTS},
    )

    assert found == {
        "clear": False,
        "conflicts": [
            {"roles": ["ERP:AP_CLERK", "ERP:PAYMENT_RELEASE"],
             "reason": "who enters invoices may not release payments"},
        ],
    }  # fmt: skip


async def test_the_access_bundle_of_an_ap_clerk_is_clear(pack: Pack) -> None:
    found = await pack.call(
        SEGREGATION, {"roles": ["AD:G-FIN-AP", "ERP:AP_CLERK", "M365:E3"], "rules": CONFLICTS}
    )

    assert found == {"clear": True, "conflicts": []}


async def test_a_conflict_rule_of_one_role_is_refused_saying_how_to_write_one(
    pack: Pack,
) -> None:
    single = [{"roles": ["ERP:AP_CLERK"], "reason": "one role conflicts with nothing"}]

    found = await pack.call(SEGREGATION, {"roles": ["ERP:AP_CLERK"], "rules": CONFLICTS[:1]})
    assert found["clear"] is True
    refused = await pack.refusal(SEGREGATION, {"roles": ["ERP:AP_CLERK"], "rules": single})
    assert refused.type == "BadConflictRule"
    assert "conflict rule 1 (one role conflicts with nothing) names 1 role(s)" in refused.message

"""One onboarding per job applicant at a time (DOMAIN.md onboarding step 1, T2): a second
one is refused with the onboarding that holds the applicant, a cancelled one does not
count, and a retried opening is the same opening."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import date

from activities.workforce.onboarding_register import (
    OnboardingOpen,
    Refused,
    open_onboarding_in,
)
from tests.processes.workforce.conftest import Pack

OPEN = "workforce.open_onboarding"
STATUS = "workforce.set_onboarding_status"


def opening(onboarding_id: str, applicant: str = "HR-APP-2025-00117") -> dict[str, str]:
    return {
        "onboarding_id": onboarding_id,
        "job_applicant": applicant,
        "date_of_joining": "2025-07-07",
    }


async def test_a_second_onboarding_of_the_same_applicant_is_refused_naming_the_first(
    pack: Pack,
) -> None:
    first = await pack.call(OPEN, opening("HR-EMP-ONB-2025-00041"))
    assert first["status"] == "Pending"
    await pack.call(STATUS, {"onboarding_id": "HR-EMP-ONB-2025-00041", "status": "In Process"})

    refused = await pack.refusal(OPEN, opening("HR-EMP-ONB-2025-00042"))

    assert refused.type == "DuplicateOnboarding"
    assert refused.non_retryable
    assert (
        "onboarding HR-EMP-ONB-2025-00041 (In Process) already onboards applicant "
        "HR-APP-2025-00117" in refused.message
    )
    assert "cancel it before opening another" in refused.message
    # Another applicant is onboarded alongside.
    other = await pack.call(OPEN, opening("HR-EMP-ONB-2025-00043", "HR-APP-2025-00118"))
    assert other["status"] == "Pending"


async def test_a_cancelled_onboarding_does_not_count_as_a_duplicate(pack: Pack) -> None:
    await pack.call(OPEN, opening("HR-EMP-ONB-2025-00050"))
    cancelled = await pack.call(
        STATUS,
        {"onboarding_id": "HR-EMP-ONB-2025-00050", "status": "Cancelled", "reason": "withdrew"},
    )
    assert cancelled["status"] == "Cancelled"

    again = await pack.call(OPEN, opening("HR-EMP-ONB-2025-00051"))

    assert again == {
        "onboarding_id": "HR-EMP-ONB-2025-00051",
        "status": "Pending",
        "job_applicant": "HR-APP-2025-00117",
        "date_of_joining": "2025-07-07",
    }
    # The cancelled one cannot be taken up again while the new one counts.
    refused = await pack.refusal(
        STATUS, {"onboarding_id": "HR-EMP-ONB-2025-00050", "status": "In Process"}
    )
    assert refused.type == "DuplicateOnboarding"
    assert "onboarding HR-EMP-ONB-2025-00051 (Pending)" in refused.message


async def test_opening_the_same_onboarding_again_is_the_same_opening(pack: Pack) -> None:
    first = await pack.call(OPEN, opening("HR-EMP-ONB-2025-00060"))
    await pack.call(STATUS, {"onboarding_id": "HR-EMP-ONB-2025-00060", "status": "Completed"})

    again = await pack.call(OPEN, opening("HR-EMP-ONB-2025-00060"))

    assert again == {**first, "status": "Completed"}
    # Its id given to another applicant is refused, saying to give that one its own.
    refused = await pack.refusal(OPEN, opening("HR-EMP-ONB-2025-00060", "HR-APP-2025-00999"))
    assert refused.type == "DuplicateOnboarding"
    assert "give this applicant's onboarding an id of its own" in refused.message


async def test_the_status_of_an_onboarding_never_opened_is_refused(pack: Pack) -> None:
    refused = await pack.refusal(STATUS, {"onboarding_id": "HR-EMP-ONB-0", "status": "Completed"})

    assert refused.type == "OnboardingNotFound"
    assert "open it with workforce.open_onboarding first" in refused.message


def test_of_two_onboardings_of_one_applicant_opened_at_once_exactly_one_is_kept(
    pack: Pack,
) -> None:
    for round_ in range(8):
        applicant = f"HR-APP-RACE-{round_}"
        openings = [
            OnboardingOpen(
                onboarding_id=f"ONB-{round_}-{side}",
                job_applicant=applicant,
                date_of_joining=date(2025, 7, 7),
            )
            for side in ("a", "b")
        ]

        def open_one(one: OnboardingOpen) -> str:
            try:
                return open_onboarding_in(pack.records, one).onboarding_id
            except Refused:
                return "refused"

        with ThreadPoolExecutor(max_workers=2) as pool:
            outcomes = sorted(pool.map(open_one, openings))
        assert outcomes[1] == "refused", outcomes
        assert outcomes[0].startswith(f"ONB-{round_}-")

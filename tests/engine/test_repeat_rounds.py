"""Each round of a repeat starts without the results of the rounds before; those are read
through ``rounds`` (on the real dev server)."""

from __future__ import annotations

import uuid

from tests.support.activities import calls_of
from tests.support.processes import ProcessRunner

ROUNDS = """
name: rounds-cleared
version: 1
title: Rounds
owner: tests
business_key: input.case
input:
  case: string
variables: {round: 0, seen: [], earlier: [], previous_note: none, first_round_note: ""}
steps:
  - id: chase
    repeat: {until: "vars.round >= 3", max: 5}
    steps:
      - {id: bump, set: {round: "${ vars.round + 1 }"}}
      - id: first_only
        if: vars.round == 1
        call: test.note
        with: {note: first}
      - id: look
        set:
          seen: ${ vars.seen + [has(steps.first_only)] }
          earlier: ${ vars.earlier + [size(rounds)] }
          previous_note: >-
            ${ has(previous.first_only) ? previous.first_only.note : vars.previous_note }
          first_round_note: >-
            ${ size(rounds) > 0 && has(rounds[0].first_only) ? rounds[0].first_only.note : "" }
output:
  seen: ${ vars.seen }
  earlier: ${ vars.earlier }
  previous_note: ${ vars.previous_note }
  first_round_note: ${ vars.first_round_note }
  after_the_loop: ${ has(steps.first_only) }
  rounds: ${ steps.chase.rounds }
  last_round: ${ steps.chase.last.bump.round }
"""


async def test_a_step_skipped_in_a_later_round_has_no_result_there(
    runner: ProcessRunner,
) -> None:
    name = runner.define(ROUNDS)
    result = await runner.run(name, {"case": uuid.uuid4().hex[:8]})
    assert result["output"] == {
        # first_only ran in round 1 only: rounds 2 and 3 do not see its result ...
        "seen": [True, False, False],
        # ... but read it from the round before through rounds.
        "earlier": [0, 1, 2],
        "previous_note": "first",
        "first_round_note": "first",
        "after_the_loop": False,
        "rounds": 3,
        "last_round": 3,
    }
    assert len(calls_of("test.note")) == 1

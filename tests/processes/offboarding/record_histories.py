"""Record histories of the shipped offboarding for the replay tests.

    PYTHONPATH=$PWD .venv/bin/python -m tests.processes.offboarding.record_histories

Runs the scenarios of ``definitions/offboarding.scenarios/`` as ``backoffice test`` does
(the real workflow and interpreter on the time-skipping server, stand-ins answering every
call and bot; see ``tests/support/scenario_histories.py``) and writes three of them to
``histories/`` beside this file: T1, a voluntary leaver on the standard track, access
ended on the last day, final pay on time, Left, and the retention schedule purged; T2, an
involuntary high-risk leaver on the immediate track; and a resignation withdrawn before
the last day, which gives back the access disabled early and cancels the pay run.

Re-record only on purpose: the point of the files is that today's interpreter must replay
yesterday's runs. When a change of the interpreter means new runs differ from the
recorded ones (behind a ``workflow.patched`` id), first move the old files into a folder
of ``histories/`` named after that change (they must keep replaying), then record anew.
A change of the definition needs no re-recording: each history holds the definition it
ran with.
"""

from __future__ import annotations

from pathlib import Path

from tests.support.scenario_histories import Wanted, main

ROOT = Path(__file__).resolve().parents[3]
HISTORIES = Path(__file__).resolve().parent / "histories"
WANTED = (
    Wanted("offboarding_standard_left", "T1 "),
    Wanted("offboarding_immediate", "T2 "),
    Wanted("offboarding_withdrawn", "a resignation withdrawn before the last day"),
)

if __name__ == "__main__":
    main(ROOT / "definitions" / "offboarding.yaml", WANTED, HISTORIES)

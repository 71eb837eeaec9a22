"""Record histories of the shipped onboarding for the replay tests.

    PYTHONPATH=$PWD .venv/bin/python -m tests.processes.onboarding.record_histories

Runs the scenarios of ``definitions/onboarding.scenarios/`` as ``backoffice test`` does
(the real workflow and interpreter on the time-skipping server, stand-ins answering every
call and bot; see ``tests/support/scenario_histories.py``) and writes three of them to
``histories/`` beside this file: T1, a new hire ready in time and Completed after the
trainings; a candidate who withdraws after everything was prepared, so every step undoes
what it did (compensation) and the onboarding is cancelled; and T4, a start postponed at
D-1, which moves every timer that reads the start date.

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
    Wanted("onboarding_completed", "T1 "),
    Wanted("onboarding_withdrawn", "the candidate withdraws after everything was prepared"),
    Wanted("onboarding_postponed", "T4 "),
)

if __name__ == "__main__":
    main(ROOT / "definitions" / "onboarding.yaml", WANTED, HISTORIES)

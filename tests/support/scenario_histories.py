"""Recording the rehearsed scenarios of a shipped definition as histories to replay.

The scenarios run as ``backoffice test`` runs them: the real process workflow and
interpreter on the time-skipping server (days and years of waiting pass in moments, so a
history holds one timer for a long wait, not thousands of events), the engine's own
activities on a throwaway records database, and the rehearsal's stand-in answering every
call and bot, under each activity's real name, from the scenario. They run in their order
up to the last one asked for, since each starts on the clock where the one before ended.
A scenario asked for must pass, or nothing of it is written: a recording of a run that
went wrong would only teach the replay tests the wrong thing.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from backoffice.catalog import build_catalog
from backoffice.language import model
from backoffice.language.validate import (
    process_names,
    process_reasons,
    process_starts,
    validate_file,
)
from backoffice.logs import configure_logging
from backoffice.people.store import read_directory_file
from backoffice.rehearsal import stand_ins
from backoffice.rehearsal.report import differences
from backoffice.rehearsal.runner import rehearsal
from backoffice.rehearsal.scenarios import Scenario, load_file, scenario_files
from backoffice.settings import load_settings


@dataclass(frozen=True)
class Wanted:
    """A scenario to record: the file it is saved as, and how its name begins."""

    stem: str
    begins: str


class RecordingError(Exception):
    """Nothing (more) can be recorded; the message says what to fix."""


@dataclass(frozen=True)
class Rehearsable:
    """A checked definition and its scenarios, in the order ``backoffice test`` runs them."""

    definition: model.Definition
    content_hash: str
    scenarios: list[Scenario]


def rehearsable(definition_file: Path) -> Rehearsable:
    """The definition checked as ``backoffice test`` checks it, with its scenarios."""
    settings = load_settings()
    checked = validate_file(
        definition_file,
        build_catalog(plugins=settings.plugins),
        process_names(definition_file.parent),
        process_starts(definition_file.parent),
        reasons=process_reasons(definition_file.parent),
    )
    if not checked.ok or checked.definition is None:
        said = "\n".join(str(problem) for problem in checked.problems)
        raise RecordingError(f"{definition_file} is not valid:\n{said}")
    directory = settings.directory_file
    people = (
        {person.id for person in read_directory_file(directory).people}
        if directory is not None and directory.exists()
        else set()
    )
    loaded = [
        load_file(path, checked.definition, people) for path in scenario_files(definition_file)
    ]
    problems = [str(problem) for item in loaded for problem in item.problems]
    if problems:
        raise RecordingError("the scenarios have problems:\n" + "\n".join(problems))
    scenarios = [scenario for item in loaded for scenario in item.scenarios]
    return Rehearsable(checked.definition, checked.content_hash, scenarios)


def chosen(scenarios: list[Scenario], wanted: Sequence[Wanted]) -> dict[str, str]:
    """The stem to save each wanted scenario as, by the scenario's full name."""
    names: dict[str, str] = {}
    for want in wanted:
        matches = [s.name for s in scenarios if s.name.startswith(want.begins)]
        if len(matches) != 1:
            listed = "\n  ".join(s.name for s in scenarios)
            raise RecordingError(
                f"{len(matches)} scenarios begin with '{want.begins}' (for {want.stem}), one "
                f"should; the scenarios are:\n  {listed}"
            )
        names[matches[0]] = want.stem
    return names


async def record(definition_file: Path, wanted: Sequence[Wanted], into: Path) -> list[Path]:
    """Run the scenarios and write the runs of those wanted to ``into/<stem>.json``."""
    configure_logging(load_settings().log_format, "WARNING")
    checked = rehearsable(definition_file)
    stems = chosen(checked.scenarios, wanted)
    last = max(i for i, s in enumerate(checked.scenarios) if s.name in stems)
    directory = load_settings().directory_file
    written: list[Path] = []
    async with rehearsal(checked.definition, checked.content_hash, directory) as stage:
        for scenario in checked.scenarios[: last + 1]:
            outcome = await stage.run(scenario)
            if scenario.name not in stems:
                continue
            found = differences(scenario.expect, outcome)
            if found:
                raise RecordingError(f"'{scenario.name}' did not pass:\n  " + "\n  ".join(found))
            # The scenario running last is the one the stand-in still keeps, by its run's
            # workflow id, until the next scenario starts.
            (workflow_id,) = stand_ins.RUNS
            history = await stage.client.get_workflow_handle(workflow_id).fetch_history()
            document = {"workflow_id": workflow_id, **json.loads(history.to_json())}
            path = into / f"{stems[scenario.name]}.json"
            path.write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
            written.append(path)
    return written


def main(definition_file: Path, wanted: Sequence[Wanted], into: Path) -> None:
    into.mkdir(parents=True, exist_ok=True)
    try:
        written = asyncio.run(record(definition_file, wanted, into))
    except RecordingError as error:
        # What to fix, without a traceback; files already written stay for a look.
        print(f"error: {error}", file=sys.stderr)
        raise SystemExit(1) from None
    for path in written:
        print("recorded", path)

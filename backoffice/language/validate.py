"""``backoffice validate``: every problem of a definition file, each at its line and column."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from backoffice.catalog import Catalog
from backoffice.language import semantics, structure
from backoffice.language.error_types import fail_reasons
from backoffice.language.model import Definition
from backoffice.language.problems import Problem, Reporter
from backoffice.language.source import Position, SourceError, SourceMap, load
from backoffice.language.task_checks import Staffing

DEFINITION_SUFFIXES = (".yaml", ".yml")
MAX_FILE_BYTES = 1_000_000


@dataclass(frozen=True)
class Checked:
    """The outcome of validating one file: the definition if valid, and its problems."""

    file: str
    definition: Definition | None
    problems: list[Problem]
    content_hash: str
    # What is allowed but likely wrong (arithmetic on amounts): said, not refused.
    warnings: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.definition is not None and not self.problems


def validate_text(
    text: str,
    file: str = "<definition>",
    catalog: Catalog | None = None,
    known_processes: frozenset[str] | None = None,
    starts: Mapping[str, frozenset[str]] | None = None,
    people: Staffing | None = None,
    reasons: Mapping[str, tuple[frozenset[str], bool]] | None = None,
) -> Checked:
    """Validate definition text; never raises for any input.

    ``starts`` tells which processes the other definitions start (see
    :func:`process_starts`), so that processes starting each other are refused.
    ``people`` (the directory's groups and roles) lets four-eyes tasks that too few people
    can meet be warned of; ``reasons`` the reason codes the other processes' fail steps
    raise (see :func:`process_reasons`), so that a catch of one is known.
    """
    content_hash = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    try:
        data, source = load(text)
    except SourceError as error:
        problem = Problem(file, error.position.line, error.position.column, "", error.message)
        return Checked(file, None, [problem], content_hash)
    except RecursionError:
        problem = Problem(file, 1, 1, "", "the file nests too deeply to be a definition")
        return Checked(file, None, [problem], content_hash)
    reporter = Reporter(file, text, source)
    if data is None:
        reporter.at_position(
            Position(1, 1), "the file is empty: a definition starts with name, version, title"
        )
        return Checked(file, None, reporter.problems, content_hash)
    if not isinstance(data, dict):
        reporter.at_position(
            Position(1, 1), "a definition is a mapping that starts with name, version, title"
        )
        return Checked(file, None, reporter.problems, content_hash)
    try:
        definition = Definition.model_validate(data)
    except ValidationError as error:
        structure.report(error, data, reporter)
        return Checked(file, None, sorted(reporter.problems), content_hash)
    except RecursionError:
        reporter.at_position(Position(1, 1), "the definition nests too deeply")
        return Checked(file, None, reporter.problems, content_hash)
    semantics.check(definition, reporter, catalog, known_processes, starts, people, reasons)
    _name_matches_file(file, definition, reporter, source)
    return Checked(
        file, definition, sorted(reporter.problems), content_hash, sorted(reporter.warnings)
    )


def _name_matches_file(file: str, definition: Definition, reporter: Reporter, _: SourceMap) -> None:
    # invoice_approval.yaml holds invoice-approval: one name per process, found by its file.
    stem = Path(file).stem
    if file.startswith("<") or stem.replace("_", "-") == definition.name:
        return
    reporter.at(
        ("name",),
        f"the file {Path(file).name} holds process '{definition.name}': name the file "
        f"{definition.name.replace('-', '_')}.yaml, or the process '{stem.replace('_', '-')}'",
    )


def validate_file(
    path: Path,
    catalog: Catalog | None = None,
    known_processes: frozenset[str] | None = None,
    starts: Mapping[str, frozenset[str]] | None = None,
    people: Staffing | None = None,
    reasons: Mapping[str, tuple[frozenset[str], bool]] | None = None,
) -> Checked:
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise OSError(f"{size} bytes is too large for a definition (limit {MAX_FILE_BYTES})")
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as error:
        problem = Problem(str(path), 1, 1, "", f"not UTF-8 text ({error.reason}): save as UTF-8")
        return Checked(str(path), None, [problem], "")
    except OSError as error:
        problem = Problem(str(path), 1, 1, "", f"cannot read: {error.strerror or error}")
        return Checked(str(path), None, [problem], "")
    return validate_text(text, str(path), catalog, known_processes, starts, people, reasons)


def definition_files(paths: Iterable[Path]) -> list[Path]:
    """The YAML files named, and those inside named directories (sorted, recursive).

    A directory that goes away while it is searched gives the files found until then.
    """
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = [
                Path(folder) / name
                for folder, _, names in os.walk(path)  # errors skip the folder, not the search
                for name in names
                if Path(name).suffix in DEFINITION_SUFFIXES
                # A definition's rehearsal scenarios (x.scenarios/) are no definitions.
                and not Path(folder).name.endswith(".scenarios")
            ]
            files += sorted(found)
        else:
            files.append(path)
    return files


def process_names(directory: Path) -> frozenset[str]:
    """Names of the processes in ``directory`` by file name, for child-process checks.

    Only the folder itself, as the engine finds a child's definition (a definitions folder
    is flat): a file in a large tree is checked without reading the tree. A folder that is
    not there, or goes away while it is read, holds no process.
    """
    try:
        with os.scandir(directory) as entries:
            names = [entry.name for entry in entries]
    except OSError:
        return frozenset()
    return frozenset(
        Path(name).stem.replace("_", "-")
        for name in names
        if Path(name).suffix in DEFINITION_SUFFIXES
    )


def process_starts(directory: Path) -> dict[str, frozenset[str]]:
    """For each process in ``directory``, the processes it starts as children.

    Files that cannot be read as definitions are left out: their own validation says why.
    """
    return {name: semantics.children_of(found) for name, found in _definitions(directory).items()}


def process_reasons(directory: Path) -> dict[str, tuple[frozenset[str], bool]]:
    """For each process in ``directory``, the reason codes its fail steps raise, and whether
    one of them computes its code."""
    return {name: fail_reasons(found) for name, found in _definitions(directory).items()}


def _definitions(directory: Path) -> dict[str, Definition]:
    found: dict[str, Definition] = {}
    try:  # the folder itself, as process_names reads it; one that vanished holds nothing
        with os.scandir(directory) as entries:
            paths = sorted(Path(entry.path) for entry in entries)
    except OSError:
        return found
    for path in paths:
        if path.suffix not in DEFINITION_SUFFIXES:
            continue
        try:
            if path.stat().st_size > MAX_FILE_BYTES:
                continue
            data, _ = load(path.read_bytes().decode("utf-8"))
            definition = Definition.model_validate(data)
        except (OSError, UnicodeDecodeError, SourceError, ValidationError, RecursionError):
            continue
        found[definition.name] = definition
    return found

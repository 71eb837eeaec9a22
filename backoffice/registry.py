"""Where workflows and activities announce themselves to the worker.

A feature adds a module under ``workflows/``, ``activities/`` or ``bots/`` and decorates
its classes and functions; the worker discovers them by importing those packages, so
``backoffice/worker.py`` never changes when a feature lands (and never imports them).

The engine's own activities (the task table, event subscriptions, the smoke check) live
beside the engine code and register as internal: the worker runs them like any other, but
the catalog never shows them, so no definition may call one. A definition that could call
``tasks.close`` would decide another process's task around its checks.

An activity that was renamed keeps its old name registered as retired: runs in flight and
recorded histories still call it and get the answer they always got, but the catalog hides
it and validation tells a definition the new name to call.

Each activity and bot declares the error types it raises (``errors=[...]``), so that
validation can refuse a ``catch`` of a type nothing raises: a misspelt type would never
match, and the run would fail where its owner expected it handled.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar, overload

from temporalio import workflow as temporal_workflow

from backoffice.errors import BackofficeError

DEFAULT_QUEUE = "default"
DISCOVERED_PACKAGES = ("workflows", "activities", "bots")
# The engine's internal activities, imported by every discovery: they are not under
# ``activities/``, which holds only what definitions may call.
INTERNAL_MODULES = (
    "backoffice.tasks.activities",
    "backoffice.tasks.change_activities",
    "backoffice.tasks.notices",
    "backoffice.events.activities",
    "backoffice.smoke_check",
)

C = TypeVar("C", bound=type[Any])
F = TypeVar("F", bound=Callable[..., Any])


@dataclass
class Registry:
    """Workflows and activities keyed by logical task queue, then by name."""

    workflows: dict[str, dict[str, type[Any]]] = field(default_factory=dict)
    activities: dict[str, dict[str, Callable[..., Any]]] = field(default_factory=dict)
    bots: set[str] = field(default_factory=set)  # qualified names of activities that are bots
    # Activity names (as Temporal and definitions spell them) only the engine may call.
    internal: set[str] = field(default_factory=set)
    # Old activity names, still answered for runs that call them, -> the name to call now.
    retired: dict[str, str] = field(default_factory=dict)
    # Workflow modules imported once for the worker instead of once per run (see workflow()).
    passthrough: set[str] = field(default_factory=set)
    # Qualified names of activities -> the error types they declare they raise.
    errors: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def add_workflow(
        self, cls: type[Any], queue: str = DEFAULT_QUEUE, *, passthrough: bool = False
    ) -> None:
        # The workflow sandbox re-imports workflow modules for every run; its copies of the
        # classes must never replace the real ones the worker was built with.
        if temporal_workflow.unsafe.in_sandbox():
            return
        self.workflows.setdefault(queue, {})[f"{cls.__module__}.{cls.__qualname__}"] = cls
        if passthrough:
            self.passthrough.add(cls.__module__)

    def add_activity(
        self,
        fn: Callable[..., Any],
        queue: str = DEFAULT_QUEUE,
        *,
        bot: bool = False,
        internal: bool = False,
        renamed_to: str | None = None,
        errors: Iterable[str] = (),
    ) -> None:
        name = f"{fn.__module__}.{fn.__qualname__}"
        self.activities.setdefault(queue, {})[name] = fn
        # A registry built by hand (a test's) keeps what the decorator declared on fn.
        self.errors[name] = tuple(errors) or declared_errors(fn)
        if bot:
            self.bots.add(name)
        if internal:
            self.internal.add(activity_name(fn))
        if renamed_to is not None:
            self.retired[activity_name(fn)] = renamed_to

    def is_bot(self, fn: Callable[..., Any]) -> bool:
        return f"{fn.__module__}.{fn.__qualname__}" in self.bots

    def errors_of(self, fn: Callable[..., Any]) -> tuple[str, ...]:
        """The error types ``fn`` declares it raises (a bot's include every bot's)."""
        declared = self.errors.get(f"{fn.__module__}.{fn.__qualname__}", ())
        if self.is_bot(fn):
            return tuple(sorted(set(declared) | _BOT_ERRORS))
        return declared

    def is_internal(self, name: str) -> bool:
        """Whether the activity called ``name`` is the engine's own, which no definition calls."""
        return name in self.internal

    def is_retired(self, name: str) -> bool:
        """Whether ``name`` is an old activity name, answered for runs but not for definitions."""
        return name in self.retired

    def queues(self) -> list[str]:
        return sorted(set(self.workflows) | set(self.activities))

    def workflows_for(self, queue: str) -> list[type[Any]]:
        return list(self.workflows.get(queue, {}).values())

    def activities_for(self, queue: str) -> list[Callable[..., Any]]:
        return list(self.activities.get(queue, {}).values())


REGISTRY = Registry()
# Where the decorators keep an activity's declared error types on the function itself.
_ERRORS_ATTRIBUTE = "__backoffice_errors__"
# The error types every bot may raise, declared once by the bot runtime (see bot_errors).
_BOT_ERRORS: set[str] = set()


def declared_errors(fn: Callable[..., Any]) -> tuple[str, ...]:
    """The error types ``@registry.activity(errors=...)`` or ``@registry.bot`` declared."""
    found = getattr(fn, _ERRORS_ATTRIBUTE, ())
    return tuple(found) if isinstance(found, tuple) else ()


def declared_bot_errors() -> frozenset[str]:
    """The error types every bot may raise (see :func:`bot_errors`)."""
    return frozenset(_BOT_ERRORS)


def workflow(queue: str = DEFAULT_QUEUE, *, passthrough: bool = False) -> Callable[[C], C]:
    """Register a ``@workflow.defn`` class with the worker of ``queue``.

    ``passthrough`` imports the class's module once for the worker rather than once per run
    inside the sandbox. That halves the CPU a run costs, and gives up the sandbox's checks
    for that module: use it only for engine code whose determinism the replay tests guard.
    """

    def register(cls: C) -> C:
        REGISTRY.add_workflow(cls, queue, passthrough=passthrough)
        return cls

    return register


def _checked_errors(errors: Iterable[str], where: str) -> tuple[str, ...]:
    if isinstance(errors, str):
        raise TypeError(f"{where}: errors is a list of error types, as in errors=['{errors}']")
    found = tuple(errors)
    for error in found:
        if not isinstance(error, str) or not error:
            raise TypeError(
                f"{where}: every error type is a name, as in errors=['HttpClientError']"
            )
    return found


def _refuse_bare(value: object, decorator: str, example: str) -> None:
    # Without parentheses the decorator would get the function as its first argument and
    # return a decorator in its place: the activity would silently never register.
    if callable(value):
        raise TypeError(
            f"@registry.{decorator} needs its parentheses: write @registry.{example} above "
            "@activity.defn"
        )


@overload
def activity(queue: F, /) -> F: ...


@overload
def activity(queue: str = DEFAULT_QUEUE, *, errors: Iterable[str] = ()) -> Callable[[F], F]: ...


def activity(queue: str | F = DEFAULT_QUEUE, *, errors: Iterable[str] = ()) -> F | Callable[[F], F]:
    """Register an ``@activity.defn`` function with the worker of ``queue``.

    Both spellings work: ``@registry.activity`` and ``@registry.activity(errors=[...])``.
    ``errors`` names the error types (``ApplicationError(type=...)``) the activity raises,
    which definitions may catch; validation refuses a catch of any other.
    Put it above ``@activity.defn``, which gives the function the name definitions call.
    """
    if callable(queue):
        REGISTRY.add_activity(queue, DEFAULT_QUEUE)
        return queue
    if not isinstance(queue, str):
        raise TypeError(f"@registry.activity: the queue is a name, not {queue!r}")
    declared = _checked_errors(errors, "@registry.activity")

    def register(fn: F) -> F:
        setattr(fn, _ERRORS_ATTRIBUTE, declared)
        REGISTRY.add_activity(fn, queue, errors=declared)
        return fn

    return register


def internal_activity(queue: str = DEFAULT_QUEUE) -> Callable[[F], F]:
    """Register one of the engine's own ``@activity.defn`` functions: the worker runs it, the
    catalog never lists it, and a run refuses a step that names it.

    Put it above ``@activity.defn``, which gives the function the name this records.
    """
    _refuse_bare(queue, "internal_activity", "internal_activity()")

    def register(fn: F) -> F:
        REGISTRY.add_activity(fn, queue, internal=True)
        return fn

    return register


def retired_activity(renamed_to: str, queue: str = DEFAULT_QUEUE) -> Callable[[F], F]:
    """Register an activity under the name it had before it was renamed to ``renamed_to``.

    The worker runs it, so runs in flight and recorded histories that call the old name get
    the answer they always got, with the old field names; runs are never refused it. The
    catalog never lists it, and validation tells a definition to call ``renamed_to``.
    Put it above ``@activity.defn``, which gives the function the old name.
    """
    _refuse_bare(renamed_to, "retired_activity", "retired_activity(renamed_to='pack.new_name')")
    _refuse_bare(queue, "retired_activity", "retired_activity(renamed_to='pack.new_name')")

    def register(fn: F) -> F:
        REGISTRY.add_activity(fn, queue, renamed_to=renamed_to)
        return fn

    return register


def bot(system: str, *, errors: Iterable[str] = ()) -> Callable[[F], F]:
    """Register a bot (an ``@activity.defn`` driving a browser) on its legacy system's queue.

    ``errors`` names error types this bot raises beyond those every bot may raise (see
    :func:`bot_errors`).
    """
    _refuse_bare(system, "bot", "bot('<system>')")
    declared = _checked_errors(errors, "@registry.bot")

    def register(fn: F) -> F:
        setattr(fn, _ERRORS_ATTRIBUTE, declared)
        REGISTRY.add_activity(fn, system, bot=True, errors=declared)
        return fn

    return register


def bot_errors(*types: str) -> None:
    """Declare error types every bot may raise: the bot runtime's own (a paused system)."""
    _BOT_ERRORS.update(_checked_errors(types, "registry.bot_errors"))


def activity_name(fn: Callable[..., Any]) -> str:
    """The name Temporal (and a definition's ``call:``) knows an ``@activity.defn`` by."""
    definition = getattr(fn, "__temporal_activity_definition", None)
    name = getattr(definition, "name", None)
    if not isinstance(name, str):
        raise TypeError(f"{fn.__qualname__} is not an @activity.defn function")
    return name


# Process-wide resources (a browser pool) outlive any one set of workers, so their hooks
# are kept here rather than on a Registry: the runtime runs them once its workers stop.
_SHUTDOWN_HOOKS: list[Callable[[], Awaitable[None]]] = []


def at_worker_shutdown(hook: Callable[[], Awaitable[None]]) -> None:
    """Run ``hook`` when the worker stops, after activities in flight have finished.

    A framework that opens something for its activities (the bots' browsers) registers
    the close when it is imported, so the engine's runtime needs no import of it.
    """
    if hook not in _SHUTDOWN_HOOKS:
        _SHUTDOWN_HOOKS.append(hook)


async def run_shutdown_hooks() -> None:
    """Run every shutdown hook, in the order registered."""
    for hook in _SHUTDOWN_HOOKS:
        await hook()


class PluginError(BackofficeError):
    """A plugin module named in the settings cannot be imported."""


def discover(
    packages: Iterable[str] = DISCOVERED_PACKAGES, plugins: Iterable[str] = ()
) -> Registry:
    """Import the engine's internal activities, every module of the feature packages, and the
    plugins, so their decorators run."""
    for module_name in INTERNAL_MODULES:
        importlib.import_module(module_name)
    for package_name in packages:
        package = importlib.import_module(package_name)
        for module in pkgutil.walk_packages(package.__path__, prefix=f"{package_name}."):
            importlib.import_module(module.name)
    for plugin in plugins:
        try:
            importlib.import_module(plugin)
        except ImportError as error:
            raise PluginError(
                f"plugin '{plugin}' (BACKOFFICE_PLUGINS) cannot be imported: {error}"
            ) from error
    return REGISTRY

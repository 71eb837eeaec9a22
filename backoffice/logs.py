"""Logging configured in one place: structlog in front, stdlib and temporalio behind it.

Every line, whether written through structlog, the stdlib or temporalio's workflow and
activity loggers, goes through the same processors and renderer: human-readable on a
terminal, JSON lines otherwise. Temporal context (workflow id, run id, activity type,
attempt) is lifted from temporalio's ``extra`` dicts into top-level keys.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import MutableMapping
from pathlib import Path
from typing import Any, TextIO

import structlog
from temporalio import activity, workflow

from backoffice.settings import LogFormat, LogLevel

# Keys temporalio puts in its extra dicts that are worth a column of their own.
_WORKFLOW_KEYS = ("workflow_type", "workflow_id", "run_id", "attempt", "task_queue")
_ACTIVITY_KEYS = (
    "workflow_type",
    "workflow_id",
    "workflow_run_id",
    "activity_type",
    "activity_id",
    "attempt",
    "task_queue",
)

# Secrets are masked by key name wherever they are logged; bots and activities bind
# such keys by accident more often than one would think.
SECRET_KEY_PARTS = ("password", "secret", "token", "api_key", "apikey", "authorization")


def lift_temporal_context(
    _logger: Any, _method: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """Move temporalio's ``temporal_workflow`` / ``temporal_activity`` extras to the top."""
    record = event_dict.get("_record")
    if record is None:
        return event_dict
    for attr, keys in (
        ("temporal_activity", _ACTIVITY_KEYS),
        ("temporal_workflow", _WORKFLOW_KEYS),
    ):
        details = getattr(record, attr, None)
        if isinstance(details, dict):
            for key in keys:
                if key in details:
                    name = "run_id" if key == "workflow_run_id" else key
                    event_dict.setdefault(name, details[key])
    return event_dict


def mask_secrets(
    _logger: Any, _method: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """Replace the value of any key that looks like a secret."""
    for key in list(event_dict):
        lowered = key.lower()
        if any(part in lowered for part in SECRET_KEY_PARTS):
            event_dict[key] = "***"
    return event_dict


def _renderer(log_format: LogFormat, stream: TextIO) -> Any:
    use_console = log_format == "console" or (log_format == "auto" and stream.isatty())
    if use_console:
        return structlog.dev.ConsoleRenderer(colors=stream.isatty())
    return structlog.processors.JSONRenderer()


def configure_logging(
    log_format: LogFormat = "auto", level: LogLevel = "INFO", stream: TextIO | None = None
) -> None:
    """Route structlog, stdlib logging and temporalio's loggers to one renderer."""
    out = stream if stream is not None else sys.stderr
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        lift_temporal_context,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        mask_secrets,
        structlog.processors.StackInfoRenderer(),
    ]
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *shared,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            _renderer(log_format, out),
        ],
    )
    handler = logging.StreamHandler(out)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    for existing in list(root.handlers):
        root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel(level)
    # Context travels as structured keys, so temporalio must not also append it to messages.
    activity.logger.activity_info_on_message = False
    workflow.logger.workflow_info_on_message = False
    # Third-party chatter that drowns the engine's own lines at INFO.
    for noisy in ("httpx", "httpcore", "asyncio"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLevelName(level)))


class _ToTerminal(logging.Handler):
    """Hands a record to the root logger's handlers (the terminal) and nowhere else."""

    def emit(self, record: logging.LogRecord) -> None:
        logging.getLogger().handle(record)


def divert_to_file(logger_name: str, log_file: Path) -> logging.Handler:
    """Write a chatty library's logger to its own file, at INFO; only its warnings and
    errors still reach the terminal, once each. Undo with :func:`end_diversion`."""
    log_file.parent.mkdir(parents=True, exist_ok=True)
    to_file = logging.FileHandler(log_file, encoding="utf-8")
    to_file.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    to_terminal = _ToTerminal(level=logging.WARNING)
    logger = logging.getLogger(logger_name)
    logger.addHandler(to_file)
    logger.addHandler(to_terminal)
    logger.setLevel(logging.INFO)
    # Not propagated: the root's handlers get what _ToTerminal passes them, so a warning
    # shows once in the terminal, not twice.
    logger.propagate = False
    return to_file


def end_diversion(logger_name: str, to_file: logging.Handler) -> None:
    """Give the logger back to the root's handlers and close its file."""
    logger = logging.getLogger(logger_name)
    for handler in list(logger.handlers):
        if handler is to_file or isinstance(handler, _ToTerminal):
            logger.removeHandler(handler)
    logger.propagate = True
    logger.setLevel(logging.NOTSET)
    to_file.close()


def get_logger(name: str | None = None) -> structlog.stdlib.BoundLogger:
    """A structlog logger; use it everywhere outside workflow code."""
    logger: structlog.stdlib.BoundLogger = structlog.stdlib.get_logger(name)
    return logger

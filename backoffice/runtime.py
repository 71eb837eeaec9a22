"""The settings of this worker process, for activities and bots that need them.

The worker sets them once at start; an activity used outside a worker (a test, a script)
reads them from the environment on first use.
"""

from __future__ import annotations

from backoffice.settings import Settings, load_settings

_settings: Settings | None = None


def use(settings: Settings) -> None:
    global _settings
    _settings = settings


def settings() -> Settings:
    global _settings
    if _settings is None:
        _settings = load_settings()
    return _settings

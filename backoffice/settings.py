"""The one settings object: read once from the environment and an optional file.

Every knob of the engine lives here. Nothing else in the code base reads ``os.environ``:
the Temporal connection is resolved through temporalio's envconfig from the same snapshot
of the environment, so the worker runs unchanged against the dev server, a self-hosted
cluster or Temporal Cloud.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
import tomllib
from collections.abc import Mapping
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from sqlalchemy import make_url
from sqlalchemy.exc import ArgumentError
from temporalio.envconfig import ClientConfigProfile, ClientConnectConfig

from backoffice.errors import BackofficeError

ENV_PREFIX = "BACKOFFICE_"
CONFIG_FILE_ENV = "BACKOFFICE_CONFIG_FILE"
SECRET_ENV_PREFIX = "BACKOFFICE_SECRET_"  # noqa: S105 - a name prefix, not a secret
DEFAULT_CONFIG_FILE = "backoffice.toml"
DEFAULT_TEMPORAL_ADDRESS = "localhost:7233"

LogFormat = Literal["auto", "console", "json"]
LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR"]


class SettingsError(BackofficeError):
    """A setting has a bad value; the message names the variable and what to do."""


class SystemSettings(BaseModel):
    """A legacy system the bots drive: where it is, whose login, how many at once."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    url: str = Field(pattern=r"^https?://", description="Base URL of the system's web UI.")
    credential: str = Field(
        pattern=r"^[a-z][a-z0-9_.-]*$", description="Name of the secret with its login."
    )
    concurrency: int = Field(
        default=1, ge=1, le=64, description="Bots at once: the accounts or licences it has."
    )
    reuse_session: bool = Field(
        default=True, description="Keep a logged-in session for the next bot run."
    )
    retry_hours: float = Field(
        default=12,
        gt=0,
        le=720,
        description="How long a bot step keeps retrying while the system fails or is paused, "
        "counted from the step's first attempt: an outage shorter than this loses no run.",
    )
    pause_after: int = Field(
        default=5,
        ge=1,
        le=1000,
        description="Failed attempts in a row, over all runs and workers, after which the "
        "system is paused for everyone until it answers again.",
    )
    probe_seconds: float = Field(
        default=30,
        ge=1,
        le=3600,
        description="While paused, how often one waiting bot asks the system whether it "
        "answers again.",
    )


class EventRoute(BaseModel):
    """Where a sender's event type goes: the event runs wait for, and what it is about."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    event: str = Field(
        pattern=r"^[a-z][a-z0-9_]*$", description="The event runs wait for (wait: {event: ...})."
    )
    key: str = Field(
        min_length=1,
        description="The field of the sender's data that says what the event is about; "
        "runs waiting with that key (wait: {key: ...}) receive it.",
    )


class EventSource(BaseModel):
    """A system that pushes business events to the receiver (signed webhooks)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    credential: str = Field(
        pattern=r"^[a-z][a-z0-9_.-]*$",
        description="Name of the secret whose field 'secret' signs the system's webhooks.",
    )
    events: dict[str, EventRoute] = Field(
        description="The system's event types the engine listens to; others are acknowledged "
        "and dropped."
    )


def _sandbox_event_sources() -> dict[str, EventSource]:
    # The sandbox ERP posts goods receipts; invoices waiting for one re-read their order.
    route = EventRoute(event="goods_received", key="po_number")
    # The screening vendor posts a background check's result under the onboarding id.
    check = EventRoute(event="background_check_completed", key="reference")
    return {
        "erp": EventSource(credential="erp-webhook", events={"goods_receipt.posted": route}),
        "screening": EventSource(credential="screening-webhook", events={"check.completed": check}),
    }


def _sandbox_systems() -> dict[str, SystemSettings]:
    # The sandbox legacy systems `backoffice dev` runs; a deployment names its own.
    return {
        "erp": SystemSettings(url="http://127.0.0.1:8301", credential="erp-bot", concurrency=2),
        "hr": SystemSettings(url="http://127.0.0.1:8302", credential="hr-bot"),
        "treasury": SystemSettings(url="http://127.0.0.1:8303", credential="treasury-bot"),
        # The sandbox systems with an API (sandbox/): the activities call them with a token.
        "idp": SystemSettings(url="http://127.0.0.1:8304", credential="idp-scim"),
        "hris": SystemSettings(url="http://127.0.0.1:8305", credential="hris-api"),
        "assets": SystemSettings(url="http://127.0.0.1:8306", credential="assets-api"),
        "screening": SystemSettings(url="http://127.0.0.1:8307", credential="screening-api"),
    }


class Settings(BaseModel):
    """Validated engine configuration.

    Each field can be set in ``backoffice.toml`` (or the file named by
    ``BACKOFFICE_CONFIG_FILE``) or by the environment variable ``BACKOFFICE_<FIELD>``,
    which wins over the file.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    state_dir: Path = Field(
        default=Path(".backoffice"),
        description="Where the embedded stack keeps its data: Temporal's SQLite, records, logs.",
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL of the records database; default a SQLite file in state_dir.",
    )
    artifacts_dir: Path | None = Field(
        default=None,
        description="Where bots write evidence (screenshots, traces); default state_dir/artifacts.",
    )
    browser_executable: Path | None = Field(
        default=None,
        description="Chromium to drive; default Playwright's own build, else chromium on PATH.",
    )
    browser_headless: bool = True
    definitions_dir: Path = Field(
        default=Path("definitions"), description="Where the process definitions (YAML) are."
    )
    plugins: tuple[str, ...] = Field(
        default=(),
        description="More modules whose activities, bots and workflows the worker registers "
        "(comma-separated in BACKOFFICE_PLUGINS).",
    )
    task_queue: str = Field(default="backoffice", min_length=1, pattern=r"^[A-Za-z0-9._-]+$")
    log_format: LogFormat = "auto"
    log_level: LogLevel = "INFO"
    metrics_port: int | None = Field(default=None, ge=1, le=65535)
    shutdown_grace_seconds: float = Field(default=30.0, ge=0, le=3600)
    directory_file: Path | None = Field(
        default=Path("directory/people.yaml"),
        description="People directory loaded into the records database at worker start; "
        "empty when a real directory is plugged in instead.",
    )
    smtp_url: str | None = Field(
        default=None,
        pattern=r"^smtp://[^/:]+(:\d+)?/?$",
        description="Where task notifications are sent, e.g. smtp://mail.acme.example:25; "
        "backoffice dev points it at its local mail sink.",
    )
    mail_from: str = Field(default="backoffice@localhost", pattern=r"^[^@\s]+@[^@\s]+$")
    secrets_file: Path | None = Field(
        default=None,
        description="TOML file of named secrets; default state_dir/secrets.toml. Secrets can "
        "also come from BACKOFFICE_SECRET_<NAME>_<FIELD> variables.",
    )
    systems: dict[str, SystemSettings] = Field(
        default_factory=_sandbox_systems,
        description="Legacy systems by name ([backoffice.systems.NAME] tables, or JSON in "
        "BACKOFFICE_SYSTEMS); each gets its own task queue and concurrency.",
    )
    bot_browser_recycle: int = Field(
        default=200, ge=1, description="Bot runs per browser before it is replaced (memory)."
    )
    bot_action_timeout_seconds: float = Field(
        default=15, gt=0, le=600, description="How long a bot waits for a field or a button."
    )
    bot_navigation_timeout_seconds: float = Field(
        default=30,
        gt=0,
        le=600,
        description="How long a bot waits for a page; a submit unanswered this long is looked "
        "up again, and is ambiguous if no record is found.",
    )
    bot_traces: bool = Field(
        default=True, description="Record a Playwright trace of each bot run, kept on failure."
    )
    bot_trace_snapshots: bool = Field(
        default=False,
        description="Add a DOM snapshot of every action to the traces (for debugging a bot: "
        "they cost about a sixth of a bot's time); the page's HTML and a screenshot at the "
        "failure are kept either way.",
    )
    task_sweep_seconds: float = Field(
        default=300,
        ge=0,
        description="How often the worker closes the open tasks of processes that ended "
        "without closing them (terminated, timed out); 0 turns it off.",
    )
    inbox_auth: Literal["password", "header"] = Field(
        default="password",
        description="How people sign in to the inbox: 'password' (hashes in the directory) or "
        "'header' (single sign-on: a proxy in front sets the user header).",
    )
    inbox_user_header: str = Field(
        default="X-Forwarded-User",
        pattern=r"^[A-Za-z0-9-]+$",
        description="The header that carries the signed-in user in 'header' mode.",
    )
    inbox_trusted_proxies: tuple[str, ...] = Field(
        default=(),
        description="Addresses of the sign-on proxy whose user header is believed "
        "(comma-separated; none by default); in 'header' mode a request from anywhere else, "
        "or without the proxy's shared secret (secret inbox-proxy), is refused.",
    )
    inbox_tls_certificate: Path | None = Field(
        default=None,
        description="PEM certificate (with its chain) the inbox serves HTTPS with; "
        "with inbox_tls_key.",
    )
    inbox_tls_key: Path | None = Field(
        default=None, description="The private key of inbox_tls_certificate (PEM)."
    )
    inbox_client_ca: Path | None = Field(
        default=None,
        description="PEM CA certificates: with it, every connection to the inbox must show "
        "a client certificate one of them signed (mutual TLS); needs inbox_tls_certificate.",
    )
    inbox_proxy_certificate: str | None = Field(
        default=None,
        min_length=1,
        description="The common name (CN) of the sign-on proxy's client certificate: in "
        "'header' mode, the user header is believed from a connection showing it (signed by "
        "inbox_client_ca), without the shared secret.",
    )
    inbox_secret_key: str | None = Field(
        default=None,
        min_length=32,
        description="Key that signs inbox sessions; default a random key kept in "
        "state_dir/inbox.key. Set the same key on every inbox behind one address.",
    )
    inbox_session_hours: float = Field(default=8.0, gt=0, le=720)
    upload_max_bytes: int = Field(
        default=10 * 1024 * 1024,
        gt=0,
        description="The largest file a form's file field takes (default 10 MiB); uploads "
        "are kept under the artifacts directory.",
    )
    secrets_backend: str | None = Field(
        default=None,
        pattern=r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$",
        description="module:factory of another secret store (a vault); default: the "
        "environment and the secrets file.",
    )
    temporal_ui_url: str = Field(
        default="http://localhost:8233",
        pattern=r"^https?://",
        description="Base URL of the Temporal Web UI, used to print links to runs.",
    )
    inbox_url: str = Field(
        default="http://localhost:8280",
        pattern=r"^https?://",
        description="Base URL of the approvals inbox, used in the links mails and the CLI give.",
    )
    temporal_profile: str | None = Field(
        default=None, description="Profile in Temporal's client config file (TEMPORAL_PROFILE)."
    )
    payload_encryption: bool = Field(
        default=True,
        description="Encrypt every payload (inputs, results, signals, summaries, failures) "
        "with the keys of secret payload-keys before it reaches Temporal; backoffice dev makes "
        "a dev key, anywhere else the keys must be configured.",
    )
    codec_roles: tuple[str, ...] = Field(
        default=("operator", "auditor"),
        description="Directory roles whose inbox session may decode payloads through the "
        "codec endpoint (/codec) the Temporal Web UI calls (comma-separated).",
    )

    event_receiver_port: int = Field(
        default=8290,
        ge=1,
        le=65535,
        description="Port of the receiver of business events that systems push as signed "
        "webhooks (POST /events/SOURCE); backoffice dev serves it on 127.0.0.1.",
    )
    event_sources: dict[str, EventSource] = Field(
        default_factory=_sandbox_event_sources,
        description="Systems that push events, by name ([backoffice.event_sources.NAME] "
        "tables, or JSON in BACKOFFICE_EVENT_SOURCES).",
    )
    event_signature_tolerance_seconds: float = Field(
        default=300,
        gt=0,
        le=3600,
        description="How far a webhook's signed timestamp may be from now: an older "
        "delivery replayed by someone else is refused.",
    )

    # The raw environment snapshot the Temporal connection is resolved from; not a setting.
    environ: Mapping[str, str] = Field(default_factory=dict, exclude=True, repr=False)

    @model_validator(mode="after")
    def _tls_complete(self) -> Settings:
        if (self.inbox_tls_certificate is None) != (self.inbox_tls_key is None):
            raise ValueError(
                "BACKOFFICE_INBOX_TLS_CERTIFICATE and BACKOFFICE_INBOX_TLS_KEY go together: "
                "set both, or neither"
            )
        if self.inbox_client_ca is not None and self.inbox_tls_certificate is None:
            raise ValueError(
                "BACKOFFICE_INBOX_CLIENT_CA needs BACKOFFICE_INBOX_TLS_CERTIFICATE and "
                "BACKOFFICE_INBOX_TLS_KEY: client certificates are shown over TLS"
            )
        if self.inbox_proxy_certificate is not None and self.inbox_client_ca is None:
            raise ValueError(
                "BACKOFFICE_INBOX_PROXY_CERTIFICATE needs BACKOFFICE_INBOX_CLIENT_CA: the CA "
                "that signs the sign-on proxy's client certificate"
            )
        return self

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_level(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value

    @field_validator("plugins", "inbox_trusted_proxies", "codec_roles", mode="before")
    @classmethod
    def _split_plugins(cls, value: Any) -> Any:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @field_validator("systems", mode="before")
    @classmethod
    def _systems_json(cls, value: Any) -> Any:
        if isinstance(value, str):
            try:
                return json.loads(value)
            except json.JSONDecodeError as error:
                raise ValueError(f"write the systems as JSON: {error}") from None
        return value

    @field_validator("event_sources", mode="before")
    @classmethod
    def _event_sources_json(cls, value: Any) -> Any:
        if isinstance(value, str):
            try:
                return json.loads(value)
            except json.JSONDecodeError as error:
                raise ValueError(f"write the event sources as JSON: {error}") from None
        return value

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str | None) -> str | None:
        return None if value is None else normalised_database_url(value)

    @property
    def resolved_database_url(self) -> str:
        if self.database_url is not None:
            return self.database_url
        return f"sqlite:///{(self.state_dir / 'backoffice.db').resolve()}"

    @property
    def resolved_artifacts_dir(self) -> Path:
        return (
            self.artifacts_dir if self.artifacts_dir is not None else self.state_dir / "artifacts"
        )

    @property
    def resolved_secrets_file(self) -> Path:
        return (
            self.secrets_file if self.secrets_file is not None else self.state_dir / "secrets.toml"
        )

    @property
    def resolved_browser_executable(self) -> Path | None:
        """The Chromium binary to launch, or None to let Playwright use its own build."""
        if self.browser_executable is not None:
            return self.browser_executable
        if _playwright_chromium_installed(self.environ):
            return None
        for name in ("chromium", "chromium-browser", "google-chrome"):
            found = shutil.which(name, path=self.environ.get("PATH"))
            if found:
                return Path(found)
        return None

    @cached_property
    def temporal(self) -> ClientConnectConfig:
        """Arguments for ``Client.connect`` from TEMPORAL_* variables and the TOML profile."""
        return load_temporal_connection(self.environ, self.temporal_profile)


POSTGRES_FORM = "postgresql+psycopg://USER:PASSWORD@HOST/DB"
# What libpq and hosting services write; both mean PostgreSQL through psycopg here.
_POSTGRES_SCHEMES = ("postgres", "postgresql")


def normalised_database_url(url: str) -> str:
    """The URL as SQLAlchemy opens it; ValueError naming the right form when it cannot be."""
    scheme, separator, rest = url.partition("://")
    if not separator or scheme.split("+", 1)[0] not in {"sqlite", *_POSTGRES_SCHEMES}:
        raise ValueError(f"use a sqlite:///PATH or {POSTGRES_FORM} URL")
    if scheme in _POSTGRES_SCHEMES:
        url = f"postgresql+psycopg://{rest}"
    elif scheme.startswith(_POSTGRES_SCHEMES) and scheme != "postgresql+psycopg":
        raise ValueError(f"PostgreSQL is reached through psycopg here: write {POSTGRES_FORM}")
    try:
        make_url(url)
    except ArgumentError as error:
        raise ValueError(f"not a database URL ({error}): write {POSTGRES_FORM}") from None
    return url


def masked_url(url: str) -> str:
    """A database URL fit to print or log: its password as ***."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:  # not a URL at all: mask whatever stands where a password would
        return re.sub(r"(://[^/@]*?:)[^/@]*@", r"\1***@", url)


def _playwright_chromium_installed(environ: Mapping[str, str]) -> bool:
    root = environ.get("PLAYWRIGHT_BROWSERS_PATH") or str(Path.home() / ".cache/ms-playwright")
    return any(Path(root).glob("chromium-*/chrome-linux*/chrome"))


def load_temporal_connection(
    environ: Mapping[str, str], profile: str | None = None
) -> ClientConnectConfig:
    """Resolve the Temporal connection exactly as the Temporal CLI would."""
    try:
        loaded = ClientConfigProfile.load(profile=profile, override_env_vars=environ)
        config = loaded.to_client_connect_config()
    except Exception as error:  # envconfig raises plain errors for bad TOML, files, profiles
        raise SettingsError(
            f"Temporal connection settings are invalid: {error}. Check the TEMPORAL_* "
            "variables and the profile file (TEMPORAL_CONFIG_FILE)."
        ) from error
    config.setdefault("target_host", DEFAULT_TEMPORAL_ADDRESS)
    config.setdefault("namespace", "default")
    return config


def _read_file(environ: Mapping[str, str]) -> tuple[dict[str, Any], str | None]:
    named = environ.get(CONFIG_FILE_ENV)
    path = Path(named) if named else Path(DEFAULT_CONFIG_FILE)
    if not path.exists():
        if named:
            raise SettingsError(
                f"{CONFIG_FILE_ENV}={named}: no such file. Fix the path or unset it."
            )
        return {}, None
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise SettingsError(f"{path}: cannot read settings file: {error}") from error
    section = data.get("backoffice", data)
    if not isinstance(section, dict):
        raise SettingsError(f"{path}: [backoffice] must be a table of settings")
    return section, str(path)


def _from_environment(environ: Mapping[str, str]) -> dict[str, Any]:
    known = set(Settings.model_fields) - {"environ"}
    values: dict[str, Any] = {}
    for key, value in environ.items():
        if not key.startswith(ENV_PREFIX) or key == CONFIG_FILE_ENV:
            continue
        if key.startswith(SECRET_ENV_PREFIX):
            continue  # named secrets, read by backoffice.secrets, never part of the settings
        field = key[len(ENV_PREFIX) :].lower()
        if field not in known:
            raise SettingsError(
                f"{key}: unknown setting. Known: "
                + ", ".join(ENV_PREFIX + name.upper() for name in sorted(known))
            )
        # An empty variable means "not set", which is how shells unset in .env files.
        if value != "":
            values[field] = value
    if "TEMPORAL_PROFILE" in environ and "temporal_profile" not in values:
        values["temporal_profile"] = environ["TEMPORAL_PROFILE"]
    return values


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Read and validate the settings once; raise SettingsError with a usable message."""
    env = dict(os.environ if environ is None else environ)
    from_file, file_name = _read_file(env)
    merged = {**from_file, **_from_environment(env), "environ": env}
    try:
        settings = Settings.model_validate(merged)
    except ValidationError as error:
        raise SettingsError(_describe(error, file_name)) from None
    # Resolve the Temporal connection now, so a bad value fails at start, not at first use.
    _ = settings.temporal
    return settings


def _describe(error: ValidationError, file_name: str | None) -> str:
    lines = ["invalid settings:"]
    for problem in error.errors():
        if not problem["loc"]:
            # A check of several settings together: its message names them (never show
            # its input, which is every setting and the environment).
            lines.append(f"  {problem['msg'].removeprefix('Value error, ')}")
            continue
        field = ".".join(str(part) for part in problem["loc"])
        where = f"{ENV_PREFIX}{field.upper()}"
        if file_name:
            where += f" (or '{field}' in {file_name})"
        shown = problem.get("input")
        if field == "database_url" and isinstance(shown, str):
            shown = masked_url(shown)
        lines.append(f"  {where} = {shown!r}: {problem['msg'].removeprefix('Value error, ')}")
    return "\n".join(lines)


def interpreter_bin_dir() -> Path:
    """The directory of this interpreter's scripts, where pip puts temporal and friends."""
    return Path(sys.executable).parent

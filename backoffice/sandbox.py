"""The sandbox systems of the embedded default, run by ``backoffice dev``.

Each system (``legacy/``: ERP, HR intranet, treasury portal; ``sandbox/``: the identity
provider, HRIS, asset register and screening vendor with their APIs) runs as its own
process on its own port with its own SQLite file in the state directory, as separate
systems do.
Its bot account gets a random password the first time, kept in the secrets file (never
on a command line, where other users could read it), so the bots log in with it like
with any other credential; an API system gets a random bearer token the same way (field
``token``), handed to its process in the environment. A system that pushes business
events (the ERP's goods receipts) is subscribed to the event receiver with a signing
secret made the same way.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import subprocess
import sys
import time
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from backoffice.devstack import DevStackError, die_with_parent, ensure_port_free
from backoffice.secrets import SecretNotFound, field_of, secret_store
from backoffice.settings import Settings

STARTUP_TIMEOUT_SECONDS = 30.0
STOP_TIMEOUT_SECONDS = 10.0
# Someone who wants to look at a sandbox system in a browser signs in with this account.
DEMO_USER, DEMO_PASSWORD = "demo", "legacy-demo"


def bot_user(system: str) -> str:
    return f"bot-{system}"


def ensure_credential(secrets_file: Path, name: str, username: str) -> str:
    """The password of secret ``name``, created (random) and written if it is missing."""
    existing: dict[str, object] = {}
    if secrets_file.exists():
        existing = tomllib.loads(secrets_file.read_text(encoding="utf-8"))
    table = existing.get(name)
    if isinstance(table, dict) and isinstance(table.get("password"), str):
        return str(table["password"])
    password = secrets.token_urlsafe(18)
    secrets_file.parent.mkdir(parents=True, exist_ok=True)
    secrets_file.touch(mode=0o600)
    with secrets_file.open("a", encoding="utf-8") as out:
        out.write(f'\n[{name}]\nusername = "{username}"\npassword = "{password}"\n')
    return password


def ensure_token(settings: Settings, name: str) -> str:
    """The ``token`` field of secret ``name``, created (random) in the secrets file if missing."""
    return _ensure_random_field(
        settings, name, "token", "(the bearer token of a sandbox API system)", nbytes=24
    )


def ensure_signing_secret(settings: Settings, name: str) -> str:
    """The ``secret`` field of secret ``name``, created (random) in the secrets file if missing."""
    return _ensure_random_field(settings, name, "secret", "for signing webhooks", nbytes=32)


def _ensure_random_field(
    settings: Settings, name: str, field: str, purpose: str, *, nbytes: int
) -> str:
    # A configured secret store is the operator's: a missing secret there is theirs to add.
    try:
        return field_of(secret_store(settings), name, field)
    except SecretNotFound:
        if settings.secrets_backend is not None:
            raise DevStackError(
                f"the secret store has no secret '{name}' with a field '{field}' {purpose}: add one"
            ) from None
    secrets_file = settings.resolved_secrets_file
    if secrets_file.exists() and name in tomllib.loads(secrets_file.read_text(encoding="utf-8")):
        raise DevStackError(f"[{name}] in {secrets_file} needs a field '{field}' (16+ characters)")
    value = secrets.token_urlsafe(nbytes)
    secrets_file.parent.mkdir(parents=True, exist_ok=True)
    secrets_file.touch(mode=0o600)
    with secrets_file.open("a", encoding="utf-8") as out:
        out.write(f'\n[{name}]\n{field} = "{value}"\n')
    return value


def _loopback_port(settings: Settings, name: str) -> int | None:
    """The port of system ``name`` when it is served on 127.0.0.1 (a sandbox), else None."""
    system = settings.systems.get(name)
    if system is None or not system.url.startswith("http://127.0.0.1:"):
        return None
    return int(system.url.rsplit(":", 1)[1].split("/")[0])


@dataclass
class SandboxSystems:
    settings: Settings
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    # API systems whose module is not there, with the reason: dev runs without them.
    missing: dict[str, str] = field(default_factory=dict)

    @property
    def data_dir(self) -> Path:
        return self.settings.state_dir.resolve() / "legacy"

    @property
    def api_data_dir(self) -> Path:
        return self.settings.state_dir.resolve() / "sandbox"

    def _local_ports(self, names: Iterable[str]) -> dict[str, int]:
        found: dict[str, int] = {}
        for name in names:
            system = self.settings.systems.get(name)
            if system is not None and system.url.startswith("http://127.0.0.1:"):
                found[name] = int(system.url.rsplit(":", 1)[1].split("/")[0])
        return found

    def legacy_ports(self) -> dict[str, int]:
        from legacy import SYSTEMS

        return self._local_ports(SYSTEMS)

    def api_ports(self) -> dict[str, int]:
        from sandbox import SYSTEMS

        return self._local_ports(name for name in SYSTEMS if name not in self.missing)

    def ports(self) -> dict[str, int]:
        """Every sandbox system dev runs, legacy and API, by name."""
        return {**self.legacy_ports(), **self.api_ports()}

    def start(self) -> None:
        from legacy import seed
        from sandbox import TOKEN_ENV_PREFIX, SandboxMissing, app_factory

        for name in self.api_ports():
            try:
                app_factory(name)
            except SandboxMissing as error:
                self.missing[name] = str(error)
        for name, port in self.ports().items():
            ensure_port_free(port, f"sandbox {name}", f"[backoffice.systems.{name}] url")
        logs = self.settings.state_dir.resolve() / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        for name, port in self.api_ports().items():
            token = ensure_token(self.settings, self.settings.systems[name].credential)
            self.api_data_dir.mkdir(parents=True, exist_ok=True)
            # The child inherits this environment, as the legacy systems do, plus its token.
            environ = {**os.environ, f"{TOKEN_ENV_PREFIX}BACKOFFICE": token}
            with (logs / f"sandbox-{name}.log").open("ab") as log:
                self.processes[name] = subprocess.Popen(
                    [sys.executable, "-m", "sandbox", name, "--port", str(port), "--data",
                     str(self.api_data_dir)],
                    stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, env=environ,
                    start_new_session=True, preexec_fn=die_with_parent,
                )  # fmt: skip
        for name, port in self.legacy_ports().items():
            credential = self.settings.systems[name].credential
            password = ensure_credential(
                self.settings.resolved_secrets_file, credential, bot_user(name)
            )
            seed(name, self.data_dir, users={bot_user(name): password, DEMO_USER: DEMO_PASSWORD})
            with (logs / f"legacy-{name}.log").open("ab") as log:
                self.processes[name] = subprocess.Popen(
                    [sys.executable, "-m", "legacy", name, "--port", str(port), "--data",
                     str(self.data_dir)],
                    stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                    start_new_session=True, preexec_fn=die_with_parent,
                )  # fmt: skip

    async def wait_ready(self) -> None:
        deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
        legacy = self.legacy_ports()
        async with httpx.AsyncClient(timeout=2) as client:
            for name, port in self.ports().items():
                # A legacy system is ready when its login page shows, an API one when its
                # admin surface answers (its API wants a token; every API system has
                # /__admin/faults, which no injected outage touches).
                probe, log = (
                    ("/login", f"legacy-{name}.log")
                    if name in legacy
                    else ("/__admin/faults", f"sandbox-{name}.log")
                )
                while True:
                    process = self.processes[name]
                    if process.poll() is not None:
                        raise DevStackError(
                            f"the sandbox {name} exited ({process.returncode}): see "
                            f"{self.settings.state_dir / 'logs' / log}"
                        )
                    try:
                        if (await client.get(f"http://127.0.0.1:{port}{probe}")).status_code == 200:
                            break
                    except httpx.HTTPError:
                        pass
                    if time.monotonic() > deadline:
                        raise DevStackError(f"the sandbox {name} did not start on port {port}")
                    await asyncio.sleep(0.2)

    async def subscribe_events(self, receiver_url: str) -> list[str]:
        """Point each sandbox system that pushes events (the ERP's goods receipts, the
        screening vendor's results) at the receiver; the systems subscribed."""
        subscribed = []
        async with httpx.AsyncClient(timeout=10) as client:
            for name, source in self.settings.event_sources.items():
                port = _loopback_port(self.settings, name)
                if port is None:
                    continue  # not a sandbox here: a real system is subscribed by its admins
                secret = ensure_signing_secret(self.settings, source.credential)
                try:
                    answer = await client.put(
                        f"http://127.0.0.1:{port}/__admin/webhooks",
                        json={"url": f"{receiver_url}/events/{name}", "secret": secret},
                    )
                except httpx.HTTPError as error:
                    raise DevStackError(
                        f"the sandbox {name} on port {port} cannot be reached to subscribe it "
                        f"to events ({type(error).__name__}): is it running?"
                    ) from None
                if not answer.is_success:
                    raise DevStackError(
                        f"the sandbox {name} refused the event subscription ({answer.status_code})"
                    )
                subscribed.append(name)
        return subscribed

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.terminate()
        for process in self.processes.values():
            try:
                process.wait(timeout=STOP_TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=STOP_TIMEOUT_SECONDS)
        self.processes.clear()

"""Running a bot inside a Temporal activity, unattended, without ever submitting twice.

Each attempt gets a fresh browser context (closed whatever happens), logs in before any
tracing starts (so a typed password is never recorded), and reads before it writes: it
first looks the business key up in the legacy system and returns the record it finds.
The attempt records its phase in heartbeats (prepare, submitting, confirmed), which
survive into the next attempt: an attempt that finds an earlier one stopped while
submitting, and no record, stops as ``BotAmbiguousSubmit`` instead of submitting again.
A submit that got an answer, even an error page, has a known outcome; one that got no
answer at all is looked up again, and is ambiguous if nothing is found.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Mapping
from typing import Any, TypeVar

from playwright.async_api import BrowserContext, Dialog, Page
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import TimeoutError as PlaywrightTimeout
from pydantic import BaseModel
from temporalio import activity
from temporalio.exceptions import ApplicationError

from backoffice import runtime
from backoffice.logs import get_logger
from backoffice.secrets import LocalSecrets, SecretNotFound
from backoffice.settings import Settings, SystemSettings
from bots.browser import BrowserPool, pool_for
from bots.errors import (
    AmbiguousSubmit,
    BotError,
    CredentialRejected,
    SelectorDrift,
    SessionExpired,
    TransientFailure,
)
from bots.evidence import capture, evidence_dir
from bots.page_object import Bot, BotInput

log = get_logger("backoffice.bots")
In = TypeVar("In", bound=BotInput)
Out = TypeVar("Out", bound=BaseModel)

HEARTBEAT_SECONDS = 5
SUBMITTING = ("submitting", "submitted")


class _Beat:
    """The attempt's phase, heartbeated when it changes and every few seconds."""

    def __init__(self, key: str) -> None:
        self.key = key
        self.phase = "prepare"

    def __call__(self, phase: str) -> None:
        self.phase = phase
        self.send()

    def send(self) -> None:
        with contextlib.suppress(RuntimeError):  # outside an activity (tests of bots alone)
            activity.heartbeat({"phase": self.phase, "key": self.key})

    async def keep_alive(self) -> None:
        while True:
            await asyncio.sleep(HEARTBEAT_SECONDS)
            self.send()


def previous_phase() -> str | None:
    """The phase the previous attempt of this activity reached, from its heartbeats."""
    with contextlib.suppress(RuntimeError):
        details = activity.info().heartbeat_details
        if details and isinstance(details[0], dict):
            phase = details[0].get("phase")
            return phase if isinstance(phase, str) else None
    return None


def _system(settings: Settings, name: str) -> SystemSettings:
    system = settings.systems.get(name)
    if system is None:
        raise ApplicationError(
            f"the legacy system '{name}' is not configured: add [backoffice.systems.{name}] "
            "with its url and credential to the settings",
            type="BotNotConfigured",
            non_retryable=True,
        )
    return system


def _credentials(settings: Settings, name: str) -> Mapping[str, str]:
    try:
        fields = LocalSecrets(settings.environ, settings.resolved_secrets_file).get(name)
    except SecretNotFound as missing:
        raise ApplicationError(
            str(missing), type=CredentialRejected.type, non_retryable=True
        ) from None
    if not fields.get("username") or not fields.get("password"):
        raise ApplicationError(
            f"the secret '{name}' needs a username and a password",
            type=CredentialRejected.type,
            non_retryable=True,
        )
    return fields


async def run_bot(bot_type: type[Bot[In, Out]], data: In) -> Out:
    """Run one attempt of a bot on its system, as described in this module's docstring."""
    settings = runtime.settings()
    system = _system(settings, bot_type.system)
    credential = data.credential or system.credential
    credentials = _credentials(settings, credential)
    bot = bot_type(system.url)
    beat = _Beat(bot.business_key(data))
    earlier = previous_phase()
    pool = pool_for(settings)
    session = (bot_type.system, credential) if system.reuse_session else None
    keeping = asyncio.create_task(beat.keep_alive())
    try:
        async with pool.context(session) as context:
            attempt = _Attempt(settings, pool, session, bot, context, credentials, beat)
            result: Out = await attempt.run(data, earlier)
            return result
    finally:
        keeping.cancel()


class _Attempt:
    def __init__(
        self,
        settings: Settings,
        pool: BrowserPool,
        session: tuple[str, str] | None,
        bot: Bot[Any, Any],
        context: BrowserContext,
        credentials: Mapping[str, str],
        beat: _Beat,
    ) -> None:
        self.settings = settings
        self.pool = pool
        self.session = session
        self.bot = bot
        self.context = context
        self.credentials = credentials
        self.beat = beat
        self.console: list[str] = []
        self.unexpected_dialogs: list[str] = []
        self.tracing = False
        self.page: Page | None = None

    async def run(self, data: Any, earlier: str | None) -> Any:
        try:
            page = self.page = await self._new_page()
            await self._logged_in(page)
            if self.settings.bot_traces:
                await self.context.tracing.start(screenshots=True, snapshots=True)
                self.tracing = True
            existing = await self.bot.find(page, data)
            if existing is not None:
                self.beat("confirmed")
                return await self._done(existing)
            if earlier in SUBMITTING:
                raise AmbiguousSubmit(
                    f"an earlier attempt was submitting {self.beat.key} and the system has no "
                    "record of it: reconcile by hand, it is not submitted again",
                    key=self.beat.key,
                )
            self.beat("submitting")
            result = await self._submit(data)
            self.beat("confirmed")
            return await self._done(result)
        except BotError as error:
            raise await self._failed(error) from None
        except (PlaywrightError, TimeoutError) as error:
            raise await self._failed(await self._classify(error)) from None

    async def _new_page(self) -> Page:
        page = await self.context.new_page()
        page.set_default_timeout(self.settings.bot_action_timeout_seconds * 1000)
        page.set_default_navigation_timeout(self.settings.bot_navigation_timeout_seconds * 1000)
        page.on("console", self._on_console)
        page.on("pageerror", lambda error: self.console.append(f"page error: {error}"))
        page.on("dialog", self._on_dialog)
        await self.bot.prepare(page)
        return page

    def _on_console(self, message: Any) -> None:
        if message.type in ("error", "warning"):
            self.console.append(f"{message.type}: {message.text}")

    async def _on_dialog(self, dialog: Dialog) -> None:
        # Dialogs block the page until answered: the bot's own confirms are accepted,
        # anything else (a maintenance notice...) is noted and dismissed.
        if dialog.type == "confirm" and any(t in dialog.message for t in self.bot.confirms):
            await dialog.accept()
            return
        self.unexpected_dialogs.append(f"{dialog.type}: {dialog.message}")
        self.console.append(f"dialog dismissed: {dialog.type}: {dialog.message}")
        await dialog.dismiss()

    async def _logged_in(self, page: Page) -> None:
        await page.goto(self.bot.url("/"))
        await self.bot.check(page)
        if await self.bot.is_login_page(page):
            if self.session:
                self.pool.forget(self.session)
            await self.bot.login(page, self.credentials)
            if self.session:
                await self.pool.remember(self.session, self.context)

    async def _submit(self, data: Any) -> Any:
        assert self.page is not None
        try:
            return await self.bot.submit(self.page, data)
        except TransientFailure:
            # The system answered, with an error: nothing was recorded, unless the lookup
            # says otherwise. The next attempt may submit again.
            found = await self._look_again(data)
            if found is not None:
                return found
            self.beat("prepare")
            raise
        except (PlaywrightTimeout, TimeoutError, PlaywrightError) as silence:
            # No answer: the submit may or may not have been recorded.
            found = await self._look_again(data)
            if found is not None:
                return found
            raise AmbiguousSubmit(
                f"no answer to the submit of {self.beat.key} ({type(silence).__name__}) and no "
                "record found: reconcile by hand, it is not submitted again",
                key=self.beat.key,
            ) from None

    async def _look_again(self, data: Any) -> Any:
        page = self.page = await self._new_page()
        for _ in range(3):  # bounded: the system may still be slow or erroring
            try:
                await self._logged_in(page)
                return await self.bot.find(page, data)
            except (PlaywrightError, TimeoutError, TransientFailure) as error:
                self.console.append(f"lookup after submit failed: {error}")
                await asyncio.sleep(1)
        raise AmbiguousSubmit(
            f"the submit of {self.beat.key} got no answer and the system cannot be asked "
            "whether it arrived: reconcile by hand",
            key=self.beat.key,
        )

    async def _classify(self, error: BaseException) -> BotError:
        page = self.page
        text = str(error).splitlines()[0] if str(error) else type(error).__name__
        if page is not None and not page.is_closed():
            with contextlib.suppress(BotError, PlaywrightError, TimeoutError):
                if await self.bot.is_login_page(page):
                    if self.session:
                        self.pool.forget(self.session)
                    return SessionExpired(f"the session ended: {text}")
            try:
                await self.bot.check(page)
            except BotError as known:
                return known
            except (PlaywrightError, TimeoutError):
                pass
        if isinstance(error, PlaywrightTimeout) and "waiting for locator" in str(error):
            return SelectorDrift(f"the screen changed: {text}", url=page.url if page else None)
        return TransientFailure(text)

    async def _done(self, result: Any) -> Any:
        if self.tracing:
            with contextlib.suppress(PlaywrightError):
                await self.context.tracing.stop()  # kept only when the attempt fails
            self.tracing = False
        return result

    async def _failed(self, error: BotError) -> ApplicationError:
        info = activity.info()
        directory = evidence_dir(
            self.settings.resolved_artifacts_dir,
            info.workflow_id or "no-workflow",
            info.workflow_run_id or "no-run",
            info.activity_id,
            info.attempt,
        )
        files = await capture(
            directory,
            self.page,
            self.context,
            self.console,
            [v for k, v in self.credentials.items() if k != "username"],
            self.tracing,
        )
        self.tracing = False
        details = {
            "kind": error.type,
            "phase": self.beat.phase,
            "key": self.beat.key,
            "evidence": files,
            "unexpected_dialogs": self.unexpected_dialogs,
            **{k: v for k, v in error.details.items() if k != "key"},
        }
        log.warning("bot failed", kind=error.type, key=self.beat.key, evidence=str(directory))
        return ApplicationError(
            f"{error.message} (evidence: {directory})",
            details,
            type=error.type,
            non_retryable=not error.retryable,
        )


@contextlib.asynccontextmanager
async def standalone(settings: Settings) -> AsyncIterator[None]:
    """Run bots outside a worker (tests, scripts): settings set, browsers closed after."""
    runtime.use(settings)
    try:
        yield
    finally:
        await pool_for(settings).close()

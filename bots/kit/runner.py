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
import re
import traceback
from collections.abc import AsyncIterator, Mapping
from typing import Any, TypeVar

from playwright.async_api import BrowserContext, Dialog, Download, Page
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import TimeoutError as PlaywrightTimeout
from pydantic import BaseModel
from temporalio import activity
from temporalio.exceptions import ApplicationError

from backoffice import registry, runtime
from backoffice.logs import get_logger
from backoffice.secrets import SecretNotFound, secret_store
from backoffice.settings import Settings, SystemSettings
from bots.kit.browser import BrowserPool, close_pool, pool_for
from bots.kit.errors import (
    BOT_ERROR_TYPES,
    AmbiguousSubmit,
    BotError,
    BusinessRuleViolation,
    CredentialRejected,
    SelectorDrift,
    SessionExpired,
    TransientFailure,
)
from bots.kit.evidence import capture, evidence_dir
from bots.kit.page_object import Bot, BotInput
from bots.kit.system_turn import system_turn

# What any bot may raise, declared once for the catalog: its own kinds of failure, a
# system missing from the settings, and a bot declared wrongly (the base type).
registry.bot_errors(*BOT_ERROR_TYPES, "BotNotConfigured", "BotError")

log = get_logger("backoffice.bots")
In = TypeVar("In", bound=BotInput)
Out = TypeVar("Out", bound=BaseModel)

HEARTBEAT_SECONDS = 5
SUBMITTING = ("submitting", "submitted")
RECOGNISE_SECONDS = 3
DOWNLOAD_SECONDS = 60
LATE_LOOKS = 2
LATE_LOOK_SECONDS = 2


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name)[:120] or "_"


class _Beat:
    """The attempt's phase, heartbeated when it changes and every few seconds."""

    def __init__(self, key: str, earlier: str | None) -> None:
        self.key = key
        # An earlier attempt's submit stays unresolved until a lookup answers: should this
        # attempt fail before that, the next one must still know a submit may have arrived.
        self.phase = earlier if earlier in SUBMITTING else "prepare"

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
        fields = secret_store(settings).get(name)
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
    earlier = previous_phase()
    beat = _Beat(bot.business_key(data), earlier)
    beat.send()
    pool = pool_for(settings)
    session = (bot_type.system, credential) if system.reuse_session else None
    keeping = asyncio.create_task(beat.keep_alive())
    try:
        async with system_turn(settings, bot_type.system, system) as turn:
            try:
                async with pool.context(session) as context:
                    attempt = _Attempt(settings, pool, session, bot, context, credentials, beat)
                    result: Out = await attempt.run(data, earlier)
            except ApplicationError as failure:
                raise await turn.failed(failure) from None
            except Exception as failure:  # the worker's own trouble (a browser that will not start)
                text = str(failure).splitlines()[0] if str(failure) else type(failure).__name__
                wrapped = ApplicationError(f"the bot could not run: {text}", type="BotWorkerError")
                raise await turn.failed(wrapped) from failure
            await turn.succeeded()
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
        self._tasks: set[asyncio.Task[None]] = set()

    async def run(self, data: Any, earlier: str | None) -> Any:
        try:
            page = self.page = await self._new_page()
            await self._logged_in(page)
            if self.settings.bot_traces:
                # Actions, network and console only by default: DOM snapshots of every
                # action cost far more, and the failure's screenshot and HTML are kept anyway.
                await self.context.tracing.start(
                    screenshots=False, snapshots=self.settings.bot_trace_snapshots
                )
                self.tracing = True
            existing = await self.bot.find(page, data)
            if existing is not None:
                self.beat("confirmed")
                return await self._done(existing)
            if earlier in SUBMITTING:
                existing = await self._look_a_while(data)
                if existing is not None:
                    self.beat("confirmed")
                    return await self._done(existing)
                raise AmbiguousSubmit(
                    f"an earlier attempt was submitting {self.beat.key} and the system has no "
                    "record of it: reconcile by hand, it is not submitted again",
                    key=self.beat.key,
                )
            self.bot.on_submitting = lambda: self.beat("submitting")
            result = await self._submit(data)
            self.beat("confirmed")
            return await self._done(result)
        except BotError as error:
            raise await self._failed(error) from None
        except (PlaywrightError, TimeoutError) as error:
            self.console.append("".join(traceback.format_exception(error, limit=-4)))
            raise await self._failed(await self._classify(error)) from None
        except (ValueError, LookupError, AttributeError, AssertionError) as error:
            # The bot could not make sense of what the screen shows: as good as drift.
            self.console.append("".join(traceback.format_exception(error, limit=-4)))
            drift = SelectorDrift(f"the screen is not as the bot expects: {error!r}")
            raise await self._failed(drift) from None

    async def _new_page(self) -> Page:
        page = await self.context.new_page()
        page.set_default_timeout(self.settings.bot_action_timeout_seconds * 1000)
        page.set_default_navigation_timeout(self.settings.bot_navigation_timeout_seconds * 1000)
        page.on("console", self._on_console)
        page.on("pageerror", lambda error: self.console.append(f"page error: {error}"))
        page.on("crash", lambda _: self.console.append("the page crashed"))
        page.on("close", lambda _: self.console.append("the page was closed"))
        # Answered in a task of its own: an async handler would hold up Playwright's event
        # dispatch, and with it every later call on a page whose submit went unanswered.
        page.on("download", lambda d: self._tasks.add(asyncio.create_task(self._save(d))))
        page.on(
            "dialog", lambda dialog: self._tasks.add(asyncio.create_task(self._on_dialog(dialog)))
        )
        return page

    def _on_console(self, message: Any) -> None:
        if message.type in ("error", "warning"):
            self.console.append(f"{message.type}: {message.text}")

    async def _save(self, download: Download) -> None:
        # Downloads vanish with their context: every file is kept under the artifacts
        # directory first, and the bot finds its path in ``downloads``.
        directory = self.settings.resolved_artifacts_dir / "downloads" / _safe(self.beat.key)
        await asyncio.to_thread(directory.mkdir, parents=True, exist_ok=True)
        target = directory / _safe(download.suggested_filename)
        try:
            await asyncio.wait_for(download.save_as(target), DOWNLOAD_SECONDS)
        except (PlaywrightError, TimeoutError) as error:
            self.console.append(f"download {download.suggested_filename} not saved: {error}")
            return
        self.bot.downloads.append(target)
        self.console.append(f"downloaded {target}")

    async def _settle(self) -> None:
        """Let dialogs be answered and downloads be saved before the context closes."""
        pending = [task for task in self._tasks if not task.done()]
        if pending:
            await asyncio.wait(pending, timeout=DOWNLOAD_SECONDS)

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
        except (BotError, PlaywrightError, TimeoutError) as failure:
            if self.beat.phase not in SUBMITTING:
                raise  # failed while filling in: nothing was sent, an ordinary failure
            self.console.append(f"submit failed: {type(failure).__name__}: {failure}")
            if isinstance(failure, BusinessRuleViolation):
                # The system refused the data: a definite answer, kept on screen as evidence.
                self.beat("prepare")
                failure.details.setdefault("phase", "submitting")
                raise
            answer = failure if isinstance(failure, BotError) else await self._recognise(failure)
            if answer is not None:
                # The system answered (an error page, a refusal, the login page): a definite
                # answer that nothing was recorded, so a later attempt may submit again,
                # whether or not the look-up below can reach the system.
                self.beat("prepare")
                answer.details.setdefault("phase", "submitting")  # where it failed
                with contextlib.suppress(TransientFailure):
                    found = await self._look_again(data)
                    if found is not None:
                        return found
                raise answer from None
            found = await self._look_again(data)
            if found is not None:
                return found
            raise AmbiguousSubmit(
                f"no answer to the submit of {self.beat.key} ({type(failure).__name__}) and "
                "no record found: reconcile by hand, it is not submitted again",
                key=self.beat.key,
            ) from None

    async def _look_again(self, data: Any) -> Any:
        self.console.append("looking the record up again after the failed submit")
        # The same page: going elsewhere abandons the unanswered request (a second tab
        # cannot always be opened while it is pending).
        page = self.page if self.page is not None and not self.page.is_closed() else None
        page = self.page = page or await self._new_page()
        for _ in range(3):  # bounded: the system may still be slow or erroring
            try:
                await self._logged_in(page)
                return await self.bot.find(page, data)
            except (PlaywrightError, TimeoutError, TransientFailure, SessionExpired) as error:
                self.console.append(f"lookup after submit failed: {error}")
                await asyncio.sleep(1)
        # The system cannot be asked now. Still submitting, as far as the next attempt
        # knows: it looks the record up first, and never submits blindly.
        raise TransientFailure(
            f"the submit of {self.beat.key} got no answer and the system cannot be asked "
            "whether it arrived: the next attempt looks again"
        )

    async def _look_a_while(self, data: Any) -> Any:
        """After an unanswered submit, look a few more times: a slow system may record late."""
        assert self.page is not None
        for _ in range(LATE_LOOKS):
            await asyncio.sleep(LATE_LOOK_SECONDS)
            self.console.append("looking again for a submit an earlier attempt made")
            found = await self.bot.find(self.page, data)
            if found is not None:
                return found
        return None

    async def _recognise(self, error: BaseException) -> BotError | None:
        """What the page in front of the bot says happened, if it is a page the bot knows.

        Bounded: on a page whose request is still unanswered, DOM queries wait for a
        document that may never come.
        """
        try:
            return await asyncio.wait_for(self._read_answer(error), RECOGNISE_SECONDS)
        except TimeoutError:
            return None

    async def _read_answer(self, error: BaseException) -> BotError | None:
        page = self.page
        if page is None or page.is_closed():
            return None
        text = str(error).splitlines()[0] if str(error) else type(error).__name__
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
        return None

    async def _classify(self, error: BaseException) -> BotError:
        known = await self._recognise(error)
        if known is not None:
            return known
        text = str(error).splitlines()[0] if str(error) else type(error).__name__
        waiting = [line.strip(" -") for line in str(error).splitlines() if "waiting for" in line]
        if isinstance(error, PlaywrightTimeout) and waiting:
            url = self.page.url if self.page else None
            return SelectorDrift(f"the screen changed: {text} {waiting[0]}", url=url)
        return TransientFailure(text)

    async def _done(self, result: Any) -> Any:
        await self._settle()
        if self.tracing:
            with contextlib.suppress(PlaywrightError):
                await self.context.tracing.stop()  # kept only when the attempt fails
            self.tracing = False
        return result

    async def _failed(self, error: BotError) -> ApplicationError:
        await self._settle()
        where = ("standalone", "no-run", type(self.bot).__name__, 1)
        with contextlib.suppress(RuntimeError):  # a bot run outside Temporal (a script)
            info = activity.info()
            where = (
                info.workflow_id or "no-workflow",
                info.workflow_run_id or "no-run",
                info.activity_id,
                info.attempt,
            )
        directory = evidence_dir(self.settings.resolved_artifacts_dir, *where)
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
            "phase": error.details.get("phase", self.beat.phase),
            "key": self.beat.key,
            "evidence": files,
            "unexpected_dialogs": self.unexpected_dialogs,
            **{k: v for k, v in error.details.items() if k not in ("key", "phase")},
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
        await close_pool()

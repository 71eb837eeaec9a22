"""Signing in and out over real HTTP: sessions end for good, guessing is slowed, not the person."""

from __future__ import annotations

import re

import httpx
from playwright.async_api import expect

from backoffice import database
from backoffice.inbox.auth import hash_password
from backoffice.people.store import load_directory, read_directory_file
from tests.inbox.conftest import PASSWORD, Site
from tests.inbox.test_inbox_in_browser import sign_in
from tests.inbox.test_inbox_rules import csrf_of
from tests.support.browser import chromium
from tests.support.processes import PEOPLE


def from_address(site: Site, address: str) -> httpx.AsyncClient:
    """A client whose connections come from ``address`` (any of 127.0.0.0/8 is this host)."""
    transport = httpx.AsyncHTTPTransport(local_address=address)
    return httpx.AsyncClient(base_url=site.url, timeout=30, transport=transport)


async def attempt(client: httpx.AsyncClient, name: str, password: str) -> httpx.Response:
    token = csrf_of((await client.get("/login")).text)
    return await client.post("/login", data={"username": name, "password": password, "csrf": token})


def refusal(response: httpx.Response) -> str:
    assert response.status_code == 401, response.text
    found = re.search(r'role="alert"[^>]*>([^<]*)<', response.text)
    assert found, "the sign-in page says nothing"
    return found.group(1).strip()


async def test_a_cookie_copied_before_signing_out_signs_in_nobody_afterwards(site: Site) -> None:
    async with httpx.AsyncClient(base_url=site.url, timeout=30) as alice:
        assert (await attempt(alice, "alice", PASSWORD)).status_code == 303
        copied = dict(alice.cookies)
        async with httpx.AsyncClient(base_url=site.url, timeout=30, cookies=copied) as other:
            assert "Signed in as <strong>alice</strong>" in (await other.get("/")).text
            page = await alice.get("/")
            signed_out = await alice.post("/logout", data={"csrf": csrf_of(page.text)})
            assert signed_out.headers["location"] == "/login"
            # The copy still carries the session's id; the session behind it is gone.
            replayed = await other.get("/")
            assert replayed.status_code == 303
            assert replayed.headers["location"] == "/login?next=/"


async def test_a_new_password_or_leaving_the_directory_ends_the_sessions_open(
    site: Site,
) -> None:
    async with (
        httpx.AsyncClient(base_url=site.url, timeout=30) as bob,
        httpx.AsyncClient(base_url=site.url, timeout=30) as erin,
    ):
        assert (await attempt(bob, "bob", PASSWORD)).status_code == 303
        assert (await attempt(erin, "erin", PASSWORD)).status_code == 303
        # The directory loaded again, as the worker does at start: bob has a new password,
        # erin has left.
        shipped = read_directory_file(PEOPLE)
        people = [
            person.model_copy(update={"password_hash": hash_password("bobs-new-password")})
            if person.id == "bob"
            else person.model_copy(update={"active": False})
            if person.id == "erin"
            else person
            for person in shipped.people
        ]
        load_directory(
            database.engine(site.settings), shipped.model_copy(update={"people": people})
        )
        for client in (bob, erin):
            assert (await client.get("/")).headers["location"] == "/login?next=/"
        assert (await attempt(bob, "bob", "bobs-new-password")).status_code == 303


async def test_signing_out_in_one_browser_ends_the_session_copied_into_another(
    site: Site,
) -> None:
    async with chromium() as browser:
        first = await browser.new_context()
        page = await first.new_page()
        await sign_in(page, site, "carol")
        await expect(page.get_by_text("Signed in as carol")).to_be_visible()
        cookies = await first.cookies()

        second = await browser.new_context()
        await second.add_cookies(cookies)  # type: ignore[arg-type]
        other = await second.new_page()
        await other.goto(f"{site.url}/")
        await expect(other.get_by_text("Signed in as carol")).to_be_visible()

        await page.get_by_role("button", name="Sign out").click()
        await expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
        await other.reload()
        await expect(other.get_by_role("heading", name="Sign in")).to_be_visible()
        await expect(other.get_by_text("Signed in as carol")).to_have_count(0)


async def test_wrong_passwords_lock_a_name_only_for_the_client_that_guessed(site: Site) -> None:
    async with (
        from_address(site, "127.0.0.1") as guesser,
        from_address(site, "127.0.0.2") as erins_laptop,
    ):
        for _ in range(5):
            assert refusal(await attempt(guesser, "erin", "guess")) == "wrong name or password"
        # Locked for this client, even with the right password, which is not even checked.
        assert refusal(await attempt(guesser, "erin", PASSWORD)) == (
            "too many wrong passwords for this name from this address: try again in 15 minutes"
        )
        # Erin herself, from her own machine, is not locked out.
        assert (await attempt(erins_laptop, "erin", PASSWORD)).status_code == 303
        assert "Signed in as <strong>erin</strong>" in (await erins_laptop.get("/")).text
        # Nor is anyone else who signs in from where the guesses came from.
        assert (await attempt(guesser, "alice", PASSWORD)).status_code == 303


async def test_a_client_trying_many_names_is_stopped_and_others_are_not(site: Site) -> None:
    async with (
        from_address(site, "127.0.0.3") as sprayer,
        from_address(site, "127.0.0.4") as colleague,
    ):
        for number in range(20):
            wrong = await attempt(sprayer, f"person{number}", "Winter2026!")
            assert refusal(wrong) == "wrong name or password"
        assert refusal(await attempt(sprayer, "alice", PASSWORD)) == (
            "too many wrong passwords from this address: try again in 15 minutes"
        )
        assert (await attempt(colleague, "alice", PASSWORD)).status_code == 303


async def test_many_clients_guessing_one_name_slow_it_down_without_locking_it(
    site: Site,
) -> None:
    for number in range(10):
        async with from_address(site, f"127.0.1.{number + 1}") as guesser:
            assert refusal(await attempt(guesser, "frank", "guess")) == "wrong name or password"
    async with from_address(site, "127.0.2.1") as franks_laptop:
        # A pause, not a lock: frank waits seconds, not the 15 minutes of before.
        message = refusal(await attempt(franks_laptop, "frank", PASSWORD))
        pause = re.fullmatch(
            r"many wrong passwords for this name of late, from elsewhere: try again in (\d+) s",
            message,
        )
        assert pause, message
        assert 1 <= int(pause.group(1)) <= 10

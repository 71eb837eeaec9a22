"""Who is signed in: passwords checked against the directory's hashes, or a trusted header.

Password mode keeps a session id in a signed cookie and the session itself in the records
database (``backoffice.people.sessions``), so signing out ends it for every copy of the
cookie. Header mode (single sign-on behind a proxy) believes the user header only from the
configured proxy, and only for active people of the directory: anyone else is refused
rather than treated as anonymous. Wrong passwords are counted by client and by name
(``backoffice.people.passwords``), so the inbox cannot be used to guess passwords, nor to
lock the real person out.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session
from starlette.requests import Request

from backoffice.client_certificates import client_certificate_name, common_name
from backoffice.errors import BackofficeError
from backoffice.people import passwords, sessions
from backoffice.people.store import PersonRow
from backoffice.secrets import SecretNotFound, field_of, secret_store
from backoffice.settings import Settings, SettingsError

hash_password = passwords.hash_password


class SignInRefused(BackofficeError):
    """Why someone cannot sign in (shown on the sign-in page)."""


def session_key(settings: Settings) -> str:
    """The key that signs session cookies: configured, or kept in the state directory."""
    if settings.inbox_secret_key:
        return settings.inbox_secret_key
    path = settings.state_dir / "inbox.key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        _write_private(path, secrets.token_urlsafe(48))
    return path.read_text(encoding="utf-8").strip()


def _write_private(path: Path, text: str) -> None:
    path.touch(mode=0o600)
    path.write_text(text, encoding="utf-8")


@dataclass
class Authenticator:
    engine: Engine
    settings: Settings
    _proxy_secret: str | None = None

    def check_header_mode(self) -> None:
        if self.settings.inbox_trusted_proxies:
            self.proxy_secret()  # read once here, and checked
        else:
            check_header_mode(self.settings)

    def proxy_secret(self) -> str:
        """The secret the sign-on proxy sends in ``X-Backoffice-Proxy-Secret``."""
        if self._proxy_secret is None:
            self._proxy_secret = header_mode_secret(self.settings)
        return self._proxy_secret

    def person(self, person_id: str) -> PersonRow | None:
        with Session(self.engine) as session:
            row = session.get(PersonRow, person_id)
        return row if row is not None and row.active else None

    def sign_in(self, name: str, password: str, client: str) -> tuple[PersonRow, str]:
        """The person and a new session id, if the password is theirs (blocking: argon2)."""
        try:
            person = passwords.check_password(self.engine, name, password, client)
        except passwords.PasswordRefused as refused:
            raise SignInRefused(str(refused)) from None
        return person, sessions.begin(self.engine, person, self.settings.inbox_session_hours)

    def session_user(self, session_id: object) -> str | None:
        """Whose live session the cookie names; None once it has ended."""
        if not isinstance(session_id, str):
            return None
        return sessions.person_of(self.engine, session_id)

    def sign_out(self, session_id: object) -> None:
        if isinstance(session_id, str):
            sessions.end(self.engine, session_id)

    def client_of(self, request: Request) -> str:
        """Where a sign-in comes from, for counting wrong passwords: the connection's
        address, or behind the sign-on proxy (when it proves itself) the address it
        forwards for. A forwarded address from anyone else is ignored: it would let one
        client pose as many."""
        address = request.client.host if request.client else "unknown"
        if self._shows_proxy_certificate(request) or (
            address in self.settings.inbox_trusted_proxies and self._shows_proxy_secret(request)
        ):
            forwarded = request.headers.get("X-Forwarded-For", "").rsplit(",", 1)[-1].strip()
            return forwarded or address
        return address

    def _shows_proxy_secret(self, request: Request) -> bool:
        try:
            expected = self.proxy_secret()
        except SettingsError:
            return False  # no secret configured: nothing forwarded is believed
        shown = request.headers.get(PROXY_SECRET_HEADER, "")
        return secrets.compare_digest(shown.encode(), expected.encode())

    def _shows_proxy_certificate(self, request: Request) -> bool:
        expected = self.settings.inbox_proxy_certificate
        shown = common_name(client_certificate_name(request.scope))
        return (
            expected is not None
            and shown is not None
            and secrets.compare_digest(shown.encode(), expected.encode())
        )

    def header_user(self, request: Request) -> str | None:
        """The person a trusted proxy vouches for; SignInRefused if it is not to be believed.

        Believed from a connection showing the proxy's client certificate (mutual TLS), or
        from a configured proxy address that also shows the shared secret: an address
        alone would let any process on that machine decide as anyone.
        """
        if not self._shows_proxy_certificate(request):
            self._check_proxy_secret(request)
        claimed = request.headers.get(self.settings.inbox_user_header, "").strip().lower()
        if not claimed:
            raise SignInRefused(
                f"no {self.settings.inbox_user_header} header: the sign-on proxy did not say "
                "who you are"
            )
        if self.person(claimed) is None:
            raise SignInRefused(f"{claimed} is not an active person of the directory")
        return claimed

    def _check_proxy_secret(self, request: Request) -> None:
        if not self.settings.inbox_trusted_proxies:
            shown = common_name(client_certificate_name(request.scope))
            raise SignInRefused(
                f"this connection's client certificate ({shown or 'none'}) is not the sign-on "
                "proxy's: sign in through the company's sign-on"
            )
        address = request.client.host if request.client else ""
        if address not in self.settings.inbox_trusted_proxies:
            raise SignInRefused(
                f"requests from {address or 'an unknown address'} are not accepted: sign in "
                "through the company's sign-on"
            )
        shown = request.headers.get(PROXY_SECRET_HEADER, "")
        expected = self.proxy_secret()
        if not secrets.compare_digest(shown.encode(), expected.encode()):
            raise SignInRefused(
                "the sign-on proxy did not show the shared secret: sign in through the "
                "company's sign-on"
            )


PROXY_SECRET_HEADER = "X-Backoffice-Proxy-Secret"  # noqa: S105 - a header's name
PROXY_SECRET = "inbox-proxy"  # noqa: S105 - the secret's name in the store; field ``secret``
MIN_PROXY_SECRET_LENGTH = 24


def check_header_mode(settings: Settings) -> None:
    """SettingsError, before anything serves, when header mode has no way to tell the
    sign-on proxy from anyone else: its client certificate, or its address and secret."""
    if settings.inbox_proxy_certificate is not None and not settings.inbox_trusted_proxies:
        return  # mutual TLS only: the settings' checks saw to the CA and the certificate
    header_mode_secret(settings)


def header_mode_secret(settings: Settings) -> str:
    """The proxy's shared secret; SettingsError, before anything serves, when header mode
    lacks a trusted proxy or a secret worth the name."""
    if not settings.inbox_trusted_proxies:
        raise SettingsError(
            "BACKOFFICE_INBOX_AUTH=header needs BACKOFFICE_INBOX_TRUSTED_PROXIES: the addresses "
            "of the sign-on proxy (no address is trusted by default), which shows the shared "
            "secret; or BACKOFFICE_INBOX_PROXY_CERTIFICATE, the name of its client certificate "
            "(mutual TLS, with BACKOFFICE_INBOX_CLIENT_CA)"
        )
    try:
        secret = field_of(secret_store(settings), PROXY_SECRET, "secret")
    except SecretNotFound as missing:
        raise SettingsError(
            f"BACKOFFICE_INBOX_AUTH=header needs the secret the sign-on proxy sends in "
            f"{PROXY_SECRET_HEADER}: {missing}"
        ) from None
    if len(secret) < MIN_PROXY_SECRET_LENGTH:
        raise SettingsError(
            f"the secret '{PROXY_SECRET}' is shorter than {MIN_PROXY_SECRET_LENGTH} characters: "
            "use a long random one (python -c 'import secrets; print(secrets.token_urlsafe())')"
        )
    return secret

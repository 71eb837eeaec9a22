"""Single sign-on behind a proxy that proves itself with a client certificate (mutual TLS)."""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
from temporalio.testing import WorkflowEnvironment

from backoffice import runtime
from backoffice.client_certificates import common_name, inbox_tls, rfc4514_name
from backoffice.inbox import create_app
from backoffice.serving import EmbeddedServer
from backoffice.settings import SettingsError, load_settings
from tests.support.certificates import Issued, authority, signed
from tests.support.network import free_port
from tests.support.processes import process_worker
from tests.support.records import records_environ


@dataclass
class Certificates:
    ca: Issued
    proxy: Issued
    intruder: Issued  # signed by the same CA, under another name
    rogue_proxy: Issued  # the proxy's name, signed by another CA


@pytest.fixture
def certificates(tmp_path: Path) -> Certificates:
    where = tmp_path / "certificates"
    ca = authority(where, "proxy-ca")
    rogue = authority(where / "rogue", "rogue-ca")
    return Certificates(
        ca=ca,
        proxy=signed(ca, where, "sign-on-proxy"),
        intruder=signed(ca, where, "intruder"),
        rogue_proxy=signed(rogue, where / "rogue", "sign-on-proxy"),
    )


@pytest_asyncio.fixture
async def inbox_url(
    dev_env: WorkflowEnvironment, tmp_path: Path, certificates: Certificates
) -> AsyncIterator[str]:
    server_certificate = signed(certificates.ca, tmp_path / "certificates", "inbox", server=True)
    async with process_worker(dev_env.client, tmp_path) as runner:
        settings = load_settings(
            {
                "BACKOFFICE_STATE_DIR": str(runtime.settings().state_dir),
                "BACKOFFICE_INBOX_AUTH": "header",
                "BACKOFFICE_INBOX_TLS_CERTIFICATE": str(server_certificate.certificate),
                "BACKOFFICE_INBOX_TLS_KEY": str(server_certificate.key),
                "BACKOFFICE_INBOX_CLIENT_CA": str(certificates.ca.certificate),
                "BACKOFFICE_INBOX_PROXY_CERTIFICATE": "sign-on-proxy",
                "PATH": "/usr/bin:/bin",
                **records_environ(runtime.settings().state_dir),
            }
        )
        port = free_port()
        app = create_app(settings, runner.client)
        server = EmbeddedServer(app, "127.0.0.1", port, tls=inbox_tls(settings))
        await server.start()
        try:
            yield f"https://127.0.0.1:{port}"
        finally:
            await server.stop()


def showing(url: str, ca: Issued, certificate: Issued | None) -> httpx.AsyncClient:
    """A client that trusts the inbox's CA and shows ``certificate``, if any."""
    context = ssl.create_default_context(cafile=str(ca.certificate))
    if certificate is not None:
        context.load_cert_chain(str(certificate.certificate), str(certificate.key))
    return httpx.AsyncClient(base_url=url, verify=context, timeout=30)


async def test_the_proxys_certificate_is_believed_and_no_other_is(
    inbox_url: str, certificates: Certificates
) -> None:
    alice = {"X-Forwarded-User": "alice"}
    async with showing(inbox_url, certificates.ca, certificates.proxy) as proxy:
        page = await proxy.get("/", headers=alice)
        assert page.status_code == 200
        assert "Signed in as <strong>alice</strong>" in page.text
        missing = await proxy.get("/")
        assert missing.status_code == 403
        assert "no X-Forwarded-User header" in missing.text
    # A certificate of the same CA under another name vouches for nobody.
    async with showing(inbox_url, certificates.ca, certificates.intruder) as intruder:
        refused = await intruder.get("/", headers=alice)
        assert refused.status_code == 403
        assert "client certificate (intruder) is not the sign-on proxy's" in refused.text
    # Without a certificate of the CA, a connection is not even made: a local process
    # setting the header, or one showing the proxy's name signed by someone else.
    for certificate in (None, certificates.rogue_proxy):
        async with showing(inbox_url, certificates.ca, certificate) as stranger:
            with pytest.raises(httpx.TransportError):
                await stranger.get("/", headers=alice)


def test_tls_settings_that_cannot_work_are_refused_with_what_to_set(tmp_path: Path) -> None:
    base = {"BACKOFFICE_STATE_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}
    with pytest.raises(SettingsError, match="BACKOFFICE_INBOX_TLS_KEY go together"):
        load_settings({**base, "BACKOFFICE_INBOX_TLS_CERTIFICATE": "inbox.pem"})
    with pytest.raises(SettingsError, match="CLIENT_CA needs BACKOFFICE_INBOX_TLS_CERTIFICATE"):
        load_settings({**base, "BACKOFFICE_INBOX_CLIENT_CA": "ca.pem"})
    with pytest.raises(SettingsError, match="PROXY_CERTIFICATE needs BACKOFFICE_INBOX_CLIENT_CA"):
        load_settings({**base, "BACKOFFICE_INBOX_PROXY_CERTIFICATE": "sign-on-proxy"})
    missing = load_settings(
        {
            **base,
            "BACKOFFICE_INBOX_TLS_CERTIFICATE": str(tmp_path / "inbox.pem"),
            "BACKOFFICE_INBOX_TLS_KEY": str(tmp_path / "inbox.key"),
        }
    )
    with pytest.raises(SettingsError, match=r"inbox\.pem: no such file"):
        inbox_tls(missing)


def test_certificate_names_keep_their_special_characters() -> None:
    subject = ((("organizationName", "Acme, Inc."),), (("commonName", "proxy+1 = #a"),))
    name = rfc4514_name(subject)
    assert name == r"CN=proxy\+1 \= #a,O=Acme\, Inc."
    assert common_name(name) == "proxy+1 = #a"
    assert common_name("O=Acme") is None

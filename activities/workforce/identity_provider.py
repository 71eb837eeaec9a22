"""The connection to the identity provider: SCIM through scim2-client, and its applications.

Where it is and how the engine signs in come from the settings (system ``idp``: its url
and the secret whose ``token`` is the bearer token), read when an activity runs, so the
token never passes through a workflow. Failures are sorted once, here: the provider not
answering (refused connection, timeout, 5xx) is worth retrying; any other refusal is not,
and its SCIM detail goes into the message in words.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx2
from scim2_client import RequestNetworkException, SCIMClientException
from scim2_client.engines.httpx2 import AsyncSCIMClient
from scim2_models import (
    EnterpriseUser,
    Group,
    ListResponse,
    PatchOp,
    PatchOperation,
    Resource,
    ResourceType,
    SCIMException,
    ScimProvider,
    SearchRequest,
    ServiceProviderConfig,
    User,
)
from temporalio.exceptions import ApplicationError

from backoffice.packs import SecretNotFound, secret_field, settings

SYSTEM = "idp"
TIMEOUT_SECONDS = 15.0
ScimUser = User[EnterpriseUser]


def _provider() -> ScimProvider:
    # What the engine expects the provider to serve; the client checks payloads against it.
    config = ServiceProviderConfig.model_validate(
        {
            "patch": {"supported": True},
            "filter": {"supported": True, "maxResults": 200},
            "etag": {"supported": True},
            "sort": {"supported": True},
            "bulk": {"supported": False, "maxOperations": 0, "maxPayloadSize": 0},
            "changePassword": {"supported": False},
        }
    )
    return ScimProvider(
        models=[User, EnterpriseUser, Group],
        resource_types=[
            ResourceType.from_resource(ScimUser),
            ResourceType.from_resource(Group),
        ],
        config=config,
    )


def unavailable(what: str) -> ApplicationError:
    return ApplicationError(
        f"the identity provider is unavailable ({what}); the step is retried",
        type="IdentityProviderUnavailable",
    )


def refused(what: str) -> ApplicationError:
    return ApplicationError(
        f"the identity provider refused: {what}", type="IdentityRefused", non_retryable=True
    )


def sorted_failure(error: Exception, doing: str) -> ApplicationError:
    """The ApplicationError a failed call to the provider becomes."""
    if isinstance(error, RequestNetworkException | httpx2.RequestError):
        return unavailable(f"{doing}: no answer")
    if isinstance(error, SCIMException):
        status = int(error.status or 0)
        detail = str(error) or "no detail"
        if status >= 500 or status == 429:
            return unavailable(f"{doing}: {status} {detail}")
        if status in (401, 403):
            return refused(
                f"{doing}: {status} {detail} — check the token of the secret "
                f"'{_system().credential}' (field 'token')"
            )
        return refused(f"{doing}: {status} {detail}")
    if isinstance(error, SCIMClientException):
        status = getattr(getattr(error, "source", None), "status_code", 0) or 0
        if int(status) >= 500:
            return unavailable(f"{doing}: {status}")
        return refused(f"{doing}: unexpected answer ({error})")
    raise error


def _system() -> Any:
    system = settings().systems.get(SYSTEM)
    if system is None:
        raise ApplicationError(
            "the identity provider is not configured: add [backoffice.systems.idp] with its "
            "url and credential (the secret with its bearer token) to the settings",
            type="IdentityRefused",
            non_retryable=True,
        )
    return system


@dataclass
class IdentityProvider:
    """An open connection: SCIM calls and the applications' endpoints."""

    scim: AsyncSCIMClient
    http: httpx2.AsyncClient

    async def call(self, doing: str, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        """A call to an application endpoint; its JSON answer."""
        try:
            answer = await self.http.request(method, path, **kwargs)
        except httpx2.RequestError as error:
            raise sorted_failure(error, doing) from None
        try:
            body = answer.json()
        except ValueError:
            body = {}
        if answer.status_code >= 500 or answer.status_code == 429:
            raise unavailable(f"{doing}: {answer.status_code}")
        if answer.status_code >= 400:
            detail = body.get("detail", "") if isinstance(body, dict) else ""
            raise refused(f"{doing}: {answer.status_code} {detail}".rstrip())
        return body if isinstance(body, dict) else {}

    async def find_user(self, **equal: str) -> ScimUser | None:
        """The user whose attribute (``userName``, ``externalId``) equals the value, if any."""
        ((attribute, value),) = equal.items()
        quoted = value.replace("\\", "\\\\").replace('"', '\\"')
        search: SearchRequest[Any] = SearchRequest(filter=f'{attribute} eq "{quoted}"', count=2)
        try:
            found = await self.scim.query(ScimUser, query_parameters=search)
        except Exception as error:
            raise sorted_failure(error, f"looking up {attribute} {value}") from None
        assert isinstance(found, ListResponse)
        users = [r for r in found.resources or [] if isinstance(r, User)]
        return users[0] if users else None

    async def groups(self, **equal: str) -> list[Group]:
        ((attribute, value),) = equal.items()
        search: SearchRequest[Any] = SearchRequest(filter=f'{attribute} eq "{value}"', count=200)
        try:
            found = await self.scim.query(Group, query_parameters=search)
        except Exception as error:
            raise sorted_failure(error, "looking up groups") from None
        assert isinstance(found, ListResponse)
        return [r for r in found.resources or [] if isinstance(r, Group)]

    async def all_groups(self) -> list[Group]:
        try:
            found = await self.scim.query(Group, query_parameters=SearchRequest(count=200))
        except Exception as error:
            raise sorted_failure(error, "listing groups") from None
        assert isinstance(found, ListResponse)
        return [r for r in found.resources or [] if isinstance(r, Group)]

    async def group_names_of(self, user_id: str) -> list[str]:
        return sorted(str(g.display_name) for g in await self.groups(**{"members.value": user_id}))

    async def create(self, user: ScimUser) -> ScimUser:
        created = await self.scim.create(user)
        assert isinstance(created, User)
        return created

    async def patch(
        self, resource: type[Resource[Any]], resource_id: str, *ops: dict[str, Any], doing: str
    ) -> None:
        operations = [PatchOperation[resource](**op) for op in ops]  # type: ignore[valid-type]
        try:
            await self.scim.modify(resource, resource_id, PatchOp[resource](operations=operations))  # type: ignore[valid-type]
        except Exception as error:
            raise sorted_failure(error, doing) from None

    async def set_active(self, user_id: str, active: bool) -> ScimUser:
        await self.patch(
            ScimUser,
            user_id,
            {"op": "replace", "path": "active", "value": active},
            doing=f"setting active={str(active).lower()}",
        )
        return await self.read_user(user_id)

    async def read_user(self, user_id: str) -> ScimUser:
        try:
            found = await self.scim.query(ScimUser, user_id)
        except Exception as error:
            raise sorted_failure(error, f"reading user {user_id}") from None
        assert isinstance(found, User)
        return found

    async def delete(self, user_id: str) -> None:
        try:
            await self.scim.delete(ScimUser, user_id)
        except Exception as error:
            raise sorted_failure(error, f"deleting user {user_id}") from None

    async def applications(self) -> list[str]:
        body = await self.call("listing applications", "GET", "/apps")
        return [str(name) for name in body.get("applications", [])]


@contextlib.asynccontextmanager
async def connect() -> AsyncIterator[IdentityProvider]:
    """A connection to the configured identity provider, closed afterwards."""
    system = _system()
    try:
        token = secret_field(system.credential, "token")
    except SecretNotFound as missing:
        raise ApplicationError(str(missing), type="IdentityRefused", non_retryable=True) from None
    root = system.url.rstrip("/")
    headers = {"Authorization": f"Bearer {token}"}
    async with (
        httpx2.AsyncClient(
            base_url=f"{root}/scim/v2", headers=headers, timeout=TIMEOUT_SECONDS
        ) as scim_http,
        httpx2.AsyncClient(base_url=root, headers=headers, timeout=TIMEOUT_SECONDS) as http,
    ):
        yield IdentityProvider(AsyncSCIMClient(scim_http, provider=_provider()), http)

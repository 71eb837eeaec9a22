"""The SCIM 2.0 endpoints: scim2-server's ASGI application, behind a bearer token.

The provider serves Users (with the enterprise extension: department, manager) and
Groups, and announces what the sandbox supports: PATCH, filters, sorting and ETags
(``If-Match`` on a stale version answers 412). Bulk and password changes are not
announced: the engine never uses them.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping

from scim2_models import (
    AuthenticationScheme,
    EnterpriseUser,
    External,
    Group,
    Reference,
    ResourceType,
    ScimProvider,
    ServiceProviderConfig,
    UnauthorizedException,
    User,
)
from scim2_server.applications.asgi import ASGIApplication
from scim2_server.requests import ScimRequest
from scim2_server.service import ScimService
from scim2_server.storage import AsyncScimStorage

BEARER = AuthenticationScheme(
    type=AuthenticationScheme.Type.oauthbearertoken,
    name="OAuth Bearer Token",
    description="Authentication with a bearer token (Authorization: Bearer <token>)",
    spec_uri=Reference[External]("https://datatracker.ietf.org/doc/html/rfc6750"),
    primary=True,
)


def provider() -> ScimProvider:
    config = ServiceProviderConfig.model_validate(
        {
            "patch": {"supported": True},
            "bulk": {"supported": False, "maxOperations": 0, "maxPayloadSize": 0},
            "filter": {"supported": True, "maxResults": 200},
            "changePassword": {"supported": False},
            "sort": {"supported": True},
            "etag": {"supported": True},
        }
    )
    config.authentication_schemes = [BEARER]
    return ScimProvider(
        models=[User, EnterpriseUser, Group],
        resource_types=[
            ResourceType.from_resource(User[EnterpriseUser]),
            ResourceType.from_resource(Group),
        ],
        config=config,
    )


def token_accepted(authorization: str | None, tokens: Mapping[str, str]) -> bool:
    """Whether an ``Authorization`` header carries one of the tokens (compared in constant time)."""
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        return False
    return any(hmac.compare_digest(token.strip(), known) for known in tokens.values())


class ScimApplication(ASGIApplication):
    """scim2-server's ASGI application, refusing a request without a known bearer token."""

    def __init__(
        self, storage: AsyncScimStorage, scim_provider: ScimProvider, tokens: Mapping[str, str]
    ) -> None:
        super().__init__(storage, scim_provider, ScimService(scim_provider))
        self.tokens = dict(tokens)

    def check_auth(self, request: ScimRequest) -> None:
        if not token_accepted(request.header("Authorization"), self.tokens):
            raise UnauthorizedException(
                detail="a bearer token is needed: Authorization: Bearer <token>"
            )

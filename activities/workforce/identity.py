"""``identity.*``: accounts on the identity provider, from a new hire's to a leaver's.

A new hire's account is made inactive (``identity.create_user``) and switched on on the
first morning (``identity.activate_user``); a leaver's is switched off and everything the
applications issued is revoked (``identity.deactivate_user``), then checked
(``identity.active_logins``). Each is safe to run again: the external id (the HR
reference) finds an account already made, and switching off an account already off
revokes nothing twice.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field
from scim2_models import Email, EnterpriseUser, Name, SCIMException, UniquenessException
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.workforce.identity_provider import (
    IdentityProvider,
    ScimUser,
    connect,
    sorted_failure,
)
from backoffice.packs import activity as register

PROVIDER_ERRORS = ["IdentityProviderUnavailable", "IdentityRefused"]


class NewUser(BaseModel):
    user_name: str = Field(min_length=1, description="The sign-in name, e.g. jordan.miller.")
    external_id: str = Field(
        min_length=1, description="The HR reference the account belongs to (onboarding id)."
    )
    given_name: str
    family_name: str
    email: str
    groups: list[str] = Field(default=[], description="Groups (by name) to add the user to.")
    title: str = ""
    department: str = ""


class IdentityUser(BaseModel):
    user_id: str
    user_name: str
    active: bool
    groups: list[str]
    created: bool = Field(default=False, description="False when the account already existed.")


class UserRef(BaseModel):
    user_name: str = Field(min_length=1)


class Deactivation(BaseModel):
    user_name: str = Field(min_length=1)
    reason: str = "leaver"


class AppRevocation(BaseModel):
    application: str
    sessions_ended: int
    tokens_revoked: int


class Deactivated(BaseModel):
    user_id: str
    user_name: str
    active: bool = False
    deactivated_at: str = Field(description="When the account was switched off (UTC, ISO).")
    applications: list[AppRevocation]


class Removed(BaseModel):
    user_name: str
    action: Literal["deleted", "deactivated", "absent"]


class Login(BaseModel):
    application: str
    kind: Literal["session", "token"]
    since: str


class LoginCheck(BaseModel):
    user_name: str
    active: bool
    logins: list[Login]
    applications_checked: list[str]
    clean: bool = Field(description="The account is off and no application has a login.")


class Handover(BaseModel):
    user_name: str = Field(min_length=1)
    to_user_name: str = Field(min_length=1)
    auto_reply_days: int = Field(ge=0)
    delete_after_days: int = Field(ge=1)


class MailboxHandover(BaseModel):
    shared: bool
    auto_reply_until: str
    delete_on: str
    files_moved: int


async def _existing(idp: IdentityProvider, user_name: str) -> ScimUser:
    user = await idp.find_user(userName=user_name)
    if user is None:
        raise ApplicationError(
            f"the identity provider has no user '{user_name}': check the user name (the "
            "sign-in name, as in jordan.miller), or create the account first",
            type="UserNotFound",
            non_retryable=True,
        )
    return user


async def _as_result(idp: IdentityProvider, user: ScimUser, created: bool) -> IdentityUser:
    return IdentityUser(
        user_id=str(user.id),
        user_name=str(user.user_name),
        active=bool(user.active),
        groups=await idp.group_names_of(str(user.id)),
        created=created,
    )


async def _join_groups(idp: IdentityProvider, user_id: str, names: list[str]) -> None:
    known = {str(g.display_name): g for g in await idp.all_groups()}
    missing = [name for name in names if name not in known]
    if missing:
        raise ApplicationError(
            f"the identity provider has no group {', '.join(repr(n) for n in missing)} "
            f"(it has: {', '.join(sorted(known))}): correct the group names in the definition, "
            "or ask IT to create the group",
            type="IdentityRefused",
            non_retryable=True,
        )
    for name in names:
        group = known[name]
        if any(member.value == user_id for member in group.members or []):
            continue  # joined by an earlier attempt
        await idp.patch(
            type(group),
            str(group.id),
            {"op": "add", "path": "members", "value": [{"value": user_id}]},
            doing=f"adding the user to the group {name}",
        )


@register(errors=[*PROVIDER_ERRORS, "UserNameTaken"])
@activity.defn(name="identity.create_user")
async def create_user(new: NewUser) -> IdentityUser:
    """Create an account, switched off until day one, in its groups.

    An account with the same external id (an earlier attempt, or an earlier run) is the
    result instead, with ``created: false``.
    """
    async with connect() as idp:
        user = await idp.find_user(externalId=new.external_id)
        if user is not None:
            await _join_groups(idp, str(user.id), new.groups)
            return await _as_result(idp, user, created=False)
        holder = await idp.find_user(userName=new.user_name)
        if holder is not None:
            raise _taken(new, str(holder.external_id or "none"))
        account = ScimUser(
            user_name=new.user_name,
            external_id=new.external_id,
            active=False,
            name=Name(given_name=new.given_name, family_name=new.family_name),
            display_name=f"{new.given_name} {new.family_name}",
            emails=[Email(value=new.email, primary=True, type="work")],
            title=new.title or None,
        )
        if new.department:
            account[EnterpriseUser] = EnterpriseUser(department=new.department)
        try:
            user = await idp.create(account)
        except UniquenessException:
            raise _taken(new, "another") from None
        except (SCIMException, Exception) as error:
            raise sorted_failure(error, f"creating the user {new.user_name}") from None
        await _join_groups(idp, str(user.id), new.groups)
        return await _as_result(idp, user, created=True)


def _taken(new: NewUser, holder: str) -> ApplicationError:
    return ApplicationError(
        f"the user name '{new.user_name}' is taken by another person's account (external id "
        f"{holder}): choose another, e.g. '{new.user_name}2' or with a middle initial",
        type="UserNameTaken",
        non_retryable=True,
    )


@register(errors=[*PROVIDER_ERRORS, "UserNotFound"])
@activity.defn(name="identity.activate_user")
async def activate_user(ref: UserRef) -> IdentityUser:
    """Switch an account on, so its person can sign in."""
    async with connect() as idp:
        user = await _existing(idp, ref.user_name)
        if not user.active:
            user = await idp.set_active(str(user.id), True)
        return await _as_result(idp, user, created=False)


async def _revoke_everywhere(idp: IdentityProvider, user_id: str) -> list[AppRevocation]:
    revoked = []
    for application in await idp.applications():
        body = await idp.call(
            f"revoking the sign-in sessions on {application}",
            "POST",
            f"/apps/{application}/users/{user_id}/revokeSignInSessions",
        )
        revoked.append(
            AppRevocation(
                application=application,
                sessions_ended=int(body.get("sessions_ended", 0)),
                tokens_revoked=int(body.get("tokens_revoked", 0)),
            )
        )
    return revoked


@register(errors=[*PROVIDER_ERRORS, "UserNotFound"])
@activity.defn(name="identity.deactivate_user")
async def deactivate_user(request: Deactivation) -> Deactivated:
    """Switch an account off and revoke its sessions and refresh tokens everywhere.

    Switching off stops the next sign-in, not the ones already made: every application
    ends its sessions and revokes its refresh tokens too.
    """
    async with connect() as idp:
        user = await _existing(idp, request.user_name)
        if user.active:
            user = await idp.set_active(str(user.id), False)
        revoked = await _revoke_everywhere(idp, str(user.id))
        modified = user.meta.last_modified if user.meta else None
        return Deactivated(
            user_id=str(user.id),
            user_name=str(user.user_name),
            deactivated_at=modified.isoformat().replace("+00:00", "Z") if modified else "",
            applications=revoked,
        )


@register(errors=PROVIDER_ERRORS)
@activity.defn(name="identity.remove_user")
async def remove_user(ref: UserRef) -> Removed:
    """Undo the account of someone who will not start: deleted, or switched off if it was on.

    An account still off (made so, never switched on) is deleted; one switched on is
    switched off and its sessions revoked, so what it did stays on record.
    """
    async with connect() as idp:
        user = await idp.find_user(userName=ref.user_name)
        if user is None:
            return Removed(user_name=ref.user_name, action="absent")
        if user.active:
            await idp.set_active(str(user.id), False)
            await _revoke_everywhere(idp, str(user.id))
            return Removed(user_name=ref.user_name, action="deactivated")
        await idp.delete(str(user.id))
        return Removed(user_name=ref.user_name, action="deleted")


@register(errors=PROVIDER_ERRORS)
@activity.defn(name="identity.active_logins")
async def active_logins(ref: UserRef) -> LoginCheck:
    """Every session and refresh token the applications still honour for the user."""
    async with connect() as idp:
        applications = await idp.applications()
        user = await idp.find_user(userName=ref.user_name)
        if user is None:
            return LoginCheck(
                user_name=ref.user_name,
                active=False,
                logins=[],
                applications_checked=applications,
                clean=True,
            )
        logins = []
        for application in applications:
            body = await idp.call(
                f"reading the logins on {application}",
                "GET",
                f"/apps/{application}/users/{user.id}/logins",
            )
            logins += [
                Login(application=application, kind=login["kind"], since=login["since"])
                for login in body.get("logins", [])
            ]
        active = bool(user.active)
        return LoginCheck(
            user_name=ref.user_name,
            active=active,
            logins=logins,
            applications_checked=applications,
            clean=not active and not logins,
        )


@register(errors=[*PROVIDER_ERRORS, "UserNotFound"])
@activity.defn(name="identity.hand_over_mailbox")
async def hand_over_mailbox(handover: Handover) -> MailboxHandover:
    """Share a leaver's mailbox with their successor and give the successor their files.

    The mailbox gets an auto-reply for ``auto_reply_days`` and is deleted after
    ``delete_after_days``. Run again, it answers what the first run did.
    """
    async with connect() as idp:
        leaver = await _existing(idp, handover.user_name)
        successor = await _existing(idp, handover.to_user_name)
        box = await idp.call(
            "converting the mailbox to a shared one",
            "POST",
            f"/apps/mail/users/{leaver.id}/mailbox/convertToShared",
            json={
                "delegate": successor.user_name,
                "auto_reply_days": handover.auto_reply_days,
                "delete_after_days": handover.delete_after_days,
                "auto_reply": f"{leaver.display_name or leaver.user_name} has left; please "
                f"write to {successor.display_name or successor.user_name}.",
            },
        )
        moved = await idp.call(
            "moving the files to their new owner",
            "POST",
            f"/apps/mail/users/{leaver.id}/files/transferOwnership",
            json={"to": successor.user_name},
        )
        return MailboxHandover(
            shared=bool(box.get("shared")),
            auto_reply_until=str(box.get("auto_reply_until", "")),
            delete_on=str(box.get("delete_on", "")),
            files_moved=int(moved.get("files_moved", 0)),
        )

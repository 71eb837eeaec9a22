"""The sandbox identity provider: SCIM 2.0 users and groups, and the applications behind it.

Users and groups are served at ``/scim/v2`` (RFC 7643/7644) by scim2-server over a SQLite
file, so what was provisioned survives a restart. Behind the provider sit four
applications (``directory``, ``mail``, ``vpn``, ``erp``) that keep sign-in sessions and
refresh tokens per user, as the ones a real provider federates do: deactivating a user
stops new sign-ins, but what was already issued lives on until it is revoked, which is why
offboarding revokes and then checks. See docs/systems/idp.md.
"""

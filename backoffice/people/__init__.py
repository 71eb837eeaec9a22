"""The directory of people: who exists, who manages whom, who may approve what.

Loaded from ``directory/people.yaml`` into the records database for the embedded default,
behind the :class:`~backoffice.people.directory.Directory` interface that an LDAP, SCIM or
HR-system directory can implement instead.
"""

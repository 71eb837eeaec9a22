"""Sandbox systems with an API, run by ``backoffice dev`` and the tests on 127.0.0.1.

The legacy systems the bots drive through screens are in ``legacy/``; these are the
modern ones the activities call: an identity provider speaking SCIM 2.0, an HRIS, an IT
asset register and a background-check vendor that answers by webhook. Each runs as its own
process on its own port with its own SQLite file, as separate systems do.
"""

"""The approvals inbox: a web application where people see and decide their tasks.

Started by ``backoffice dev`` (and ``backoffice inbox`` on its own). Listing reads the
task table; every action is a Temporal update on the task's process, with the identity
of the signed-in person (password from the directory, or single sign-on by header).
"""

from backoffice.inbox.app import create_app

__all__ = ["create_app"]

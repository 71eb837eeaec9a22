"""The ``backoffice`` command line."""

"""Runs the worker: ``python worker.py`` is the same as ``backoffice worker``.

The runtime is :mod:`backoffice.worker`; this script only starts it from a checkout.
"""

from backoffice.worker import main

if __name__ == "__main__":
    main()

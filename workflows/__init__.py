"""Code that runs inside Temporal's deterministic workflow sandbox, and nothing else.

Modules here import only the standard library, ``temporalio`` and, through
``workflow.unsafe.imports_passed_through()``, pure modules of this project. No I/O, clocks,
randomness or environment: those belong in activities.
"""

"""The process definition language: its model, expressions, loading and validation.

``model``, ``durations`` and ``expressions`` are pure (no I/O, clock or randomness) so the
interpreter can use them inside the workflow sandbox; ``source``, ``validate``, ``explain``
and ``schema`` read files and run only outside workflows.
"""

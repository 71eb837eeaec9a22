"""Business events that other systems push to the engine, and the runs waiting for them.

A run that waits for an event with a ``key`` (``wait: {event: goods_received, key: ...}``)
subscribes while it waits; a system that knows only the key (the ERP knows the PO number,
never a workflow id) posts a signed webhook to the receiver, which signals every
subscribed run. The event is a hint: the definition reads the system again.
"""

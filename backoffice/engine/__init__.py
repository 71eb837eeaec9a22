"""Running definitions: what a run carries, and the client-side API to start and steer runs."""

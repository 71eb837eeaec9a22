"""backoffice: back-office processes as durable Temporal workflows, defined in YAML."""

__version__ = "0.1.0"

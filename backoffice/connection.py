"""Connecting to Temporal with the engine's settings, converter (encrypting) and metrics."""

from __future__ import annotations

from temporalio.client import Client
from temporalio.envconfig import ClientConnectConfig
from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig

from backoffice.errors import BackofficeError
from backoffice.payload_codec import data_converter
from backoffice.payload_keys import payload_keys
from backoffice.settings import Settings

_runtimes: dict[int, Runtime] = {}


class ConnectionFailed(BackofficeError):
    """Temporal could not be reached; the message says where it looked and what to do."""


def metrics_runtime(port: int) -> Runtime:
    """One runtime per metrics port: Temporal's core binds the Prometheus endpoint once."""
    if port not in _runtimes:
        _runtimes[port] = Runtime(
            telemetry=TelemetryConfig(metrics=PrometheusConfig(bind_address=f"127.0.0.1:{port}"))
        )
    return _runtimes[port]


def dev_server_connection(port: int) -> ClientConnectConfig:
    """The embedded dev server: plain gRPC on localhost, default namespace, no credentials."""
    return {"target_host": f"localhost:{port}", "namespace": "default"}


async def connect(settings: Settings, connection: ClientConnectConfig | None = None) -> Client:
    """Connect with the engine's converter, to ``connection`` or the configured cluster.

    The payload keys are read first: missing ones stop the command before it connects.
    """
    converter = data_converter(payload_keys(settings))
    options = dict(connection if connection is not None else settings.temporal)
    runtime = metrics_runtime(settings.metrics_port) if settings.metrics_port else None
    address = options.get("target_host")
    try:
        return await Client.connect(
            **options,  # type: ignore[arg-type]
            data_converter=converter,
            runtime=runtime,
        )
    except RuntimeError as error:
        raise ConnectionFailed(
            f"cannot reach Temporal at {address} (namespace {options.get('namespace')}): "
            f"{error}. Start the embedded stack with `backoffice dev`, or point "
            "TEMPORAL_ADDRESS / TEMPORAL_PROFILE at your cluster."
        ) from error

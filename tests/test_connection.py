"""Connecting uses the settings; a bad address fails with advice; metrics are served."""

from __future__ import annotations

import http.client
from pathlib import Path

import pytest
from temporalio.testing import WorkflowEnvironment
from typer.testing import CliRunner

from backoffice.cli.main import app
from backoffice.connection import ConnectionFailed, connect
from backoffice.settings import load_settings
from tests.support.network import free_port
from tests.support.payload_keys import KEY_ENVIRONMENT


async def test_unreachable_server_names_the_address_and_what_to_do() -> None:
    settings = load_settings({"TEMPORAL_ADDRESS": f"127.0.0.1:{free_port()}", **KEY_ENVIRONMENT})
    with pytest.raises(ConnectionFailed) as caught:
        await connect(settings)
    assert "cannot reach Temporal at 127.0.0.1:" in str(caught.value)
    assert "backoffice dev" in str(caught.value)


async def test_metrics_port_serves_prometheus_metrics(dev_env: WorkflowEnvironment) -> None:
    port = free_port()
    target = dev_env.client.service_client.config.target_host
    settings = load_settings(
        {"TEMPORAL_ADDRESS": target, "BACKOFFICE_METRICS_PORT": str(port), **KEY_ENVIRONMENT}
    )
    client = await connect(settings)
    await client.count_workflows()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", "/metrics")
    response = connection.getresponse()
    body = response.read().decode()
    connection.close()
    assert response.status == 200
    assert "temporal_" in body


def test_config_command_masks_the_api_key(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("TEMPORAL_API_KEY", "sk-live-very-secret")
    monkeypatch.setenv("BACKOFFICE_STATE_DIR", str(tmp_path))
    result = CliRunner().invoke(app, ["config"])
    assert result.exit_code == 0, result.output
    assert "sk-live-very-secret" not in result.output
    assert "temporal.api_key" in result.output
    assert "***" in result.output


def test_bad_setting_is_one_clear_line_and_exit_1(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BACKOFFICE_LOG_FORMAT", "xml")
    result = CliRunner().invoke(app, ["config"])
    assert result.exit_code == 1
    assert "error: invalid settings:" in result.output
    assert "BACKOFFICE_LOG_FORMAT = 'xml'" in result.output

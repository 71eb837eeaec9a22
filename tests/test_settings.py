"""Settings are read once, validated, and fail with a message that names the variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from backoffice.settings import SettingsError, load_settings


def test_defaults_put_state_databases_and_artifacts_under_the_state_dir() -> None:
    settings = load_settings({})
    assert settings.state_dir == Path(".backoffice")
    assert settings.resolved_database_url == (
        f"sqlite:///{(Path('.backoffice') / 'backoffice.db').resolve()}"
    )
    assert settings.resolved_artifacts_dir == Path(".backoffice/artifacts")
    assert settings.task_queue == "backoffice"
    assert settings.temporal["target_host"] == "localhost:7233"
    assert settings.temporal["namespace"] == "default"


def test_environment_variables_override_defaults() -> None:
    settings = load_settings(
        {
            "BACKOFFICE_STATE_DIR": "/srv/bo",
            "BACKOFFICE_LOG_FORMAT": "json",
            "BACKOFFICE_LOG_LEVEL": "debug",
            "BACKOFFICE_METRICS_PORT": "9464",
            "BACKOFFICE_BROWSER_HEADLESS": "false",
            "BACKOFFICE_DATABASE_URL": "postgresql+psycopg://bo@db.internal/backoffice",
        }
    )
    assert settings.state_dir == Path("/srv/bo")
    assert settings.log_format == "json"
    assert settings.log_level == "DEBUG"
    assert settings.metrics_port == 9464
    assert settings.browser_headless is False
    assert settings.resolved_database_url == "postgresql+psycopg://bo@db.internal/backoffice"


def test_bad_value_names_the_variable_and_the_allowed_values() -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings({"BACKOFFICE_LOG_FORMAT": "xml"})
    message = str(caught.value)
    assert "BACKOFFICE_LOG_FORMAT = 'xml'" in message
    assert "'auto', 'console' or 'json'" in message


def test_out_of_range_port_is_rejected() -> None:
    with pytest.raises(SettingsError, match=r"BACKOFFICE_METRICS_PORT = '70000'"):
        load_settings({"BACKOFFICE_METRICS_PORT": "70000"})


def test_unknown_backoffice_variable_is_rejected_with_the_known_ones() -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings({"BACKOFFICE_LOGFORMAT": "json"})
    assert "BACKOFFICE_LOGFORMAT: unknown setting" in str(caught.value)
    assert "BACKOFFICE_LOG_FORMAT" in str(caught.value)


def test_unsupported_database_scheme_is_rejected() -> None:
    with pytest.raises(SettingsError, match="sqlite:///PATH or postgresql"):
        load_settings({"BACKOFFICE_DATABASE_URL": "mysql://x@y/z"})


@pytest.mark.parametrize("scheme", ["postgres", "postgresql"])
def test_a_postgres_url_as_libpq_writes_it_is_opened_with_psycopg(scheme: str) -> None:
    settings = load_settings({"BACKOFFICE_DATABASE_URL": f"{scheme}://bo:pw@db.internal/bo"})
    assert settings.resolved_database_url == "postgresql+psycopg://bo:pw@db.internal/bo"


def test_another_postgres_driver_is_refused_naming_the_form_to_write() -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings({"BACKOFFICE_DATABASE_URL": "postgresql+asyncpg://bo:s3cret@db/bo"})
    message = str(caught.value)
    assert "write postgresql+psycopg://USER:PASSWORD@HOST/DB" in message
    # The refused value is shown, its password masked.
    assert "postgresql+asyncpg://bo:***@db/bo" in message
    assert "s3cret" not in message


def test_settings_file_is_read_and_environment_wins(tmp_path: Path) -> None:
    config = tmp_path / "bo.toml"
    config.write_text('[backoffice]\ntask_queue = "from-file"\nlog_format = "json"\n')
    settings = load_settings(
        {"BACKOFFICE_CONFIG_FILE": str(config), "BACKOFFICE_LOG_FORMAT": "console"}
    )
    assert settings.task_queue == "from-file"
    assert settings.log_format == "console"


def test_unknown_key_in_settings_file_names_the_file(tmp_path: Path) -> None:
    config = tmp_path / "bo.toml"
    config.write_text('[backoffice]\ntask_queu = "x"\n')
    with pytest.raises(SettingsError) as caught:
        load_settings({"BACKOFFICE_CONFIG_FILE": str(config)})
    assert "task_queu" in str(caught.value)
    assert str(config) in str(caught.value)


def test_missing_settings_file_is_an_error_when_named() -> None:
    with pytest.raises(SettingsError, match="no such file"):
        load_settings({"BACKOFFICE_CONFIG_FILE": "/nonexistent/bo.toml"})


def test_temporal_connection_comes_from_temporal_variables() -> None:
    settings = load_settings(
        {
            "TEMPORAL_ADDRESS": "acme.a1b2c.tmprl.cloud:7233",
            "TEMPORAL_NAMESPACE": "acme.a1b2c",
            "TEMPORAL_API_KEY": "not-a-real-key",
        }
    )
    assert settings.temporal["target_host"] == "acme.a1b2c.tmprl.cloud:7233"
    assert settings.temporal["namespace"] == "acme.a1b2c"
    assert settings.temporal["api_key"] == "not-a-real-key"
    # An API key turns TLS on, as Temporal Cloud requires.
    assert settings.temporal["tls"]


def test_temporal_profile_is_read_from_the_client_config_file(tmp_path: Path) -> None:
    profiles = tmp_path / "temporal.toml"
    profiles.write_text(
        '[profile.staging]\naddress = "temporal.staging.internal:7233"\nnamespace = "ops"\n'
    )
    settings = load_settings({"TEMPORAL_CONFIG_FILE": str(profiles), "TEMPORAL_PROFILE": "staging"})
    assert settings.temporal_profile == "staging"
    assert settings.temporal["target_host"] == "temporal.staging.internal:7233"
    assert settings.temporal["namespace"] == "ops"


def test_broken_temporal_config_file_fails_at_start(tmp_path: Path) -> None:
    profiles = tmp_path / "temporal.toml"
    profiles.write_text("[profile.default\naddress=")
    with pytest.raises(SettingsError, match="Temporal connection settings are invalid"):
        load_settings({"TEMPORAL_CONFIG_FILE": str(profiles)})

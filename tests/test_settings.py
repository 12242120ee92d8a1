from pathlib import Path

import pytest

from bot.settings import SHIPPED_BANK_DIR, Settings, SettingsError


def test_defaults_need_no_environment():
    settings = Settings.from_env({})
    assert settings.data_dir == Path("data")
    assert settings.chroma_path == Path("data") / "chroma"
    assert settings.bank_dir == SHIPPED_BANK_DIR
    assert (settings.host, settings.port) == ("127.0.0.1", 7860)
    assert not settings.uses_chroma_server


def test_environment_overrides_every_setting(tmp_path):
    settings = Settings.from_env(
        {
            "BOT_DATA_DIR": str(tmp_path / "d"),
            "BOT_BANK_DIR": str(tmp_path / "b"),
            "BOT_CHROMA_HOST": "127.0.0.1",
            "BOT_CHROMA_PORT": "8123",
            "BOT_HOST": "0.0.0.0",
            "BOT_PORT": "9000",
        }
    )
    assert settings == Settings(
        data_dir=tmp_path / "d", bank_dir=tmp_path / "b", chroma_host="127.0.0.1", chroma_port=8123,
        host="0.0.0.0", port=9000,
    )
    assert settings.uses_chroma_server


def test_empty_values_mean_default():
    assert Settings.from_env({"BOT_CHROMA_HOST": "", "BOT_PORT": ""}) == Settings()


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("BOT_CHROMA_PORT", "abc", "BOT_CHROMA_PORT must be a port number, got 'abc'."),
        ("BOT_PORT", "70000", "BOT_PORT must be between 1 and 65535, got 70000."),
        ("BOT_PORT", "0", "BOT_PORT must be between 1 and 65535, got 0."),
    ],
    ids=["not-a-number", "too-high", "zero"],
)
def test_bad_port_is_a_clear_error(name, value, message):
    with pytest.raises(SettingsError) as raised:
        Settings.from_env({name: value})
    assert str(raised.value) == message


@pytest.mark.parametrize(
    ("environ", "engine"),
    [
        ({}, "offline"),
        ({"OPENAI_API_KEY": "sk-test"}, "llm"),
        ({"OPENAI_BASE_URL": "http://127.0.0.1:8080/v1"}, "llm"),
        ({"OPENAI_API_KEY": "sk-test", "BOT_ENGINE": "offline"}, "offline"),
        ({"BOT_ENGINE": "LLM"}, "llm"),
    ],
    ids=["no-key", "key", "base-url", "forced-offline", "case-insensitive"],
)
def test_engine_defaults_to_llm_only_when_a_provider_is_configured(environ, engine):
    assert Settings.from_env(environ).engine == engine


def test_llm_and_database_settings_from_environment(tmp_path):
    settings = Settings.from_env(
        {
            "BOT_DATA_DIR": str(tmp_path),
            "BOT_MODEL": "qwen2.5:7b",
            "OPENAI_API_KEY": "sk-secret",
            "OPENAI_BASE_URL": "http://127.0.0.1:11434/v1",
            "BOT_LLM_TIMEOUT": "2.5",
            "BOT_LLM_RETRIES": "0",
            "BOT_TOKEN_BUDGET": "4000",
            "BOT_CONCURRENCY": "3",
        }
    )
    assert (settings.model, settings.openai_base_url, settings.llm_timeout) == ("qwen2.5:7b", "http://127.0.0.1:11434/v1", 2.5)
    assert (settings.llm_retries, settings.token_budget, settings.concurrency) == (0, 4000, 3)
    assert settings.database == f"sqlite:///{tmp_path / 'sessions.sqlite3'}"
    assert "sk-secret" not in repr(settings)
    assert Settings.from_env({"BOT_DATABASE_URL": "postgresql://db/coach"}).database == "postgresql://db/coach"


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("BOT_ENGINE", "gpt", "BOT_ENGINE must be one of offline, llm, got 'gpt'."),
        ("BOT_LLM_TIMEOUT", "soon", "BOT_LLM_TIMEOUT must be a number, got 'soon'."),
        ("BOT_LLM_RETRIES", "-1", "BOT_LLM_RETRIES must be at least 0, got -1."),
        ("BOT_TOKEN_BUDGET", "1.5", "BOT_TOKEN_BUDGET must be an integer, got '1.5'."),
        ("BOT_CONCURRENCY", "0", "BOT_CONCURRENCY must be at least 1, got 0."),
    ],
    ids=["engine", "timeout", "retries", "budget", "concurrency"],
)
def test_bad_llm_setting_is_a_clear_error(name, value, message):
    with pytest.raises(SettingsError) as raised:
        Settings.from_env({name: value})
    assert str(raised.value) == message

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

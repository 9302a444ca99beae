"""Settings: defaults, the TOML file, the environment and the command line, in that order."""

import pytest

from backend.config import ConfigError, load_settings


def test_defaults_make_a_bare_run_work():
    settings = load_settings({}, environ={})
    assert settings.embedded
    assert settings.stratum_address == ("127.0.0.1", 3333)
    assert settings.difficulty_range == (0.001, 1e-06, 1e15)


def test_core_defaults_keep_the_difficulty_at_one_or_more():
    settings = load_settings({"node": "http://127.0.0.1:8332"}, environ={})
    assert settings.difficulty_range[:2] == (1.0, 1.0)


def test_command_line_beats_environment_beats_file(tmp_path):
    config = tmp_path / "pool.toml"
    config.write_text('stratum = "0.0.0.0:4000"\nshare_interval = 5.0\nlog_level = "debug"\n')
    environ = {"MINERPOOL_STRATUM": "127.0.0.1:5000", "MINERPOOL_SHARE_INTERVAL": "7"}
    settings = load_settings({"stratum": "127.0.0.1:6000", "log_level": None}, config, environ)
    assert settings.stratum == "127.0.0.1:6000"  # command line
    assert settings.share_interval == 7.0  # environment over the file
    assert settings.log_level == "debug"  # file, because the flag was not given


def test_min_equal_max_fixes_the_difficulty_down_to_the_floor():
    settings = load_settings({"min_difficulty": 1e-10, "max_difficulty": 1e-10}, environ={})
    assert settings.difficulty_range == (1e-10, 1e-10, 1e-10)


def test_limits_table_from_toml_and_json_environment(tmp_path):
    config = tmp_path / "pool.toml"
    config.write_text("[limits]\nmax_line_bytes = 8192\n")
    assert load_settings({}, config, {}).stratum_limits().max_line_bytes == 8192
    environ = {"MINERPOOL_LIMITS": '{"idle_timeout": 0}'}
    assert load_settings({}, None, environ).stratum_limits().idle_timeout == 0


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"start_difficulty": 0}, "start_difficulty: must be a positive finite number"),
        ({"start_difficulty": float("nan")}, "start_difficulty: must be a positive finite"),
        ({"min_difficulty": 1e-11}, "min_difficulty: must be at least 1e-10"),
        ({"min_difficulty": 5, "max_difficulty": 1}, "above max_difficulty"),
        ({"start_difficulty": 10, "max_difficulty": 1}, "outside"),
        ({"stratum": "no-port"}, "stratum: expected HOST:PORT"),
        ({"stratum": "h:70000"}, "outside 0-65535"),
        ({"bogus": 1}, "bogus: unknown setting"),
        ({"limits": {"nope": 1}}, "unknown limit(s): nope"),
        ({"pool_tag": "x" * 33}, "at most 32 bytes"),
    ],
)
def test_bad_settings_are_named_with_the_problem(overrides, message):
    with pytest.raises(ConfigError) as caught:
        load_settings(overrides, environ={})
    assert message in str(caught.value)


def test_broken_toml_file_is_a_clear_error(tmp_path):
    config = tmp_path / "pool.toml"
    config.write_text("stratum = \n")
    with pytest.raises(ConfigError, match=r"pool\.toml"):
        load_settings({}, config, {})
    with pytest.raises(ConfigError, match="cannot read"):
        load_settings({}, tmp_path / "missing.toml", {})

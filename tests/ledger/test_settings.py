"""The ledger's settings as the pool reads them: exact fee, roles, databases, JSON overrides."""

from decimal import Decimal

import pytest

from backend.config import ConfigError, load_settings
from backend.ledger.rewards import pool_fee


def test_the_fee_is_exact_however_it_is_written(tmp_path):
    assert load_settings({"pool_fee": 2.5}, environ={}).pool_fee == Decimal("2.5")
    settings = load_settings({}, environ={"MINERPOOL_POOL_FEE": "1.25"})
    assert pool_fee(settings.pool_fee) * 400 == 5
    config = tmp_path / "pool.toml"
    config.write_text("pool_fee = 0.1\n[ledger]\nbatch_interval = 0.2\n")
    settings = load_settings(config_file=config, environ={})
    assert settings.pool_fee == Decimal("0.1") and settings.ledger.batch_interval == 0.2
    with pytest.raises(ConfigError, match="pool_fee"):
        load_settings({"pool_fee": 100}, environ={})


def test_ledger_settings_from_the_environment_as_json():
    settings = load_settings({}, environ={"MINERPOOL_LEDGER": '{"worker_offline_after": 5}'})
    assert settings.ledger.worker_offline_after == 5
    with pytest.raises(ConfigError, match="ledger"):
        load_settings({}, environ={"MINERPOOL_LEDGER": '{"nonsense": 1}'})


def test_split_roles_need_a_shared_chain_and_databases_are_urls():
    with pytest.raises(ConfigError, match="needs --node"):
        load_settings({"role": "stratum"}, environ={})
    settings = load_settings(
        {"role": "api", "node": "http://127.0.0.1:18443", "database": "postgresql://h/db"},
        environ={},
    )
    assert settings.role == "api"
    with pytest.raises(ConfigError, match="database"):
        load_settings({"database": "mysql://x"}, environ={})

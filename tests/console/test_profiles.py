"""Profiles, secrets, the local owner key, and the command line that uses them."""

from __future__ import annotations

import io
import json
import os
import stat

import pytest

from minerconsole import cli
from minerconsole.profiles import (
    Profile,
    ProfileError,
    ProfileStore,
    config_dir,
    credentials_from_env,
    pool_data_dir,
    read_owner_key,
)


def test_secrets_file_is_0600_and_refused_when_readable(tmp_path):
    store = ProfileStore(tmp_path / "config")
    store.save("home", Profile(url="https://pool.example", key="k1"), "s3cret")
    mode = stat.S_IMODE(store.secrets_path.stat().st_mode)
    assert mode == 0o600
    credentials = store.credentials("home")
    assert credentials.secret.get_secret_value() == "s3cret"
    assert "s3cret" not in repr(credentials) and "s3cret" not in str(credentials)
    assert "s3cret" not in store.profiles_path.read_text()
    os.chmod(store.secrets_path, 0o644)
    with pytest.raises(ProfileError, match="chmod 600"):
        store.credentials("home")


def test_unknown_profile_and_removal(tmp_path):
    store = ProfileStore(tmp_path)
    with pytest.raises(ProfileError, match="no profile named"):
        store.get("nope")
    store.save("a", Profile(url="http://a", key="k"), "s")
    store.remove("a")
    assert store.names() == []


def test_owner_key_written_by_the_pool_is_read(tmp_path):
    assert read_owner_key(tmp_path) is None
    key_file = {"key": "k", "secret": "s", "owner": "local", "api": "http://127.0.0.1:8080"}
    (tmp_path / "owner-key.json").write_text(json.dumps(key_file))
    credentials = read_owner_key(tmp_path)
    assert credentials.url == "http://127.0.0.1:8080"
    (tmp_path / "owner-key.json").write_text("{broken")
    with pytest.raises(ProfileError):
        read_owner_key(tmp_path)


def test_environment_and_directories(tmp_path):
    env = {"MINERCONSOLE_KEY": "k", "MINERCONSOLE_SECRET": "s"}
    assert credentials_from_env("http://x", env).key == "k"
    assert credentials_from_env("http://x", {}) is None
    assert config_dir({"MINERCONSOLE_CONFIG_DIR": str(tmp_path)}) == tmp_path
    assert pool_data_dir({"MINERPOOL_DATA_DIR": str(tmp_path)}) == tmp_path
    assert pool_data_dir({}).name == "minerpool"


def test_profile_add_reads_the_secret_without_echo(monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO("top-secret\n"))
    code = cli.main(["profile", "add", "home", "--url", "https://pool.example", "--key", "k9"])
    out = capsys.readouterr().out
    assert code == 0 and "top-secret" not in out
    assert ProfileStore(config_dir()).credentials("home").secret.get_secret_value() == "top-secret"
    cli.main(["profile", "list"])
    assert "top-secret" not in capsys.readouterr().out


@pytest.mark.parametrize(
    "link,expected",
    [
        (
            "http://127.0.0.1:8080/mining-pool/watcher-link/ab12?token=T0k-en_",
            ("http://127.0.0.1:8080", "T0k-en_"),
        ),
        ("https://pool.example/mining-pool/watcher-link/T0k", ("https://pool.example", "T0k")),
    ],
)
def test_watch_links_are_parsed(link, expected):
    assert cli.parse_watch_link(link) == expected


@pytest.mark.parametrize("link", ["ftp://x/y?token=a", "https://pool.example/", "not a link"])
def test_bad_watch_links_are_refused(link):
    with pytest.raises(ValueError):
        cli.parse_watch_link(link)


def test_remote_without_a_key_says_how_to_give_one(capsys):
    assert cli.main(["--url", "https://pool.example"]) == 1
    assert "MINERCONSOLE_KEY" in capsys.readouterr().err


def test_no_local_pool_says_so(monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    assert cli.main([]) == 1
    out = capsys.readouterr().out
    assert "No minerpool is running" in out and "minerpool run" in out

"""Config errors name the key; relative paths follow the config file, not the working directory."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from bot.config import ConfigError, load_config
from tests.conftest import ROOT


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(body, encoding="utf-8")
    return path


def test_embedded_default_without_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "knowledge").mkdir()
    config = load_config()
    assert config.source is None
    assert config.knowledge_dir == tmp_path / "knowledge"
    assert config.database_url == f"sqlite:///{tmp_path / 'data' / 'bot.db'}"
    assert config.grace == timedelta(minutes=15)
    assert config.retention == timedelta(days=90)
    assert "console" in config.targets


def test_embedded_default_elsewhere_reads_the_bundled_knowledge(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # a folder with no knowledge/ of its own
    config = load_config()
    assert config.knowledge_dir == ROOT / "knowledge"
    assert config.schedules_dir == ROOT / "schedules"


def test_relative_paths_resolve_against_the_config_folder(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "knowledge: {path: kb, stale_after: 30d, retention: 7d}\ndatabase: {url: 'sqlite:///db/x.db'}\n",
    )
    config = load_config(path)
    assert config.knowledge_dir == tmp_path / "kb"
    assert config.database_url == f"sqlite:///{tmp_path / 'db' / 'x.db'}"
    assert config.stale_after == timedelta(days=30)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("knowlege: {path: kb}\n", "knowlege: unknown setting"),
        ("knowledge: {pth: kb}\n", "knowledge.pth: unknown setting"),
        ("knowledge: {retention: soon}\n", "knowledge.retention: 'soon' is not a duration"),
        ("timezone: Mars/Olympus\n", "timezone: 'Mars/Olympus' is not an IANA time zone"),
        ("reminders: {grace: 15}\n", "reminders.grace: 15 is not a duration"),
        ("discord: {guild_id: abc}\n", "discord.guild_id: expected a numeric"),
        (
            "roles: {organizers: {telegram_users: 5}}\n",
            "roles.organizers.telegram_users: expected a list",
        ),
        ("matcher: {threshold: 3}\n", "matcher.threshold: expected a number between 0 and 1"),
        ("knowledge: [1, 2\n", "config.yaml:1: not valid YAML (a [list] that starts here is not"),
        ("reconnect: {first: 0s}\n", "reconnect.first: 0:00:00 is too short; write 1s or more"),
        ("health: {port: 99999}\n", "health.port: expected a port number"),
        ("telegram: {username: 'my bot'}\n", "telegram.username: expected the bot's Telegram"),
        ("discord: {shard_count: 0}\n", "discord.shard_count: expected the number of shards, 1"),
        ("discord: {shard_count: two}\n", "discord.shard_count: expected the number of shards"),
        ("discord: {shard_count: true}\n", "discord.shard_count: expected the number of shards"),
        ("discord: {shard_ids: [0]}\n", "discord.shard_ids: needs discord.shard_count"),
        (
            "discord: {shard_count: 2, shard_ids: [2]}\n",
            "discord.shard_ids: 2 is not a shard of 2; use whole numbers from 0 to 1",
        ),
        ("discord: {shard_count: 2, shard_ids: [-1]}\n", "discord.shard_ids: -1 is not a shard"),
        ("discord: {shard_count: 4, shard_ids: [1, 3, 1]}\n", "discord.shard_ids: 1 listed twice"),
        ("discord: {shard_count: 2, shard_ids: []}\n", "discord.shard_ids: expected a list"),
        ("discord: {shard_count: 2, shard_ids: 1}\n", "discord.shard_ids: expected a list"),
        ("discord: {shards: 2}\n", "discord.shards: unknown setting; known: base_url"),
        ("telegram: {mode: hook}\n", "telegram.mode: 'hook' is not a mode"),
        ("telegram: {mode: webhook}\n", "telegram.webhook.url: required when telegram.mode"),
        ("telegram: {webhook: {url: bot.example.org}}\n", "telegram.webhook.url: expected an"),
        ("telegram: {webhook: {port: 0}}\n", "telegram.webhook.port: expected a port number"),
        ("telegram: {webhook: {port: '80'}}\n", "telegram.webhook.port: expected a port number"),
        ("telegram: {webhook: {lease: 0s}}\n", "telegram.webhook.lease: 0:00:00 is too short"),
        ("telegram: {webhook: {secret: x}}\n", "telegram.webhook.secret: unknown setting"),
    ],
)
def test_errors_name_the_key(tmp_path: Path, body: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, body))
    assert message in str(caught.value)


def test_a_telegram_username_gives_deep_links_to_answers(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, "telegram: {username: '@ForumPrepBot'}\n"))
    assert config.telegram.deep_link("sb54-what-it-is") == (
        "https://t.me/ForumPrepBot?start=sb54-what-it-is"
    )
    assert load_config(write(tmp_path, "telegram: {}\n")).telegram.deep_link("x") is None


def test_tokens_come_from_the_environment_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = load_config(write(tmp_path, "telegram: {enabled: true}\n"))
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    assert config.token("telegram") is None
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123:abc")
    assert config.token("telegram") == "123:abc"
    assert "123:abc" not in repr(config)


def test_webhook_mode_reads_its_address_and_defaults(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, "telegram: {}\n"))
    assert config.telegram.mode == "polling", "polling unless asked"
    body = "telegram: {mode: webhook, webhook: {url: 'https://bot.example.org/tg/hook'}}\n"
    hook = load_config(write(tmp_path, body)).telegram.webhook
    assert (hook.url, hook.path) == ("https://bot.example.org/tg/hook", "/tg/hook")
    assert (hook.listen, hook.port, hook.lease) == ("127.0.0.1", 8080, timedelta(seconds=30))
    body = (
        "telegram: {mode: webhook, webhook: {url: 'https://bot.example.org', listen: 0.0.0.0,"
        " port: 9000, lease: 1m}}\n"
    )
    hook = load_config(write(tmp_path, body)).telegram.webhook
    assert (hook.path, hook.listen, hook.port, hook.lease) == (
        "/",
        "0.0.0.0",  # noqa: S104 - as behind a load balancer
        9000,
        timedelta(minutes=1),
    )


@pytest.mark.parametrize(
    ("secret", "problem"),
    [
        (None, "TELEGRAM_WEBHOOK_SECRET is not set"),
        ("has space", "TELEGRAM_WEBHOOK_SECRET may hold only"),
        ("x" * 257, "TELEGRAM_WEBHOOK_SECRET may hold only"),
        ("good_Secret-123", None),
    ],
)
def test_the_webhook_secret_comes_from_the_environment_and_follows_telegram_rules(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, secret: str | None, problem: str | None
) -> None:
    body = "telegram: {mode: webhook, webhook: {url: 'https://bot.example.org/tg'}}\n"
    config = load_config(write(tmp_path, body))
    if secret is None:
        monkeypatch.delenv("TELEGRAM_WEBHOOK_SECRET", raising=False)
    else:
        monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", secret)
    found = config.webhook_secret_problem()
    assert found is None if problem is None else problem in (found or "")
    if secret:
        assert secret not in (found or ""), "the secret is never repeated back"
    polling = load_config(write(tmp_path, "telegram: {}\n"))
    assert polling.webhook_secret_problem() is None, "polling needs no webhook secret"


def test_example_config_loads() -> None:
    example = Path(__file__).resolve().parent.parent / "config.example.yaml"
    config = load_config(example)
    assert config.knowledge_dir.is_dir()


def test_discord_shards_absent_keep_one_connection_and_listed_ones_are_kept(
    tmp_path: Path,
) -> None:
    plain = load_config(write(tmp_path, "discord: {enabled: true}\n")).discord
    assert (plain.shard_count, plain.shard_ids, plain.runs_shard_zero) == (None, None, True)
    every = load_config(write(tmp_path, "discord: {shard_count: 3}\n")).discord
    assert (every.shard_count, every.shard_ids, every.runs_shard_zero) == (3, None, True)
    some = load_config(write(tmp_path, "discord: {shard_count: 4, shard_ids: [3, 1]}\n")).discord
    assert (some.shard_count, some.shard_ids, some.runs_shard_zero) == (4, (3, 1), False)

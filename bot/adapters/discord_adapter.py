"""Discord: slash commands, mentions and DMs, buttons that survive restarts, reminders.

Translation only. The slash commands are generated from the core's command registry, with
Spanish names and typed options; each becomes an Incoming with its options as `args`, and every
Reply is rendered here: embeds or plain text, escaped markdown, Discord timestamps, Discord's
limits. Nobody is ever pinged: the client sends every message and
interaction reply with AllowedMentions.none(), and all text is escaped besides.

With `discord.shard_count` it runs discord.py's AutoShardedClient: this process's shards
(`shard_ids`, else all), its servers' events only, and DMs only with shard 0. Reminders go out
over REST, which any shard's process may use; the shared ledger keeps them to one send.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import aiohttp
import discord
import yarl
from discord import app_commands
from discord.app_commands import Choice
from discord.gateway import DiscordWebSocket
from discord.http import Route

from bot.adapters.base import (
    DeliveryError,
    Handler,
    LinkListener,
    say_link,
)
from bot.adapters.discord_commands import SPANISH, Translator, slash
from bot.adapters.discord_render import MAX_BUTTONS, ActionButton, render
from bot.config import Config
from bot.messages import ChannelRef, CommandSpec, Incoming, Reply, Role

log = logging.getLogger(__name__)

NONCE_LENGTH = 25
DEFER_AFTER = 2.0  # Discord wants an interaction answered within 3 s
REFUSED_HELP = (
    "discord refused DISCORD_TOKEN: set it to the bot's token from the Discord developer "
    "portal (your application → Bot → Reset Token) and restart"
)
NO_INTENT = (
    "discord.message_content is on but the Message Content intent is off in the developer "
    "portal: switch it on (Bot → Privileged Gateway Intents) or set message_content: false"
)

Complete = Callable[[str, str], Sequence[str]]  # (what was typed, language) → questions


class ForumClient(discord.Client):
    """A Client that knows its adapter, so persistent buttons can find it after a restart."""

    def __init__(self, adapter: DiscordAdapter, intents: discord.Intents, **shards: Any) -> None:
        # No voice here: spare operators two warnings about voice libraries at every start.
        discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False
        super().__init__(intents=intents, allowed_mentions=discord.AllowedMentions.none(), **shards)
        self.adapter = adapter

    async def setup_hook(self) -> None:
        await self.adapter.setup()

    async def on_message(self, message: discord.Message) -> None:
        await self.adapter.on_message(message)

    async def on_ready(self) -> None:
        self.adapter.shard_link(0, True)

    async def on_resumed(self) -> None:
        self.adapter.shard_link(0, True)

    async def on_disconnect(self) -> None:
        """discord.py reconnects (and resumes) by itself; meanwhile reminders wait."""
        self.adapter.shard_link(0, False)


class ShardedForumClient(ForumClient, discord.AutoShardedClient):
    """Several gateway connections in one client. Its plain ready, resumed and disconnect
    events fire once for all shards or once for any, so each shard's own events tell."""

    async def on_ready(self) -> None:
        pass

    async def on_resumed(self) -> None:
        pass

    async def on_disconnect(self) -> None:
        pass

    async def on_shard_ready(self, shard_id: int) -> None:
        self.adapter.shard_link(shard_id, True)

    async def on_shard_resumed(self, shard_id: int) -> None:
        self.adapter.shard_link(shard_id, True)

    async def on_shard_disconnect(self, shard_id: int) -> None:
        self.adapter.shard_link(shard_id, False)


class DiscordAdapter:
    name = "discord"

    def __init__(
        self,
        config: Config,
        token: str,
        *,
        complete: Complete | None = None,
        on_blocked: Callable[[ChannelRef], Awaitable[None]] | None = None,
        on_notice: Callable[[str], Awaitable[None]] | None = None,
        commands: Sequence[CommandSpec] = (),
    ) -> None:
        self.config = config
        self.commands = commands  # the core's registry: the command tree is generated from it
        self._token = token
        self._complete = complete
        self._on_blocked = on_blocked
        self._on_notice = on_notice
        self._handle: Handler | None = None
        # set while every shard of this process is ready: reminders wait for it
        self.connected = asyncio.Event()
        self.on_link: LinkListener | None = None
        self.stopped: str | None = None  # why it gave up for good, with what to fix
        settings = config.discord
        self.shards = frozenset(settings.shard_ids or range(settings.shard_count or 1))
        self._ready_shards: set[int] = set()
        use_base_url(config)
        self._new_client()

    def _new_client(self) -> None:
        """A client and its command tree. A closed client cannot log in again (its HTTP
        connector stays closed), so each retry after a failed start gets a new one."""
        intents = discord.Intents.default()  # no privileged intent unless asked for
        intents.message_content = self.config.discord.message_content
        settings = self.config.discord
        if settings.shard_count is None:  # no sharding: one connection, exactly as before
            self.client = ForumClient(self, intents)
        else:
            ids = list(settings.shard_ids) if settings.shard_ids is not None else None
            self.client = ShardedForumClient(
                self, intents, shard_count=settings.shard_count, shard_ids=ids
            )
        self._ready_shards.clear()
        self.tree = app_commands.CommandTree(self.client)
        self._add_commands()

    def shard_link(self, shard: int, up: bool) -> None:
        """`connected` means every shard of this process is ready: one shard dropping is said
        once, and its return once all are back, however the others come and go meanwhile."""
        if up:
            self._ready_shards.add(shard)
        else:
            self._ready_shards.discard(shard)
        if self.config.discord.shard_count is None:
            why = "the gateway connection dropped; discord.py reconnects"
        else:
            down = sorted(self.shards - self._ready_shards)
            which = f"shard{'s' if len(down) > 1 else ''} {', '.join(map(str, down))}"
            why = f"the gateway connection of {which} dropped; discord.py reconnects"
        say_link(self, self._ready_shards >= self.shards, why)

    # Lifecycle ---------------------------------------------------------------------------

    async def run(self, handle: Handler) -> None:
        """Until cancelled (SIGTERM); `async with` closes the gateway and HTTP session. Discord
        out of reach at start raises (the app tries again later); once connected, discord.py
        reconnects by itself. A refused token is said once, with what to fix."""
        self._handle = handle
        self.connected.clear()
        self._ready_shards.clear()
        if self.client.is_closed():  # a retry after a failed start
            self._new_client()
        if self.config.discord.shard_count is not None:
            log.info(
                "discord: running shards %s of %d%s",
                ", ".join(map(str, sorted(self.shards))),
                self.config.discord.shard_count,
                "" if self.config.discord.runs_shard_zero else " (DMs go to shard 0's process)",
            )
        try:
            async with self.client:
                await self.client.start(self._token)
        except discord.LoginFailure:
            self.stopped = REFUSED_HELP
        except discord.PrivilegedIntentsRequired:
            self.stopped = NO_INTENT
        else:  # closed without being asked to: try again
            raise ConnectionError("the Discord connection closed")
        finally:
            self.connected.clear()
        log.error("%s; Discord is off, the rest keeps running", self.stopped)

    async def setup(self) -> None:
        """Buttons first (they must work from the first event), then the command sync. Of
        several processes sharing the shards, only shard 0's syncs: the tree is one per
        application, and N processes writing the same one at each start would only spend
        Discord's rate limit on it (and race a newer version against an older)."""
        self.client.add_dynamic_items(ActionButton)
        await self.tree.set_translator(Translator())
        if not self.config.discord.runs_shard_zero:
            log.info("discord: slash commands are synced by the process running shard 0")
            return
        guild = (
            discord.Object(self.config.discord.guild_id) if self.config.discord.guild_id else None
        )
        try:
            if guild:
                self.tree.copy_global_to(guild=guild)
            synced = await self.tree.sync(guild=guild)
            log.info(
                "discord: %d slash commands synced %s",
                len(synced),
                "to the test server" if guild else "globally",
            )
        except discord.HTTPException as exc:
            log.warning("discord: slash commands not synced (%s); mentions and DMs still work", exc)

    # Incoming ----------------------------------------------------------------------------

    async def on_message(self, message: discord.Message) -> None:
        if message.author.bot or self._handle is None:
            return
        body = self._addressed_text(message)
        if body is None:
            return
        channel = _channel_ref(message.channel)
        permissions = getattr(message.author, "guild_permissions", None)
        incoming = Incoming(
            channel,
            str(message.author.id),
            body,
            roles=self._roles(message.author, permissions) if body.startswith("/") else frozenset(),
            language=str(message.guild.preferred_locale) if message.guild else None,
        )
        for reply in await self._handle(incoming):
            try:
                await self._post(
                    message.channel, reply, reference=message if message.guild else None
                )
            except discord.HTTPException as exc:
                log.warning("discord: could not answer in a channel: %s", exc)

    def _addressed_text(self, message: discord.Message) -> str | None:
        """DMs: every message. Servers: a mention, or (with message content) a reply to us."""
        me = self.client.user
        if message.guild is None:
            return message.content
        if me is None:
            return None
        if any(user.id == me.id for user in message.mentions):
            return re.sub(rf"<@!?{me.id}>", " ", message.content).strip()
        replied = message.reference.resolved if message.reference else None
        if (
            self.config.discord.message_content
            and isinstance(replied, discord.Message)
            and replied.author.id == me.id
        ):
            return message.content
        return None

    async def respond(
        self,
        interaction: discord.Interaction[Any],
        body: str,
        *,
        action: str | None = None,
        args: dict[str, str] | None = None,
    ) -> None:
        """One slash command or button press → the core → interaction replies."""
        if self._handle is None:
            return
        incoming = Incoming(
            _interaction_channel(interaction),
            str(interaction.user.id),
            body,
            roles=self._roles(interaction.user, interaction.permissions),
            language=str(interaction.locale),
            action=action,
            args=args,
        )
        handling = asyncio.ensure_future(self._handle(incoming))
        done, _ = await asyncio.wait({handling}, timeout=DEFER_AFTER)
        if not done:  # a slow database: say we are on it before Discord gives up on us
            await interaction.response.defer(thinking=True)
        replies = await handling
        if not replies and not interaction.response.is_done():
            await interaction.response.defer()  # a press with nothing to say
        for reply in replies:
            for piece in self.render(reply):
                if interaction.response.is_done():
                    await interaction.followup.send(ephemeral=reply.private, **piece)
                else:
                    await interaction.response.send_message(ephemeral=reply.private, **piece)

    def _roles(
        self, user: discord.abc.User, permissions: discord.Permissions | None
    ) -> frozenset[Role]:
        """From the config's role names or ids, user ids and Manage Server; never the text."""
        held = {str(r.id) for r in getattr(user, "roles", ())}
        held |= {r.name.casefold() for r in getattr(user, "roles", ())}
        admin = bool(
            isinstance(user, discord.Member)
            and permissions
            and (permissions.administrator or permissions.manage_guild)
        )
        roles = set()
        for role, rule in (
            (Role.ORGANIZER, self.config.organizers),
            (Role.MODERATOR, self.config.moderators),
        ):
            named = {r.casefold() for r in rule.discord_roles}
            if (
                str(user.id) in rule.discord_users
                or held & named
                or (admin and rule.discord_admins)
            ):
                roles.add(role)
        return frozenset(roles)

    # Outgoing ----------------------------------------------------------------------------

    async def send(
        self, channel: ChannelRef, reply: Reply, *, delivery_id: str | None = None
    ) -> None:
        """For the outbox: Discord's errors become DeliveryError by the delivery policy.

        discord.py already waits out 429s and retries 5xx; each piece carries a nonce from the
        ledger row (`delivery_id`) with enforce_nonce, so even its own retry cannot post twice.
        """
        if not self.client.is_ready():
            raise DeliveryError("discord: not connected yet", retry=True)
        try:
            target = self.client.get_channel(
                int(channel.chat_id)
            ) or await self.client.fetch_channel(int(channel.chat_id))
            if not isinstance(target, discord.abc.Messageable):
                raise DeliveryError(
                    "discord: that id is not a text channel", retry=False, refused=True
                )
            await self._post(target, reply, nonce=delivery_id)
        except discord.NotFound as exc:
            await self._refused(channel, f"channel {channel.chat_id} not found or not visible", exc)
        except discord.Forbidden as exc:
            if channel.private and self._on_blocked:
                await self._on_blocked(channel)
            await self._refused(channel, f"no permission to post in channel {channel.chat_id}", exc)
        except discord.DiscordServerError as exc:
            raise DeliveryError(f"discord: {exc.status} from Discord", retry=True) from exc
        except discord.RateLimited as exc:
            raise DeliveryError(
                "discord: rate limited", retry=True, retry_after=exc.retry_after
            ) from exc
        except discord.HTTPException as exc:
            raise DeliveryError(
                f"discord: {exc.status} {exc.text}", retry=False, refused=True
            ) from exc
        except aiohttp.ClientConnectorError as exc:  # the request never went out
            raise DeliveryError("discord: cannot connect", retry=True) from exc
        except (TimeoutError, aiohttp.ClientError) as exc:  # it may have gone out: never re-send
            raise DeliveryError(f"discord: {type(exc).__name__}", retry=False) from exc

    async def _refused(self, channel: ChannelRef, why: str, exc: discord.HTTPException) -> None:
        log.warning("discord: %s (%s)", why, exc.status)
        if self._on_notice and not channel.private:
            await self._on_notice(
                f"A Discord reminder could not be posted: {why}. Check the channel id in the "
                "config and that the bot may View Channel and Send Messages there."
            )
        raise DeliveryError(f"discord: {why}", retry=False, refused=True) from exc

    async def _post(
        self,
        target: discord.abc.Messageable,
        reply: Reply,
        *,
        reference: discord.Message | None = None,
        nonce: str | None = None,
    ) -> None:
        for number, piece in enumerate(self.render(reply)):
            extra: dict[str, Any] = {}
            if nonce:
                extra["nonce"] = _nonce(nonce, number)
            if reference and number == 0:
                extra["reference"] = reference
                extra["mention_author"] = False
            await target.send(**piece, **extra)

    def render(self, reply: Reply) -> list[dict[str, Any]]:
        return render(reply, embeds=self.config.discord.embeds)

    # Slash commands ----------------------------------------------------------------------

    def _add_commands(self) -> None:
        for spec in self.commands:
            if spec.menu:
                self.tree.add_command(slash(spec, spec.name, self.respond, self._questions))

    async def _questions(
        self, interaction: discord.Interaction[Any], current: str
    ) -> list[Choice[str]]:
        """Entry questions while someone types a question (the core ranks them)."""
        if self._complete is None:
            return []
        lang = "es" if interaction.locale in SPANISH else "en"
        questions = self._complete(current, lang)[:MAX_BUTTONS]
        return [Choice(name=q[:100], value=q[:100]) for q in questions]


def use_base_url(config: Config) -> None:
    """Another Discord (tests' loopback server, a proxy): discord.py reads these class
    attributes for every request and gateway connection."""
    if config.discord.base_url:
        base = config.discord.base_url.rstrip("/")
        Route.BASE = f"{base}/api/v10"
        DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(f"{base.replace('http', 'ws', 1)}/gateway")


async def token_problem(config: Config, token: str) -> str | None:
    """What `doctor` says about DISCORD_TOKEN: None when Discord accepts it."""
    from discord.http import HTTPClient

    use_base_url(config)
    http = HTTPClient(asyncio.get_running_loop())
    try:
        async with asyncio.timeout(15):
            await http.static_login(token)
    except discord.LoginFailure:
        return REFUSED_HELP
    except (discord.HTTPException, aiohttp.ClientError, TimeoutError) as exc:
        return f"discord: cannot reach Discord to check the token ({exc or type(exc).__name__})"
    finally:
        await http.close()
    return None


def _nonce(base: str, number: int) -> str:
    """Discord nonces are at most 25 characters; one per piece of one ledger row."""
    return hashlib.sha256(f"{base}#{number}".encode()).hexdigest()[:NONCE_LENGTH]


def _channel_ref(channel: Any) -> ChannelRef:
    private = isinstance(channel, discord.DMChannel | discord.GroupChannel)
    return ChannelRef("discord", str(channel.id), private=private)


def _interaction_channel(interaction: discord.Interaction[Any]) -> ChannelRef:
    return ChannelRef(
        "discord",
        str(interaction.channel_id or interaction.user.id),
        private=interaction.guild_id is None,
    )

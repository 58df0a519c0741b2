"""Discord: slash commands, mentions and DMs, buttons that survive restarts, reminders.

Translation only. The slash commands are generated from the core's command registry, with
Spanish names and typed options; each becomes an Incoming with its options as `args`, and every
Reply is rendered here: embeds or plain text, escaped markdown, Discord timestamps, Discord's
limits. Nobody is ever pinged: the client sends every message and
interaction reply with AllowedMentions.none(), and all text is escaped besides.
"""

from __future__ import annotations

import asyncio
import hashlib
import inspect
import io
import logging
import re
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import aiohttp
import discord
import yarl
from discord import app_commands
from discord.app_commands import Choice
from discord.app_commands import locale_str as _t
from discord.gateway import DiscordWebSocket
from discord.http import Route

from bot.adapters.base import (
    FEEDBACK_PREFIX,
    DeliveryError,
    Handler,
    LinkListener,
    say_link,
    split_text,
)
from bot.config import Config
from bot.messages import ChannelRef, CommandSpec, Incoming, Moment, Param, Reply, Role

log = logging.getLogger(__name__)

MESSAGE_LIMIT = 2000
EMBED_PIECE = 3500  # description room per embed, leaving the 6,000 total for the rest
FIELD_LIMIT = 1024
TITLE_LIMIT = 256
LABEL_LIMIT = 80
MAX_BUTTONS = 25
NONCE_LENGTH = 25
DEFER_AFTER = 2.0  # Discord wants an interaction answered within 3 s
SPANISH = frozenset({discord.Locale.spain_spanish, discord.Locale.latin_american_spanish})
COLOUR = discord.Colour(0x2B6CB0)
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

    def __init__(self, adapter: DiscordAdapter, intents: discord.Intents) -> None:
        # No voice here: spare operators two warnings about voice libraries at every start.
        discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False
        super().__init__(intents=intents, allowed_mentions=discord.AllowedMentions.none())
        self.adapter = adapter

    async def setup_hook(self) -> None:
        await self.adapter.setup()

    async def on_message(self, message: discord.Message) -> None:
        await self.adapter.on_message(message)

    async def on_ready(self) -> None:
        say_link(self.adapter, True)

    async def on_resumed(self) -> None:
        say_link(self.adapter, True)

    async def on_disconnect(self) -> None:
        """discord.py reconnects (and resumes) by itself; meanwhile reminders wait."""
        say_link(self.adapter, False, "the gateway connection dropped; discord.py reconnects")


class ActionButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]],
    template=r"(?P<action>[a-z]+:.+)",
):
    """Any Reply button. The action is the custom_id, so a press works after a restart."""

    def __init__(self, action: str, label: str = "…") -> None:
        style = (
            discord.ButtonStyle.secondary
            if action.startswith(FEEDBACK_PREFIX)
            else discord.ButtonStyle.primary
        )
        super().__init__(
            discord.ui.Button(label=label[:LABEL_LIMIT], custom_id=action, style=style)
        )
        self.action = action

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[discord.Client],
        item: discord.ui.Item[Any],
        match: re.Match[str],
    ) -> ActionButton:
        return cls(match["action"], getattr(item, "label", None) or "…")

    async def callback(self, interaction: discord.Interaction[discord.Client]) -> None:
        if isinstance(interaction.client, ForumClient):
            await interaction.client.adapter.respond(interaction, "", action=self.action)


class Translator(app_commands.Translator):
    """Spanish names and descriptions for es-ES and es-419, from each locale_str's `es`."""

    async def translate(
        self,
        string: app_commands.locale_str,
        locale: discord.Locale,
        context: app_commands.TranslationContextTypes,
    ) -> str | None:
        return string.extras.get("es") if locale in SPANISH else None


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
        self.connected = asyncio.Event()  # set while the gateway is ready: reminders wait for it
        self.on_link: LinkListener | None = None
        self.stopped: str | None = None  # why it gave up for good, with what to fix
        use_base_url(config)
        self._new_client()

    def _new_client(self) -> None:
        """A client and its command tree. A closed client cannot log in again (its HTTP
        connector stays closed), so each retry after a failed start gets a new one."""
        intents = discord.Intents.default()  # no privileged intent unless asked for
        intents.message_content = self.config.discord.message_content
        self.client = ForumClient(self, intents)
        self.tree = app_commands.CommandTree(self.client)
        self._add_commands()

    # Lifecycle ---------------------------------------------------------------------------

    async def run(self, handle: Handler) -> None:
        """Until cancelled (SIGTERM); `async with` closes the gateway and HTTP session. Discord
        out of reach at start raises (the app tries again later); once connected, discord.py
        reconnects by itself. A refused token is said once, with what to fix."""
        self._handle = handle
        self.connected.clear()
        if self.client.is_closed():  # a retry after a failed start
            self._new_client()
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
        """Buttons first (they must work from the first event), then the command sync."""
        self.client.add_dynamic_items(ActionButton)
        await self.tree.set_translator(Translator())
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
                self.tree.add_command(self._slash(spec, spec.name))

    def _slash(
        self, spec: CommandSpec, path: str
    ) -> app_commands.Command[Any, ..., None] | app_commands.Group:
        """A registry entry as a slash command (or a group of them), localized, with typed
        options; its role's Discord permission hides it from everyone else (checked again in
        the core)."""
        name = _t(spec.name, es=spec.es)
        description = _t(spec.help[:DESCRIPTION_LIMIT], es=spec.help_es[:DESCRIPTION_LIMIT])
        permissions, guild_only = ROLE_PERMISSIONS[spec.role] if spec.role else (None, False)
        if spec.subcommands:
            group = app_commands.Group(
                name=name,
                description=description,
                default_permissions=permissions,
                guild_only=guild_only,
            )
            for sub in spec.subcommands:
                group.add_command(self._slash(sub, f"{path} {sub.name}"))
            return group
        adapter = self

        async def callback(interaction: discord.Interaction[Any], **values: Any) -> None:
            args = {
                key: value.value if isinstance(value, Choice) else str(value)
                for key, value in values.items()
                if value is not None
            }
            await adapter.respond(interaction, f"/{path}", args=args)

        callback.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
            [
                inspect.Parameter(
                    "interaction",
                    inspect.Parameter.POSITIONAL_OR_KEYWORD,
                    annotation=discord.Interaction,
                ),
                *(_option(p) for p in spec.params),
            ]
        )
        _describe_options(callback, spec.params)
        if permissions is not None:
            app_commands.default_permissions(**{k: v for k, v in permissions if v})(callback)
        if guild_only:
            app_commands.guild_only()(callback)
        command: app_commands.Command[Any, ..., None] = app_commands.Command(
            name=name, description=description, callback=callback
        )
        for param in spec.params:
            if param.complete:
                command.autocomplete(param.name)(self._questions)
        return command

    async def _questions(
        self, interaction: discord.Interaction[Any], current: str
    ) -> list[Choice[str]]:
        """Entry questions while someone types a question (the core ranks them)."""
        if self._complete is None:
            return []
        lang = "es" if interaction.locale in SPANISH else "en"
        questions = self._complete(current, lang)[:MAX_BUTTONS]
        return [Choice(name=q[:100], value=q[:100]) for q in questions]


DESCRIPTION_LIMIT = 100
ROLE_PERMISSIONS: dict[
    Role, tuple[discord.Permissions | None, bool]
] = {  # who sees a role's commands in Discord's menu: (permission, servers only)
    Role.MODERATOR: (discord.Permissions(manage_guild=True), False),
    Role.ORGANIZER: (discord.Permissions(manage_events=True), True),
}


def _option(param: Param) -> inspect.Parameter:
    """A registry parameter as the typed callback parameter discord.py reads options from."""
    kind: Any = str
    if param.choices:
        kind = Choice[str]
    elif param.max_length and param.required:
        kind = app_commands.Range[str, 1, param.max_length]
    return inspect.Parameter(
        param.name,
        inspect.Parameter.KEYWORD_ONLY,
        annotation=kind if param.required else kind | None,
        default=inspect.Parameter.empty if param.required else None,
    )


def _describe_options(callback: Callable[..., Any], params: Sequence[Param]) -> None:
    """Spanish names, descriptions and choices for each option, as discord.py's decorators."""
    if not params:
        return
    app_commands.rename(**{p.name: _t(p.name, es=p.es) for p in params})(callback)
    app_commands.describe(
        **{p.name: _t(p.help[:DESCRIPTION_LIMIT], es=p.help_es[:DESCRIPTION_LIMIT]) for p in params}
    )(callback)
    choices = {
        p.name: [Choice(name=_t(en, es=es), value=value) for value, en, es in p.choices]
        for p in params
        if p.choices
    }
    if choices:
        app_commands.choices(**choices)(callback)


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


# Rendering ------------------------------------------------------------------------------


def escape(value: str) -> str:
    """User and knowledge text as Discord shows it: no markdown, no mentions."""
    return discord.utils.escape_mentions(discord.utils.escape_markdown(value))


def with_timestamps(body: str, moments: Sequence[Moment]) -> str:
    """Each written time → <t:…:F> (<t:…:R>): every reader sees it in their own zone."""
    for moment in moments:
        stamp = int(moment.at.timestamp())
        body = body.replace(escape(moment.shown), f"<t:{stamp}:F> (<t:{stamp}:R>)")
    return body


def render(reply: Reply, *, embeds: bool = True) -> list[dict[str, Any]]:
    """Keyword arguments for each message to send, the buttons and file on the last one."""
    body = with_timestamps(escape(reply.text), reply.moments)
    checked = reply.labels.checked(reply.reviewed) if reply.reviewed else ""
    pieces: list[dict[str, Any]]
    if embeds and (reply.title or reply.sources):
        parts = split_text(body, EMBED_PIECE)
        cards = [discord.Embed(description=part, colour=COLOUR) for part in parts]
        if reply.title:
            cards[0].title = escape(reply.title)[:TITLE_LIMIT]
        links = [f"[{escape(s.title)[:200]}]({s.url})" for s in reply.sources]
        for number, chunk in enumerate(split_text("\n".join(links), FIELD_LIMIT) if links else []):
            name = reply.labels.sources.rstrip(":") if number == 0 else "…"
            cards[-1].add_field(name=name, value=chunk, inline=False)
        if checked:
            cards[-1].set_footer(text=checked)
        pieces = [{"embed": card} for card in cards]
    else:
        lines = [body]
        if reply.sources:
            lines.append(
                "\n".join(
                    [reply.labels.sources]
                    + [f"- {escape(s.title)}: <{s.url}>" for s in reply.sources]
                )
            )
        if checked:
            lines.append(f"*{checked}*")
        pieces = [{"content": part} for part in split_text("\n\n".join(lines), MESSAGE_LIMIT)]
    if reply.buttons:
        view = discord.ui.View(timeout=None)
        for button in reply.buttons[:MAX_BUTTONS]:
            view.add_item(ActionButton(button.action, button.label))
        pieces[-1]["view"] = view
    if reply.attachment:
        data = io.BytesIO(reply.attachment.data)
        pieces[-1]["file"] = discord.File(data, filename=reply.attachment.filename)
    return pieces


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

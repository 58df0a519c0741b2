"""Discord's command tree, generated from the core's command registry: localized names and
descriptions, typed options with their choices, and each role's permission, so a new command
in bot/chat/commands.py reaches Discord with no code here."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Coroutine, Sequence
from typing import Any, Protocol

import discord
from discord import app_commands
from discord.app_commands import Choice
from discord.app_commands import locale_str as _t

from bot.messages import CommandSpec, Param, Role

SPANISH = frozenset({discord.Locale.spain_spanish, discord.Locale.latin_american_spanish})
Questions = Callable[[discord.Interaction[Any], str], Coroutine[Any, Any, list[Choice[str]]]]


class Respond(Protocol):
    async def __call__(
        self,
        interaction: discord.Interaction[Any],
        body: str,
        *,
        action: str | None = None,
        args: dict[str, str] | None = None,
    ) -> None: ...


class Translator(app_commands.Translator):
    """Spanish names and descriptions for es-ES and es-419, from each locale_str's `es`."""

    async def translate(
        self,
        string: app_commands.locale_str,
        locale: discord.Locale,
        context: app_commands.TranslationContextTypes,
    ) -> str | None:
        return string.extras.get("es") if locale in SPANISH else None


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


def slash(
    spec: CommandSpec, path: str, respond: Respond, questions: Questions
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
            group.add_command(slash(sub, f"{path} {sub.name}", respond, questions))
        return group

    params = [p for p in spec.params if not p.hidden]  # a hidden step is the buttons' to type

    async def callback(interaction: discord.Interaction[Any], **values: Any) -> None:
        args = {
            key: value.value if isinstance(value, Choice) else str(value)
            for key, value in values.items()
            if value is not None
        }
        await respond(interaction, f"/{path}", args=args)

    callback.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [
            inspect.Parameter(
                "interaction",
                inspect.Parameter.POSITIONAL_OR_KEYWORD,
                annotation=discord.Interaction,
            ),
            *(_option(p) for p in params),
        ]
    )
    _describe_options(callback, params)
    if permissions is not None:
        app_commands.default_permissions(**{k: v for k, v in permissions if v})(callback)
    if guild_only:
        app_commands.guild_only()(callback)
    command: app_commands.Command[Any, ..., None] = app_commands.Command(
        name=name, description=description, callback=callback
    )
    for param in params:
        if param.complete:
            command.autocomplete(param.name)(questions)
    return command

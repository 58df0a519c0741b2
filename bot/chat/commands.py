"""THE command registry: every command once, with its role, descriptions in both languages and
typed parameters. /help, usage lines, Telegram's command menu and Discord's command tree are all
generated from it, so a new command is one entry here and one handler registered on the Core.
"""

from __future__ import annotations

import shlex
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass

from bot.messages import CommandSpec, Incoming, Param, Reply, Role
from bot.reminders.event import TITLE_MAX
from bot.texts import text

EVENT = Param("event", "evento", "The event's id (see /events)", "El id del evento (/events)")
EDIT_FIELDS = ("title", "when", "remind", "to", "at", "url", "every")

COMMANDS: tuple[CommandSpec, ...] = (
    CommandSpec(
        "start",
        "inicio",
        "Start",
        "Empezar",
        params=(Param("entry", "entrada", "An answer's id", "El id de una respuesta", False),),
        menu=False,
        listed=False,
    ),
    CommandSpec("help", "ayuda", "What I can do", "Lo que puedo hacer"),
    CommandSpec(
        "ask",
        "preguntar",
        "Ask a question (in a group chat)",
        "Hacer una pregunta (en un grupo)",
        params=(
            Param(
                "question",
                "pregunta",
                "Your question, in your own words",
                "Tu pregunta, en tus palabras",
                rest=True,
                complete=True,
            ),
        ),
    ),
    CommandSpec(
        "lang",
        "idioma",
        "Answer me in English or Spanish",
        "Respóndame en inglés o español",
        params=(
            Param(
                "language",
                "idioma",
                "The language",
                "El idioma",
                choices=(("en", "English", "Inglés"), ("es", "Spanish", "Español")),
            ),
        ),
    ),
    CommandSpec(
        "sources", "fuentes", "Sources of my last answer", "Fuentes de mi última respuesta"
    ),
    CommandSpec(
        "wrong", "incorrecta", "My last answer was wrong", "Mi última respuesta estuvo mal"
    ),
    CommandSpec("next", "proxima", "The next meeting", "La próxima reunión"),
    CommandSpec("events", "eventos", "Upcoming events", "Próximos eventos"),
    CommandSpec(
        "subscribe",
        "suscribirme",
        "Get reminders in this private chat",
        "Recibir recordatorios aquí",
    ),
    CommandSpec(
        "unsubscribe", "cancelar-suscripcion", "Stop reminders", "Dejar de recibir recordatorios"
    ),
    CommandSpec(
        "calendar",
        "calendario",
        "Upcoming events as a calendar file (.ics)",
        "Los próximos eventos para su calendario (.ics)",
    ),
    CommandSpec(
        "going",
        "voy",
        "Say you will be at an event",
        "Decir que va a un evento",
        params=(EVENT,),
        menu=False,
    ),
    CommandSpec(
        "notgoing",
        "no-voy",
        "Say you will not be at an event",
        "Decir que no va a un evento",
        params=(EVENT,),
        menu=False,
    ),
    CommandSpec(
        "comment",
        "comentario",
        "Prepare and time a two-minute public comment",
        "Preparar y medir un comentario público de dos minutos",
        params=(
            Param(
                "step",
                "paso",
                "A topic, or draft / where",
                "Un tema, o draft / where",
                False,
                rest=True,
                max_length=40,
                hidden=True,  # the coach's buttons choose it; people start with /comment
            ),
        ),
    ),
    CommandSpec(
        "cancel",
        "cancelar",
        "Stop the comment coach and delete your draft",
        "Cerrar el asistente de comentario y borrar su borrador",
    ),
    CommandSpec(
        "privacy", "privacidad", "What I keep and for how long", "Qué guardo y por cuánto tiempo"
    ),
    CommandSpec(
        "forget", "olvidarme", "Delete what I keep about you", "Borrar lo que guardo sobre usted"
    ),
    CommandSpec(
        "reload",
        "recargar",
        "Moderators: load the knowledge files again",
        "Moderación: volver a cargar el conocimiento",
        role=Role.MODERATOR,
    ),
    CommandSpec(
        "event",
        "evento",
        "Organizers: meetings and reminders",
        "Organización: reuniones y recordatorios",
        role=Role.ORGANIZER,
        subcommands=(
            CommandSpec(
                "add",
                "agregar",
                "A new event",
                "Un evento nuevo",
                params=(
                    Param(
                        "title",
                        "titulo",
                        "What it is",
                        "Qué es",
                        form='"Title"',
                        max_length=TITLE_MAX,
                    ),
                    Param("date", "fecha", "YYYY-MM-DD", "AAAA-MM-DD", form="YYYY-MM-DD"),
                    Param("time", "hora", "HH:MM, local time", "HH:MM, hora local", form="HH:MM"),
                    Param(
                        "remind",
                        "recordar",
                        "How long before to remind, like 1d,2h",
                        "Cuánto antes avisar, p. ej. 1d,2h",
                        False,
                        keyword="remind",
                        form="1d,2h",
                    ),
                    Param(
                        "targets",
                        "destinos",
                        "Target names from the config",
                        "Destinos de la configuración",
                        False,
                        keyword="to",
                        form="TARGET[,TARGET]",
                    ),
                    Param(
                        "location",
                        "lugar",
                        "Where",
                        "Dónde",
                        False,
                        keyword="at",
                        form='"Location"',
                    ),
                    Param(
                        "url",
                        "enlace",
                        "A page with details",
                        "Una página con detalles",
                        False,
                        keyword="url",
                        form="https://…",
                    ),
                    Param(
                        "every",
                        "repetir",
                        'e.g. "second and fourth Tuesday"',
                        'p. ej. "second and fourth Tuesday"',
                        False,
                        keyword="every",
                        form='"second and fourth Tuesday"',
                    ),
                    Param(
                        "timezone",
                        "zona",
                        "e.g. America/Los_Angeles",
                        "p. ej. America/Los_Angeles",
                        False,
                        keyword="tz",
                        form="America/Los_Angeles",
                    ),
                ),
                example='/event add "Rally at the County building" 2026-12-08 16:30 remind 1d,2h '
                "to console",
            ),
            CommandSpec(
                "list", "lista", "Upcoming events with ids and RSVPs", "Próximos eventos con ids"
            ),
            CommandSpec(
                "edit",
                "editar",
                "Change an event made in chat",
                "Cambiar un evento hecho en el chat",
                params=(
                    EVENT,
                    Param(
                        "field",
                        "campo",
                        "What to change",
                        "Qué cambiar",
                        choices=tuple((f, f, f) for f in EDIT_FIELDS),
                    ),
                    Param("value", "valor", "The new value", "El valor nuevo", rest=True),
                ),
            ),
            CommandSpec(
                "cancel",
                "cancelar",
                "Cancel an event made in chat and its pending reminders",
                "Cancelar un evento y sus recordatorios pendientes",
                params=(EVENT,),
            ),
            CommandSpec(
                "post",
                "publicar",
                "Post the announcement to its targets now",
                "Publicar el anuncio ahora",
                params=(EVENT,),
            ),
            CommandSpec(
                "status",
                "estado",
                "Reminders that were uncertain, failed or skipped",
                "Recordatorios inciertos, fallidos u omitidos",
            ),
        ),
    ),
)


@dataclass(frozen=True, slots=True)
class Context:
    """What a command handler gets: the message, its checked arguments by name (from the
    registry's parameters), the language to reply in."""

    msg: Incoming
    command: str  # its path in the registry: "next", "event add"
    params: Mapping[str, str]
    lang: str


CommandHandler = Callable[[Context], Awaitable[list[Reply]]]


class UsageError(ValueError):
    """Arguments that do not fit the command; the message says how to write them."""


def help_lines(specs: Sequence[CommandSpec], roles: frozenset[Role], lang: str) -> str:
    """One line per command this person may use, as /help shows them."""
    lines = []
    for spec in specs:
        if not spec.listed or (spec.role and spec.role not in roles):
            continue
        if spec.subcommands:
            head = f"/{spec.name} {'|'.join(s.name for s in spec.subcommands)}"
        else:
            head = spec.usage(lang)
        lines.append(f"{head}: {spec.describe(lang)}")
    return "\n".join(lines)


def group_usage(spec: CommandSpec, lang: str) -> str:
    """What a command with subcommands says when none (or an unknown one) is given."""
    lines = [f"/{spec.name}: {spec.describe(lang)}"]
    for sub in spec.subcommands:
        lines.append(f"{sub.usage(lang, f'/{spec.name} ')}: {sub.describe(lang)}")
    return "\n".join(lines)


def usage(spec: CommandSpec, lang: str, prefix: str = "/") -> str:
    line = text("usage", lang, usage=spec.usage(lang, prefix))
    return f"{line}\n{text('example', lang, example=spec.example)}" if spec.example else line


def read_args(
    spec: CommandSpec,
    typed: str,
    lang: str,
    *,
    given: Mapping[str, str] | None = None,
    prefix: str = "/",
) -> dict[str, str]:
    """The command's arguments by name: `given` when the platform typed them (Discord's options),
    else read from the text (positional words, then `keyword value` pairs). Checked the same way
    either way, so a command's handler never parses."""
    if given is not None:
        found = {k: v for k, v in given.items() if v}
    else:
        found = _from_text(spec, typed, lang, prefix)
    for param in spec.params:
        value = found.get(param.name)
        if value is None:
            continue
        if param.choices:
            value = value.lower()
            if value not in {c[0] for c in param.choices}:
                problem = text("usage_unknown", lang, word=found[param.name])
                raise UsageError(f"{problem}\n{usage(spec, lang, prefix)}")
        found[param.name] = value[: param.max_length] if param.max_length else value
    missing = [p.shown(lang) for p in spec.params if p.required and p.name not in found]
    if missing:
        problem = text("usage_missing", lang, missing=" ".join(missing))
        raise UsageError(f"{problem}\n{usage(spec, lang, prefix)}")
    return found


def _from_text(spec: CommandSpec, typed: str, lang: str, prefix: str) -> dict[str, str]:
    positional = [p for p in spec.params if p.keyword is None]
    keywords = {p.keyword: p for p in spec.params if p.keyword}
    if len(positional) == 1 and not keywords:  # a question, an id, a language: as written
        value = typed.strip()
        return {positional[0].name: value} if value else {}
    try:
        words = shlex.split(typed)
    except ValueError as exc:
        problem = text("usage_quotes", lang, why=exc)
        raise UsageError(f"{problem}\n{usage(spec, lang, prefix)}") from None
    found: dict[str, str] = {}
    for param in positional:
        if not words:
            break
        if param.rest:
            found[param.name], words = " ".join(words), []
        else:
            found[param.name] = words.pop(0)
    while words:
        option = keywords.get(words[0].lower())
        if option is None or len(words) < 2:
            problem = text("usage_unknown", lang, word=words[0])
            raise UsageError(f"{problem}\n{usage(spec, lang, prefix)}")
        found[option.name], words = words[1], words[2:]
    return found

"""The bot's own sentences, in English and Spanish. Plain text: adapters escape and format."""

from __future__ import annotations

LANGUAGES = ("en", "es")

_TEXTS: dict[str, dict[str, str]] = {
    "start": {
        "en": (
            "Hi! I answer questions about California's Values Act (SB 54), the TRUTH Act, and "
            "how to speak at Sacramento County Board of Supervisors meetings, with the source "
            "for every answer. I give information, not legal advice.\n\n"
            'Try: "what does SB 54 prohibit?" or "how do I give public comment?"\n'
            "Send /help for everything I can do. Escribe en español cuando quieras."
        ),
        "es": (
            "¡Hola! Respondo preguntas sobre la Ley de Valores de California (SB 54), la Ley "
            "TRUTH y cómo hablar en las reuniones de la Junta de Supervisores del Condado de "
            "Sacramento, siempre con la fuente. Doy información, no asesoría legal.\n\n"
            'Prueba: "¿qué prohíbe la SB 54?" o "¿cómo doy un comentario público?"\n'
            "Manda /help para ver todo lo que puedo hacer. Write in English any time."
        ),
    },
    "help": {
        "en": (
            "Ask me a question in your own words, in English or Spanish.\n\n"
            "/help: this message\n"
            "/lang en|es: answer in English or Spanish\n"
            "/sources: the sources of my last answer\n"
            "/wrong: tell me my last answer was not helpful\n"
            "/privacy: what I keep about you, and for how long\n"
            "{extra}"
            "I give information, not legal advice. For your own case, talk to a lawyer or a "
            "DOJ-accredited representative."
        ),
        "es": (
            "Hazme una pregunta con tus propias palabras, en español o en inglés.\n\n"
            "/help: este mensaje\n"
            "/lang es|en: contestar en español o en inglés\n"
            "/sources: las fuentes de mi última respuesta\n"
            "/wrong: avisarme que mi última respuesta no te sirvió\n"
            "/privacy: qué guardo sobre ti y por cuánto tiempo\n"
            "{extra}"
            "Doy información, no asesoría legal. Para tu caso, habla con un abogado o un "
            "representante acreditado por el DOJ."
        ),
    },
    "help_moderator": {
        "en": "/reload: load the knowledge files again (moderators)\n",
        "es": "/reload: volver a cargar los archivos de conocimiento (moderadores)\n",
    },
    "privacy": {
        "en": (
            "What I keep:\n"
            "- Questions I could not answer: the text only, with the day, never who asked or "
            "in which chat. Moderators use them to add missing answers; they are deleted after "
            "{retention} days.\n"
            '- "Not helpful" votes: only which answer and the day, never who voted.\n'
            "- Your language choice (/lang), tied to this chat, until you send /forget.\n"
            "I do not keep your other messages or who sent them. Send /forget to delete "
            "everything tied to this chat."
        ),
        "es": (
            "Lo que guardo:\n"
            "- Preguntas que no supe contestar: solo el texto y el día, nunca quién preguntó "
            "ni en qué chat. Los moderadores las usan para agregar respuestas; se borran a "
            "los {retention} días.\n"
            '- Votos de "no me sirvió": solo qué respuesta y el día, nunca quién votó.\n'
            "- Tu idioma (/lang), ligado a este chat, hasta que mandes /forget.\n"
            "No guardo tus otros mensajes ni quién los mandó. Manda /forget para borrar todo "
            "lo ligado a este chat."
        ),
    },
    "abstain": {
        "en": "I don't know that one yet, and I'd rather not guess.",
        "es": "Todavía no sé responder eso, y prefiero no adivinar.",
    },
    "abstain_suggest": {
        "en": "Maybe one of these helps:",
        "es": "Quizás te sirva alguna de estas:",
    },
    "did_you_mean_question": {
        "en": "I'm not sure I understood. Did you mean: “{question}”? Tap the closest one:",
        "es": "No estoy seguro de haber entendido. ¿Quiso decir: “{question}”? Toque la más "
        "cercana:",
    },
    "referral": {
        "en": "Your own situation depends on the details of your case: please have a lawyer or "
        "a DOJ-accredited representative look at it now. This is general information, not "
        "legal advice.",
        "es": "Su situación depende de los detalles de su caso: pida ahora mismo que un abogado "
        "o un representante acreditado por el DOJ lo revise. Esto es información general, no "
        "asesoría legal.",
    },
    "abstain_topics": {
        "en": (
            "I can answer questions about SB 54 (the California Values Act), ICE holds and "
            "detainers, the TRUTH Act and its community forum, public comment at the Board of "
            "Supervisors, the Brown Act, and where to find free legal help. Send /help for more."
        ),
        "es": (
            "Puedo responder sobre la SB 54 (Ley de Valores de California), las órdenes de "
            "detención (holds) de ICE, la Ley TRUTH y su foro comunitario, el comentario público "
            "en la Junta de Supervisores, la Ley Brown y dónde conseguir ayuda legal gratuita. "
            "Manda /help para más."
        ),
    },
    "sources": {"en": "Sources:", "es": "Fuentes:"},
    "checked": {"en": "Checked {date}", "es": "Revisado el {date}"},
    "no_last_answer": {
        "en": "Ask me something first; then /sources shows where the answer comes from.",
        "es": "Pregúntame algo primero; luego /sources te muestra de dónde sale la respuesta.",
    },
    "helpful_yes": {"en": "👍 Helpful", "es": "👍 Me sirvió"},
    "helpful_no": {"en": "👎 Not helpful", "es": "👎 No me sirvió"},
    "feedback_thanks": {
        "en": "Thanks for telling me. A moderator will look at this answer.",
        "es": "Gracias por avisarme. Un moderador va a revisar esta respuesta.",
    },
    "feedback_thanks_yes": {"en": "Thanks!", "es": "¡Gracias!"},
    "lang_set": {
        "en": "OK, I'll answer in English.",
        "es": "Listo, te voy a contestar en español.",
    },
    "lang_usage": {
        "en": "Send /lang en for English or /lang es for Spanish.",
        "es": "Manda /lang es para español o /lang en para inglés.",
    },
    "unknown_command": {
        "en": "I don't know the command {command}.{hint} Send /help for the list.",
        "es": "No conozco el comando {command}.{hint} Manda /help para ver la lista.",
    },
    "did_you_mean": {"en": " Did you mean {command}?", "es": " ¿Quisiste decir {command}?"},
    "not_allowed": {
        "en": "Sorry, only {who} can use {command}. {how}",
        "es": "Lo siento, solo {who} pueden usar {command}. {how}",
    },
    "who_moderator": {"en": "moderators", "es": "los moderadores"},
    "who_organizer": {"en": "organizers", "es": "los organizadores"},
    "how_roles": {
        "en": "Ask the people who run this group; they can add you in the bot's settings.",
        "es": "Pídeselo a quienes administran este grupo; te pueden agregar en la configuración.",
    },
    "reloaded": {
        "en": "Knowledge reloaded: {count} entries.{warnings}",
        "es": "Conocimiento recargado: {count} entradas.{warnings}",
    },
    "reload_warnings": {
        "en": " {count} warnings (run `python -m bot validate` to see them).",
        "es": " {count} advertencias (corre `python -m bot validate` para verlas).",
    },
    "reload_failed": {
        "en": "Not reloaded: the files have {count} errors, so I keep serving the last good "
        "version ({entries} entries). Fix these and try again:\n{problems}",
        "es": "No recargué: los archivos tienen {count} errores, así que sigo usando la última "
        "versión buena ({entries} entradas). Corrige esto y vuelve a intentar:\n{problems}",
    },
    "forgotten": {
        "en": "Done: I deleted everything I kept about this chat.",
        "es": "Listo: borré todo lo que guardaba sobre este chat.",
    },
    "urgent_contacts": {
        "en": "Local help organizers vouch for:",
        "es": "Ayuda local que los organizadores recomiendan:",
    },
    "urgent_no_contacts": {
        "en": "Free immigration legal help near you: the California Department of Social "
        "Services lists nonprofits it funds at https://www.cdss.ca.gov/immigration-services",
        "es": "Ayuda legal de inmigración gratuita: el Departamento de Servicios Sociales de "
        "California tiene la lista de organizaciones que financia en "
        "https://www.cdss.ca.gov/immigration-services",
    },
    "contact_rapid_response": {"en": "Rapid response: {value}", "es": "Respuesta rápida: {value}"},
    "contact_legal_help": {"en": "Legal help: {value}", "es": "Ayuda legal: {value}"},
    "empty": {
        "en": 'Send me a question in words, like "how do I give public comment?"',
        "es": 'Mándame una pregunta con palabras, como "¿cómo doy un comentario público?"',
    },
    "slow_down": {
        "en": "That's a lot of messages at once. Give me a few seconds, then ask again.",
        "es": "Son muchos mensajes a la vez. Dame unos segundos y vuelve a preguntar.",
    },
    "store_unavailable": {
        "en": (
            "I couldn't save that just now: my storage is busy or full. Nothing you saved "
            "before is lost; please try again in a few minutes."
        ),
        "es": (
            "No pude guardar eso ahora: mi almacenamiento está ocupado o lleno. No se perdió "
            "nada de lo que ya guardaste; intenta de nuevo en unos minutos."
        ),
    },
    "busy": {
        "en": "Something went wrong on my side; please try again in a minute.",
        "es": "Algo falló de mi lado; intenta de nuevo en un minuto.",
    },
    # Reminders and events ------------------------------------------------------------------
    "reminder_head": {"en": "Reminder: {title}", "es": "Recordatorio: {title}"},
    "when": {"en": "When: {when}", "es": "Cuándo: {when}"},
    "where": {"en": "Where: {where}", "es": "Dónde: {where}"},
    "more": {"en": "More: {url}", "es": "Más información: {url}"},
    "going_count": {"en": "{count} going", "es": "{count} van a ir"},
    "going_button": {"en": "✋ Going", "es": "✋ Voy"},
    "going_yes": {
        "en": "Great, see you there! Send /notgoing {event} if that changes.",
        "es": "¡Qué bien, nos vemos allá! Manda /notgoing {event} si cambias de plan.",
    },
    "going_no": {"en": "OK, noted.", "es": "Listo, anotado."},
    "no_events": {
        "en": "No upcoming events are scheduled yet. Board of Supervisors agendas: "
        "https://bos.saccounty.gov/Pages/AboutBoardMeetings.aspx",
        "es": "Todavía no hay eventos programados. Agendas de la Junta de Supervisores: "
        "https://bos.saccounty.gov/Pages/AboutBoardMeetings.aspx",
    },
    "events_head": {"en": "Upcoming:", "es": "Próximos eventos:"},
    "next_head": {"en": "Next: {title}", "es": "Próximo: {title}"},
    "next_comment": {
        "en": 'To speak or send a written comment, ask me "how do I give public comment?"',
        "es": "Para hablar o mandar un comentario por escrito, pregúntame "
        '"¿cómo doy un comentario público?"',
    },
    "unknown_event": {
        "en": "I don't know the event '{event}'. Send /events to see the ids.",
        "es": "No conozco el evento '{event}'. Manda /events para ver los identificadores.",
    },
    "subscribed": {
        "en": "You'll get event reminders here. Send /unsubscribe to stop, /forget to delete "
        "everything.",
        "es": "Vas a recibir recordatorios aquí. Manda /unsubscribe para dejar de recibirlos, "
        "/forget para borrar todo.",
    },
    "already_subscribed": {
        "en": "You're already subscribed. Send /unsubscribe to stop.",
        "es": "Ya estás suscrito. Manda /unsubscribe para dejar de recibirlos.",
    },
    "unsubscribed": {
        "en": "Done: no more reminders here.",
        "es": "Listo: ya no vas a recibir recordatorios aquí.",
    },
    "subscribe_in_private": {
        "en": "Reminders come by direct message: send /subscribe to me in a private chat.",
        "es": "Los recordatorios llegan por mensaje directo: mándame /subscribe en un chat "
        "privado.",
    },
    "calendar": {
        "en": "The upcoming events, for your calendar app.",
        "es": "Los próximos eventos, para tu calendario.",
    },
}


def text(key: str, lang: str, **values: object) -> str:
    """The sentence `key` in `lang` (English when missing), with `values` filled in."""
    variants = _TEXTS[key]
    template = variants.get(lang) or variants["en"]
    return template.format(**values) if values else template

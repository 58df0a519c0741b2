"""What the bot says to everyone: answers' frames, commands, reminders."""

from __future__ import annotations

MEMBERS: dict[str, dict[str, str]] = {
    "start": {
        "en": (
            "Hi! I answer questions about California's Values Act (SB 54), the TRUTH Act, and "
            "how to speak at Sacramento County Board of Supervisors meetings, with the source "
            "for every answer. I give information, not legal advice.\n\n"
            'Try: "what does SB 54 prohibit?" or "how do I give public comment?"\n'
            "Send /help for everything I can do. Escriba en español cuando quiera."
        ),
        "es": (
            "¡Hola! Respondo preguntas sobre la Ley de Valores de California (SB 54), la Ley "
            "TRUTH y cómo hablar en las reuniones de la Junta de Supervisores del Condado de "
            "Sacramento, siempre con la fuente. Doy información, no asesoría legal.\n\n"
            'Pruebe: "¿qué prohíbe la SB 54?" o "¿cómo doy un comentario público?"\n'
            "Mande /help para ver todo lo que puedo hacer. Write in English any time."
        ),
    },
    "help": {
        "en": (
            "Ask me a question in your own words, in English or Spanish.\n\n"
            "{commands}\n\n"
            "I give information, not legal advice. For your own case, talk to a lawyer or a "
            "DOJ-accredited representative."
        ),
        "es": (
            "Hágame una pregunta con sus propias palabras, en español o en inglés.\n\n"
            "{commands}\n\n"
            "Doy información, no asesoría legal. Para su caso, hable con un abogado o un "
            "representante acreditado por el DOJ."
        ),
    },
    "usage": {"en": "Usage: {usage}", "es": "Uso: {usage}"},
    "example": {"en": "Example: {example}", "es": "Ejemplo: {example}"},
    "usage_quotes": {
        "en": "I couldn't read that ({why}): close the quotes.",
        "es": "No pude leer eso ({why}): cierre las comillas.",
    },
    "usage_unknown": {
        "en": "I didn't understand '{word}'.",
        "es": "No entendí '{word}'.",
    },
    "usage_missing": {"en": "I need {missing}.", "es": "Me falta {missing}."},
    "schedule_note": {
        "en": "Next on the bot's schedule: {title}, {when}. All upcoming events: /events",
        "es": "Lo próximo en el calendario del bot: {title}, {when}. Todos los eventos: /events",
    },
    "privacy": {
        "en": (
            "What I keep:\n"
            "- Questions I could not answer: the text and the day only, never who asked or "
            "in which chat. Moderators use them to add missing answers; they are deleted after "
            "{retention} days.\n"
            '- "Not helpful" votes: only which answer and the day, never who voted.\n'
            "- This chat's language choice (/lang).\n"
            "- Which answer I gave this chat last (its name, not your question), so that "
            "/sources and /wrong know what you mean: for at most a day.\n"
            "- Only if you use them: your reminder subscription (/subscribe: the platform, this "
            "chat's id and its language) and your RSVPs (/going: the platform and your user id, "
            "for each event).\n"
            "- A record of each reminder sent to a chat (event, time, chat id), so that none is "
            "sent twice. /forget does not delete it.\n"
            "- A draft you time with /comment: only in memory, for at most 30 minutes, never "
            "saved or logged; /cancel or /forget deletes it at once. While I wait for it, I "
            "note only that I am waiting (this chat and your user id, never the text).\n"
            "I do not keep your other messages or who sent them. Send /forget to delete this "
            "chat's language choice, its last answer, its subscription, your RSVPs and any "
            "/comment draft."
        ),
        "es": (
            "Lo que guardo:\n"
            "- Preguntas que no supe contestar: solo el texto y el día, nunca quién preguntó "
            "ni en qué chat. Los moderadores las usan para agregar respuestas; se borran a "
            "los {retention} días.\n"
            '- Votos de "no me sirvió": solo qué respuesta y el día, nunca quién votó.\n'
            "- El idioma de este chat (/lang).\n"
            "- Cuál fue mi última respuesta en este chat (su nombre, no su pregunta), para que "
            "/sources y /wrong sepan a cuál se refiere: por un día como máximo.\n"
            "- Solo si los usa: su suscripción a recordatorios (/subscribe: la plataforma, el id "
            "de este chat y su idioma) y sus confirmaciones de asistencia (/going: la plataforma "
            "y su id de usuario, por evento).\n"
            "- Un registro de cada recordatorio enviado a un chat (evento, hora, id del chat), "
            "para no mandarlo dos veces. /forget no lo borra.\n"
            "- Un borrador que mide con /comment: solo en memoria, por 30 minutos como máximo, "
            "nunca guardado en disco ni en registros; /cancel o /forget lo borra de inmediato. "
            "Mientras lo espero, anoto solo que lo espero (este chat y su id de usuario, nunca "
            "el texto).\n"
            "No guardo sus otros mensajes ni quién los mandó. Mande /forget para borrar el "
            "idioma de este chat, su última respuesta, su suscripción, sus confirmaciones de "
            "asistencia y su borrador de /comment."
        ),
    },
    "abstain": {
        "en": "I don't know that one yet, and I'd rather not guess.",
        "es": "Todavía no sé responder eso, y prefiero no adivinar.",
    },
    "abstain_suggest": {
        "en": "Maybe one of these helps:",
        "es": "Quizás le sirva alguna de estas:",
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
            "Mande /help para más."
        ),
    },
    "sources": {"en": "Sources:", "es": "Fuentes:"},
    "checked": {"en": "Checked {date}", "es": "Revisado el {date}"},
    "no_last_answer": {
        "en": "Ask me something first; then /sources shows where the answer comes from.",
        "es": "Pregúnteme algo primero; luego /sources le muestra de dónde sale la respuesta.",
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
        "es": "Listo, le voy a contestar en español.",
    },
    "lang_usage": {
        "en": "Send /lang en for English or /lang es for Spanish.",
        "es": "Mande /lang es para español o /lang en para inglés.",
    },
    "unknown_command": {
        "en": "I don't know the command {command}.{hint} Send /help for the list.",
        "es": "No conozco el comando {command}.{hint} Mande /help para ver la lista.",
    },
    "did_you_mean": {"en": " Did you mean {command}?", "es": " ¿Quiso decir {command}?"},
    "not_allowed": {
        "en": "Sorry, only {who} can use {command}. {how}",
        "es": "Lo siento, solo {who} pueden usar {command}. {how}",
    },
    "who_moderator": {"en": "moderators", "es": "los moderadores"},
    "who_organizer": {"en": "organizers", "es": "los organizadores"},
    "how_roles": {
        "en": "Ask the people who run this group; they can add you in the bot's settings.",
        "es": "Pídaselo a quienes administran este grupo; pueden darle acceso en la configuración.",
    },
    "reloaded": {
        "en": "Knowledge reloaded: {count} entries.{warnings}",
        "es": "Conocimiento recargado: {count} entradas.{warnings}",
    },
    "reload_warnings": {
        "en": " {count} warnings (run `python -m bot validate` to see them).",
        "es": " {count} advertencias (ejecute `python -m bot validate` para verlas).",
    },
    "reload_failed": {
        "en": "Not reloaded: the files have errors ({count}), so I keep serving the last good "
        "version ({entries} entries). Fix these and try again:\n{problems}",
        "es": "No recargué: los archivos tienen errores ({count}), así que sigo usando la última "
        "versión buena ({entries} entradas). Corrija esto y vuelva a intentarlo:\n{problems}",
    },
    "file_saved": {"en": "Saved: {path}", "es": "Guardado: {path}"},
    "file_not_saved": {
        "en": "Could not save {path} ({reason}); run the bot from a folder you can write to.",
        "es": "No pude guardar {path} ({reason}); inicie el bot en una carpeta donde pueda "
        "escribir.",
    },
    "and_more": {
        "en": "… and {count} more (python -m bot validate lists them all)",
        "es": "… y {count} más (python -m bot validate los muestra todos)",
    },
    "forgotten": {
        "en": "Done: I deleted this chat's language choice, its reminder subscription, your "
        "RSVPs and your /comment draft.",
        "es": "Listo: borré el idioma de este chat, su suscripción a recordatorios, sus "
        "confirmaciones de asistencia y su borrador de /comment.",
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
    "thanks": {
        "en": "You're welcome. Ask me anything else about SB 54, the TRUTH Act or speaking at "
        "the Board of Supervisors.",
        "es": "De nada. Pregúnteme lo que quiera sobre la SB 54, la Ley TRUTH o cómo hablar en "
        "la Junta de Supervisores.",
    },
    "referral_topics": {
        "en": "General information that may help while you find legal help:",
        "es": "Información general que le puede servir mientras consigue ayuda legal:",
    },
    "ack": {
        "en": "Okay. Ask me again in other words whenever you like, or send /help to see what I "
        "can do.",
        "es": "De acuerdo. Pregúnteme de nuevo con otras palabras cuando quiera, o mande /help "
        "para ver lo que puedo hacer.",
    },
    "empty": {
        "en": 'Send me a question in words, like "how do I give public comment?"',
        "es": 'Mándeme una pregunta con palabras, como "¿cómo doy un comentario público?"',
    },
    "too_vague": {
        "en": 'Could you say a little more? For example: "where is the Board meeting?" or "how do '
        'I give public comment?"',
        "es": '¿Puede decir un poco más? Por ejemplo: "¿dónde es la reunión de la Junta?" o '
        '"¿cómo doy un comentario público?"',
    },
    "no_such_choice": {
        "en": "There is no choice with that number. Pick one of the choices above, or ask a "
        "question in words.",
        "es": "No hay ninguna opción con ese número. Elija una de las opciones de arriba, o haga "
        "una pregunta con palabras.",
    },
    "slow_down": {
        "en": "That's a lot of messages at once. Give me a few seconds, then ask again.",
        "es": "Son muchos mensajes a la vez. Deme unos segundos y vuelva a preguntar.",
    },
    "store_unavailable": {
        "en": (
            "I couldn't save that just now: my storage is busy or full. Nothing you saved "
            "before is lost; please try again in a few minutes."
        ),
        "es": (
            "No pude guardar eso ahora: mi almacenamiento está ocupado o lleno. No se perdió "
            "nada de lo que ya guardó; intente de nuevo en unos minutos."
        ),
    },
    "busy": {
        "en": "Something went wrong on my side; please try again in a minute.",
        "es": "Algo falló de mi lado; intente de nuevo en un minuto.",
    },
    # Reminders and events ------------------------------------------------------------------
    "reminder_head": {"en": "Reminder: {title}", "es": "Recordatorio: {title}"},
    "when": {"en": "When: {when}", "es": "Cuándo: {when}"},
    "where": {"en": "Where: {where}", "es": "Dónde: {where}"},
    "then_dates": {"en": "Then: {dates}", "es": "Después: {dates}"},
    "more": {"en": "More: {url}", "es": "Más información: {url}"},
    "going_count": {"en": "{count} going", "es": "{count} van a ir"},
    "going_button": {"en": "✋ Going", "es": "✋ Voy"},
    "going_yes": {
        "en": "Great, see you there! Send /notgoing {event} if that changes.",
        "es": "¡Qué bien, nos vemos allá! Mande /notgoing {event} si cambia de planes.",
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
        "es": "Para hablar o mandar un comentario por escrito, pregúnteme "
        '"¿cómo doy un comentario público?"',
    },
    "unknown_event": {
        "en": "I don't know the event '{event}'. Send /events to see the ids.",
        "es": "No conozco el evento '{event}'. Mande /events para ver los identificadores.",
    },
    "subscribed": {
        "en": "You'll get event reminders here. Send /unsubscribe to stop, /forget to delete "
        "what I keep about this chat (/privacy says what that is).",
        "es": "Va a recibir recordatorios aquí. Mande /unsubscribe para dejar de recibirlos, "
        "/forget para borrar lo que guardo de este chat (/privacy dice qué es).",
    },
    "already_subscribed": {
        "en": "You're already subscribed. Send /unsubscribe to stop.",
        "es": "Ya tiene una suscripción. Mande /unsubscribe para dejar de recibir recordatorios.",
    },
    "unsubscribed": {
        "en": "Done: no more reminders here.",
        "es": "Listo: ya no va a recibir recordatorios aquí.",
    },
    "subscribe_in_private": {
        "en": "Reminders come by direct message: send /subscribe to me in a private chat.",
        "es": "Los recordatorios llegan por mensaje directo: mándeme /subscribe en un chat "
        "privado.",
    },
}

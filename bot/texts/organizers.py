"""What the bot says to organizers about /event."""

from __future__ import annotations

ORGANIZERS: dict[str, dict[str, str]] = {
    # Organizers' /event ----------------------------------------------------------------------
    "event_added": {
        "en": "Added {event}: {title}, {when}. Reminders {reminders} before, to {targets}.",
        "es": "Agregado {event}: {title}, {when}. Recordatorios {reminders} antes, a {targets}.",
    },
    "reminders_none": {"en": "none", "es": "ninguno"},
    "subscribers_only": {"en": "subscribers only", "es": "solo quienes se suscribieron"},
    "event_updated": {
        "en": "Updated {event}; its pending reminders follow the change.",
        "es": "Actualizado {event}; sus recordatorios pendientes siguen el cambio.",
    },
    "event_cancelled": {
        "en": "Cancelled {event}: {title}. Its pending reminders are removed.",
        "es": "Cancelado {event}: {title}. Sus recordatorios pendientes se quitaron.",
    },
    "event_posted": {
        "en": "Posted {event} to {count} chat(s).",
        "es": "Publicado {event} en {count} chat(s).",
    },
    "no_such_event": {
        "en": "No event with the id '{event}'. Send /event list.",
        "es": "No hay un evento con el id '{event}'. Mande /event list.",
    },
    "event_in_file": {
        "en": "{event} comes from {file}:{line}; edit that file instead (the bot reloads it).",
        "es": "{event} viene de {file}:{line}; edite ese archivo (el bot lo vuelve a leer).",
    },
    "event_id_taken": {
        "en": "An event in schedules/ already has the id {event}.",
        "es": "Un evento de schedules/ ya tiene el id {event}.",
    },
    "event_store_down": {
        "en": "The database is not available right now; nothing was changed. Try again soon.",
        "es": "La base de datos no está disponible ahora; no se cambió nada. Intente pronto.",
    },
    "event_list_none": {"en": "No upcoming events.", "es": "No hay eventos próximos."},
    "event_list_head": {"en": "Upcoming events:", "es": "Próximos eventos:"},
    "event_list_item": {
        "en": "- {event}: {title}, {when}; {going} going; to {targets}; {where}",
        "es": "- {event}: {title}, {when}; {going} van; a {targets}; {where}",
    },
    "made_in_chat": {"en": "made in chat", "es": "hecho en el chat"},
    "status_clear": {
        "en": "Every reminder so far was delivered.",
        "es": "Todos los recordatorios hasta ahora se entregaron.",
    },
    "status_head": {
        "en": "Reminders to check (newest first):",
        "es": "Recordatorios por revisar (los más nuevos primero):",
    },
    "status_item": {
        "en": "- {status}: {event} at {occurrence} ({offset} before) to {destination}{detail}",
        "es": "- {status}: {event} el {occurrence} ({offset} antes) a {destination}{detail}",
    },
    "delivery_uncertain": {"en": "uncertain", "es": "incierto"},
    "delivery_failed": {"en": "failed", "es": "fallido"},
    "delivery_skipped": {"en": "skipped", "es": "omitido"},
    "event_not_saved": {
        "en": "Nothing was saved:{problems}",
        "es": "No se guardó nada:{problems}",
    },
}

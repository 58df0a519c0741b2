"""The forum-prep kit's words: flyers and the FAQ website."""

from __future__ import annotations

KIT: dict[str, dict[str, str]] = {
    # Flyers (python -m bot flyer) ----------------------------------------------------------
    "flyer_not_advice": {
        "en": "This is general information, not legal advice. For your own case, talk to a "
        "lawyer or a DOJ-accredited representative.",
        "es": "Esto es información general, no asesoría legal. Para su caso, hable con un "
        "abogado o un representante acreditado por el DOJ.",
    },
    "flyer_scan_answer": {
        "en": "Scan for the full answer in the bot",
        "es": "Escanee para ver la respuesta completa en el bot",
    },
    "flyer_scan_page": {
        "en": "Scan for details and changes",
        "es": "Escanee para ver detalles y cambios",
    },
    "flyer_scan_bot": {
        "en": "Scan to see this event in the bot",
        "es": "Escanee para ver este evento en el bot",
    },
    "calendar": {
        "en": "The upcoming events, for your calendar app.",
        "es": "Los próximos eventos, para su calendario.",
    },
    # the static FAQ website (python -m bot site)
    "site_title": {
        "en": "Forum prep: SB 54, the TRUTH Act and public comment in Sacramento County",
        "es": "Preparación para el foro: la SB 54, la Ley TRUTH y el comentario público en el "
        "Condado de Sacramento",
    },
    "site_intro": {
        "en": "Answers in plain words, each with its sources and the day a person checked it. "
        "This is information, not legal advice: for your own case, talk to a lawyer or a "
        "DOJ-accredited representative.",
        "es": "Respuestas en palabras sencillas, cada una con sus fuentes y el día en que una "
        "persona la revisó. Esto es información, no asesoría legal: para su caso, hable con un "
        "abogado o un representante acreditado por el DOJ.",
    },
    "site_skip": {"en": "Skip to the content", "es": "Saltar al contenido"},
    "site_switch": {"en": "Read in English", "es": "Leer en español"},  # in the target language
    "site_topics": {"en": "Questions by topic", "es": "Preguntas por tema"},
    "site_all": {"en": "All questions", "es": "Todas las preguntas"},
    "site_search": {"en": "Search the answers", "es": "Buscar en las respuestas"},
    "site_search_words": {"en": "Words to look for", "es": "Palabras que busca"},
    "site_search_needs_js": {
        "en": "Search needs JavaScript. Without it, every answer is listed by topic on the "
        "first page.",
        "es": "La búsqueda necesita JavaScript. Sin él, todas las respuestas están en la "
        "primera página, por tema.",
    },
    "site_events": {"en": "Upcoming events", "es": "Próximos eventos"},
    "site_no_events": {
        "en": "No upcoming events are listed here. Check the posted Board agenda.",
        "es": "No hay próximos eventos en esta lista. Revise la agenda publicada de la Junta.",
    },
    "site_calendar": {
        "en": "Add these events to your calendar (.ics file)",
        "es": "Agregar estos eventos a su calendario (archivo .ics)",
    },
    "site_more": {"en": "More information", "es": "Más información"},
    "site_related": {"en": "Related questions", "es": "Preguntas relacionadas"},
    "site_telegram": {
        "en": "Open this answer in the Telegram bot",
        "es": "Abrir esta respuesta en el bot de Telegram",
    },
    "topic_sb54": {"en": "SB 54, the California Values Act", "es": "La SB 54, Ley de Valores"},
    "topic_sb54-exceptions": {"en": "What SB 54 still allows", "es": "Lo que la SB 54 permite"},
    "topic_detainers": {
        "en": "ICE holds, detainers and warrants",
        "es": "Órdenes de detención (holds) de ICE",
    },
    "topic_truth-act": {"en": "The TRUTH Act and its forum", "es": "La Ley TRUTH y su foro"},
    "topic_rights-and-help": {
        "en": "Your rights and free legal help",
        "es": "Sus derechos y ayuda legal gratuita",
    },
    "topic_stops-and-arrests": {"en": "Stops and arrests", "es": "Paradas y arrestos"},
    "topic_bos": {"en": "The Board of Supervisors", "es": "La Junta de Supervisores"},
    "topic_meetings": {"en": "Meetings and public comment", "es": "Reuniones y comentario público"},
    "topic_brown-act": {
        "en": "The Brown Act: open meetings",
        "es": "La Ley Brown: reuniones abiertas",
    },
    "topic_history": {"en": "Sacramento history", "es": "Historia de Sacramento"},
    "topic_about": {"en": "About this bot", "es": "Sobre este bot"},
}

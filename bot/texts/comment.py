"""What the public-comment coach says (/comment), in English and Spanish."""

from __future__ import annotations

COMMENT: dict[str, dict[str, str]] = {
    "comment_intro": {
        "en": (
            "Let's prepare your public comment. I help you structure it, time it and cite it; "
            "the words and the argument are yours. What is it about?"
        ),
        "es": (
            "Preparemos su comentario público. Le ayudo a ordenarlo, medir el tiempo y citar "
            "fuentes; las palabras y los argumentos son suyos. ¿De qué trata?"
        ),
    },
    "comment_topic_ice-holds": {
        "en": "The Sheriff and ICE holds",
        "es": "El Sheriff y las órdenes de detención (holds) de ICE",
    },
    "comment_topic_truth-forum": {"en": "The TRUTH Act forum", "es": "El foro de la Ley TRUTH"},
    "comment_topic_sb54": {
        "en": "SB 54, the California Values Act",
        "es": "La SB 54, Ley de Valores de California",
    },
    "comment_topic_other": {"en": "Something else", "es": "Otro tema"},
    "comment_points": {
        "en": "Talking points on “{topic}”, each from an answer I can cite (sources below):",
        "es": "Puntos sobre “{topic}”, cada uno de una respuesta con fuente (fuentes abajo):",
    },
    "comment_no_points": {
        "en": "- I have no cited answers on this yet: ask me a question about it first.",
        "es": "- Todavía no tengo respuestas con fuente sobre esto: hágame antes una pregunta.",
    },
    "comment_outline": {
        "en": (
            "An outline for two minutes:\n"
            "1. Who you are (optional): a neighbour, a parent, a member of a group. Your name "
            "and neighbourhood are up to you: the Brown Act says no one can be required to "
            "give a name to attend (Gov. Code § 54953.3), and whether a name can be required "
            "to speak is unsettled; you usually aren't required to give it.\n"
            "2. Your point, in one sentence, with the agenda item number.\n"
            "3. One fact, with its source (pick one from the points above).\n"
            "4. Your ask: what you want the Board or the Sheriff to do.\n"
            "Never say anyone's immigration status in public."
        ),
        "es": (
            "Un esquema para dos minutos:\n"
            "1. Quién es usted (opcional): vecina, padre de familia, miembro de un grupo. Su "
            "nombre y su barrio son decisión suya: la Ley Brown dice que no se puede exigir el "
            "nombre para asistir (Código de Gobierno § 54953.3), y si se puede exigir para "
            "hablar no está resuelto; por lo general no se lo exigen.\n"
            "2. Su punto, en una frase, con el número del punto de la agenda.\n"
            "3. Un dato, con su fuente (escoja uno de los puntos de arriba).\n"
            "4. Su petición: qué quiere que haga la Junta o el Sheriff.\n"
            "Nunca diga en público el estatus migratorio de nadie."
        ),
    },
    "comment_button_draft": {"en": "✍️ Time my draft", "es": "✍️ Medir mi borrador"},
    "comment_button_where": {"en": "📍 Where and by when", "es": "📍 Dónde y hasta cuándo"},
    "comment_button_interpreter": {
        "en": "🗣️ I'll speak through an interpreter",
        "es": "🗣️ Voy a hablar con intérprete",
    },
    "comment_ask_draft": {
        "en": (
            "Send your draft as one message (or write it from the outline). I'll count the "
            "words and time it. I keep it only in memory, for this chat, for at most 30 "
            "minutes; it is never saved or logged. /cancel deletes it at once."
        ),
        "es": (
            "Mande su borrador en un solo mensaje (o escríbalo a partir del esquema). Cuento "
            "las palabras y mido el tiempo. Lo guardo solo en memoria, para este chat, por 30 "
            "minutos como máximo; nunca se guarda en disco ni en los registros. /cancel lo "
            "borra de inmediato."
        ),
    },
    "comment_timing": {
        "en": "{words} words: about {time} at a measured pace of {rate} words a minute.",
        "es": "{words} palabras: unos {time} a un ritmo pausado de {rate} palabras por minuto.",
    },
    "comment_limit": {
        "en": (
            "The usual limit is {limit} per speaker (the county's posted rules, last checked "
            "{checked}); the Chair may change it, so check the posted agenda."
        ),
        "es": (
            "El límite normal es de {limit} por persona (reglas publicadas por el condado, "
            "revisadas en {checked}); el presidente o la presidenta puede cambiarlo, así que "
            "revise la agenda publicada."
        ),
    },
    "comment_fits": {
        "en": "It fits, with {spare} to spare. Read it aloud once with a timer.",
        "es": "Cabe, y le sobran {spare}. Léalo en voz alta una vez con cronómetro.",
    },
    "comment_too_long": {
        "en": "It runs about {over} over: cut about {cut} words (to {keep} or fewer).",
        "es": "Se pasa por unos {over}: quite unas {cut} palabras (hasta {keep} o menos).",
    },
    "comment_cut_these": {
        "en": "Your longest sentences, to shorten or cut first (keep your ask):",
        "es": "Sus frases más largas, para acortar o quitar primero (deje su petición):",
    },
    "comment_cut_line": {
        "en": "- “{start}…” ({words} words)",
        "es": "- “{start}…” ({words} palabras)",
    },
    "comment_cut_ecomment": {
        "en": "The full text can still go in as a written e-comment before the meeting.",
        "es": "El texto completo puede ir como comentario por escrito antes de la reunión.",
    },
    "comment_interpreter": {
        "en": (
            "Speaking through an interpreter? If the Board limits time, you must get at least "
            "twice the time ({double} for a {limit} limit), unless it uses simultaneous "
            "translation equipment (Gov. Code § 54954.3(b)(2), added by AB 1787 of 2016)."
        ),
        "es": (
            "¿Va a hablar con intérprete? Si la Junta limita el tiempo, debe darle por lo menos "
            "el doble ({double} si el límite es de {limit}), salvo que use equipo de traducción "
            "simultánea (Código de Gobierno § 54954.3(b)(2), agregado por la AB 1787 de 2016)."
        ),
    },
    "comment_interpreter_fits": {
        "en": "With an interpreter your limit is at least {double}: your draft ({time}) fits.",
        "es": "Con intérprete su límite es de por lo menos {double}: su borrador ({time}) cabe.",
    },
    "comment_interpreter_over": {
        "en": "With an interpreter your limit is at least {double}: your draft ({time}) is "
        "still about {over} over.",
        "es": "Con intérprete su límite es de por lo menos {double}: su borrador ({time}) "
        "todavía se pasa por unos {over}.",
    },
    "comment_spanish_rate": {
        "en": "",
        "es": (
            "Para el español uso el mismo ritmo de 130 palabras por minuto: no encontré una "
            "medida publicada en palabras por minuto para discursos en español. El español "
            "dice más sílabas por segundo, pero sus palabras tienen más sílabas, y los estudios "
            "comparativos hallan que los idiomas transmiten información a un ritmo parecido "
            "(Coupé y otros, Science Advances, 2019). Mida su propio tiempo en voz alta."
        ),
    },
    "comment_kept": {
        "en": "Your draft stays in memory for this chat until {until} at most; /cancel deletes "
        "it now.",
        "es": "Su borrador queda en memoria para este chat hasta las {until} como máximo; "
        "/cancel lo borra ya.",
    },
    "comment_no_words": {
        "en": "I couldn't find any words in that. Send your draft as text, in one message.",
        "es": "No encontré palabras en eso. Mande su borrador como texto, en un solo mensaje.",
    },
    "comment_too_big": {
        "en": (
            "That message has {chars} characters, far more than anyone can say in {limit} "
            "(about {fits} words). I did not read or keep it. Send a shorter draft; the full "
            "text can go in as a written e-comment."
        ),
        "es": (
            "Ese mensaje tiene {chars} caracteres, mucho más de lo que se puede decir en "
            "{limit} (unas {fits} palabras). No lo leí ni lo guardé. Mande un borrador más "
            "corto; el texto completo puede ir como comentario por escrito."
        ),
    },
    "comment_no_draft": {
        "en": "I don't have a draft from you (I keep one at most 30 minutes). Send it again:",
        "es": "No tengo un borrador suyo (lo guardo 30 minutos como máximo). Mándelo otra vez:",
    },
    "comment_where_head": {"en": "Where and by when:", "es": "Dónde y hasta cuándo:"},
    "comment_next_meeting": {
        "en": "Next Board meeting on the bot's schedule: {when} ({title}).",
        "es": "Próxima reunión de la Junta en el calendario del bot: {when} ({title}).",
    },
    "comment_no_meeting": {
        "en": "I don't know the date of the next Board meeting: check the posted agenda at "
        "https://bos.saccounty.gov/Pages/AboutBoardMeetings.aspx",
        "es": "No sé la fecha de la próxima reunión de la Junta: revise la agenda publicada en "
        "https://bos.saccounty.gov/Pages/AboutBoardMeetings.aspx",
    },
    "comment_in_person": {
        "en": (
            "In person: Board Chambers, 700 H Street, Suite 1450, Sacramento. Fill out a "
            "Speaker Request Form (speaker card) at the meeting, with the item number, and "
            "hand it to staff."
        ),
        "es": (
            "En persona: Sala de la Junta, 700 H Street, Suite 1450, Sacramento. Llene un "
            "formulario para hablar (Speaker Request Form) en la reunión, con el número del "
            "punto, y entrégueselo al personal."
        ),
    },
    "comment_ecomment": {
        "en": (
            "In writing: open the posted agenda, pick the item and choose “Public Comments” "
            "(how-to: https://sccob.saccounty.net/Pages/ElectronicPublicComment.aspx). "
            "E-comments close when the meeting starts; send yours at least one business day "
            "ahead for the supervisors to see it before. It becomes a public record."
        ),
        "es": (
            "Por escrito: abra la agenda publicada, escoja el punto y seleccione “Public "
            "Comments” (instrucciones: https://sccob.saccounty.net/Pages/"
            "ElectronicPublicComment.aspx). Se cierran cuando empieza la reunión; mándelo por "
            "lo menos un día hábil antes para que los supervisores lo vean antes. Se vuelve "
            "documento público."
        ),
    },
    "comment_cancelled": {
        "en": "Done: I stopped the comment coach and deleted your draft, if there was one.",
        "es": "Listo: cerré el asistente de comentario y borré su borrador, si había uno.",
    },
    "comment_nothing_to_cancel": {
        "en": "There is nothing to cancel. Send /comment to prepare a public comment.",
        "es": "No hay nada que cancelar. Mande /comment para preparar un comentario público.",
    },
    "comment_unknown_step": {
        "en": "I didn't understand '{word}'. Send /comment to start again.",
        "es": "No entendí '{word}'. Mande /comment para empezar de nuevo.",
    },
}

"""Why a value cannot go into an event: schedule files and `validate` say these in English,
/event in the chat's language. A link check's reason stays as it is written; a recurrence
parser's reason is English, so the Spanish sentence lists the forms it reads instead."""

from __future__ import annotations

FIELDS: dict[str, dict[str, str]] = {
    "field_id": {
        "en": "id '{event_id}' must be kebab-case (lowercase, digits, '-')",
        "es": "el id '{event_id}' debe ir en kebab-case (minúsculas, dígitos y '-')",
    },
    "field_title_empty": {"en": "'title' is empty", "es": "el título ('title') está vacío"},
    "field_title_long": {
        "en": "'title' is {length} characters long; keep it to {limit}",
        "es": "el título ('title') tiene {length} caracteres; el máximo es {limit}",
    },
    "field_zone": {
        "en": "'{name}' is not an IANA time zone; e.g. America/Los_Angeles",
        "es": "'{name}' no es una zona horaria IANA; por ejemplo, America/Los_Angeles",
    },
    "field_starts_offset": {
        "en": "starts: '{raw}' is not a local date and time; leave out the UTC offset (the zone "
        "goes in 'timezone')",
        "es": "starts: '{raw}' no es una fecha y hora local; quite el desfase UTC (la zona va en "
        "'timezone')",
    },
    "field_starts_format": {
        "en": "starts: '{raw}' is not a local date and time; write it like 2026-12-08 09:30",
        "es": "starts: '{raw}' no es una fecha y hora local; escríbala como 2026-12-08 09:30",
    },
    "field_starts_invalid": {
        "en": "starts: '{raw}' is not a local date and time ({reason})",
        "es": "starts: '{raw}' no es una fecha y hora que exista (revise el día del mes, y que "
        "la hora vaya de 00:00 a 23:59)",
    },
    "field_past": {
        "en": "starts {starts} is in the past ({timezone}); give a future date and time",
        "es": "starts {starts} ya pasó ({timezone}); ponga una fecha y hora futuras",
    },
    "field_offset": {
        "en": "remind: '{value}' is not an offset; write 7d, 1d, 2h or 30m",
        "es": "remind: '{value}' no es un tiempo de aviso; escriba 7d, 1d, 2h o 30m",
    },
    "field_offset_negative": {
        "en": "remind: '{value}' is negative; offsets already count back from the start, so "
        "write {positive}",
        "es": "remind: '{value}' es negativo; los avisos ya cuentan hacia atrás desde el inicio: "
        "escriba {positive}",
    },
    "field_offset_zero": {
        "en": "remind: '{value}' must be more than zero",
        "es": "remind: '{value}' debe ser mayor que cero",
    },
    "field_target_unknown": {
        "en": "unknown target '{name}'; known: {known}",
        "es": "no conozco el destino '{name}'; los que hay: {known}",
    },
    "field_target_none": {
        "en": "unknown target '{name}'; known: (none configured)",
        "es": "no conozco el destino '{name}'; no hay destinos configurados",
    },
    "field_target_empty": {
        "en": "target '{name}' reaches no chat; check it under 'targets' in the config",
        "es": "el destino '{name}' no llega a ningún chat; revíselo en 'targets' de la "
        "configuración",
    },
    "field_url": {"en": "url {problem}", "es": "url {problem}"},
    "field_recurrence": {
        "en": "recurrence '{value}': {reason}",
        # the parser's reasons are English: Spanish gets the forms it reads instead
        "es": "recurrence: no entiendo '{value}'; escriba, por ejemplo, 'cada martes', 'segundo y "
        "cuarto martes', 'primer lunes', 'último miércoles', 'cada dos semanas' o 'mensual' (o "
        "una RRULE como FREQ=WEEKLY;BYDAY=TU)",
    },
    "field_recurrence_none": {
        "en": "recurrence: no date on or after starts ({shown}); check UNTIL",
        "es": "recurrence: ninguna fecha desde starts ({shown}) en adelante; revise UNTIL",
    },
    "field_duration": {
        "en": "duration: '{value}' is not a length; write 90m, 2h or 3h",
        "es": "duration: '{value}' no es una duración; escriba 90m, 2h o 3h",
    },
    "field_duration_zero": {
        "en": "duration: '{value}' must be more than zero",
        "es": "duration: '{value}' debe ser mayor que cero",
    },
    "field_no_offset": {
        "en": "starts '{starts}' has no UTC offset",
        "es": "starts '{starts}' no tiene desfase UTC",
    },
    "field_stored": {"en": "{problems}", "es": "{problems}"},
}

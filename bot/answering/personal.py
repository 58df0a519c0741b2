"""Is this question about the asker's own (or a relative's) legal situation?

"My brother is in jail with an ICE hold", "me llegó una carta de inmigración", "will my DUI get
me deported": the honest reply is not "I don't know" and not a confident rule either, but the
general rule when one fits, that the answer depends on their case, and where to get legal help
now. A question is personal when it says whose situation it is (I, my husband, mi hermano …)
AND names a legal situation (arrested, deported, a court date, a conviction, papers …).
General know-your-rights wording ("do I have to open the door?") names no situation and stays
an ordinary question, and so does a how-to ("how do I post bail"). Spanish often says whose
case it is only in the verb ("¿debo presentarme a la corte?"). Patterns were written from the
tuning part of tests/eval/real.yaml, never from its blind part, and widened from how people
talk alone (a friend, an in-law, a neighbour, "someone I know"; "can ICE arrest him", "lo van
a deportar"): a friend's case needs a lawyer as much as a brother's. Later widened from the
aliases moderators wrote for the `own-case` entries (questions only a lawyer can answer): of
their 282 phrasings the patterns missed 163, among them plainly personal ones such as "van a
deportar a mi mama", "ice wants me to sign a paper", "will a dui get me deported"; then 92,
and after a second pass (how people ask to get papers, "como arreglo mi estatus", "can I get
residency through my wife"; "acepto la salida voluntaria o no") 55: what is left is general
wording, "what is voluntary departure", "how long does immigration detention last", which
stays general. Then the last two own cases of the tuning part the patterns missed, in their
general shape: ICE coming for someone (after the 48 hours), protecting one's children. No pass
looked at the blind part. Then from a development set of 134 questions from other pages than
tests/eval/real.yaml's (tests/eval/owncase_dev.yaml, mostly letters to immigration columns):
residency, travel and re-entry, waivers and petitions for family, and Spanish naming the
relative after the verb ("¿ha perdido la residencia mi hijo?", "¿qué podemos hacer por él?");
and from its second round (164 questions from 113 more sites): an ICE check-in ("mi chequeo",
"una cita con ICE"), an application still pending, a relative petitioning for the asker, a
record to clear.
Cases told in words no pattern knows ("the children are grown now and want to come visit,
what would you advise?") are left to the own-case classifier over the question's vector
(bands.py), which the matcher asks beside these patterns when the model has read the question.

Words that name a situation in a case name other things at a meeting: a sign held up, a
sign-in sheet, a petition, a letter to the supervisors, recording the meeting or ICE, a public
hearing, who signed a law. Those stay ordinary questions ("can I bring a sign?" was told to see
a lawyer), while a criminal record, papers to sign, a letter from immigration stay situations.
And a question about going to a meeting or a forum is never a case, papers or not ("¿me pueden
pedir papeles en la junta?" got a referral): how to take part safely is what the bot answers.
"""

from __future__ import annotations

import re
import unicodedata

_WHOSE = re.compile(
    r"\b(?:i|i'?m|i'?ve|i'?ll|me|my|mine|myself|we|our|us"
    r"|he|she|him|his|her|he/she|his/her"
    r"|husband|wife|spouse|son|daughter|child|children|kids?|brother|sister|father|mother|mom"
    r"|dad|parents?|cousin|uncle|aunt|nephew|niece|fiance|fiancee|boyfriend|girlfriend|partner"
    r"|relative|family member|grandma|grandpa|grandfather|grandmother|in-laws?|stepson"
    r"|stepdaughter|friend|coworker|roommate|neighbou?r|loved one|someone i know"
    r"|somebody i know|a person i know"
    r"|yo|mi|mis|me|nosotros|nuestro|nuestra|esposo|esposa|marido|mujer|hijo|hija|hijos|hermano"
    r"|hermana|papa|mama|padre|madre|primo|prima|tio|tia|sobrino|sobrina|novio|novia|pareja"
    r"|familiar|abuelo|abuela|suegro|suegra|cunad[oa]|yerno|nuera|hijastr[oa]|amig[oa]s?"
    r"|companer[oa] de trabajo|vecin[oa]|ser querido|seres queridos|alguien que conozco"
    r"|un conocido|una conocida"
    r"|puedo|debo|tengo|soy|estoy|firmo|firme|podemos|necesito|acepto|califico|arreglo|saco"
    r"|sere|podre|tendre)\b"
)
_SITUATION = re.compile(
    r"\b(?:deport\w*|removal|removed|arrest\w*|detain\w*|detention|jail|prison|custody"
    r"|convict\w*|charged?|charges|dui|dwi|plead\w*|guilty|felony|misdemeanor|probation"
    r"|bond|bail|court|(?<!public )(?<!board )(?<!county )hearing|judge|daca|green card|visa"
    r"|asylum|citizenship|naturaliz\w*|undocumented|illegal\w*|overstay\w*|expired?|caught"
    r"|picked up|notice to appear|letter(?! to\b)|accused|sent away|being held"
    # one's crime, not reporting one or being its victim
    r"|(?<!report a )(?<!reporting a )(?<!reported a )(?<!victim of a )(?<!witness to a )crimes?"
    # a criminal record, not recording a meeting or ICE, nor the meeting's record
    r"|(?:my|his|her|their|our|a|no|clean|criminal|arrest|police|juvenile|dui|mi|su|un)"
    r" record(?! of\b)"
    # a run-in with the law told without the law's words ("that incident with the law")
    r"|(?:trouble|problems?|issues?|incidents?|run-ins?) with (?:the )?(?:law|police|cops)"
    r"|(?:problemas?|incidentes?|lios?) con la (?:ley|policia|migra)"
    r"|deportar\w*|deportacion|deportad[oa]s?|arrestad[oa]s?|arresto|detenid[oa]s?|detencion"
    r"|carcel|prision|condena\w*|cargos?|culpable|fianza|corte|audiencia(?! publica)|juez"
    r"|residencia|ciudadania|asilo|indocumentad[oa]s?|ilegal\w*|antecedentes|salida voluntaria"
    r"|carta(?! (?:a|al|para) (?:la |los |las |el )?(?:junta|supervisor\w*|condado|board))"
    # signing papers, not a petition, a sign-in sheet, a law or a sign held up at a meeting
    r"|(?<!quien )firm\w*(?! (?:la |el |esta |este |una |en la )?(?:ley|proyecto|peticion|lista"
    r"|hoja))(?! para (?:hablar|entrar|comentar|participar))"
    r"|orden de deportacion|vencio|vencid[oa]|permiso de trabajo|papeles"
    r"|hold(?! (?:a|an|up|signs?|banners?|posters?)\b)|papers"
    r"|(?<!a )(?<!the )(?<!my )(?<!our )(?<!your )sign(?! in| up| (?:a |the )?petition)"
    r"|apel\w*|appeal\w*|tramites?"
    r"|my case|mi caso|su caso|plea|voluntary departure|sen[dt] (?:\w+ )?back|release\w*"
    r"|let (?:me|him|her|them|us|my \w+) (?:go|out)|solt\w*|suelt\w*|sacar del pais"
    r"|mandar (?:pa|para|a) \w+|regres\w* a su pais|entreg\w*|felonia|delito\w*"
    r"|trato del fiscal|eligible|qualify|chances? (?:to|of|in)|chance de|posibilidad\w* de"
    # becoming legal: what only a lawyer can weigh for someone
    r"|legal status|(?:get|apply for|qualify for) (?:a |my |his |her )?(?:work permit|residency)"
    r"|residency through|become a citizen|petition for (?:me|him|her|us)"
    r"|fix (?:my|his|her|our) (?:immigration )?status|adjust (?:my |his |her )?status"
    r"|hac(?:er|erme|e|o) (?:ciudadan[oa]|residente)|arregl\w*|que chance|7282\.5"
    r"|leave (?:the country )?on (?:my|his|her|our) own|irme por mi cuenta|48 (?:hours|horas)"
    # staying, leaving and coming back: residency, travel, waivers, petitions for family
    r"|become (?:a )?(?:permanent resident|resident)|residente permanente|re-?enter\w*|barred"
    r"|parole"
    # an ICE check-in, a pending application, a petition for oneself, one's criminal history
    r"|cita con (?:ice|inmigracion|la migra)|chequeo|check-?ins?|(?:no tengo|sin) documentos"
    r"|(?:application|petition|case) (?:is )?pending|pending (?:application|petition|case)"
    r"|(?:sponsor|petition) (?:me|him|her|us|my \w+)|criminal history"
    r"|historial (?:criminal|delictivo)"
    r"|(?:pedir|pida|pidan|solicitar|solicite) (?:un |el )?perdon"
    r"|(?:pueda|puedan|podra|podran) regresar"
    r"|pedir(?:l[oa]s?)? (?:a )?(?:mis?|est[ea]|nuestr\w*) (?:hij|espos|herman|padre|madre|papa"
    r"|mama|famil|novi|sobrin|niet)\w*|pedirl[oa]s?)\b"
)
# what makes it a question about how THEIR case will go, not a general rule
_CASE = re.compile(
    r"(?<!how )\b(?:will|would|could|can|should|may|might|am|do|does|did|is|was|has|have)\s+"
    r"(?:i|we|he|she|they|he/she|my\s+\w+)\b"
    r"|\bwhat(?:'s| is| will| would)?\s+(?:going to\s+)?happen\w*\s+(?:to|if|with|now)\b"
    r"|\bmy case\b|\bmi caso\b|\bi (?:was|got|am|have|had|received|signed|need)\b|\bi'?ve\b"
    r"|\bmy (?:\w+ )?\w+ (?:is|was|got|has|had)\b|\b(?:he|she) (?:is|was|got|has)\b"
    r"|\b(?:will|would|can|could|is|are) (?:my|your) (?:\w+ )?\w+ (?:be|being|get)\b"
    r"|\b(?:prevent|hurt|jeopardi[sz]e|ruin|bar)\w* (?:me|my)\b|\bmy options\b|\bmis opciones\b"
    r"|\b(?:is|are) there (?:a|any)(?: other)? ways?\b|\bmy (?:court date|hearing|check-in)\b"
    r"|\bmi (?:audiencia|cita|corte|chequeo)\b|\b(?:sere|podre|tendre)\b"
    r"|\b(?:limpiar|borrar|sellar|clear|expunge|seal)\w* (?:my|mi) (?:criminal |police )?"
    r"(?:record|history|antecedentes|historial)\b"
    r"|\b(?:can|could|will|would|may|might)\s+(?:ice|they|the police|immigration|the judge)"
    r"\s+\w+\s+(?:me|him|her|them|us|my \w+)\b"
    r"|\bme (?:pueden|puede|van a|llego|llegaron|detuvieron|arrestaron|deportan|deportaran)\b"
    r"|\b(?:lo|la|los|las|nos) (?:pueden|puede|van a|iban a) (?:deport|arrest|deten|llev|encarc)"
    r"|\b(?:lo|la|los) (?:detuvieron|arrestaron|deportaron|tienen)\b"
    r"|\b(?:puedo|debo|tengo(?! que)|tuve|firme|firmo|estoy|estaba|fui|soy|podemos)\b"
    r"|\bme (?:afecta|afectara|perjudica)\b"
    r"|\bmi \w+ (?:esta|fue|tiene|tenia|lo|la)\b|\bque (?:me )?pasa(?:ra)? (?:si|con)\b"
    r"|\bsi (?:ice |la policia |me )"
    # the asker or a relative as the one deported, arrested, released, handed over, asked to sign
    r"|\b(?:deport|arrest|detain|release|turn|offer)\w* (?:me|him|her|us|my \w+)\b"
    r"|\bget (?:me|him|her|us|my \w+) (?:deported|arrested|detained|sent|released)\b"
    r"|\b(?:deport|arrest|deten|solt|regres|sac|entreg|mand)\w* a (?:mi|mis|nuestr\w*)\b"
    r"|\bwants? (?:me|him|her|us|my \w+) to\b|\b(?:they )?gave (?:me|him|her|my \w+)\b"
    r"|\b(?:affect|afecta)\w* (?:my|mis?)\b|\bwith my (?:criminal )?record\b"
    r"|\bcon (?:mi|un) (?:record|condena|antecedentes)\b|\bwhat if (?:i|we|my \w+)\b"
    r"|\b(?:my|our) chances?\b|\bapply to me\b|\baplica a mi\b"
    r"|\bwhat happens? (?:at|in) my\b|\b(?:va|van) a (?:pasar|\w+ a mi)\b"
    r"|\bme (?:dieron|dio|dan|da|dijeron|ofrecieron|ofrecio|quieren|mandaron|entreg\w*|conviene)\b"
    r"|\ble (?:dio|dieron|ofrecio|ofrecieron)\b|\bmi \w+ (?:debe|puede|va|lleva|necesita|cuenta)\b"
    r"|\b(?:can|could|will|would) (?:the sheriff|the jail|la migra) \w+ (?:me|him|her|them|us)\b"
    # how THEY get papers, and whether a charge touches THEIR status
    r"|\bhow (?:do|can|could) (?:i|we) (?:get|become|apply|fix|adjust)\b|\bway for me\b"
    r"|\bis there (?:a|any) way\b|\bhay (?:alguna|una) (?:forma|manera)\b|\bcalifico\b"
    r"|\bcomo (?:arreglo|saco|me hago|puedo arreglar)\b|\bme puedo hacer\b|\bacepto\b"
    r"|\b(?:and|y) (?:my|mi) (?:green card|residency|residencia|papers|papeles|visa|daca)\b"
    r"|\b(?:va|van) a \w+ mis? \w+|\b(?:i|we|he|she) (?:can|could|should|must|ha(?:s|ve) to)"
    r" (?:sign|accept|go back|leave the country)\b|\bleave on my own\b|\birme por mi cuenta\b"
    # ICE coming for them; keeping their children safe from it
    r"|\b(?:come|came|coming) (?:to get|for|to pick up) (?:me|him|her|us|my \w+)\b"
    r"|\b(?:vienen|vino|vengan|venga) (?:por|a buscar|a recoger) (?:mi|el|ella|nosotros)\b"
    r"|\bprotect my (?:kids|children|family)\b|\bproteger a mis? (?:hijos|hija|hijo|familia)\b"
    # Spanish names the relative after the verb: "¿ha perdido la residencia mi hijo?"
    r"|\b(?:ha|han) perdido\b|\b(?:el|ella) (?:esta|fue|tiene|nunca fue)\b"
    r"|\ble (?:dijo|dijeron)\b|\b(?:tengo|tenemos) miedo\b|\bis there anything (?:i|we) can do\b"
    r"|\ba mis? (?:otr[oa]s? )?(?:hij[oa]s?|espos[oa]|marido|herman[oa]s?|padres?"
    r"|madre|papa|mama|novi[oa]|familia)\b"
)


def _plain(text: str) -> str:
    text = unicodedata.normalize("NFKD", text[:1000].casefold().replace("\u2019", "'"))
    return " ".join("".join(c for c in text if not unicodedata.combining(c)).split())


# going to a meeting or forum: what the bot is for ("¿me pueden pedir papeles en la junta?")
_MEETING = re.compile(
    r"\b(?:junta|(?<!check-in )(?<!check in )(?:reunion|meeting)(?! (?:with|con)\b)"
    r"|board of supervisors|supervisors|supervisores|public comment|comentario publico"
    r"|truth (?:act )?forum|foro)\b"
)  # not a meeting with ICE or an ICE check-in: those are someone's case


def is_personal(question: str) -> bool:
    """Whether `question` asks about the asker's own or a relative's legal situation."""
    text = _plain(question)
    return bool(
        _WHOSE.search(text)
        and _SITUATION.search(text)
        and _CASE.search(text)
        and not _MEETING.search(text)
    )

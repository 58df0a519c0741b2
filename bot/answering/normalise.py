"""Question text → the words the engine compares: folding, stems and the language asked in.

People write "wut is S.B. 54??", "k es la sb 54" and "¿Qué es la SB-54?" for the same thing.
`fold` makes text lowercase, accent-free and punctuation-free, spells chat shorthand out and
maps names people use for the same thing to one word ("la migra" → "ice", "ICE hold" → "ice
detainer"); the knowledge goes through the same fold, so both sides meet. `terms` keeps the
content words, stemmed: stems keep seven letters, so "detained" and "detainer", "cooperate" and
"Cooper", "governor" and "government" stay apart. `detect_language` tells Spanish from English
by its marks (¿, ñ) and the function words used. The lexical index, the matcher and the chat
all read text through here, and only the first MAX_INPUT characters of it.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

MAX_INPUT = 1000  # characters scored; a 50,000-character message costs no more than this

# Chat spellings and names people use for the same thing, applied to accent-free lowercase text.
_PHRASES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(p), r)
    for p, r in (
        (r"\bs\s*\.?\s*b\s*\.?\s*-?\s*54\b", " sb54 "),
        (r"\ba\s*\.?\s*b\s*\.?\s*-?\s*(\d{2,4})\b", r" ab\1 "),
        (r"\bi\s*\.\s*c\s*\.\s*e\b\.?", " ice "),
        (r"\bi\s*-?\s*(\d{3}[a-z]?)\b", r" i\1 "),  # form I-247A, "i 247a", "i247a": one word
        (r"\b(?:la )?migra\b", " ice "),
        (r"\b(?:ice|immigration|inmigracion|migratori[ao]) holds?\b", " ice detainer "),
        (r"\bholds?\b", " hold detainer "),
        (r"\b(?:b\s*o\s*s|bos)\b", " board supervisors "),
        (r"\bkyr\b", " know your rights "),
        # "what is X" asks for a definition: a word of its own, so "what is SB 54" finds the
        # entry that defines it rather than one that merely mentions it
        (
            r"\b(?:what is|whats|what are|que es|que son|de que (?:se )?trata|que significa)\b",
            " whatis ",
        ),
        # "¿qué SÍ puede hacer?" asks what is still allowed
        (r"\bque si (?:se )?(?:puede|pueden|permite)\b", " todavia permite "),
        (r"\bcalifornia values act\b", " sb54 values act "),
        (r"\bley de valores\b", " sb54 ley valores "),
        (r"\bsanctuary (?:state|law)\b", " sb54 sanctuary "),
        (r"\bsantuario\b", " sb54 santuario "),
        (r"\be ?comments?\b|\bcomentarios? (?:electronicos?|en linea|por escrito)\b", " ecomment "),
        # signing in or up is not a sign someone holds: "can I bring a sign?" took the entry on
        # sign-in sheets
        (r"\bsign(?:ed|ing|s)? (in|up)\b", r" sign\1 "),
        (r"\bnot allowed\b|\bno (?:esta )?permitid[oa]s?\b", " prohibit "),
        (r"\b(?:gets?|getting|let) out\b", " release "),
        (r"\bsay no\b|\bdecir que no\b|\bdecline\b|\bnegarme\b|\bnegarse\b", " refuse "),
        (r"\bthis (?:thing|bot|app|chat)\b|\bwho are you\b|\bwhat are you\b", " bot "),
        (r"\bquien eres\b|\bque eres\b|\beste bot\b", " bot "),
    )
)
_BEFORE_PUNCTUATION = 4  # the first patterns read dots and hyphens: "s.b. 54", "i.c.e.", "I-247A"
_WORDS = {
    # English chat spellings
    "wut": "what",
    "wat": "what",
    "wht": "what",
    "whut": "what",
    "u": "you",
    "ur": "your",
    "r": "are",
    "pls": "please",
    "plz": "please",
    "bc": "because",
    "cuz": "because",
    "wanna": "want",
    "gonna": "going",
    "whats": "what",
    "hows": "how",
    "whens": "when",
    "wheres": "where",
    "im": "i",
    "dont": "do",
    "cant": "can",
    "sheriffs": "sheriff",
    "cops": "police",
    "cop": "police",
    "deputies": "deputy",
    "tmrw": "tomorrow",
    "2day": "today",
    "mtg": "meeting",
    "info": "information",
    "sup": "supervisor",
    "supes": "supervisors",
    "sups": "supervisors",
    "supe": "supervisor",
    "min": "minutes",
    "mins": "minutes",
    "mic": "microphone",
    "ppl": "people",
    "msgs": "messages",
    "msg": "message",
    "yrs": "years",
    "yr": "year",
    "w": "with",
    "n": "and",
    "abt": "about",
    "b4": "before",
    "bf": "boyfriend",
    "gf": "girlfriend",
    "govt": "government",
    "sayin": "saying",
    # contractions typed without the apostrophe (the negation goes, as with "dont" and "cant")
    "didnt": "did",
    "doesnt": "does",
    "isnt": "is",
    "wasnt": "was",
    "arent": "are",
    "wont": "will",
    "hes": "he",
    "shes": "she",
    "theres": "there",
    "theyre": "they",
    "youre": "you",
    "ive": "i",
    "thats": "that",
    "whos": "who",
    # Spanish chat spellings
    "q": "que",
    "k": "que",
    "ke": "que",
    "xq": "porque",
    "pq": "porque",
    "porq": "porque",
    "xk": "porque",
    "tb": "tambien",
    "tmb": "tambien",
    "d": "de",
    "x": "por",
    "dnd": "donde",
    "kien": "quien",
    "aki": "aqui",
    "pa": "para",
    "sta": "esta",
    "toy": "estoy",
    "ps": "pues",
    "porfa": "favor",
    "xfa": "favor",
    "dsd": "desde",
    "tmbn": "tambien",
    "policias": "policia",
    "alguacil": "sheriff",
    "sherif": "sheriff",
    "sherife": "sheriff",
    # the same idea in other words (applied to the knowledge too, so both sides meet)
    "ban": "prohibit",
    "bans": "prohibit",
    "banned": "prohibit",
    "forbid": "prohibit",
    "forbids": "prohibit",
    "forbidden": "prohibit",
    "prohibited": "prohibit",
    "prohibits": "prohibit",
    "papers": "papers status",
    "papeles": "papeles estatus",
    "undocumented": "undocumented status",
    "indocumentado": "indocumentado estatus",
    "indocumentada": "indocumentada estatus",
    "indocumentados": "indocumentados estatus",
    "released": "release",
    "releases": "release",
    "salga": "salga release",
    "liberen": "liberen release",
    "suelten": "suelten release",
    "salida": "salida release",
    # one word for a car, a home, a lawyer, whichever variant a region says (both sides fold;
    # not "house", a verb in "contracts to house detainees", nor "attorney": the Attorney
    # General is no one's lawyer)
    "vehicle": "car",
    "vehicles": "car",
    "cars": "car",
    "truck": "car",
    "auto": "carro",
    "autos": "carro",
    "coche": "carro",
    "coches": "carro",
    "vehiculo": "carro",
    "vehiculos": "carro",
    "troca": "carro",
    "camioneta": "carro",
    "carros": "carro",
    "hogar": "casa",
    "domicilio": "casa",
    "vivienda": "casa",
    "abogada": "abogado",
    "abogados": "abogado",
}
_STOP = frozenset(
    """
    a an and are as at be been being but by can could did do does doing for from had has have
    how i if in into is it its just me my of on or our so than that the their them then there
    these they this those to was we were what when where which who whom why will with would
    you your yours about also any some please tell know want going hi hello hey thanks
    he she him her his hers us am got get gets getting said say says told kept even really
    actually ok okay um uh lol lmao omg idk wth wtf rn stuff someone somebody anyone anybody
    something anything here there like
    el la los las un una unos unas de del al y o u que como cuando donde quien cual cuales por
    para con sin en es son esta estan ser estar fue hay mi mis tu tus su sus me te se le les lo
    nos yo ella ellos pero si no ya muy mas este esta estos estas ese esa eso puede puedo pueden
    hola gracias quiero saber favor tambien porque
    oye pues bueno ahorita buenas buenos tardes dias noches disculpe molestia alguien algo eso
    esto usted ustedes nosotros ella ellos tengo tiene tienen tienes tenemos aqui ahi entonces
    """.split()
)
_KEEP = frozenset({"no", "not", "ice", "ab", "sb54"})  # short or stop-like words that carry meaning
_ES_MARKERS = frozenset(
    """
    que como cuando donde quien cual por para con es son esta estan hay mi mis tu su los las el
    la del al una puedo puede pueden ley junta policia migra tengo tiene ayuda abogado derechos
    mi hermano mama papa hacer decir dice sobre ir reunion comentario papeles hola buenas
    buenos gracias un
    """.split()
)
_EN_MARKERS = frozenset(
    """
    the what how when where who which is are can do does my your i to of for with about
    brother mom dad say go it they will would should there this that at get got
    """.split()  # function words only: "board", "police" turn up in Spanish chats too
)
_MARKERS = _ES_MARKERS | _EN_MARKERS
_SUFFIXES = (
    "aciones",
    "iciones",
    "ciones",
    "siones",
    "acion",
    "icion",
    "cion",
    "sion",
    "ing",
    "ed",
    "es",
    "s",
)
_NON_WORD = re.compile(r"[^\w]+")


_GREETING = re.compile(
    r"^[\s¡]*(?:(?:hi|hello|hey|hola|buenas(?:\s+(?:tardes|noches))?|buen[oa]s\s+d[ií]as"
    r"|good\s+(?:morning|afternoon|evening)|disculpe(?:\s+la\s+molestia)?|excuse\s+me)"
    r"\b[\s,.!:;¡-]*)+",
    re.IGNORECASE,
)


def without_greeting(text: str) -> str:
    """The question after a leading "hi," or "¡Hola, buenas tardes!": the model weighed the
    greeting too, and "hi, when is the next meeting?" got "Did you mean" where the same words
    without it got the answer. A greeting alone stays as it is."""
    rest = _GREETING.sub("", text, count=1)
    return rest if any(c.isalnum() for c in rest) else text


def fold(text: str) -> str:
    """Lowercase, accent-free, punctuation-free text with chat spellings spelled out."""
    text = text[:MAX_INPUT].casefold()
    if not text.isascii():  # most text is plain ASCII: no accents to take off
        text = unicodedata.normalize("NFKD", text)
        text = "".join(c for c in text if not unicodedata.combining(c))
    for pattern, replacement in _PHRASES[:_BEFORE_PUNCTUATION]:
        text = pattern.sub(replacement, text)
    text = _NON_WORD.sub(" ", text).replace("_", " ")
    text = " ".join(_WORDS.get(w, w) for w in text.split())  # "wat is" → "what is", then phrases
    for pattern, replacement in _PHRASES[_BEFORE_PUNCTUATION:]:
        text = pattern.sub(replacement, text)
    return " ".join(text.split())


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """Crude but language-neutral: drop a common suffix, keep at most seven letters."""
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            word = word[: -len(suffix)]
            break
    return word[:7]


def terms(folded: str) -> list[str]:
    return [stem(w) for w in folded.split() if w in _KEEP or (w not in _STOP and len(w) > 1)]


def detect_language(text: str, hint: str | None = None) -> str | None:
    """'es' or 'en' from the words used; None when the text does not say."""
    if re.search(r"[¿¡ñ]|ción\b", text.casefold()):
        return "es"
    plain = "".join(
        c
        for c in unicodedata.normalize("NFKD", text[:MAX_INPUT].casefold())
        if not unicodedata.combining(c)
    )
    typed = _NON_WORD.sub(" ", plain).split()
    words = [_WORDS.get(w, w) for w in typed]  # before phrases merge
    es = sum(w in _ES_MARKERS for w in words)
    en = sum(w in _EN_MARKERS for w in words)
    if not any(len(t) > 1 and w in _MARKERS for t, w in zip(typed, words, strict=True)):
        return hint  # one letter alone ("x" for "por", "u" for "you") is no evidence: "Rally x"
    if es > en:
        return "es"
    if en > es:
        return "en"
    return hint

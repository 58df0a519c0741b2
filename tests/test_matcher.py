"""The answer engine on the bundled knowledge: right answers, honest abstentions, any input."""

from __future__ import annotations

import functools
from collections import Counter
from pathlib import Path

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.answering.char_model import ngrams
from bot.answering.knowledge import Snapshot, load_knowledge
from bot.answering.matcher import Match, Matcher, look_alikes
from bot.answering.normalise import MAX_INPUT, detect_language, fold, stem, terms
from bot.config import MatcherConfig
from tests.conftest import ROOT

SNAPSHOT: Snapshot = load_knowledge([ROOT / "knowledge"]).snapshot
MATCHER = Matcher(MatcherConfig())  # words and meaning, as the bot answers
MATCHER.load_model()
MATCHER.prepare(SNAPSHOT)
EVAL = yaml.safe_load((ROOT / "tests" / "eval" / "questions.yaml").read_text(encoding="utf-8"))


def test_chat_spellings_are_normalised() -> None:
    assert fold("Wut is S.B. 54??") == "whatis sb54"
    assert fold("k es la sb 54") == fold("¿Qué es la SB-54?") == "whatis la sb54"
    assert fold("sb-54") == fold("SB 54") == "sb54"
    assert "detainer" in fold("what's an ICE hold")
    assert fold("¿Qué pasa con la MIGRA?") == "que pasa con ice"
    assert fold("Información") == "informacion"
    assert fold("Form I-247A") == fold("form i 247a") == fold("form i247a") == "form i247a"


def test_look_alike_words_keep_distinct_stems() -> None:
    """A person detained is not a detainer; cooperating is not Sheriff Cooper."""
    assert stem("detained") != stem("detainer")
    assert stem("detainers") == stem("detainer")
    assert stem("cooperate") != stem("cooper")
    assert stem("cooperation") == stem("cooperate")
    assert stem("governor") != stem("government")


def test_stop_words_and_punctuation_carry_no_weight() -> None:
    assert terms(fold("how do the?!")) == []
    assert terms(fold("¿y como la?")) == []


def test_language_detection() -> None:
    assert detect_language("¿Cuándo es la próxima reunión?") == "es"
    assert detect_language("que es la ley sb54") == "es"
    assert detect_language("what does the law say") == "en"
    assert detect_language("sb54", hint="es") == "es"
    assert detect_language("sb54") is None


def _eval_rows(holdout: bool) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    inside = [q for q in EVAL["in_scope"] if q["holdout"] is holdout]
    outside = [q for q in EVAL["out_of_scope"] if q["holdout"] is holdout]
    return inside, outside


@functools.cache
def _match(question: str) -> Match:
    """The bundled knowledge's match, once per question: several tests read the eval set."""
    return MATCHER.match(SNAPSHOT, question)


def _answered(question: str) -> str | None:
    match = _match(question)
    return match.best.entry.id if match.matched and match.best else None


def test_every_eval_expectation_names_a_real_entry() -> None:
    for row in EVAL["in_scope"]:
        assert row["expect"] in SNAPSHOT.by_id, row


# Measured (make bench, 2026-11-25) with words alone on 70 entries: 96.0% top-1 (120/125) and
# 97.3% abstention (36/37) on the holdout. On 2026-12-05 the bot answers with words and meaning
# on 100 entries; after real.yaml was relabeled and bot/answering/bands.json refitted by its fixed
# procedure (bench.py --fit, tuning parts only): 119/125 (95.2%, back at the 95% target) and
# 34/37 (91.9%, under the 97% this set had: a regression named in issue 15's note, not tuned
# away, since choosing bands by these figures would fit on the holdout). On 2026-12-06, after
# 925 aliases written from the entries alone (never from an evaluation set) and the same fixed
# refit (its answer threshold moved from 0.60 to 0.70): 118/125 (94.4%, one question under the
# 95% target, named in the note) and 36/37 (97.3%, back at this set's figure). Later that day
# the intent fit (bot/answering/semantic.py) joined the ranking, with the same fixed refit:
# 119/125 (95.2%) and 34/37 (91.9%): two more questions on other subjects answered, against
# 6.6 and 9.8 more points right on the real blind part in English and Spanish with as many
# confident wrong answers there (12). A trade, taken knowingly and named in issue 15's note;
# the floors sit at today's figures, so any further drop fails here.
HOLDOUT_TOP1_FLOOR = 0.95
HOLDOUT_ABSTAIN_FLOOR = 0.91


def test_holdout_does_not_regress() -> None:
    """The third kept aside, never tuned on: right answers and honest abstentions."""
    inside, outside = _eval_rows(holdout=True)
    right = sum(_answered(str(q["q"])) == q["expect"] for q in inside)
    abstained = sum(_answered(str(q["q"])) is None for q in outside)
    # counts only: the holdout's questions must not be printed (nobody tunes on them), so the
    # sizes are plain numbers here and pytest's introspection has no list to show
    n_in, n_out = len(inside), len(outside)
    del inside, outside
    assert right >= HOLDOUT_TOP1_FLOOR * n_in, f"holdout top-1 {right}/{n_in}"
    assert abstained >= HOLDOUT_ABSTAIN_FLOOR * n_out, f"holdout abstained {abstained}/{n_out}"


def test_confident_wrong_answers_stay_rare() -> None:
    """A confident wrong answer is the dangerous case: at most 1 in 10 in-scope questions."""
    inside = EVAL["in_scope"]
    wrong = [q for q in inside if (got := _answered(str(q["q"]))) and got != q["expect"]]
    held = sum(bool(q["holdout"]) for q in wrong)  # holdout questions: counted, never printed
    assert len(wrong) <= len(inside) // 10, (
        f"{len(wrong)} wrong ({held} in the holdout)",
        [q["q"] for q in wrong if not q["holdout"]],
    )


def test_answers_come_in_the_askers_language() -> None:
    off = []
    for row in EVAL["in_scope"]:
        match = _match(str(row["q"]))
        if match.matched and detect_language(str(row["q"])) and match.lang != row["lang"]:
            off.append(row)
    held = sum(bool(row["holdout"]) for row in off)  # holdout questions: counted, never printed
    assert not off, (
        f"{len(off)} in the wrong language ({held} in the holdout)",
        [row["q"] for row in off if not row["holdout"]],
    )


def test_abstention_offers_at_most_three_related_suggestions() -> None:
    match = MATCHER.match(SNAPSHOT, "comment")
    assert len(match.suggestions) <= 3
    match = MATCHER.match(SNAPSHOT, "recipe for tamales")
    assert not match.matched


def test_long_input_is_capped_before_scoring() -> None:
    base = "what does sb54 prohibit the sheriff from doing "
    long = MATCHER.match(SNAPSHOT, base + "blah " * 10_000)
    assert len(long.question) == MAX_INPUT
    assert MATCHER.match(SNAPSHOT, base).best is not None


@settings(deadline=None, max_examples=200)
@given(st.text(max_size=3000))
def test_any_text_gets_a_decision_and_a_score_in_range(text: str) -> None:
    match = MATCHER.match(SNAPSHOT, text)
    assert 0.0 <= match.score <= 1.0
    assert match.lang in ("en", "es")
    assert len(match.suggestions) <= 3
    if match.matched:
        assert match.best is not None
        assert not match.suggestions


def test_validate_warns_of_entries_the_bot_cannot_tell_apart(tmp_path: Path) -> None:
    """Two entries asked the same way ("ice entrevista en la carcel", "entrevista de ice en la
    carcel") make the bot pick between them by chance: `validate` names the second, at its
    line. (The bundled knowledge passes `validate --strict`, so it has none: test_cli.)"""
    entry = """
- id: {id}
  tags: [sb54]
  reviewed: 2026-12-01
  sources: [{{title: "Cal. Gov. Code 7283.1", url: "https://leginfo.legislature.ca.gov/"}}]
  en: {{question: "{en}", answer: "An answer that says enough to be an answer here."}}
  es: {{question: "{es}", answer: "Una respuesta que dice lo bastante para serlo aqui.",
       aliases: ["{alias}"]}}
"""
    first = entry.format(
        id="ice-interview", en="Can ICE interview me in jail?",
        es="¿Puede ICE entrevistarme en la cárcel?", alias="ice entrevista en la carcel",
    )  # fmt: skip
    second = entry.format(
        id="jail-visits", en="Who may visit the county jail?",
        es="¿Quién puede visitar la cárcel?", alias="entrevista de ice en la carcel",
    )  # fmt: skip
    (tmp_path / "a.yaml").write_text(first + second, encoding="utf-8")
    (warning,) = look_alikes(load_knowledge([tmp_path]).snapshot)
    assert (warning.file, warning.line) == (str(tmp_path / "a.yaml"), 10)
    assert warning.severity == "warning"
    assert "asks the same as an alias of 'ice-interview'" in warning.message


def test_every_bundled_entry_is_bilingual_sourced_and_reviewed() -> None:
    for entry in SNAPSHOT.entries:
        assert {"en", "es"} <= set(entry.texts), entry.id
        assert entry.sources, entry.id
        assert entry.reviewed, entry.id


def test_definition_questions_find_the_definition() -> None:
    """ "What is SB 54" must not be answered by an entry that only mentions SB 54."""
    for question in ("hola, que es la ley sb54?", "wat is sb54", "what's the TRUTH act"):
        match = MATCHER.match(SNAPSHOT, question)
        assert match.best is not None
        assert match.best.entry.id in ("sb54-what-it-is", "truth-what-is"), question


def test_new_wording_finds_its_entry_by_its_letters() -> None:
    """Wording that BM25 over word stems alone ranks under a neighbouring entry (measured when
    the character model came in): the letters of the entry's aliases tip it the right way."""
    for question, entry in (
        ("los notarios pueden llevar casos de inmigracion", "help-notario-fraud"),
        ("what does it mean when ice puts a hold on somebody", "detainer-what-is"),
    ):
        assert _answered(question) == entry, question


def test_character_ngrams_are_those_of_words_padded_with_spaces() -> None:
    assert ngrams("ice") == Counter([" i", "ic", "ce", "e ", " ic", "ice", "ce ", " ice", "ice "])
    assert ngrams("a") == Counter([" a", "a ", " a "])  # a short word counts once
    assert ngrams("x" * 50_000) == ngrams("x" * 300), "a huge message costs no more"


def test_one_loose_word_gets_the_nearest_topics_not_a_guess() -> None:
    """ "jail" or "is it legit" could mean many things: offer topics rather than pick one. A word
    a moderator made an entry's own alias is still answered."""
    for question in ("jail", "is it legit", "rapido", "abogado"):
        match = MATCHER.match(SNAPSHOT, question)
        assert not match.matched, question
        assert match.suggestions, question
    for question, entry in (
        ("ayuda", "about-how-to-ask"),  # an alias, word for word
        ("sb 54?", "sb54-what-it-is"),  # a lone name asks what it is
        ("detainer", "detainer-what-is"),
    ):
        match = MATCHER.match(SNAPSHOT, question)
        assert match.matched, question
        assert match.best is not None
        assert match.best.entry.id == entry

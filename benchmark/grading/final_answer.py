"""The final answer of one chat reply to a word problem: the stated number a careful grader takes.

1. Text that is no answer goes: `<think>` blocks, struck-out `~~58~~`, GSM8k's `<<48/2=24>>` calculator
   notes, a made-up follow-up "Question: ..." that a small model runs on into, and asides in parentheses
   with words in them ("(and 15 red ones)", "(that's 37.5%)"). LaTeX is rendered to plain values (`latex`).
2. The reply is cut into sentences: lines, then sentence ends, "...", and before a mid-sentence "actually"
   or "wait". Questions (but not a tag question: "So she makes $18, right?" states 18) and, unless they
   have an explicit answer marker, pleasantries ("Glad I could help!"), hypotheticals ("if he rode 3 hours,
   he'd cover 84 km"), notes ("Note: ...", "By the way, ...") and checks ("Check: 18 / 3 = 6 ✓") state no
   answer.
3. In a sentence that states one, a number right after "the", "not", "below" or "above" is a known
   quantity, a rejected value or a bound, not a result ("the 45 passengers", "not 360", "below zero"); a
   side clause goes ("4 boxes, with 2 cookies left over", and after "is N units:" the explanation "she
   spent $10 ..."). The sentence's number is the first one after an explicit answer marker ("the answer
   is", "Final answer:", "**Answer:**", "####", `\\boxed{}`), else its last bold number, else its last number.
4. The last sentence's number is the answer, except that: after an explicit marker, or after an answer
   followed by "Here's how" / "Explanation:", only another marker or a self-correction ("actually", "wait",
   "I forgot", "sorry", ...) changes it; after a conclusion ("So ...", "Therefore ...") a sentence that only
   repeats numbers already stated does not change it; and restating a negative answer without its sign
   ("−16 m. The diver ends up 16 meters below the surface") keeps the sign.
5. Without an explicit marker, a reply states no answer when it gives up or says what it is missing ("I
   need to know the price", "not enough information"), or asks for information ("Is it 3 or 4 apples per
   bag?", unlike an offer or check-in such as "Would you like ...?", "Does that make sense?") and states
   nothing after its question.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction

from benchmark.grading.latex import render_math
from benchmark.grading.numbers import Number, find_numbers

_THINK = re.compile(r"<think>.*?</think>", re.S | re.I)
_STRUCK = re.compile(r"~~.*?~~", re.S)
_CALCULATOR = re.compile(r"<<[^<>]*>>")
_RUN_ON = re.compile(r"\n\s*(?:Question|Q)\s*:", re.I)
_ASIDE = re.compile(r"\([^()]*[A-Za-z][^()]*\)")
_LINE_PREFIX = re.compile(r"^\s*(?:(?!####\s*[-−]?\d)#{1,6}\s+|>\s*|[-*+•]\s+|\d{1,2}[.)]\s+(?=[A-Za-z*]))")
_SENTENCE_BREAK = re.compile(r"(?<=[.!?…])\s+|\.{3,}|…|(?<=[,;:—])\s*(?=(?:actually|wait)\b)", re.I)
_QUESTION = re.compile(r"\?\W*$")
_TAG_QUESTION = re.compile(r",\s*(?:right|correct|ok|okay|isn'?t it|aren'?t they)\?(\W*)$", re.I)
_OFFER = re.compile(  # a question that offers more or checks in, unlike one that asks for missing information
    r"\b(?:help|anything else|what else|explain|makes? sense|any (?:other |more |further )?questions|like me to|"
    r"want me to|shall i|should i (?:also|show|walk|go)|more detail|walk you through|show you|try another|"
    r"(?:is|was|does|did) (?:that|this))\b|\b(?:right|correct|okay|ok)\W*$",
    re.I,
)
_PLEASANTRY = re.compile(
    r"^\W*(?:you'?re (?:very |most )?welcome|glad (?:i|to|it)|happy to help|i'?d be happy|(?:i )?hope (?:this|that|it) "
    r"helps|let me know|good luck|have a (?:great|good|nice|wonderful)|enjoy|happy \w+ing|no problem|thanks|"
    r"thank you|great question|good question|sure thing|feel free|if you have any (?:more |other )?questions)\b",
    re.I,
)
_IF = re.compile(r"\bif\b", re.I)
_COUNTERFACTUAL = re.compile(
    r"\b(?:would|were|could)\b|\b(?:he|she|it|you|we|they|i)'d\b|\bI (?:can|could|will)\b|\bI'll\b", re.I
)
_CHECK = re.compile(
    r"^\W*(?:check(?:ing)?|verif(?:y|ying|ication)|double[- ]check(?:ing)?|sanity check|let me (?:verify|check|"
    r"double[- ]check)|let'?s (?:check|verify)|to (?:check|verify))\b|[✓✔]",
    re.I,
)
_CORRECTION = re.compile(
    r"\b(?:actually|wait|oops|whoops|hmm|on second thought|let me (?:redo|fix|correct|recalculate|recompute|start "
    r"over)|i (?:forgot|missed|made (?:a|an) (?:mistake|error)|miscalculated)|my (?:mistake|bad)|correction|sorry|"
    r"apologi[sz]e|apologies)\b",
    re.I,
)
_NOTE = re.compile(r"^\W*(?:note|remember|keep in mind|by the way|fun fact)\b", re.I)
_EXPLANATION = re.compile(
    r"^\W*(?:here'?s|here is) (?:how|why|the (?:breakdown|math|working|calculation))|^\W*(?:explanation|breakdown|"
    r"steps|reasoning|working)\b",
    re.I,
)
_CONCLUSION = re.compile(r"^\W*(?:so|therefore|thus|hence|in total|altogether|that means|this means)\b", re.I)
_MARKER = re.compile(r"\b(?:final\s+)?answer\b[\s*_]*(?:is|was|would be|will be|should be|remains|[:=])|####", re.I)
_GIVE_UP = re.compile(
    r"\b(?:enough information|without knowing|i need to know|need (?:more|the missing) information|"
    r"can(?:'t|not) (?:solve|work out|determine|answer|calculate|figure out)|(?:can(?:'t|not)|not (?:able|going) "
    r"to) (?:just )?(?:give|hand|tell) you the (?:final )?answer)",
    re.I,
)
_BOLD = re.compile(r"\*\*(?!\s)([^*\n]+?)\*\*")
_SIDE_CLAUSE = re.compile(r",\s*with\b[^,;]*")
_COPULAS = ("is", "are", "was", "were")
_UNITS_THEN_COLON = re.compile(r"(?:\s+[A-Za-z]+){0,2}\s*:\s")
_REFERENCE_WORDS = ("the", "not", "below", "above")


@dataclass(frozen=True)
class _Sentence:
    """One sentence of a reply: what kind it is and, if it states something, the number it states."""

    kind: str  # "statement", "question" (one that asks for information), or "aside" (offers too)
    numbers: tuple[Number, ...] = ()
    value: Fraction | None = None
    marker: bool = False  # has an explicit answer marker
    correction: bool = False
    conclusion: bool = False
    explanation: bool = False  # starts explaining ("Here's how: ...", "Explanation: ...")


def final_answer(reply: str) -> Fraction | None:
    """The number the reply gives as its final answer, or None when it states none."""
    text = _clean(reply)
    sentences = [_read(sentence) for sentence in _split(text)]
    explicit = any(sentence.marker and sentence.value is not None for sentence in sentences)
    if not explicit and not _states_an_answer(text, sentences):
        return None
    return _choose(sentences)


def _clean(reply: str) -> str:
    text = _CALCULATOR.sub("", _STRUCK.sub("", _THINK.sub("", reply))).replace("\u2019", "'")
    run_on = _RUN_ON.search(text)
    if run_on and any(ch.isdigit() for ch in text[: run_on.start()]):  # only after something was stated
        text = text[: run_on.start()]
    text = render_math(text).replace("$", "")
    while (without_asides := _ASIDE.sub("", text)) != text:
        text = without_asides
    return text


def _split(text: str) -> list[str]:
    sentences = []
    for line in text.splitlines():
        parts = _SENTENCE_BREAK.split(_LINE_PREFIX.sub("", line))
        sentences += [part.strip() for part in parts if part and part.strip()]
    return sentences


def _read(sentence: str) -> _Sentence:
    sentence = _TAG_QUESTION.sub(r".\1", sentence)  # "So she makes $18, right?" states 18
    if _QUESTION.search(sentence):
        return _Sentence("aside" if _OFFER.search(sentence) else "question")
    text = _cut_explanation(_SIDE_CLAUSE.sub("", sentence))
    marker = _MARKER.search(text)
    correction = bool(_CORRECTION.search(sentence))
    if not marker and _is_aside(sentence, correction):
        return _Sentence("aside")
    numbers = tuple(number for number in find_numbers(text) if not _is_reference(text, number))
    if marker:
        after = [number for number in numbers if number.start >= marker.end()]
        value = after[0].value if after else None
    else:
        bold = [number for number in numbers if _in_bold(text, number)]
        value = (bold or numbers)[-1].value if numbers else None
    return _Sentence(
        "statement",
        numbers,
        value,
        marker=marker is not None,
        correction=correction,
        conclusion=bool(_CONCLUSION.match(sentence)),
        explanation=bool(_EXPLANATION.match(sentence)),
    )


def _is_aside(sentence: str, correction: bool) -> bool:
    """A pleasantry, a hypothetical, a note (unless it corrects) or a check: no answer is stated in it."""
    hypothetical = _IF.search(sentence) and _COUNTERFACTUAL.search(sentence)
    note = _NOTE.match(sentence) and not correction
    return bool(_PLEASANTRY.match(sentence) or hypothetical or note or _CHECK.search(sentence))


def _cut_explanation(text: str) -> str:
    """The sentence up to a colon that follows a stated result ("is negative four dollars: she spent ...")."""
    for number in find_numbers(text):
        if _word_before(text, number.start) in _COPULAS:
            colon = _UNITS_THEN_COLON.match(text, number.end)
            if colon:
                return text[: colon.end()]
    return text


def _is_reference(text: str, number: Number) -> bool:
    """Whether the number follows "the", "not", "below" or "above": a known quantity, a rejected value or a bound."""
    return _word_before(text, number.start) in _REFERENCE_WORDS


def _word_before(text: str, position: int) -> str:
    """The word before `position` when only whitespace separates them (lower case), else ''."""
    head = text[max(0, position - 20) : position]
    words = head.split()
    return words[-1].lower() if words and head[-1].isspace() else ""


def _in_bold(text: str, number: Number) -> bool:
    return any(
        span.start() < number.start and number.end < span.end() and not span.group(1).rstrip().endswith(":")
        for span in _BOLD.finditer(text)
    )


def _states_an_answer(text: str, sentences: list[_Sentence]) -> bool:
    """False when a reply without an explicit marker gives up, or asks and states nothing after its question."""
    if _GIVE_UP.search(text):
        return False
    asked = [index for index, sentence in enumerate(sentences) if sentence.kind == "question"]
    after = sentences[asked[-1] + 1 :] if asked else sentences
    return any(sentence.value is not None for sentence in after)


def _choose(sentences: list[_Sentence]) -> Fraction | None:
    """The answer among the stated numbers, by the rules in the module docstring (4)."""
    answer: Fraction | None = None
    locked = concluded = pending = False
    seen: set[Fraction] = set()
    for sentence in sentences:
        if sentence.kind != "statement":
            continue
        if sentence.correction:
            locked = False
        elif sentence.explanation and answer is not None:
            locked = True
        # after "Final answer:" with no number, the next sentence holds it
        follows_marker, pending = pending, sentence.marker and sentence.value is None
        if sentence.value is not None and (sentence.marker or follows_marker):
            answer, locked, concluded = sentence.value, True, True
        elif sentence.value is not None and not locked:
            plain = not sentence.correction
            repeats = plain and concluded and all(abs(number.value) in seen for number in sentence.numbers)
            drops_sign = plain and answer is not None and answer < 0 and sentence.value == -answer
            if not repeats and not drops_sign:
                answer, concluded = sentence.value, sentence.conclusion
        seen.update(abs(number.value) for number in sentence.numbers)
    return answer

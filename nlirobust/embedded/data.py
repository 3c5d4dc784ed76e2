"""The embedded default: a generator of SNLI-, MNLI-, Breaking-NLI- and ChaosNLI-shaped files.

Every pair describes a small scene (who, how many, what they look like, what they do, where) and a hypothesis
built from a premise scene by keeping, dropping, swapping or adding slots. The gold label is computed by
`entailment_label` from the two scenes, never from how the hypothesis was made, so labels are consistent.

What makes the challenge set hard, as Breaking NLI is for real models: its hypotheses change one word of the
premise, and some of the word pairs it uses never appear as a pair in training (the `antonyms_wordnet` pairs and
half of the synonym pairs), and some categories are rare in training (planets, instruments, ordinals).
What keeps a hypothesis-only model weak: every hypothesis shape occurs with every label, except for a few
deliberate artifacts that mimic real SNLI's (purpose clauses lean neutral, negation leans contradiction).
"""

from __future__ import annotations

import json
import math
import random
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path

from nlirobust.data.io import atomic_path
from nlirobust.labels import LABEL_NAMES
from nlirobust.lexicon import COLOUR_WORDS

NOUNS = {"man": "men", "woman": "women", "boy": "boys", "girl": "girls"}
GENERIC_NOUN = ("person", "people")
CARDINALS = ["two", "three", "four", "five", "six", "seven", "eight", "nine"]
ORDINALS = ["first", "second", "third", "fourth", "fifth", "sixth", "seventh"]
COLORS = list(COLOUR_WORDS)  # the lexicon's list: the error analysis's colour-swap rule knows the same words
NATIONALITIES = ["French", "Japanese", "Brazilian", "Kenyan", "Canadian", "Egyptian", "Peruvian", "Norwegian"]
COUNTRIES = ["France", "Japan", "Brazil", "Kenya", "Canada", "Egypt", "Peru", "Norway", "India", "Mexico"]
ROOMS = ["kitchen", "bedroom", "bathroom", "garage", "hallway", "attic", "basement", "office", "classroom"]
DRINKS = ["coffee", "tea", "juice", "milk", "water", "soda", "lemonade", "cocoa"]
VEGETABLES = ["carrot", "potato", "onion", "tomato", "cucumber", "pepper", "cabbage", "pumpkin"]
INSTRUMENTS = ["guitar", "piano", "violin", "drum", "flute", "trumpet", "cello", "harp"]
MATERIALS = ["wooden", "metal", "plastic", "glass", "paper", "stone", "leather"]
PLANETS = ["Mars", "Venus", "Jupiter", "Saturn", "Mercury", "Neptune", "Uranus"]

# Activities: a verb and, for some, an object slot whose values come from one category.
OBJECT_FRAMES = {
    "drinking": ("drinks", "{}", "a drink"),
    "playing": ("instruments", "the {}", "an instrument"),
    "chopping": ("vegetables", "the {}", "a vegetable"),
    "carrying": ("materials", "the {} box", "a box"),
    "reading": ("planets", "a book about {}", "a book"),
}
OBJECT_VALUES = {
    "drinks": DRINKS,
    "instruments": INSTRUMENTS,
    "vegetables": VEGETABLES,
    "materials": MATERIALS,
    "planets": PLANETS,
}
PLAIN_VERBS = ["sleeping", "dancing", "running", "sitting", "singing", "swimming", "cooking", "painting"]

# Adjectives live on dimensions: two values of one dimension that are antonyms contradict; values of different
# dimensions are compatible (neutral); synonyms are the same value.
ANTONYM_PAIRS = [("tall", "short"), ("old", "young"), ("happy", "sad"), ("rich", "poor"), ("strong", "weak")]
WORDNET_ANTONYM_PAIRS = [("clean", "dirty"), ("calm", "angry"), ("healthy", "sick"), ("busy", "idle")]
SEEN_SYNONYM_PAIRS = [("big", "large"), ("smart", "clever"), ("tired", "sleepy")]
HELD_OUT_SYNONYM_PAIRS = [("pretty", "beautiful"), ("quick", "rapid"), ("cheerful", "joyful")]
MINIMAL_EDIT_RATE = 0.7
# Negated hypotheses among entailments (another activity negated) and contradictions (the same one).
NEGATION_RATE = {0: 0.3, 2: 0.45}
PURPOSES = ["for a party", "to win a prize", "with a friend", "before lunch", "for the camera", "after work"]

BREAKING_NLI_COUNTS = {
    # category sizes as in the real set (8,193 pairs), so tables look like the reference's
    "antonyms": 1147,
    "synonyms": 894,
    "cardinals": 759,
    "nationalities": 755,
    "drinks": 731,
    "antonyms_wordnet": 706,
    "colors": 699,
    "ordinals": 663,
    "countries": 613,
    "rooms": 595,
    "materials": 397,
    "vegetables": 109,
    "instruments": 65,
    "planets": 60,
}

# Frames: SNLI is image captions; MNLI genres are other registers of the same scenes, so recipes differ.
SNLI_FRAMES = {"captions": ("{S} {be} {A}{P} .", "present")}
MNLI_FRAMES = {
    "fiction": ("Later that night , {s} {be} {A}{P} .", "past"),
    "government": ("According to the report , {s} {be} {A}{P} .", "past"),
    "telephone": ("yeah i think {s} {be} {A}{P} you know", "past"),
    "travel": ("Visitors often see that {s} {be} {A}{P} .", "present"),
    "slate": ("Critics wrote that {s} {be} {A}{P} .", "past"),
}
MNLI_MISMATCHED_FRAMES = {
    "letters": ("Dear friend , {s} {be} {A}{P} these days .", "present"),
    "nineeleven": ("Witnesses reported that {s} {be} {A}{P} .", "past"),
}


def _adjective_tables() -> tuple[dict[str, str], dict[str, tuple[str, int]]]:
    """(antonym of each adjective, (dimension, pole) of each adjective); synonyms share dimension and pole."""
    antonym: dict[str, str] = {}
    dimension: dict[str, tuple[str, int]] = {}
    for a, b in ANTONYM_PAIRS + WORDNET_ANTONYM_PAIRS:
        antonym[a], antonym[b] = b, a
        dimension[a], dimension[b] = (a, 0), (a, 1)
    for a, b in SEEN_SYNONYM_PAIRS + HELD_OUT_SYNONYM_PAIRS:
        dimension[a] = dimension[b] = (a, 0)
    return antonym, dimension


ANTONYM, ADJ_DIMENSION = _adjective_tables()
TRAIN_ADJECTIVES = sorted(ADJ_DIMENSION)
SYNONYM = {a: b for a, b in SEEN_SYNONYM_PAIRS} | {b: a for a, b in SEEN_SYNONYM_PAIRS}
HELD_OUT_SYNONYM = {a: b for a, b in HELD_OUT_SYNONYM_PAIRS} | {b: a for a, b in HELD_OUT_SYNONYM_PAIRS}
TRAIN_ANTONYM = {a: b for a, b in ANTONYM_PAIRS} | {b: a for a, b in ANTONYM_PAIRS}


@dataclass(frozen=True)
class Scene:
    """One described situation; None means the sentence says nothing about that slot."""

    noun: str  # man/woman/boy/girl, or "person" (generic)
    count: str | None = None  # a cardinal word, None = one
    adjective: str | None = None
    nationality: str | None = None
    color: str | None = None
    verb: str = "sitting"
    obj: str | None = None  # a value of the verb's object category, or "*" for the generic object
    negated: bool = False
    room: str | None = None
    ordinal: str | None = None  # floor, only with a room
    country: str | None = None
    purpose: str | None = None


def entailment_label(p: Scene, h: Scene) -> int:
    """Gold label of premise scene `p` and hypothesis scene `h`: 0 entailment, 1 neutral, 2 contradiction."""
    conflict = unknown = False

    def compare(pv: str | None, hv: str | None) -> None:
        nonlocal conflict, unknown
        if hv is None or hv == pv:
            return
        if pv is None:
            unknown = True
        else:
            conflict = True

    if h.noun != "person" and p.noun != "person":
        conflict |= h.noun != p.noun
    elif h.noun != "person":
        unknown = True
    conflict |= (h.count or "one") != (p.count or "one")
    compare(p.nationality, h.nationality)
    compare(p.color, h.color)
    compare(p.room, h.room)
    compare(p.country, h.country)
    if h.ordinal is not None:
        compare(p.ordinal if p.room == h.room else None, h.ordinal)
    if h.adjective is not None:
        if p.adjective is None:
            unknown = True
        else:
            (hd, hpole), (pd, ppole) = ADJ_DIMENSION[h.adjective], ADJ_DIMENSION[p.adjective]
            if hd != pd:
                unknown = True
            elif hpole != ppole:
                conflict = True
    if h.negated:
        # activities are mutually exclusive: "not X" contradicts X and follows from any other activity
        conflict |= h.verb == p.verb
    elif h.verb != p.verb:
        conflict = True
    elif h.obj is not None and h.obj != "*" and h.obj != p.obj:
        if p.obj in (None, "*"):
            unknown = True
        else:
            conflict = True
    if h.purpose is not None:
        unknown = True
    if conflict:
        return 2
    return 1 if unknown else 0


def _be(scene: Scene, tense: str) -> str:
    plural = scene.count is not None
    if tense == "past":
        return "were" if plural else "was"
    return "are" if plural else "is"


def _article(word: str) -> str:
    return "an" if word[0].lower() in "aeiou" else "a"


def render(scene: Scene, frame: str, tense: str) -> str:
    """Write a scene as a sentence in a frame such as "{S} {be} {A}{P} ." ({S}/{s}: capitalised or not)."""
    noun = scene.noun if scene.count is None else NOUNS.get(scene.noun, GENERIC_NOUN[1])
    if scene.noun == "person" and scene.count is not None:
        noun = GENERIC_NOUN[1]
    words = [w for w in (scene.adjective, scene.nationality, noun) if w]
    head = scene.count if scene.count else _article(words[0])
    subject = " ".join([head] + words)
    if scene.color:
        subject += f" in {scene.color} shirts" if scene.count else f" in {_article(scene.color)} {scene.color} shirt"
    action = ("not " if scene.negated else "") + scene.verb
    if scene.obj is not None and scene.verb in OBJECT_FRAMES:
        _, pattern, generic = OBJECT_FRAMES[scene.verb]
        action += " " + (generic if scene.obj == "*" else pattern.format(scene.obj))
    place = ""
    if scene.room:
        place += f" in the {scene.room}"
        if scene.ordinal:
            place += f" on the {scene.ordinal} floor"
    if scene.country:
        place += f" in {scene.country}"
    if scene.purpose:
        place += f" {scene.purpose}"
    be = _be(scene, tense)
    text = frame.format(S=subject[0].upper() + subject[1:], s=subject, be=be, A=action, P=place)
    return text


@dataclass
class SlotRates:
    """How often each optional slot is filled in a premise; genres differ, which makes recipes differ."""

    count: float = 0.15
    adjective: float = 0.45
    nationality: float = 0.2
    color: float = 0.35
    room: float = 0.35
    ordinal: float = 0.25
    country: float = 0.25
    object_verbs: float = 0.6
    object_weights: dict[str, float] = field(
        default_factory=lambda: {"drinking": 4, "playing": 1, "chopping": 2, "carrying": 3, "reading": 1}
    )


SNLI_RATES = SlotRates()
MNLI_RATES = SlotRates(
    count=0.25,
    adjective=0.35,
    nationality=0.3,
    color=0.2,
    room=0.25,
    ordinal=0.35,
    country=0.4,
    object_weights={"drinking": 2, "playing": 2, "chopping": 1, "carrying": 2, "reading": 2},
)


def random_scene(rng: random.Random, rates: SlotRates, adjectives: list[str] = TRAIN_ADJECTIVES) -> Scene:
    """A premise scene with optional slots filled at the genre's rates."""
    if rng.random() < rates.object_verbs:
        verbs, weights = zip(*rates.object_weights.items(), strict=True)
        verb = rng.choices(verbs, weights=weights)[0]
        obj = rng.choice(OBJECT_VALUES[OBJECT_FRAMES[verb][0]])
    else:
        verb, obj = rng.choice(PLAIN_VERBS), None
    room = rng.choice(ROOMS) if rng.random() < rates.room else None
    return Scene(
        noun=rng.choice(list(NOUNS)),
        count=rng.choice(CARDINALS) if rng.random() < rates.count else None,
        adjective=rng.choice(adjectives) if rng.random() < rates.adjective else None,
        nationality=rng.choice(NATIONALITIES) if rng.random() < rates.nationality else None,
        color=rng.choice(COLORS) if rng.random() < rates.color else None,
        verb=verb,
        obj=obj,
        room=room,
        ordinal=rng.choice(ORDINALS) if room and rng.random() < rates.ordinal else None,
        country=rng.choice(COUNTRIES) if not room and rng.random() < rates.country else None,
    )


def _other(rng: random.Random, values: list[str], current: str | None) -> str:
    return rng.choice([v for v in values if v != current])


def _swap_one(rng: random.Random, h: Scene, p: Scene) -> Scene:
    """Change one slot the hypothesis states to an incompatible value (trained antonym pairs only)."""
    options = ["noun", "verb"]
    options += [s for s in ("count", "nationality", "color", "room", "country", "ordinal") if getattr(h, s)]
    if h.obj not in (None, "*"):
        options.append("obj")
    if h.adjective in TRAIN_ANTONYM:
        options.append("adjective")
    slot = rng.choice(options)
    pools = {"count": CARDINALS, "nationality": NATIONALITIES, "color": COLORS, "room": ROOMS}
    pools |= {"country": COUNTRIES, "ordinal": ORDINALS, "noun": list(NOUNS)}
    if slot == "verb":
        verb = _other(rng, PLAIN_VERBS + list(OBJECT_FRAMES), h.verb)
        obj = rng.choice(OBJECT_VALUES[OBJECT_FRAMES[verb][0]]) if verb in OBJECT_FRAMES else None
        return replace(h, verb=verb, obj=obj)
    if slot == "obj":
        return replace(h, obj=_other(rng, OBJECT_VALUES[OBJECT_FRAMES[h.verb][0]], h.obj))
    if slot == "adjective":
        return replace(h, adjective=TRAIN_ANTONYM[h.adjective])
    if slot == "noun" and h.noun == "person":
        return replace(h, noun=_other(rng, list(NOUNS), p.noun))
    return replace(h, **{slot: _other(rng, pools[slot], getattr(h, slot))})


def _add_one(rng: random.Random, h: Scene, p: Scene) -> Scene:
    """State something the premise does not say (a neutral move)."""
    options = ["purpose"]
    options += [s for s in ("color", "nationality", "adjective") if getattr(p, s) is None]
    if p.room is None and p.country is None:
        options += ["room", "country"]
    if p.room is not None and p.ordinal is None:
        options.append("ordinal")
    if p.obj == "*":
        options.append("specific_obj")
    slot = rng.choice(options)
    if slot == "purpose":
        return replace(h, purpose=rng.choice(PURPOSES))
    if slot == "specific_obj":
        return replace(h, obj=rng.choice(OBJECT_VALUES[OBJECT_FRAMES[p.verb][0]]))
    if slot == "ordinal":
        return replace(h, room=p.room, ordinal=rng.choice(ORDINALS))
    pools = {"color": COLORS, "nationality": NATIONALITIES, "adjective": TRAIN_ADJECTIVES}
    pools |= {"room": ROOMS, "country": COUNTRIES}
    return replace(h, **{slot: rng.choice(pools[slot])})


def hypothesis_for(rng: random.Random, p: Scene, target: int) -> Scene:
    """A hypothesis scene aimed at `target`; the gold label is recomputed by `entailment_label` anyway."""
    keep_all = rng.random() < MINIMAL_EDIT_RATE  # minimal-edit pairs, like the challenge set's
    kept = {s: getattr(p, s) if keep_all or rng.random() < 0.5 else None for s in ("adjective", "nationality", "color")}
    keep_place = keep_all or rng.random() < 0.5
    h = replace(
        p,
        **kept,
        room=p.room if keep_place else None,
        ordinal=p.ordinal if keep_place else None,
        country=p.country if keep_place else None,
        obj=p.obj if keep_all or rng.random() < 0.7 else None,
    )
    # Label-neutral rewrites, applied whatever the target, so none of them is a hypothesis-only cue.
    if rng.random() < 0.2:
        h = replace(h, noun="person")
    if h.adjective in SYNONYM and rng.random() < 0.4:
        h = replace(h, adjective=SYNONYM[h.adjective])
    if h.obj is not None and rng.random() < 0.15:
        h = replace(h, obj="*")
    if target == 0:
        if rng.random() < NEGATION_RATE[0]:
            h = replace(h, negated=True, verb=_other(rng, PLAIN_VERBS, p.verb), obj=None)
    elif target == 1:
        h = _add_one(rng, h, p)
    elif rng.random() < NEGATION_RATE[2]:
        h = replace(h, negated=True, obj=None)
    else:
        h = _swap_one(rng, h, p)
    return h


def _write_jsonl(rows: list[dict], path: Path) -> None:
    with atomic_path(path) as tmp, open(tmp, "w") as out:
        for row in rows:
            out.write(json.dumps(row) + "\n")


def nli_rows(
    rng: random.Random,
    n: int,
    frames: dict[str, tuple[str, str]],
    rates: SlotRates,
    no_gold_rate: float = 0.0,
) -> list[dict]:
    """`n` pairs in the hub's SNLI/MNLI shape: premise, hypothesis, label (-1 for a few pairs without gold)."""
    rows = []
    for _ in range(n):
        genre = rng.choice(list(frames))
        frame, tense = frames[genre]
        p = random_scene(rng, rates)
        h = hypothesis_for(rng, p, target=rng.randrange(3))
        hyp_frame = "{S} {be} {A}{P} ."
        label = entailment_label(p, h)
        if rng.random() < no_gold_rate:
            label = -1
        row = {"premise": render(p, frame, tense), "hypothesis": render(h, hyp_frame, tense), "label": label}
        if len(frames) > 1:  # MultiNLI files name the genre; SNLI has a single one and no such field
            row["genre"] = genre
        rows.append(row)
    return rows


def breaking_nli_rows(rng: random.Random, counts: dict[str, int] = BREAKING_NLI_COUNTS) -> list[dict]:
    """A challenge set in Breaking NLI's shape: the hypothesis is the premise with exactly one word replaced."""
    slot_of = {
        "cardinals": ("count", CARDINALS),
        "nationalities": ("nationality", NATIONALITIES),
        "colors": ("color", COLORS),
        "ordinals": ("ordinal", ORDINALS),
        "countries": ("country", COUNTRIES),
        "rooms": ("room", ROOMS),
    }
    verb_of = {"drinks": "drinking", "materials": "carrying", "vegetables": "chopping"}
    verb_of |= {"instruments": "playing", "planets": "reading"}
    rows = []
    pair_id = 0
    for category, n in counts.items():
        for _ in range(n):
            p = random_scene(rng, SNLI_RATES)
            if category in slot_of:
                slot, values = slot_of[category]
                if slot == "ordinal":
                    p = replace(p, room=p.room or rng.choice(ROOMS), country=None)
                if slot == "country":
                    p = replace(p, room=None, ordinal=None)
                if slot == "room":
                    p = replace(p, country=None)
                p = replace(p, **{slot: getattr(p, slot) or rng.choice(values)})
                h = replace(p, **{slot: _other(rng, values, getattr(p, slot))})
            elif category in verb_of:
                verb = verb_of[category]
                values = OBJECT_VALUES[OBJECT_FRAMES[verb][0]]
                p = replace(p, verb=verb, obj=rng.choice(values))
                h = replace(p, obj=_other(rng, values, p.obj))
                if rng.random() < 0.12:  # a few hypernym (entailment) and hyponym (neutral) pairs
                    p, h = (p, replace(p, obj="*")) if rng.random() < 0.65 else (replace(p, obj="*"), p)
            else:
                pairs = {
                    "antonyms": ANTONYM_PAIRS,
                    "antonyms_wordnet": WORDNET_ANTONYM_PAIRS,
                    "synonyms": SEEN_SYNONYM_PAIRS + HELD_OUT_SYNONYM_PAIRS,
                }[category]
                a, b = rng.choice(pairs)
                if rng.random() < 0.5:
                    a, b = b, a
                p, h = replace(p, adjective=a), replace(p, adjective=b)
            label = ("entailment", "neutral", "contradiction")[entailment_label(p, h)]
            rows.append(
                {
                    "sentence1": render(p, SNLI_FRAMES["captions"][0], "present"),
                    "sentence2": render(h, SNLI_FRAMES["captions"][0], "present"),
                    "gold_label": label,
                    "annotator_labels": [label, label, label],
                    "pairID": pair_id,
                    "category": category,
                }
            )
            pair_id += 1
    return rows


def chaosnli_rows(rng: random.Random, n: int, frames: dict[str, tuple[str, str]], source: str) -> list[dict]:
    """ChaosNLI-shaped rows: 100 annotations each; pairs whose hypothesis only adds or generalises get spread votes."""
    letters = "enc"
    rows = []
    for i in range(n):
        frame, tense = frames[rng.choice(list(frames))]
        p = random_scene(rng, SNLI_RATES)
        h = hypothesis_for(rng, p, target=rng.randrange(3))
        gold = entailment_label(p, h)
        # How much annotators disagree: neutral additions are where people split in real data.
        spread = rng.uniform(0.3, 0.7) if gold == 1 else rng.uniform(0.0, 0.45)
        shares = [spread / 2] * 3
        shares[gold] = 1 - spread
        if gold == 1:
            shares[rng.choice([0, 2])] += spread / 4
            shares[1] -= spread / 4
        counts = [int(round(100 * s)) for s in shares]
        counts[gold] += 100 - sum(counts)
        majority = max(range(3), key=lambda k: counts[k])
        old_labels = [letters[gold]] * 5
        for k in range(rng.randrange(3)):
            old_labels[k + 1] = letters[rng.choice([x for x in range(3) if x != gold])]
        uid = f"{source}{i:06d}"
        dist = [c / 100 for c in counts]
        rows.append(
            {
                "uid": uid,
                "label_counter": {letters[k]: counts[k] for k in range(3) if counts[k]},
                "majority_label": letters[majority],
                "label_dist": dist,
                "label_count": counts,
                "entropy": -sum(d * math.log2(d) for d in dist if d > 0),
                "example": {
                    "uid": uid,
                    "premise": render(p, frame, tense),
                    "hypothesis": render(h, "{S} {be} {A}{P} .", tense),
                    "source": source,
                },
                # as in the real files: old_label is a letter, old_labels are full words
                "old_label": Counter(old_labels).most_common(1)[0][0],
                "old_labels": [LABEL_NAMES["enc".index(letter)] for letter in old_labels],
            }
        )
    return rows


# A HANS-shaped set (the real file: heuristics_evaluation_set.txt) in the embedded vocabulary: every word occurs in
# the embedded SNLI/MNLI pairs (their people, adjectives, activities and rooms; MNLI's telephone and travel frames),
# so the tiny tokenizer sees words, not letters. For each heuristic of McCoy et al. (2019) one subcase where trusting
# it is wrong (non-entailed) and one where it is right (entailed); the label is true by construction of the two
# sentences, and the hypothesis meets the heuristic's definition (tests/test_synthetic.py checks both). A model
# that leans on overlap scores high on the entailed half and low on the other.
HANS_SUBCASES: dict[str, tuple[str, str, str, str]] = {
    # subcase: (heuristic, gold_label, premise template, hypothesis template)
    "ln_adjective_swap": (
        "lexical_overlap",
        "non-entailment",
        "The {j} {a} is {v} with the {k} {b} .",
        "The {k} {a} is {v} with the {j} {b} .",
    ),
    "le_symmetric_with": (
        "lexical_overlap",
        "entailment",
        "The {a} is {v} with the {b} .",
        "The {b} is {v} with the {a} .",
    ),
    "sn_PP_on_subject": ("subsequence", "non-entailment", "The {a} with the {b} is {v} .", "the {b} is {v} ."),
    "se_PP_on_verb": ("subsequence", "entailment", "The {a} is {v} in the {r} .", "The {a} is {v}"),
    "cn_embedded_under_think": (
        "constituent",
        "non-entailment",
        "yeah i think the {a} is {v} you know",
        "the {a} is {v}",
    ),
    "ce_embedded_under_see": (
        "constituent",
        "entailment",
        "Visitors often see that the {a} is {v} .",
        "the {a} is {v} .",
    ),
}
HANS_HEADER = (
    "gold_label", "sentence1_binary_parse", "sentence2_binary_parse", "sentence1_parse", "sentence2_parse",
    "sentence1", "sentence2", "pairID", "heuristic", "subcase", "template",
)  # fmt: skip


def hans_rows(rng: random.Random, n: int) -> list[dict]:
    """`n` HANS-shaped pairs, spread evenly over the subcases (half entailed, half not), with the real fields."""

    def parses(sentence: str) -> tuple[str, str]:
        words = sentence.split()
        return "( " + " ".join(words) + " )", "(ROOT (S " + " ".join(f"(X {w})" for w in words) + "))"

    rows = []
    subcases = list(HANS_SUBCASES)
    for i in range(n):
        subcase = subcases[i % len(subcases)]
        heuristic, gold, premise, hypothesis = HANS_SUBCASES[subcase]
        a, b = rng.sample(list(NOUNS), 2)
        j = rng.choice(TRAIN_ADJECTIVES)  # k differs in meaning (no synonym: "the big girl" is "the large girl")
        k = rng.choice([other for other in TRAIN_ADJECTIVES if ADJ_DIMENSION[other] != ADJ_DIMENSION[j]])
        slots = dict(a=a, b=b, j=j, k=k, v=rng.choice(PLAIN_VERBS), r=rng.choice(ROOMS))
        sentence1, sentence2 = premise.format(**slots), hypothesis.format(**slots)
        (binary1, parse1), (binary2, parse2) = parses(sentence1), parses(sentence2)
        rows.append(
            dict(zip(HANS_HEADER, (gold, binary1, binary2, parse1, parse2, sentence1, sentence2, f"ex{i}", heuristic,
                                   subcase, f"temp{subcases.index(subcase) + 1}"), strict=True))
        )  # fmt: skip
    return rows


def _write_tsv(rows: list[dict], header: tuple[str, ...], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = ["\t".join(header)] + ["\t".join(str(row[field]) for field in header) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


@dataclass
class EmbeddedSizes:
    """Pairs per generated split."""

    snli_train: int = 20000
    snli_validation: int = 2000
    snli_test: int = 2000
    mnli_train: int = 20000
    mnli_validation: int = 2000
    chaosnli: int = 600
    breaking_nli_scale: float = 1.0  # 1.0 = the real set's 8,193 pairs
    hans: int = 1200  # the real evaluation set has 30,000


def write_embedded_data(out_dir: str | Path, seed: int = 0, sizes: EmbeddedSizes | None = None) -> dict[str, Path]:
    """Write every embedded data set under `out_dir` in its real file shape; return {name: path}."""
    sizes = sizes or EmbeddedSizes()
    out = Path(out_dir)
    paths: dict[str, Path] = {}
    # One generator per file, so changing one size leaves the other files unchanged.
    plan = {
        "snli/train.jsonl": lambda r: nli_rows(r, sizes.snli_train, SNLI_FRAMES, SNLI_RATES, no_gold_rate=0.005),
        "snli/validation.jsonl": lambda r: nli_rows(r, sizes.snli_validation, SNLI_FRAMES, SNLI_RATES, 0.005),
        "snli/test.jsonl": lambda r: nli_rows(r, sizes.snli_test, SNLI_FRAMES, SNLI_RATES, 0.005),
        "mnli/train.jsonl": lambda r: nli_rows(r, sizes.mnli_train, MNLI_FRAMES, MNLI_RATES),
        "mnli/validation_matched.jsonl": lambda r: nli_rows(r, sizes.mnli_validation, MNLI_FRAMES, MNLI_RATES),
        "mnli/validation_mismatched.jsonl": lambda r: nli_rows(
            r, sizes.mnli_validation, MNLI_MISMATCHED_FRAMES, MNLI_RATES
        ),
        "breaking_nli/dataset.jsonl": lambda r: breaking_nli_rows(
            r, {k: max(1, round(v * sizes.breaking_nli_scale)) for k, v in BREAKING_NLI_COUNTS.items()}
        ),
        "chaosnli/chaosNLI_snli.jsonl": lambda r: chaosnli_rows(r, sizes.chaosnli, SNLI_FRAMES, "snli"),
        "chaosnli/chaosNLI_mnli_m.jsonl": lambda r: chaosnli_rows(r, sizes.chaosnli, MNLI_FRAMES, "mnli"),
    }
    for i, (name, make_rows) in enumerate(plan.items()):
        rng = random.Random(f"{seed}:{i}:{name}")
        paths[name] = out / name
        _write_jsonl(make_rows(rng), paths[name])
    # HANS is tab-separated, like the real file
    name = "hans/heuristics_evaluation_set.txt"
    paths[name] = out / name
    _write_tsv(hans_rows(random.Random(f"{seed}:{name}"), sizes.hans), HANS_HEADER, paths[name])
    return paths

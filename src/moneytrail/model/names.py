"""Pure name functions: transliteration, normalisation, legal forms and name similarity. No I/O.

Names reach a case in Latin, Cyrillic and Arabic script, misspelled and in different orders. Every
function here first brings a name to lower-case Latin ASCII (ICU: BGN romanisation for Cyrillic,
then Any-Latin), so Дмитренко, Dmytrenko and Dmitrenko become comparable; company legal forms in any language
(ООО, OOO, LLC, Ltd, GmbH, ...) are rewritten to one generic form with ``rigour``'s org-type database.

Conventions:

* ``normalize_name`` keeps the token order of the input (documents need positions to stay
  meaningful); ``name_key`` is the order-free form (tokens sorted), for equality tests and blocking.
* ``skeleton`` is a consonant key that absorbs the usual transliteration variants (y/i, g/h, kh/h,
  doubled letters, dropped vowels of Arabic script), so محمد and Mohammed share ``mhmd``.
"""

from __future__ import annotations

import itertools
import math
import re
import string
from dataclasses import dataclass
from functools import lru_cache

import icu  # type: ignore[import-untyped]
from rigour._core import person_name_prefixes_list  # the list rigour's remove_person_prefixes is built of
from rigour.names import extract_org_types, remove_person_prefixes, replace_org_types_compare
from rigour.text import jaro_winkler, levenshtein

PERSON_SCHEMATA = frozenset({"Person"})
# ICU is what normality and rigour use underneath; BGN spells Ш as "sh" where ISO 9 would give "s".
_TRANSLIT = icu.Transliterator.createInstance("Russian-Latin/BGN; Any-Latin; Latin-ASCII; Lower")
# ICU's Latin-Arabic, without the short-vowel marks (harakat, sukun) Arabic names are written without.
_TO_ARABIC = icu.Transliterator.createInstance("Latin-Arabic")
_HARAKAT = dict.fromkeys(range(0x064B, 0x0653))
_APOSTROPHES = re.compile(r"['`ʹʻʼʽʾʿ’‘]")
# Arabic articles are written joined or apart ("al-Ahmad", "Al Ahmad", "Alahmad"): join them.
ARTICLES = frozenset({"al", "el", "ul"})
_NON_WORD = re.compile(r"[^a-z0-9]+")
# A letter of the Arabic or Hebrew script: their names are written without short vowels, so their
# romanised consonants spell Latin abbreviations ("مر" Mr, "مس" Ms, "سر" Sr) that are names there,
# not titles (1.2% of the Arabic-script names of the 1M benchmark lost their given name to them).
_ABJAD_LETTER = re.compile("[\u0590-\u05ff\u0600-\u06ff\u0750-\u077f\ufb1d-\ufdff\ufe70-\ufeff]")
# Multi-letter sounds first, so "kh" becomes one symbol before "h" is read on its own. "ts" and "ch"
# become "c", then k with every c below: BGN's "ts" and "ch" for Ц and Ч, ISO's "c" for both, and the
# c of "Victor" and "Carlos" (Arabic script writes it ك, romanised "k") must all agree. "tz" is not
# a digraph: in an Arabic or Pashto romanisation it is t and z ("تز", "Pirdostzai"), two consonants,
# and reading it as Ц made "tznm" key like "knm".
_DIGRAPHS = (("shch", "s"), ("dzh", "j"), ("kh", "h"), ("zh", "j"), ("ch", "c"), ("sh", "s"), ("ph", "f"),
             ("th", "t"), ("ts", "c"), ("ck", "k"), ("gh", "h"))
# Arabic script has no p or v, so its romanisations write b and f ("bwtyn", "fladymyr"): one symbol each.
_LETTERS = str.maketrans({"g": "h", "q": "k", "w": "f", "v": "f", "p": "b", "z": "s", "x": "s", "j": "j", "c": "k"})
# A w between consonants is the long vowel waw of an Arabic romanisation ("bwtyn"): a vowel, dropped.
_WAW = re.compile(r"(?<=[b-df-hj-np-tv-z])w(?=[b-df-hj-np-tv-z])")
_VOWELS = frozenset("aeiouy")

# Weights of the token-alignment rules; the explanations name these rules.
EXACT, TRANSLIT, SPELLING, INITIAL = 1.0, 0.93, 0.9, 0.75
# Two tokens that share a skeleton are one name in two scripts when one spelling leaves letters out
# (a script without short vowels: "mhmd", "alshmry") or differs by one letter (a typo, "Oleksandr" and
# "Aleksandr"); when they differ beyond that, their vowels differ ("Muhammad" and "Mohammed", but also
# "Fahiddar" and "Vohidra", two names): weaker, "similar" (two such tokens), not "near-identical".
VOWELS_DIFFER = 0.86


def vowels_differ(a: str, b: str) -> bool:
    return int(levenshtein(a, b)) > abs(len(a) - len(b)) + 1


def is_person(schema: str | None) -> bool:
    return schema in PERSON_SCHEMATA


@lru_cache(maxsize=262_144)
def _ascii_token(token: str) -> str:
    if token.isascii():
        return token.lower()
    return str(_TRANSLIT.transliterate(token))


# Two or more single letters each followed by a dot: an abbreviation such as "f.z.e.".
_DOTTED = re.compile(r"(?<![^\W\d_])(?:[^\W\d_]\.){2,}")


def transliterate(text: str) -> str:
    """Lower-case Latin ASCII; words are transliterated one by one (cached, names repeat a lot)."""
    return " ".join(_ascii_token(t) for t in text.split())


@lru_cache(maxsize=524_288)
def clean_word_tokens(word: str) -> tuple[str, ...]:
    """One whitespace-separated word as clean ASCII tokens ("al-Ahmad" gives "al", "ahmad")."""
    return tuple(_NON_WORD.sub(" ", _APOSTROPHES.sub("", _ascii_token(word))).split())


@lru_cache(maxsize=65_536)
def is_title_token(token: str) -> bool:
    return remove_person_prefixes(token + " x").strip() == "x"


_WORD_LETTERS = string.ascii_lowercase + string.digits


@lru_cache(maxsize=1)
def title_tokens() -> frozenset[str]:
    """Every clean token (lower-case ASCII letters and digits) that ``is_title_token`` accepts, for a
    set lookup instead of rigour's prefix pattern per token. Such a token is a title only when it
    spells one of rigour's person prefixes whole, letter by letter as the case-insensitive pattern
    reads them, so the candidates are those spellings, each confirmed by ``is_title_token``."""
    found: set[str] = set()
    for prefix in person_name_prefixes_list():
        options = [[a for a in _WORD_LETTERS if re.fullmatch(re.escape(c), a, re.IGNORECASE)] for c in prefix]
        if all(options) and math.prod(map(len, options)) <= 64:
            found.update(t for t in map("".join, itertools.product(*options)) if is_title_token(t))
    return frozenset(found)


_NON_WORD_LINE = re.compile(r"[^a-z0-9\n]+")


def clean_words(words: list[str]) -> list[str]:
    """``" ".join(clean_word_tokens(word))`` of each word, by one pass of each pattern over a text of
    the words a line each (neither pattern reads a line end) rather than a call per word."""
    text = "\n".join(_ascii_token(w) if not w.isascii() else w.lower() for w in words)
    if not words or text.count("\n") != len(words) - 1:
        return [" ".join(clean_word_tokens(w)) for w in words]
    return [line.strip(" ") for line in _NON_WORD_LINE.sub(" ", _APOSTROPHES.sub("", text)).split("\n")]


def _clean(text: str) -> str:
    out: list[str] = []
    for token in (t for word in text.split() for t in clean_word_tokens(word)):
        if out and out[-1] in ARTICLES:
            out[-1] += token
        else:
            out.append(token)
    return " ".join(out)


@lru_cache(maxsize=262_144)
def normalize_name(text: str, schema: str | None = None) -> str:
    """Latin ASCII, lower case, punctuation removed, token order kept.

    For anything but a Person (and when ``schema`` is None, as for names found in documents) legal
    forms are rewritten to rigour's generic compare form: "ООО Ромашка" and "Romashka Ltd" give
    "llc romashka" and "romashka llc". For people, titles such as "Mr" or "Dr" are removed, unless the
    name is written in an abjad (``_ABJAD_LETTER``).
    """
    return normalize_name_uncached(text, schema)


def normalize_name_uncached(text: str, schema: str | None = None) -> str:
    """``normalize_name`` without the cache, for bulk work over distinct names."""
    if is_person(schema):
        tokens = _clean(text).split()
        titled = _ABJAD_LETTER.search(text) is None
        while titled and len(tokens) > 1 and is_title_token(tokens[0]):
            tokens.pop(0)
        return " ".join(tokens)
    # Legal forms are read before transliteration too: "общество с ограниченной ответственностью".
    # Casefolding "İ" leaves a combining dot that hides "ANONİM ŞİRKETİ" from the legal-form table.
    step = replace_org_types_compare(text.casefold().replace("\u0307", ""), generic=True)
    # Then in Latin ASCII with the dots kept ("a.ş." -> "a.s."), then with dotted abbreviations closed
    # up ("f.z.e." -> "fze"), so registry and bank spellings of one legal form agree.
    step = replace_org_types_compare(transliterate(step), generic=True)
    step = replace_org_types_compare(_DOTTED.sub(lambda m: m.group(0).replace(".", ""), step), generic=True)
    return " ".join(replace_org_types_compare(_clean(step), generic=True).split())


def legal_form(text: str) -> str | None:
    """The generic legal form of a company name ("llc", "jsc", ...), or None."""
    found = extract_org_types(text.casefold(), generic=True) or extract_org_types(_clean(text), generic=True)
    return str(found[-1][1]) if found else None


def _name_tokens(text: str, schema: str | None, normalized: bool = False) -> tuple[list[str], list[str]]:
    """(core tokens, legal-form tokens) of a name (already normalised when ``normalized``)."""
    norm = text if normalized else normalize_name(text, schema)
    if is_person(schema):
        return norm.split(), []
    forms = {str(f[1]) for f in extract_org_types(norm, generic=True)}
    tokens = norm.split()
    return [t for t in tokens if t not in forms], [t for t in tokens if t in forms]


def name_tokens(text: str, schema: str | None = None) -> list[str]:
    """The normalised tokens of a name without its legal form, in input order."""
    return _name_tokens(text, schema)[0]


def name_key(text: str, schema: str | None = None) -> str:
    """Order-free form: the normalised tokens sorted. "Dmytrenko Oleh" and "Oleh Dmytrenko" agree."""
    return " ".join(sorted(normalize_name(text, schema).split()))


def skeleton_key(norm: str) -> str:
    """Order-free consonant form of a normalised name: equal for transliteration variants of it.

    A token whose skeleton has fewer than SURE_SKELETON letters is marked with SHORT_MARK: "shashara"
    and "shura" share the skeleton "sr", which says little (``compare_names`` trusts a short skeleton
    only with a close spelling), so a key holding one is weaker evidence than a key without."""
    return " ".join(sorted(marked_skeleton(t) for t in norm.split()))


SURE_SKELETON = 3
SHORT_MARK = "~"


def marked_skeleton(token: str) -> str:
    """The token's skeleton (the token itself when it has no consonant), marked when short."""
    skel = skeleton(token) or token
    return skel if len(skel) >= SURE_SKELETON else SHORT_MARK + skel


# Letters of long vowels (alif, waw, ya) after a word's first letter: a romanisation spells them or not
# ("Yusuf" and يوسف, read "ywsf"), so they are left out on both sides; a doubled Latin letter is one
# Arabic letter (its doubling is a mark, shadda, that names are written without), but a letter twice in a
# name written in Arabic script is two letters: "ڤلرر" (read "vlrr") is "Velrara", not "Velra".
_LONG_VOWELS = re.compile("(?<=.)[\u0627\u0648\u064a]")
_DOUBLED = re.compile(r"(.)\1+")


@lru_cache(maxsize=262_144)
def abjad(token: str, written: bool = False) -> str:
    """A normalised token written in Arabic script by ICU (Latin-Arabic) without vowels but an initial
    one: the form an Arabic spelling of the name and its romanisations share. Finer than ``skeleton``
    in its consonants (g, h, kh, v, f, z, s stay apart, as Arabic writes them apart). ``written``: the
    token romanises a name written in Arabic script, whose letter twice in a row is two letters."""
    ascii_token = _ascii_token(token)
    arabic = str(_TO_ARABIC.transliterate(ascii_token if written else _DOUBLED.sub(r"\1", ascii_token)))
    return _LONG_VOWELS.sub("", arabic.translate(_HARAKAT))


_KEEP_FINAL_H = ("sh", "ch", "kh", "th", "gh", "zh", "ph")


@lru_cache(maxsize=262_144)
def skeleton(token: str) -> str:
    """Consonant key of one token: absorbs vowel, y/i, g/h, kh/h, v/f, p/b and doubled-letter variants."""
    word = _WAW.sub("", _ascii_token(token))
    # A final h is often a romanisation's ending (ta marbuta: "Razanh", "Shayushah" for "Razan",
    # "Shayusha"), not a letter of the name; digraphs keep theirs. A final g after a vowel goes
    # too, as g and h are one sound across scripts ("Oleg", "Oleh").
    if len(word) > 3 and ((word[-1] == "h" and not word.endswith(_KEEP_FINAL_H))
                          or (word[-1] == "g" and word[-2] in _VOWELS)):
        word = word[:-1]
    for digraph, symbol in _DIGRAPHS:
        word = word.replace(digraph, symbol)
    word = word.translate(_LETTERS)
    out: list[str] = []
    for ch in word:
        if ch in _VOWELS or not ch.isalnum():
            continue
        if not out or out[-1] != ch:
            out.append(ch)
    return "".join(out)


_SHORT_VOWELS = frozenset("aeiou")


@lru_cache(maxsize=262_144)
def unvowelled_skeleton(token: str) -> str:
    """The skeleton of a token spelled without vowels (a romanised abjad: "thd", "phd", "kvtsh"), its
    letter pairs NOT read as digraphs, or "" for a token with a vowel. ICU romanises ت followed by ه
    as "th", as it writes ث, so "thd" may be the Arabic spelling of "Tehid" (skeleton "thd") as well
    as of "Thadu" ("td"): blocking keys such a token both ways. A final h goes whatever precedes it."""
    word = _WAW.sub("", _ascii_token(token))
    if not word or _SHORT_VOWELS & set(word):
        return ""
    if len(word) > 3 and word[-1] == "h":
        word = word[:-1]
    out: list[str] = []
    for ch in word.translate(_LETTERS):
        if ch.isalnum() and ch not in _VOWELS and (not out or out[-1] != ch):
            out.append(ch)
    return "".join(out)


@dataclass(frozen=True)
class TokenMatch:
    left: str
    right: str
    rule: str
    weight: float


@dataclass(frozen=True)
class NameComparison:
    """A score in [0, 1] and the token pairs it rests on, for explanations."""

    score: float
    matches: tuple[TokenMatch, ...]
    unmatched: tuple[str, ...]
    legal_forms: tuple[str, str] | None = None

    def describe(self) -> str:
        parts = [f"{m.left}~{m.right} ({m.rule} {m.weight:.2f})" for m in self.matches]
        if self.unmatched:
            parts.append("unmatched: " + " ".join(self.unmatched))
        if self.legal_forms:
            parts.append(f"legal forms {self.legal_forms[0]} vs {self.legal_forms[1]}")
        return "; ".join(parts)


def _token_match(a: str, b: str, allow_initials: bool) -> TokenMatch | None:
    if a == b:
        return TokenMatch(a, b, "exact", EXACT)
    if allow_initials and (len(a) == 1 or len(b) == 1):
        return TokenMatch(a, b, "initial", INITIAL) if a[0] == b[0] else None
    if len(a) < 2 or len(b) < 2:
        return None
    jw = jaro_winkler(a, b)
    sa, sb = skeleton(a), skeleton(b)
    # A shared skeleton is only trusted for short words when the spellings are close as well.
    if sa and sa == sb and (len(sa) >= SURE_SKELETON or jw >= 0.85):
        if vowels_differ(a, b):
            spelled = round(SPELLING * jw, 4) if jw >= 0.92 else 0.0
            return TokenMatch(a, b, "spelling", spelled) if spelled > VOWELS_DIFFER else \
                TokenMatch(a, b, "vowels differ", VOWELS_DIFFER)
        return TokenMatch(a, b, "transliteration", TRANSLIT)
    if jw >= 0.92:
        return TokenMatch(a, b, "spelling", round(SPELLING * jw, 4))
    return None


def compare_names(a: str, b: str, schema: str = "Person", *, normalized: bool = False) -> NameComparison:
    """Align the tokens of two names, best pairs first, and score the alignment.

    Order does not matter; each token pairs at most once. The score is the mean weight over the
    longer name's tokens, so a missing middle name costs less than a different first name.
    ``normalized=True`` says both names already went through ``normalize_name`` (saves the work).
    """
    person = is_person(schema)
    ta, fa = _name_tokens(a, schema, normalized)
    tb, fb = _name_tokens(b, schema, normalized)
    if not ta or not tb:
        return NameComparison(0.0, (), tuple(ta + tb))
    candidates = [(m.weight, i, j, m) for i, x in enumerate(ta) for j, y in enumerate(tb)
                  if (m := _token_match(x, y, person)) is not None]
    candidates.sort(key=lambda c: (-c[0], c[1], c[2]))
    used_a: set[int] = set()
    used_b: set[int] = set()
    matches: list[TokenMatch] = []
    for _, i, j, m in candidates:
        if i in used_a or j in used_b:
            continue
        used_a.add(i)
        used_b.add(j)
        matches.append(m)
    total = sum(m.weight for m in matches)
    short, long_ = sorted((len(ta), len(tb)))
    # Full credit over the shorter name, softened by how many extra tokens the longer one has.
    score = (total / short) * (0.8 + 0.2 * short / long_) if matches else 0.0
    if person and matches and all(m.rule == "initial" for m in matches):
        score = min(score, 0.5)
    unmatched = tuple([x for i, x in enumerate(ta) if i not in used_a]
                      + [y for j, y in enumerate(tb) if j not in used_b])
    forms = None
    if fa and fb and set(fa) != set(fb):
        forms = (" ".join(fa), " ".join(fb))
        score *= 0.9
    return NameComparison(round(min(max(score, 0.0), 1.0), 4), tuple(matches), unmatched, forms)


def name_similarity(a: str, b: str, schema: str = "Person") -> float:
    """Similarity in [0, 1] of two names in any script; 1.0 for the same name after transliteration."""
    return compare_names(a, b, schema).score

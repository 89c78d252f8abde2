"""Finding mentions in document text: known entities (any script), money amounts, dates, countries.

Each mention keeps its character span in the stored text so a report can quote it. Entity names
are matched with the resolution stage's name functions (transliteration, legal forms, spelling);
candidates are found through a skeleton index so only plausible windows are scored.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache

from moneytrail.model.names import legal_form, name_similarity, name_tokens, normalize_name, skeleton


@dataclass(frozen=True)
class Mention:
    kind: str  # entity | amount | date | country
    text: str
    start: int
    end: int
    value: str | None = None
    entity_id: str | None = None
    amount: float | None = None
    currency: str | None = None
    score: float = 1.0


@dataclass(frozen=True)
class KnownName:
    entity_id: str
    schema: str
    name: str
    tokens: tuple[str, ...]


class NameIndex:
    """Known entity names, indexed by the skeletons of their tokens."""

    def __init__(self, names: list[tuple[str, str, str]], threshold: float = 0.88) -> None:
        self.threshold = threshold
        self.names: list[KnownName] = []
        self.by_skeleton: dict[str, list[int]] = defaultdict(list)
        seen: set[tuple[str, str]] = set()
        for entity_id, schema, name in names:
            tokens = tuple(name_tokens(name, schema))
            if not tokens or (entity_id, " ".join(tokens)) in seen:
                continue
            # One short word is too weak to find in running text.
            if len(tokens) == 1 and len(tokens[0]) < 5:
                continue
            seen.add((entity_id, " ".join(tokens)))
            self.names.append(KnownName(entity_id, schema, name, tokens))
            for tok in set(tokens):
                sk = skeleton(tok)
                if len(sk) >= 2:
                    self.by_skeleton[sk].append(len(self.names) - 1)

    def best_match(self, name: str) -> tuple[str, float] | None:
        """(entity_id, score) of the known entity a whole name most resembles, if any is close enough."""
        best: tuple[str, float] | None = None
        for tok in {_norm_token(m.group()) for m in _WORD.finditer(name)}:
            for idx in self.by_skeleton.get(skeleton(tok) if tok else "", ()):
                known = self.names[idx]
                score = name_similarity(name, known.name, known.schema)
                if score >= self.threshold and (best is None or score > best[1]
                                                or (score == best[1] and known.entity_id < best[0])):
                    best = (known.entity_id, score)
        return best

    def find(self, text: str) -> list[Mention]:
        words = [(m.start(), m.end(), _norm_token(m.group())) for m in _WORD.finditer(text)]
        found: dict[tuple[int, int, str], Mention] = {}
        for i, (_, _, tok) in enumerate(words):
            sk = skeleton(tok) if tok else ""
            for idx in self.by_skeleton.get(sk, ()):
                known = self.names[idx]
                n = len(known.tokens)
                for first in range(max(0, i - n + 1), min(i, len(words) - n) + 1):
                    start, end = words[first][0], words[first + n - 1][1]
                    key = (start, end, known.entity_id)
                    if key in found:
                        continue
                    span = text[start:end]
                    if "\n" in span:
                        continue
                    score = name_similarity(span, known.name, known.schema)
                    if score >= self.threshold:
                        # A legal form right after the name ("... Trading LLC") belongs to the mention.
                        after = first + n
                        if after < len(words) and legal_form(text[words[after][0]:words[after][1]]):
                            end = words[after][1]
                            span = text[start:end]
                        found[key] = Mention("entity", span, start, end, value=known.entity_id,
                                             entity_id=known.entity_id, score=score)
        return _best_non_overlapping(list(found.values()))


_WORD = re.compile(r"\w+(?:[-'’]\w+)*", re.UNICODE)


@lru_cache(maxsize=65_536)
def _norm_token(token: str) -> str:
    return normalize_name(token, "Person")


def _best_non_overlapping(mentions: list[Mention]) -> list[Mention]:
    """Longest, best-scoring spans first; a span overlapping a kept one is dropped, except the same
    span naming several entities (two records of one person), which are all kept."""
    kept: list[Mention] = []
    for m in sorted(mentions, key=lambda m: (-(m.end - m.start), -m.score, m.start, m.entity_id or "")):
        clash = [k for k in kept if k.start < m.end and m.start < k.end]
        if all(k.start == m.start and k.end == m.end and abs(k.score - m.score) < 1e-9 for k in clash):
            kept.append(m)
    return sorted(kept, key=lambda m: (m.start, m.entity_id or ""))


# -- money ------------------------------------------------------------------------------------
_SYMBOLS = {"$": "USD", "US$": "USD", "€": "EUR", "£": "GBP", "¥": "JPY", "₽": "RUB", "₴": "UAH", "₺": "TRY"}
_CODES = ("USD", "EUR", "GBP", "RUB", "UAH", "AED", "SAR", "QAR", "KWD", "IQD", "SYP", "LBP", "JOD", "EGP",
          "TRY", "CHF", "CNY", "JPY", "INR", "PKR", "AFN", "IRR", "YER", "SDG", "SOS", "ETB", "KES", "NGN",
          "XOF", "ZAR", "CAD", "AUD", "KZT", "GEL", "AMD", "AZN", "BYN", "MDL", "ILS", "USDT", "BTC")
_WORDS = {"dollars": "USD", "dollar": "USD", "euros": "EUR", "euro": "EUR", "pounds": "GBP",
          "roubles": "RUB", "rubles": "RUB", "hryvnias": "UAH", "dirhams": "AED", "riyals": "SAR",
          "dinars": "IQD", "francs": "CHF", "rupees": "INR", "lira": "TRY"}
_MULT = {"thousand": 1e3, "k": 1e3, "million": 1e6, "mn": 1e6, "m": 1e6, "billion": 1e9, "bn": 1e9}
_NUM = r"\d{1,3}(?:[,\u00a0 ]\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_MULT_RE = r"(?:\s?(?P<{g}>thousand|million|billion|mn|bn|k|m)\b)?"
_SYM_RE = "|".join(re.escape(s) for s in sorted(_SYMBOLS, key=len, reverse=True))
_CODE_RE = "|".join(_CODES)
_WORD_RE = "|".join(sorted(_WORDS, key=len, reverse=True))
_AMOUNT = re.compile(
    rf"(?:(?P<pre>{_SYM_RE}|\b(?:{_CODE_RE}))\s?(?P<n1>{_NUM}){_MULT_RE.format(g='m1')})"
    rf"|(?:\b(?P<n2>{_NUM}){_MULT_RE.format(g='m2')}\s?(?P<post>\b(?:{_CODE_RE})\b|(?:{_WORD_RE})\b))",
    re.IGNORECASE)


def _currency(token: str) -> str:
    upper = token.upper()
    if token in _SYMBOLS or upper in _SYMBOLS:
        return _SYMBOLS.get(token, _SYMBOLS.get(upper, upper))
    return _WORDS.get(token.lower(), upper)


def find_amounts(text: str) -> list[Mention]:
    out = []
    for m in _AMOUNT.finditer(text):
        number = m.group("n1") or m.group("n2")
        unit = m.group("pre") or m.group("post")
        mult = (m.group("m1") or m.group("m2") or "").lower()
        value = float(re.sub(r"[,\u00a0 ]", "", number)) * _MULT.get(mult, 1.0)
        cur = _currency(unit)
        out.append(Mention("amount", m.group(), m.start(), m.end(), value=f"{value:.2f} {cur}",
                           amount=value, currency=cur))
    return out


# -- dates ------------------------------------------------------------------------------------
_MONTHS = {m.lower(): i for i, m in enumerate(
    ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
     "November", "December"], start=1)}
_MONTHS.update({k[:3]: v for k, v in list(_MONTHS.items())})
_MONTH_RE = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?"
_DATE = re.compile(
    rf"\b(?P<iso>\d{{4}}-\d{{2}}-\d{{2}})\b"
    rf"|\b(?P<d1>\d{{1,2}})\s+(?P<m1>{_MONTH_RE})\s+(?P<y1>\d{{4}})\b"
    rf"|\b(?P<m2>{_MONTH_RE})\s+(?P<d2>\d{{1,2}}),?\s+(?P<y2>\d{{4}})\b", re.IGNORECASE)


def find_dates(text: str) -> list[Mention]:
    out = []
    for m in _DATE.finditer(text):
        try:
            if m.group("iso"):
                day = datetime.strptime(m.group("iso"), "%Y-%m-%d").date()
            else:
                month_name = (m.group("m1") or m.group("m2")).lower().rstrip(".")
                month = _MONTHS.get(month_name) or _MONTHS.get(month_name[:3])
                if month is None:
                    continue
                day = date(int(m.group("y1") or m.group("y2")), month, int(m.group("d1") or m.group("d2")))
        except ValueError:
            continue  # "31 February": not a date
        out.append(Mention("date", m.group(), m.start(), m.end(), value=day.isoformat()))
    return out


# -- countries --------------------------------------------------------------------------------
# Common English names the FtM table spells differently.
_COUNTRY_ALIASES = {"turkey": "tr", "uae": "ae", "usa": "us", "uk": "gb", "britain": "gb", "great britain": "gb",
                    "ivory coast": "ci", "burma": "mm", "czech republic": "cz", "russian federation": "ru"}


@lru_cache(maxsize=1)
def _country_pattern() -> tuple[re.Pattern[str], dict[str, str]]:
    from followthemoney.types import registry

    names: dict[str, str] = {}
    for code, label in registry.country.names.items():
        if len(str(code)) == 2 and len(str(label)) >= 4:
            names[str(label).lower()] = str(code)
    names.update(_COUNTRY_ALIASES)
    alternation = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    return re.compile(rf"\b(?:{alternation})\b", re.IGNORECASE), names


def find_countries(text: str) -> list[Mention]:
    pattern, names = _country_pattern()
    # Country names are proper nouns: a lower-case "turkey" or "chad" in running text is not one.
    return [Mention("country", m.group(), m.start(), m.end(), value=names[m.group().lower()])
            for m in pattern.finditer(text) if m.group()[:1].isupper()]


def find_mentions(text: str, index: NameIndex | None) -> list[Mention]:
    """All mentions in a text, in order of position."""
    found = find_amounts(text) + find_dates(text) + find_countries(text)
    if index is not None:
        found += index.find(text)
    return sorted(found, key=lambda m: (m.start, m.kind, m.entity_id or ""))

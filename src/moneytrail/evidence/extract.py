"""Pattern-based claim extraction from documents.

In each sentence, a relation verb between two entity mentions ("Ромашка LLC financed Group X") gives
a claim: subject = nearest entity mention before the verb, object = nearest after it; the sentence's
first amount and date are attached. Extracted claims are pending until an analyst confirms them.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from moneytrail.evidence.claims import ClaimRow, store_claims
from moneytrail.store.case import Case

RELATION_PATTERNS: dict[str, re.Pattern[str]] = {
    "financed": re.compile(r"\b(?:financ(?:ed|es|ing)|funded|funds|bankroll(?:ed|s))\b", re.IGNORECASE),
    "paid": re.compile(r"\b(?:paid|pays|transferred|wired|sent)\b", re.IGNORECASE),
    "laundered-through": re.compile(r"\blaunder(?:ed|s|ing)?\b[^.;]*?\b(?:through|via)\b", re.IGNORECASE),
    "coordinated": re.compile(r"\bcoordinat(?:ed|es|ing)\b(?:\s+with)?", re.IGNORECASE),
    "attacked": re.compile(r"\battack(?:ed|s)?\b", re.IGNORECASE),
}
# A full stop inside a number ("1.2 million") or an initial does not end a sentence.
_SENTENCE = re.compile(r"(?:[^.!?\n]|[.!?](?=[^\s]))+[.!?]?")


def _sentences(text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in _SENTENCE.finditer(text) if m.group().strip()]


def extract_document_claims(text: str, mentions: list[dict[str, Any]], *, source_id: str,
                            document_id: str) -> list[ClaimRow]:
    """Claims found in one document's text, given its stored mentions (dicts with kind, start_pos,
    end_pos, text, entity_id, amount, currency, value)."""
    claims: list[ClaimRow] = []
    for s_start, s_end in _sentences(text):
        inside = [m for m in mentions if m["start_pos"] >= s_start and m["end_pos"] <= s_end]
        entities = [m for m in inside if m["kind"] == "entity"]
        if len(entities) < 2:
            continue
        amount = next((m for m in inside if m["kind"] == "amount"), None)
        day = next((m for m in inside if m["kind"] == "date"), None)
        sentence = text[s_start:s_end]
        for relation, pattern in RELATION_PATTERNS.items():
            for verb in pattern.finditer(sentence):
                v_start, v_end = s_start + verb.start(), s_start + verb.end()
                before = [m for m in entities if m["end_pos"] <= v_start]
                after = [m for m in entities if m["start_pos"] >= v_end]
                if not before or not after:
                    continue
                subj, obj = before[-1], after[0]
                if subj["entity_id"] == obj["entity_id"]:
                    continue
                quote = sentence.strip()
                lead = len(sentence) - len(sentence.lstrip())
                claims.append(ClaimRow(
                    subject=str(subj["text"]), relation=relation, object=str(obj["text"]), source_id=source_id,
                    claim_date=date.fromisoformat(str(day["value"])) if day else None,
                    amount=float(amount["amount"]) if amount else None,
                    currency=str(amount["currency"]) if amount else None,
                    subject_entity_id=str(subj["entity_id"]), object_entity_id=str(obj["entity_id"]),
                    status="extracted", quote=quote, document_id=document_id,
                    start_pos=s_start + lead, end_pos=s_start + lead + len(quote)))
    return claims


def extract_claims(case: Case, document_id: str | None = None) -> int:
    """Extract claims from one document (or all), store them as pending; returns how many are new."""
    docs = case.engine.rows("SELECT document_id, source_id, text FROM documents WHERE has_text"
                            + (" AND document_id = ?" if document_id else "") + " ORDER BY document_id",
                            [document_id] if document_id else None)
    rows: list[ClaimRow] = []
    for doc_id, source_id, text in docs:
        mentions = case.engine.query(
            "SELECT kind, start_pos, end_pos, text, entity_id, amount, currency, value FROM mentions "
            "WHERE document_id = ? ORDER BY start_pos", [doc_id]).to_pylist()
        rows.extend(extract_document_claims(str(text), mentions, source_id=str(source_id), document_id=str(doc_id)))
    return store_claims(case, rows)

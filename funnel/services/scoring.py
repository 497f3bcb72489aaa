"""Lead score from the admin-editable ScoringRule table; the lead keeps which rules fired."""

from __future__ import annotations

from dataclasses import dataclass

from funnel.models import Lead, ScoringRule

COMPLETENESS_FIELDS = ("name", "gender", "age", "city", "specialty_id", "answers")


@dataclass(frozen=True)
class ScoreFacts:
    """What scoring looks at: the lead plus its latest touch (channel, keyword)."""

    lead: Lead
    channel: str
    keyword: str
    touch_count: int


def _fired(rule: ScoringRule, facts: ScoreFacts) -> int:
    lead = facts.lead
    params = rule.params or {}
    kind = rule.kind
    if kind == ScoringRule.Kind.SPECIALTY_MATCH:
        wanted = params.get("specialties")
        if lead.specialty_id is None:
            return 0
        if wanted and lead.specialty.slug not in wanted:
            return 0
        return rule.points
    if kind == ScoringRule.Kind.COMPLETENESS:
        filled = sum(1 for f in COMPLETENESS_FIELDS if getattr(lead, f, None))
        return round(rule.points * filled / len(COMPLETENESS_FIELDS))
    if kind == ScoringRule.Kind.CHANNEL:
        return rule.points if facts.channel in params.get("channels", []) else 0
    if kind == ScoringRule.Kind.KEYWORD_INTENT:
        words = params.get("words", [])
        return rule.points if any(w and w in facts.keyword for w in words) else 0
    if kind == ScoringRule.Kind.AGE_BAND:
        if lead.age is None:
            return 0
        low, high = params.get("min", 0), params.get("max", 200)
        return rule.points if low <= lead.age <= high else 0
    if kind == ScoringRule.Kind.REPEAT_TOUCH:
        return rule.points if facts.touch_count > 1 else 0
    return 0


def score_compute(*, facts: ScoreFacts, rules: list[ScoringRule]) -> tuple[int, list[dict]]:
    """Pure: (score, explanation) where explanation lists every rule that added points."""
    total = 0
    fired: list[dict] = []
    for rule in rules:
        points = _fired(rule, facts)
        if points:
            total += points
            fired.append({"rule": rule.name, "kind": rule.kind, "points": points})
    return total, fired


def active_rules() -> list[ScoringRule]:
    return list(ScoringRule.objects.filter(is_active=True))

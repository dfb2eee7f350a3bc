"""Reconciliation scored against a generated corpus's answer key.

For every mention the answer key lists, the build's reconciliation gives an entity key; a mention is
*identified* when that key is a reference entity (an INSEE code, a GeoNames id, an ISO code, a known
organisation), and *correct* when it is the answer key's. Precision is correct / identified, recall
correct / mentions, by kind of entity.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from publisher.entities import UNSPECIFIED_FUNDER, EntityRegistry, ResolvedRecord, resolve_record
from publisher.record import PartnershipRecord

FRENCH_KINDS = {"commune", "departement", "region", "epci"}
# The answer key names record fields as the record does; the resolved record's lists are named after them.
RESOLVED_FIELD = {"funding": "funders"}


@dataclass
class Score:
    mentions: int = 0
    identified: int = 0
    correct: int = 0
    wrong: list[tuple[str, str, str, str]] = field(default_factory=list)
    unresolved: list[tuple[str, str, str]] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.correct / self.identified if self.identified else 1.0

    @property
    def recall(self) -> float:
        return self.correct / self.mentions if self.mentions else 1.0


def _predicted(resolved: ResolvedRecord, registry: EntityRegistry, field_name: str, index: int) -> str | None:
    if field_name == "foreign_partners.country":
        partner = resolved.foreign_partners[index]
        country = registry.entities[partner].facts.get("country")
        return country if isinstance(country, str) else None
    values = getattr(resolved, RESOLVED_FIELD.get(field_name, field_name), None)
    if not isinstance(values, list) or index >= len(values):
        return None
    return values[index]


def score_reconciliation(records: list[PartnershipRecord], answer_key: Path) -> dict[str, Score]:
    """Scores by kind ("french" for all French collectivities, "country", "foreign-authority", ...)."""
    registry = EntityRegistry()
    resolved = {record.record_id: resolve_record(record, registry) for record in records}
    scores: dict[str, Score] = defaultdict(Score)
    with answer_key.open(encoding="utf-8") as handle:
        for line in handle:
            entry = json.loads(line)
            kind = "french" if entry["kind"] in FRENCH_KINDS else entry["kind"]
            score = scores[kind]
            score.mentions += 1
            record = resolved.get(entry["record"])
            key = _predicted(record, registry, entry["field"], entry["index"]) if record else None
            identified = key is not None and (
                key == UNSPECIFIED_FUNDER or registry.entities[key].reference is not None)
            if not identified:
                score.unresolved.append((entry["record"], entry["field"], entry["mention"]))
                continue
            score.identified += 1
            if key == entry["entity"]:
                score.correct += 1
            else:
                score.wrong.append((entry["record"], entry["mention"], key or "", entry["entity"]))
    return dict(scores)

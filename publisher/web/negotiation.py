"""HTTP content negotiation (RFC 9110 §12.5.1): Accept media ranges with q-values."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MediaRange:
    type: str
    subtype: str
    q: float
    params: int

    def matches(self, media_type: str) -> int:
        """How specifically this range matches ``media_type``: 3 exact, 2 type/*, 1 */*, 0 not at all."""
        main, _, sub = media_type.partition("/")
        if self.type == "*" and self.subtype == "*":
            return 1
        if self.type == main and self.subtype == "*":
            return 2
        if self.type == main and self.subtype == sub:
            return 3
        return 0


def parse_accept(header: str | None) -> list[MediaRange]:
    """Media ranges of an Accept header; malformed parts are skipped, an absent header accepts anything."""
    if not header or not header.strip():
        return [MediaRange("*", "*", 1.0, 0)]
    ranges = []
    for part in header.split(",")[:64]:
        pieces = [p.strip() for p in part.split(";")]
        media = pieces[0].lower()
        if "/" not in media:
            continue
        main, _, sub = media.partition("/")
        if not main or not sub:
            continue
        q = 1.0
        params = 0
        for param in pieces[1:]:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
                q = min(max(q, 0.0), 1.0)
            else:
                params += 1
        ranges.append(MediaRange(main, sub, q, params))
    return ranges


def choose(header: str | None, offered: list[str]) -> str | None:
    """The offered media type the client prefers; ties go to the earlier in ``offered``.

    Each offered type takes the q-value of the most specific range that matches it
    (so ``text/*;q=0.1, text/turtle`` prefers Turtle). ``None`` when nothing is acceptable.
    """
    ranges = parse_accept(header)
    best: tuple[float, int] | None = None
    chosen = None
    for index, media_type in enumerate(offered):
        specificity, q = 0, 0.0
        for media_range in ranges:
            level = media_range.matches(media_type)
            if level > specificity:
                specificity, q = level, media_range.q
            elif level == specificity and level > 0:
                q = max(q, media_range.q)
        if specificity == 0 or q <= 0:
            continue
        key = (q, -index)
        if best is None or key > best:
            best, chosen = key, media_type
    return chosen

"""Small charts drawn on the server as SVG (the pages' Content-Security-Policy allows no inline script)."""

from __future__ import annotations

from decimal import Decimal

from markupsafe import Markup, escape


def _euros(amount: Decimal) -> str:
    return f"{amount:,.0f}".replace(",", "\u202f") + " €"


def funding_by_year_svg(by_year: list[tuple[str, Decimal]], width: int = 420, height: int = 200) -> Markup:
    """A bar chart of amounts per year, with the amounts written above the bars."""
    if not by_year:
        return Markup("")
    top = max((amount for _year, amount in by_year), default=Decimal(0)) or Decimal(1)
    margin_top, margin_bottom, gap = 22, 26, 8
    slot = (width - gap) / len(by_year)
    bar = max(6.0, min(56.0, slot - gap))
    plot = height - margin_top - margin_bottom
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="chart-title" xmlns="http://www.w3.org/2000/svg">',
        '<title id="chart-title">Financement par année</title>',
        f'<line class="axis" x1="0" y1="{height - margin_bottom}" x2="{width}" y2="{height - margin_bottom}"/>',
    ]
    for index, (year, amount) in enumerate(by_year):
        h = float(amount / top) * plot
        x = gap + index * slot + (slot - gap - bar) / 2
        y = margin_top + plot - h
        label = escape(year)
        parts.append(
            f'<g class="bar"><title>{label} : {escape(_euros(amount))}</title>'
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{max(h, 1.0):.1f}" rx="2"/>'
            f'<text class="value" x="{x + bar / 2:.1f}" y="{y - 5:.1f}">{escape(_euros(amount))}</text>'
            f'<text class="year" x="{x + bar / 2:.1f}" y="{height - 8}">{label}</text></g>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))

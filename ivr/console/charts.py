"""Bar charts drawn on the server as SVG: the console's reports read at a glance without a
charting library in the browser. Each chart says what it shows in its title and carries its
figures as text, so it reads without colour and to a screen reader."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from markupsafe import Markup

BAR_HEIGHT = 22
GAP = 8
LABEL_WIDTH = 160
BAR_WIDTH = 300
VALUE_WIDTH = 60


@dataclass(frozen=True)
class Bar:
    """One bar: its label and its value."""

    label: str
    value: float


def bar_chart(title: str, bars: Sequence[Bar], unit: str = "") -> Markup:
    """Horizontal bars scaled to the largest, each with its label and value written beside."""
    biggest = max((bar.value for bar in bars), default=0) or 1
    height = max(1, len(bars)) * (BAR_HEIGHT + GAP)
    width = LABEL_WIDTH + BAR_WIDTH + VALUE_WIDTH
    rows = []
    for n, bar in enumerate(bars):
        y = n * (BAR_HEIGHT + GAP)
        length = round(BAR_WIDTH * bar.value / biggest)
        value = f"{bar.value:g}{unit}"
        rows.append(
            f'<text x="0" y="{y + 16}">{escape(bar.label)}</text>'
            f'<rect x="{LABEL_WIDTH}" y="{y}" width="{length}" height="{BAR_HEIGHT}"'
            ' fill="#1a5fb4"/>'
            f'<text x="{LABEL_WIDTH + length + 6}" y="{y + 16}">{escape(value)}</text>'
        )
    if not bars:
        rows.append('<text x="0" y="16">Nothing yet.</text>')
    summary = "; ".join(f"{bar.label} {bar.value:g}{unit}" for bar in bars) or "nothing yet"
    return Markup(
        f"<figure><figcaption>{escape(title)}</figcaption>"
        f'<svg role="img" aria-label="{escape(title)}: {escape(summary)}" width="{width}"'
        f' height="{height}" viewBox="0 0 {width} {height}" font-size="14">'
        f"<title>{escape(title)}</title>{''.join(rows)}</svg></figure>"
    )

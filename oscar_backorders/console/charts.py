"""Charts for the reports page, drawn on the server as inline SVG (no JavaScript, no network).

Pure functions: labels and numbers in, an SVG string out (numbers in the active language's
notation; labels, dates included, come localised from the caller). Every label is escaped; the result is
marked safe for templates. Each chart carries a ``<title>`` and per-bar ``<title>`` tooltips so a
screen reader (and a hovering mouse) gets the exact numbers.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.formats import number_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

BAR_COLOUR = "#417690"  # the Django admin's header blue
ALT_COLOUR = "#ba2121"  # the Django admin's error red, for the "bad" part of a split bar
TEXT = 'font-family="sans-serif" font-size="11" fill="#333"'


def _number(value: float) -> str:
    """``value`` in the active language's notation ("1.5", "1,5")."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return number_format(round(value, 2) if isinstance(value, float) else value)


def column_chart(
    labels: Sequence[str], values: Sequence[float], *, title: str, height: int = 180
) -> SafeString:
    """Vertical bars, one per label (for time series and histograms)."""
    count = max(len(values), 1)
    # Wide enough for each label (about 6.5 px per character at 11 px) and a bar.
    slot_w = max(28, 7 * max((len(label) for label in labels), default=0) + 8)
    width = max(320, slot_w * count + 60)
    top, bottom, left = 16, 40, 40
    plot_h = height - top - bottom
    plot_w = width - left - 10
    peak = max([*values, 0]) or 1
    slot = plot_w / count
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="backorder-chart" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}">',
        f"<title>{escape(title)}</title>",
        f'<line x1="{left}" y1="{top + plot_h}" x2="{width - 10}" y2="{top + plot_h}" '
        'stroke="#999"/>',
        f'<text x="{left - 4}" y="{top + 4}" text-anchor="end" {TEXT}>{_number(peak)}</text>',
        f'<text x="{left - 4}" y="{top + plot_h}" text-anchor="end" {TEXT}>0</text>',
    ]
    label_every = max(1, count // 16)
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        bar_h = plot_h * value / peak
        x = left + i * slot + slot * 0.15
        y = top + plot_h - bar_h
        parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{slot * 0.7:.1f}" height="{bar_h:.1f}" '
            f'fill="{BAR_COLOUR}"><title>{escape(label)}: {_number(value)}</title></rect>'
        )
        if i % label_every == 0:
            cx = left + i * slot + slot / 2
            parts.append(
                f'<text x="{cx:.1f}" y="{top + plot_h + 14}" text-anchor="middle" {TEXT}>'
                f"{escape(label)}</text>"
            )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # every interpolated label is escaped above


def split_bar_chart(
    labels: Sequence[str],
    good: Sequence[float],
    bad: Sequence[float],
    *,
    title: str,
    good_label: str,
    bad_label: str,
) -> SafeString:
    """Horizontal bars, each split into a good (blue) and a bad (red) part, scaled to 100 %.

    For shares such as "on time vs late" and "shipped vs cancelled".
    """
    row_h, left, width = 22, 180, 560
    plot_w = width - left - 60
    height = row_h * max(len(labels), 1) + 36
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="backorder-chart" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}">',
        f"<title>{escape(title)}</title>",
        f'<rect x="{left}" y="4" width="10" height="10" fill="{BAR_COLOUR}"/>'
        f'<text x="{left + 14}" y="13" {TEXT}>{escape(good_label)}</text>'
        f'<rect x="{left + 160}" y="4" width="10" height="10" fill="{ALT_COLOUR}"/>'
        f'<text x="{left + 174}" y="13" {TEXT}>{escape(bad_label)}</text>',
    ]
    for i, (label, ok, ko) in enumerate(zip(labels, good, bad, strict=True)):
        y = 24 + i * row_h
        total = ok + ko
        ok_w = plot_w * ok / total if total else 0
        ko_w = plot_w * ko / total if total else 0
        share = f"{number_format(round(100 * ok / total))} %" if total else "—"
        short = label if len(label) <= 28 else label[:27] + "…"
        parts.append(
            f'<text x="{left - 6}" y="{y + 14}" text-anchor="end" {TEXT}>{escape(short)}</text>'
            f'<rect x="{left}" y="{y + 3}" width="{ok_w:.1f}" height="{row_h - 6}" '
            f'fill="{BAR_COLOUR}"><title>{escape(label)}: {_number(ok)}</title></rect>'
            f'<rect x="{left + ok_w:.1f}" y="{y + 3}" width="{ko_w:.1f}" height="{row_h - 6}" '
            f'fill="{ALT_COLOUR}"><title>{escape(label)}: {_number(ko)}</title></rect>'
            f'<text x="{left + plot_w + 6}" y="{y + 14}" {TEXT}>{share}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # every interpolated label is escaped above

"""The badge: a small SVG saying the verdict, for a README or a dashboard (``--report
badge:PATH``). Flat, in the shape shields.io badges have, with no external font or link."""

from __future__ import annotations

from xml.sax.saxutils import escape

from conformance.report._model import RunReport

_LABEL = "chat-conformance"
#: The verdict's words and colour: green, yellow-green (SHOULD findings), red, grey.
_COLOURS = {
    "CONFORMANT (strict)": ("conformant", "#2e7d32"),
    "CONFORMANT (not strict: SHOULD findings)": ("conformant, SHOULD findings", "#7cb342"),
    "NOT CONFORMANT": ("not conformant", "#c62828"),
    "INCOMPLETE": ("incomplete", "#757575"),
}
_CHAR_WIDTH = 6.5  # px per character of 11 px Verdana, the usual estimate for such badges
_PAD = 10


def render_badge(report: RunReport) -> str:
    words, colour = _COLOURS[report.verdict]
    message = f"{words} · {report.target.profile}"
    left = round(len(_LABEL) * _CHAR_WIDTH) + _PAD
    right = round(len(message) * _CHAR_WIDTH) + _PAD
    width = left + right
    title = escape(f"{_LABEL}: {report.verdict}, profile {report.target.profile}", {'"': "&quot;"})
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="20" role="img" '
        f'aria-label="{title}">\n'
        f"  <title>{title}</title>\n"
        f'  <rect width="{left}" height="20" fill="#555"/>\n'
        f'  <rect x="{left}" width="{right}" height="20" fill="{colour}"/>\n'
        f'  <g fill="#fff" font-family="Verdana,DejaVu Sans,sans-serif" font-size="11">\n'
        f'    <text x="{left / 2}" y="14" text-anchor="middle">{_LABEL}</text>\n'
        f'    <text x="{left + right / 2}" y="14" text-anchor="middle">{escape(message)}</text>\n'
        "  </g>\n"
        "</svg>\n"
    )

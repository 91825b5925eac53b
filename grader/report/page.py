"""The HTML frame shared by feedback pages and the class report: one style, escaped text."""

from __future__ import annotations

import html

STYLE = """
body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222;line-height:1.45}
table{border-collapse:collapse;width:100%;margin-bottom:1.5rem}
td,th{border-bottom:1px solid #ddd;padding:.4rem;text-align:left;vertical-align:top}
pre{background:#f6f8fa;padding:.6rem;overflow-x:auto;white-space:pre-wrap;font-size:.85rem;margin:.2rem 0}
figure{margin:1rem 0}figure img{max-width:100%;border:1px solid #eee}
.passed,.completed{color:#1a7f37}.not_attempted{color:#8a6d00}.awaiting_manual_grading{color:#4063d8}
.failed,.error,.timeout,.memory,.crashed,.invalid,.missing,.processes,.disk,.infrastructure_error{color:#b3261e}
.muted{color:#666;font-size:.9rem}
"""


def escape(text: object) -> str:
    """Text made safe for HTML."""
    return html.escape(str(text))


def page(title: str, body: str) -> str:
    """A whole HTML document around ``body``."""
    return (
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{escape(title)}</title>"
        f"<meta name='viewport' content='width=device-width, initial-scale=1'><style>{STYLE}</style></head>"
        f"<body>{body}</body></html>"
    )


def status_label(value: str) -> str:
    """``not_attempted`` -> ``<span class='not_attempted'>not attempted</span>``."""
    return f"<span class='{escape(value)}'>{escape(value.replace('_', ' '))}</span>"

"""The HTML the tutorial shows, and its one stylesheet: every box and form is drawn here.

Colours are JupyterLab's theme variables (with neutral fallbacks), so that every box reads well
in the light and the dark theme. Two kinds of output share them:

- Outputs a notebook keeps (responses, requests, tokens, next steps, explanations, enrolment
  cards) carry their CSS inline, from :data:`STYLES`: committed notebooks are shown untrusted
  (JupyterLab, GitHub, nbviewer), where a ``<style>`` element would be dropped. :func:`box`,
  :func:`table` and the small renderers below draw them.
- The live forms (``cognito_tutorial.forms``) are ipywidgets, whose classes only a stylesheet
  can reach: :data:`FORM_CSS`, added once by each form, and the renderers after it.
"""

from __future__ import annotations

import html
from collections.abc import Iterable

# --- outputs a notebook keeps: inline styles ------------------------------------------------

_BORDER = "border:1px solid var(--jp-border-color1, #888)"
_TEXT = "color:var(--jp-ui-font-color1, inherit)"
_BACKGROUND = "background:var(--jp-layout-color1, transparent)"
_CODE_BACKGROUND = "background:var(--jp-cell-editor-background, transparent)"

STYLES: dict[str, str] = {
    # boxes
    "box": f"{_BORDER};{_TEXT};{_BACKGROUND};padding:0.4em 0.8em;margin:0.3em 0;max-width:72em;"
    "overflow-x:auto",
    "explanation": f"{_BORDER};border-left:6px solid var(--jp-warn-color0, #b35900);"
    f"{_BACKGROUND};{_TEXT};padding:0.5em 1em;margin:0.3em 0;max-width:60em",
    "card": f"{_BORDER};{_TEXT};padding:0.5em 1em;max-width:40em",
    # what goes in them
    "title": "margin:0;font-weight:bold",
    "line": "margin:0.2em 0",
    "note": "margin:0.3em 0",
    "picture": "margin:0.5em 0",
    "caption": "text-align:left",
    "caption_title": "text-align:left;font-weight:bold",
    "figure_caption": "font-weight:bold",
    "row_name": "text-align:left;vertical-align:top",
    "row_value": "text-align:left",
    "list": "margin:0;padding-left:1.2em",
    "numbered_list": "margin:0;padding-left:1.4em",
    "terms": "margin:0.2em 0",
    "term": "font-weight:bold;margin-top:0.4em",
    "definition": "margin-left:1.5em",
    "pre": f"margin:0.3em 0;color:inherit;{_CODE_BACKGROUND}",
    "pre_wrapped": f"margin:0.3em 0;white-space:pre-wrap;color:inherit;{_CODE_BACKGROUND}",
    "link": "color:var(--jp-content-link-color, inherit);text-decoration:underline",
    "large_code": "font-size:1.1em",
    "details": "margin:0.4em 0 0",
    "summary": "cursor:pointer",
}
"""Every inline style, by the part it dresses; the renderers below name them."""


def box(
    body: str,
    *,
    style: str = "box",
    tag: str = "div",
    role: str | None = None,
    label: str | None = None,
) -> str:
    """An output box around ``body`` (HTML); ``role`` and ``label`` name it for screen readers."""
    attributes = f' role="{role}"' if role else ""
    attributes += f' aria-label="{html.escape(label)}"' if label else ""
    return f'<{tag}{attributes} style="{STYLES[style]}">{body}</{tag}>'


def table(
    rows: Iterable[tuple[str, str]], caption: str | None = None, *, caption_style: str = "caption"
) -> str:
    """A two-column table: each row's name (text) as its header, its value (HTML) beside it."""
    body = "".join(
        f'<tr><th scope="row" style="{STYLES["row_name"]}">{html.escape(str(name))}</th>'
        f'<td style="{STYLES["row_value"]}">{value}</td></tr>'
        for name, value in rows
    )
    cap = (
        f'<caption style="{STYLES[caption_style]}">{html.escape(caption)}</caption>'
        if caption
        else ""
    )
    return f"<table>{cap}<tbody>{body}</tbody></table>"


def paragraph(body: str, style: str = "note") -> str:
    """A paragraph of ``body`` (HTML)."""
    return f'<p style="{STYLES[style]}">{body}</p>'


def code(text: str) -> str:
    """``text`` as inline code."""
    return f"<code>{html.escape(text)}</code>"


def code_spans(text: str) -> str:
    """Escape ``text`` and show its `backticked` parts as code (the catalogue's convention)."""
    parts = html.escape(text).split("`")
    return "".join(f"<code>{p}</code>" if i % 2 else p for i, p in enumerate(parts))


def preformatted(text: str, *, wrapped: bool = False) -> str:
    """``text`` as a block of code, its lines kept (and long ones ``wrapped``)."""
    style = STYLES["pre_wrapped" if wrapped else "pre"]
    return f'<pre style="{style}"><code>{html.escape(text)}</code></pre>'


def bulleted(items: Iterable[str]) -> str:
    """A list of ``items`` (HTML)."""
    return f'<ul style="{STYLES["list"]}">{"".join(f"<li>{i}</li>" for i in items)}</ul>'


def numbered(items: Iterable[str]) -> str:
    """A numbered list of ``items`` (HTML)."""
    return f'<ol style="{STYLES["numbered_list"]}">{"".join(f"<li>{i}</li>" for i in items)}</ol>'


def terms(rows: Iterable[tuple[str, str]]) -> str:
    """A definition list: each label (text) over its text, whose `backticked` parts are code."""
    items = "".join(
        f'<dt style="{STYLES["term"]}">{html.escape(label)}</dt>'
        f'<dd style="{STYLES["definition"]}">{code_spans(text)}</dd>'
        for label, text in rows
    )
    return f'<dl style="{STYLES["terms"]}">{items}</dl>'


def details(summary: str, body: str) -> str:
    """``body`` (HTML) folded away under ``summary`` (text): one click shows it."""
    return (
        f'<details style="{STYLES["details"]}">'
        f'<summary style="{STYLES["summary"]}">{html.escape(summary)}</summary>{body}</details>'
    )


def link(url: str) -> str:
    """A link showing its own address."""
    address = html.escape(url)
    return f'<a href="{address}" style="{STYLES["link"]}">{address}</a>'


# --- the live forms: a stylesheet -----------------------------------------------------------

FORM_CSS = """
<style>
.ct-card { border: 1px solid var(--jp-border-color1); border-radius: 8px;
  padding: 14px 18px 12px; background: var(--jp-layout-color1); color: var(--jp-ui-font-color1);
  max-width: 620px; box-shadow: 0 1px 3px rgba(0,0,0,0.12); font-family: var(--jp-ui-font-family);
  gap: 4px; }
.ct-card .widget-html-content { line-height: 1.45; }
.ct-card .ct-heading { font-size: 1.25em; font-weight: 600; margin: 0; }
.ct-card .ct-sub { color: var(--jp-ui-font-color2); margin: 0; }
.ct-card p { margin: 4px 0; }
.ct-card .ct-row { align-items: center; gap: 8px; margin: 6px 0 2px; }
.ct-card .ct-code input.widget-input { font-family: var(--jp-code-font-family);
  font-size: 22px; letter-spacing: 0.25em; height: 40px; padding: 0 10px; }
.ct-card .ct-code label.widget-label { font-weight: 600; }
.ct-card .ct-verify { height: 40px; min-width: 7em; font-weight: 600; }
.ct-card .ct-session { display: flex; align-items: center; gap: 8px; flex-wrap: wrap; }
.ct-card code { font-family: var(--jp-code-font-family); background: var(--jp-layout-color2);
  padding: 1px 5px; border-radius: 3px; }
.ct-card .ct-bar { display: inline-block; width: 160px; height: 8px; border-radius: 4px;
  background: var(--jp-layout-color3); overflow: hidden; }
.ct-card .ct-bar > span { display: block; height: 100%; background: var(--jp-brand-color1); }
.ct-card .ct-low .ct-bar > span { background: var(--jp-warn-color1); }
.ct-card .ct-low .ct-time { color: var(--jp-warn-color0); font-weight: 600; }
.ct-card .ct-out .ct-time { color: var(--jp-error-color0); font-weight: 600; }
.ct-card .ct-time { font-variant-numeric: tabular-nums; }
.ct-card .ct-note { color: var(--jp-ui-font-color2); font-size: 0.92em; }
.ct-card .ct-status { border-left: 4px solid var(--jp-border-color1); border-radius: 4px;
  background: var(--jp-layout-color2); padding: 8px 12px; margin-top: 4px; }
.ct-card .ct-status code { background: var(--jp-layout-color1); }
.ct-card .ct-status-title { font-weight: 600; margin-bottom: 2px; }
.ct-card .ct-status.ct-success { border-left-color: var(--jp-success-color1); }
.ct-card .ct-status.ct-refused { border-left-color: var(--jp-error-color1); }
.ct-card .ct-status.ct-invalid, .ct-card .ct-status.ct-expired {
  border-left-color: var(--jp-warn-color1); }
.ct-card .ct-status.ct-busy { border-left-color: var(--jp-brand-color1); }
.ct-card .ct-kv, .ct-enrolment table { border-collapse: collapse; margin: 4px 0; }
.ct-card .ct-kv th, .ct-enrolment table th { text-align: left; font-weight: 600;
  padding: 1px 14px 1px 0; vertical-align: top; }
.ct-card .ct-kv td, .ct-enrolment table td { padding: 1px 0; }
.ct-card.ct-demo { border-style: dashed; box-shadow: none; max-width: 360px; }
.ct-card .ct-otp { font-family: var(--jp-code-font-family); font-size: 2.1em; font-weight: 600;
  letter-spacing: 0.12em; margin: 2px 0; }
</style>
"""


def key_values(rows: list[tuple[str, str]]) -> str:
    """A form's compact table of names and (already HTML) values; empty without rows."""
    if not rows:
        return ""
    cells = "".join(f"<tr><th>{html.escape(k)}</th><td>{v}</td></tr>" for k, v in rows)
    return f'<table class="ct-kv">{cells}</table>'


def status(kind: str, title: str, body: str = "") -> str:
    """A form's status line; ``kind`` (success, refused, invalid, expired, busy) colours it."""
    return (
        f'<div class="ct-status ct-{kind}" role="status" aria-live="polite">'
        f'<div class="ct-status-title">{html.escape(title)}</div>{body}</div>'
    )


def bar(fraction: float, label: str) -> str:
    """A progress bar filled to ``fraction`` (0 to 1), named ``label`` for screen readers."""
    pct = round(max(0.0, min(1.0, fraction)) * 100)
    return (
        f'<span class="ct-bar" role="progressbar" aria-label="{html.escape(label)}" '
        f'aria-valuemin="0" aria-valuemax="100" aria-valuenow="{pct}">'
        f'<span style="width: {pct}%"></span></span>'
    )

"""The HTML the tutorial shows, and its one stylesheet: every box and form is drawn here.

The live forms (``cognito_tutorial.forms``) are ipywidgets, whose classes only a stylesheet can
reach: :data:`FORM_CSS`, added once by each form. Its colours are JupyterLab's theme variables,
so that every box reads well in the light and the dark theme.
"""

from __future__ import annotations

import html

# --- the forms' stylesheet ------------------------------------------------------------------

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


def code_spans(text: str) -> str:
    """Escape ``text`` and show its `backticked` parts as code (the catalogue's convention)."""
    parts = html.escape(text).split("`")
    return "".join(f"<code>{p}</code>" if i % 2 else p for i, p in enumerate(parts))


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

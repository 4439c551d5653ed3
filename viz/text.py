"""Labels made safe for Plotly, whose text, hover and tick labels understand a few HTML tags (<a href>, <br>…)."""

import html


def esc(label):
    """A label drawn as written: ``<script>`` shows as text, never as markup."""
    return html.escape(str(label), quote=False)


def esc_all(labels):
    return None if labels is None else [esc(s) for s in labels]

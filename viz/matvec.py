"""A matrix–vector product drawn with its numbers: W · v + b = result.

Four small heatmaps side by side, each cell labelled with its value; the result is the engine's own
recorded product, not recomputed here.
"""

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .colors import DIVERGING, HIDDEN, INPUT, base_layout
from .text import esc, esc_all


def matvec_figure(weight, vector, bias, result, title, row_labels=None, col_labels=None, vector_color=INPUT,
                  digits=2, height=None):
    """``weight`` (H, D) · ``vector`` (D,) + ``bias`` (H,) = ``result`` (H,).

    ``result`` must be the record's value (e.g. ``layer.input_product[t, b]``).
    """
    weight, vector, bias, result = (np.asarray(a, float) for a in (weight, vector, bias, result))
    H, D = weight.shape
    rows = esc_all(row_labels) if row_labels is not None else [f"{k + 1}" for k in range(H)]
    cols = esc_all(col_labels) if col_labels is not None else [f"{j + 1}" for j in range(D)]
    scale = max(1e-12, float(np.max(np.abs(np.concatenate([weight.ravel(), bias, result])))))
    vscale = max(1e-12, float(np.max(np.abs(vector))))
    fig = make_subplots(rows=1, cols=4, column_widths=[max(D, 1.5), 1.4, 1.4, 1.6], horizontal_spacing=0.05,
                        subplot_titles=("W", "v", "+ b", "= result"))
    fmt = f"%{{z:.{digits}f}}"

    def heat(z, x, y, col, zmax, colorscale=DIVERGING):
        fig.add_trace(go.Heatmap(z=z, x=x, y=y, zmin=-zmax, zmax=zmax, colorscale=colorscale, showscale=False,
                                 texttemplate=fmt, textfont=dict(size=12), xgap=2, ygap=2,
                                 hovertemplate="%{y}, %{x}: %{z:.6g}<extra></extra>"), row=1, col=col)

    heat(weight, cols, rows, 1, scale)
    vcolors = [[0.0, "#FFFFFF"], [0.5, "#FFFFFF"], [1.0, vector_color]] if np.all(vector >= 0) else DIVERGING
    heat(vector[:, None], ["v"], cols, 2, vscale, vcolors)
    heat(bias[:, None], ["b"], rows, 3, scale)
    heat(result[:, None], ["result"], rows, 4, scale)
    for c in range(1, 5):
        fig.update_yaxes(autorange="reversed", row=1, col=c, tickfont=dict(size=11))
        fig.update_xaxes(tickfont=dict(size=11), row=1, col=c)
    fig.update_xaxes(showticklabels=False, row=1, col=2)
    fig.update_xaxes(showticklabels=False, row=1, col=3)
    fig.update_xaxes(showticklabels=False, row=1, col=4)
    base_layout(fig, height=height or max(220, 60 + 26 * max(H, D)), title=esc(title))
    fig.update_layout(title_font=dict(color=HIDDEN))
    return fig

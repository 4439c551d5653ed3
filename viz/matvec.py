"""A matrix–vector product drawn with its numbers: W · v + b = result.

Four small heatmaps side by side, each cell labelled with its value; the result is the engine's own
recorded product, not recomputed here.
"""

import numpy as np
import plotly.graph_objects as go

from .colors import DIVERGING, HIDDEN, INPUT, base_layout, panels
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
    vcolors = [[0.0, "#FFFFFF"], [0.5, "#FFFFFF"], [1.0, vector_color]] if np.all(vector >= 0) else DIVERGING
    parts = ((weight, cols, rows, scale, DIVERGING), (vector[:, None], ["v"], cols, vscale, vcolors),
             (bias[:, None], ["b"], rows, scale, DIVERGING), (result[:, None], ["result"], rows, scale, DIVERGING))
    traces = []
    for k, (z, x, y, zmax, colorscale) in enumerate(parts, start=1):
        axis = "" if k == 1 else str(k)
        traces.append(dict(type="heatmap", z=z, x=x, y=y, zmin=-zmax, zmax=zmax, colorscale=colorscale,
                           showscale=False, texttemplate=f"%{{z:.{digits}f}}", textfont=dict(size=12), xgap=2,
                           ygap=2, hovertemplate="%{y}, %{x}: %{z:.6g}<extra></extra>", xaxis="x" + axis,
                           yaxis="y" + axis))
    fig = go.Figure()
    fig.add_traces(traces)
    layout = panels([max(D, 1.5), 1.4, 1.4, 1.6], gap=0.05, titles=["W", "v", "+ b", "= result"],
                    xaxis=dict(tickfont=dict(size=11), showticklabels=False),
                    yaxis=dict(autorange="reversed", tickfont=dict(size=11)))
    layout["xaxis"]["showticklabels"] = True
    return base_layout(fig, height=height or max(220, 60 + 26 * max(H, D)), title=esc(title),
                       title_font=dict(color=HIDDEN), **layout)

"""A matrix–vector product drawn with its numbers: W · v + b = result.

Four small heatmaps side by side on one pair of axes (subplots cost Plotly tens of milliseconds, a
click's budget), each cell labelled with its value; the result is the engine's own recorded product,
not recomputed here.
"""

import numpy as np

from .colors import DIVERGING, HIDDEN, INPUT, figure
from .text import esc, esc_all


def matvec_figure(weight, vector, bias, result, title, row_labels=None, col_labels=None, vector_color=INPUT,
                  digits=2, height=None):
    """``weight`` (H, D) · ``vector`` (D,) + ``bias`` (H,) = ``result`` (H,).

    ``result`` must be the record's value (e.g. ``layer.input_product[t, b]``). The traces are, in order,
    W, v, b and the result; each trace's ``z`` holds its numbers as a column (or W's matrix).
    """
    weight, vector, bias, result = (np.asarray(a, float) for a in (weight, vector, bias, result))
    H, D = weight.shape
    rows = esc_all(row_labels) if row_labels is not None else [f"{k + 1}" for k in range(H)]
    cols = esc_all(col_labels) if col_labels is not None else [f"{j + 1}" for j in range(D)]
    scale = max(1e-12, float(np.max(np.abs(np.concatenate([weight.ravel(), bias, result])))))
    vscale = max(1e-12, float(np.max(np.abs(vector))))
    vcolors = [[0.0, "#FFFFFF"], [0.5, "#FFFFFF"], [1.0, vector_color]] if np.all(vector >= 0) else DIVERGING
    x_v, x_b, x_r = D + 1.5, D + 3, D + 4.5                  # columns of v, b and the result, with gaps
    number = f"{{:.{digits}f}}"

    def heat(z, x, labels, zmax, colorscale, name, text=None):
        z = np.asarray(z)
        return dict(type="heatmap", z=z, x=x, y=list(range(z.shape[0])), zmin=-zmax, zmax=zmax, name=name,
                    colorscale=colorscale, showscale=False, xgap=2, ygap=2, textfont=dict(size=12),
                    text=text if text is not None else [[number.format(v) for v in row] for row in z],
                    texttemplate="%{text}", customdata=[[lab] * z.shape[1] for lab in labels],
                    hovertemplate=f"{name} %{{customdata}}: %{{z:.6g}}<extra></extra>")

    traces = [heat(weight, list(range(D)), rows, scale, DIVERGING, "W"),
              heat(vector[:, None], [x_v], cols, vscale, vcolors, "v",
                   text=[[f"{lab} {number.format(v)}"] for lab, v in zip(cols, vector, strict=True)]),
              heat(bias[:, None], [x_b], rows, scale, DIVERGING, "b"),
              heat(result[:, None], [x_r], rows, scale, DIVERGING, "result")]
    heads = [(0.5 * (D - 1), "W"), (x_v, "v"), (x_b, "+ b"), (x_r, "= result")]
    notes = [dict(x=x, y=-0.9, text=f"<b>{t}</b>", showarrow=False, yanchor="bottom") for x, t in heads]
    return figure(
        traces, height=height or max(220, 80 + 26 * max(H, D)), title=esc(title), title_font=dict(color=HIDDEN),
        annotations=notes, showlegend=False,
        xaxis=dict(tickvals=list(range(D)), ticktext=cols, tickfont=dict(size=11), showgrid=False, zeroline=False,
                   range=[-0.6, x_r + 0.7]),
        yaxis=dict(tickvals=list(range(H)), ticktext=rows, tickfont=dict(size=11), showgrid=False, zeroline=False,
                   range=[max(H, D) - 0.5, -1.2]))

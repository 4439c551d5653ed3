"""Figures of the attention page: the map α, the decoder's scores and weights at one step, its vectors, the output
distribution, and accuracy against sentence length with and without attention.

Every number drawn is the engine's (α, e, s, c, y from a ``Seq2SeqRecord``; accuracies from
``rnn_core.attention_study``); nothing here computes them. Words are escaped (``viz.text.esc``) because
Plotly's text understands a few HTML tags.
"""

import numpy as np

from .colors import DIVERGING, HIDDEN, INPUT, MUTED, OUTPUT, SEQUENTIAL, TEXT, figure, fixed_frame
from .text import esc


def _labels(words):
    """Tick labels; a word that occurs twice gets its position so the two stay apart."""
    words = list(words)
    return [f"{esc(w)} ({k + 1})" if words.count(w) > 1 else esc(w) for k, w in enumerate(words)]


def attention_map(weights, source, written, block=None, height=None, languages=("English", "French")):
    """The attention matrix: one row per word written (t), one column per word read (j), α_tj in each cell.

    Parameters
    ----------
    weights : ndarray of shape (T_out, T_in)
        α of one sentence; every row sums to 1.
    source, written : list of str
        The T_in words read and the T_out words written.
    block : (t0, t1, j0, j1) or None
        Rows t0..t1 and columns j0..j1 (inclusive) outlined: where the word order changes.
    languages : (str, str)
        The languages read and written, for the axis titles.
    """
    weights = np.asarray(weights, float)
    T_out, T_in = weights.shape
    if len(source) != T_in or len(written) != T_out:
        raise ValueError(f"{len(written)}×{len(source)} labels for weights of shape {weights.shape}")
    trace = dict(type="heatmap", z=weights, x=list(range(T_in)), y=list(range(T_out)), zmin=0, zmax=1,
                 colorscale=SEQUENTIAL, xgap=1, ygap=1, textfont=dict(size=12), texttemplate="%{text}",
                 # small α printed in every cell would bury the alignment: below 0.05 only the colour (and hover)
                 text=[[f"{a:.2f}" if a >= 0.05 else "" for a in row] for row in weights],
                 customdata=[[[w, s] for s in _labels(source)] for w in _labels(written)],
                 colorbar=dict(title=dict(text="α"), thickness=12, len=0.8),
                 hovertemplate="writing %{customdata[0]}<br>reading %{customdata[1]}: α = %{z:.4f}<extra></extra>")
    shapes = []
    if block is not None:
        t0, t1, j0, j1 = block
        shapes.append(dict(type="rect", x0=j0 - 0.5, x1=j1 + 0.5, y0=t0 - 0.5, y1=t1 + 0.5, xref="x", yref="y",
                           line=dict(color=INPUT, width=4), name="reordered"))
    return figure([trace], height=height or 140 + 34 * T_out, shapes=shapes, uirevision="attention-map",
                  margin=dict(l=10, r=10, t=110, b=10),
                  xaxis=dict(side="top", tickvals=list(range(T_in)), ticktext=_labels(source), tickangle=-45,
                             tickfont=dict(size=14, color=INPUT), title=dict(text=f"read ({languages[0]})"),
                             constrain="domain"),
                  yaxis=dict(autorange="reversed", tickvals=list(range(T_out)), ticktext=_labels(written),
                             tickfont=dict(size=14, color=OUTPUT), title=dict(text=f"written ({languages[1]})")))


def step_figure(scores, weights, source, t, height=300):
    """Decoder step t over the source: the score e_tj of every word read (left) and its softmax α_tj (right).

    scores, weights : ndarray of shape (T_in,)
    """
    scores, weights = np.asarray(scores, float), np.asarray(weights, float)
    labels = _labels(source)
    best = int(weights.argmax())
    colors = [HIDDEN if j == best else MUTED for j in range(len(labels))]
    traces = [
        dict(type="bar", x=labels, y=scores, marker=dict(color=colors), name="e", xaxis="x", yaxis="y",
             hovertemplate=f"e_{t},%{{x}} = %{{y:.4f}}<extra></extra>", text=[f"{v:.2f}" for v in scores],
             textposition="outside", cliponaxis=False, textfont=dict(size=11)),
        dict(type="bar", x=labels, y=weights, marker=dict(color=colors), name="α", xaxis="x2", yaxis="y2",
             hovertemplate=f"α_{t},%{{x}} = %{{y:.4f}}<extra></extra>", text=[f"{v:.2f}" for v in weights],
             textposition="outside", cliponaxis=False, textfont=dict(size=11)),
    ]
    span = float(np.ptp(scores)) or 1.0
    layout = dict(
        xaxis=dict(domain=[0, 0.43], tickangle=-45, tickfont=dict(color=INPUT)),
        yaxis=dict(title=dict(text=f"score e_{t}j"), range=[min(0, scores.min()) - 0.15 * span,
                                                             max(0, scores.max()) + 0.2 * span]),
        xaxis2=dict(domain=[0.57, 1], tickangle=-45, tickfont=dict(color=INPUT), anchor="y2"),
        yaxis2=dict(title=dict(text=f"weight α_{t}j"), range=[0, 1.15], anchor="x2"),
        showlegend=False, bargap=0.25, uirevision="attention-step",
    )
    return figure(traces, height=height, **fixed_frame(layout, dict(l=70, r=10, t=20, b=110)))


def vectors_figure(rows, height=None):
    """Decoder vectors side by side as coloured strips, one row per vector, one column per unit.

    rows : dict {label: ndarray of shape (H,)}, e.g. s_{t−1}, s_t, c_t
    """
    names = list(rows)
    z = np.stack([np.asarray(rows[k], float) for k in names])
    bound = float(np.max(np.abs(z))) or 1.0
    H = z.shape[1]
    trace = dict(type="heatmap", z=z, x=list(range(1, H + 1)), y=names, zmin=-bound, zmax=bound,
                 colorscale=DIVERGING, xgap=1, ygap=3, colorbar=dict(thickness=10, len=0.9),
                 hovertemplate="%{y}, unit %{x}: %{z:.4f}<extra></extra>")
    return figure([trace], height=height or 70 + 42 * len(names), uirevision="attention-vectors",
                  **fixed_frame(dict(xaxis=dict(title=dict(text="unit"), dtick=4),
                                     yaxis=dict(autorange="reversed", tickfont=dict(color=HIDDEN))),
                                dict(l=70, r=10, t=10, b=45)))


def output_figure(probabilities, vocab, chosen, top=8, height=280):
    """The output distribution y_t: the ``top`` most likely words, the word written in green.

    probabilities : ndarray of shape (V,)
    """
    p = np.asarray(probabilities, float)
    order = np.argsort(-p, kind="stable")[:top][::-1]
    labels = [esc(vocab[k]) for k in order]
    colors = [OUTPUT if k == chosen else MUTED for k in order]
    trace = dict(type="bar", orientation="h", x=p[order], y=labels, marker=dict(color=colors),
                 text=[f"{p[k]:.4f}" for k in order], textposition="outside", cliponaxis=False,
                 hovertemplate="y = %{x:.6f} for %{y}<extra></extra>")
    return figure([trace], height=height, uirevision="attention-output",
                  **fixed_frame(dict(xaxis=dict(range=[0, 1.2], title=dict(text="probability")),
                                     yaxis=dict(type="category", tickfont=dict(size=14))),
                                dict(l=110, r=10, t=10, b=45)))


def comparison_figure(result, height=320):
    """Held-out token accuracy against source length, with attention and without (one line each).

    result : dict from ``rnn_core.attention_study.comparison``: lengths, with, without, pairs
    """
    lengths = list(result["lengths"])
    traces = []
    for key, name, color in (("with", "with attention", HIDDEN), ("without", "without attention", TEXT)):
        values = [100 * v for v in result[key]]
        traces.append(dict(type="scatter", mode="lines+markers+text", x=lengths, y=values, name=name,
                           line=dict(color=color, width=3, dash="solid" if key == "with" else "dot"),
                           marker=dict(size=10), text=[f"{v:.0f}%" for v in values], textposition="top center",
                           customdata=result["pairs"],
                           hovertemplate=f"{name}: %{{y:.1f}}% of tokens right on the %{{customdata}} held-out "
                           "sentences of %{x} words<extra></extra>"))
    layout = dict(xaxis=dict(title=dict(text="source sentence length (words)"), tickvals=lengths),
                  yaxis=dict(title=dict(text="tokens right (%)"), range=[0, 112]),
                  legend=dict(orientation="h", x=0, y=1.02, yanchor="bottom"), uirevision="attention-comparison")
    return figure(traces, height=height, **fixed_frame(layout, dict(l=70, r=20, t=40, b=55)))

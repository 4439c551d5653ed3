"""The cell's equations at one step with the engine's recorded numbers written in (LaTeX for ``st.latex``).

Formatting only: every vector printed is read from the record, none is computed here.
"""

import numpy as np

DIGITS = 3
NAMES = {"i": "input gate", "f": "forget gate", "g": "candidate", "o": "output gate",
         "r": "reset gate", "z": "update gate", "n": "candidate", "h": "new state"}
SQUASH = {"i": r"\sigma", "f": r"\sigma", "o": r"\sigma", "r": r"\sigma", "z": r"\sigma", "g": r"\tanh",
          "n": r"\tanh"}
PHI = {"tanh": r"\tanh", "relu": r"\operatorname{ReLU}", "sigmoid": r"\sigma"}


def vec(values, digits=DIGITS):
    """A column vector; long vectors are written as a transposed row so they fit a projector's width."""
    cells = [f"{v:.{digits}f}" for v in np.asarray(values, float).ravel()]
    if len(cells) <= 10:
        return r"\begin{bmatrix}" + r"\\".join(cells) + r"\end{bmatrix}"
    return r"\begin{bmatrix}" + "&".join(cells) + r"\end{bmatrix}^{\top}"


def rnn_equation(layer, t, b, nonlinearity):
    """a_t = (W_ih x_t + b_ih) + (W_hh h_{t−1} + b_hh);  h_t = φ(a_t), with the recorded vectors."""
    phi = PHI[nonlinearity]
    return [
        r"a_t = \underbrace{" + vec(layer.input_product[t, b]) + r"}_{W_{ih} x_t + b_{ih}} + \underbrace{"
        + vec(layer.recurrent_product[t, b]) + r"}_{W_{hh} h_{t-1} + b_{hh}} = " + vec(layer.preactivation[t, b]),
        rf"h_t = {phi}(a_t) = {phi}\left(" + vec(layer.preactivation[t, b]) + r"\right) = " + vec(layer.hidden[t, b]),
    ]


def gate_equation(layer, name, t, b):
    """One gate of an LSTM or GRU: k_t = squash((W_ik x_t + b_ik) + (W_hk h_{t−1} + b_hk))."""
    squash = SQUASH[name]
    x_part = vec(layer.gate(name, "input_product")[t, b])
    h_part = vec(layer.gate(name, "recurrent_product")[t, b])
    pre = vec(layer.gate(name, "preactivation")[t, b])
    out = vec(layer.gate(name)[t, b])
    recurrent = (r"r_t \odot \underbrace{" + h_part + r"}_{W_{hn} h_{t-1} + b_{hn}}") if name == "n" and \
        layer.kind == "gru" else (r"\underbrace{" + h_part + rf"}}_{{W_{{h{name}}} h_{{t-1}} + b_{{h{name}}}}}")
    return (rf"{name}_t = {squash}\Big(\underbrace{{" + x_part + rf"}}_{{W_{{i{name}}} x_t + b_{{i{name}}}}} + "
            + recurrent + r"\Big) = " + rf"{squash}\left(" + pre + r"\right) = " + out)


def state_equations(layer, t, b):
    """How an LSTM or GRU combines its gates into c_t and h_t, with the recorded vectors."""
    if layer.kind == "lstm":
        return [
            r"c_t = f_t \odot c_{t-1} + i_t \odot g_t = " + vec(layer.gate("f")[t, b]) + r"\odot" +
            vec(layer.cell_prev[t, b]) + "+" + vec(layer.gate("i")[t, b]) + r"\odot" + vec(layer.gate("g")[t, b])
            + "=" + vec(layer.cell[t, b]),
            r"h_t = o_t \odot \tanh(c_t) = " + vec(layer.gate("o")[t, b]) + r"\odot" + vec(layer.tanh_cell[t, b])
            + "=" + vec(layer.hidden[t, b]),
        ]
    return [
        r"h_t = (1 - z_t) \odot n_t + z_t \odot h_{t-1}, \quad z_t = " + vec(layer.gate("z")[t, b])
        + r",\; n_t = " + vec(layer.gate("n")[t, b]) + r",\; h_{t-1} = " + vec(layer.hidden_prev[t, b])
        + r" \;\Rightarrow\; h_t = " + vec(layer.hidden[t, b]),
    ]


def output_equation(head, t, b, activation):
    """z_t = W_hy h_t + b_y and y_t = softmax(z_t) (or σ), with the recorded vectors: two lines."""
    squash = r"\operatorname{softmax}" if activation == "softmax" else r"\sigma" if activation == "sigmoid" else ""
    return [r"z_t = W_{hy} h_t + b_y = " + vec(head.logits[t, b]),
            rf"y_t = {squash}(z_t) = " + vec(head.y[t, b])]

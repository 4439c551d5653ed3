"""The cell's equations at a step, as templates the step-through component fills with the recorded vectors.

Each equation is a list of parts, drawn left to right by the browser:

- ``"text"``: written as it is;
- ``["s", base, sub]``: a symbol with its subscript (``["s", "h", "t−1"]`` is h_{t−1});
- ``["v", quantity, block, under]``: the recorded vector ``steps[quantity][block][t]`` of the payload
  (``block`` None: ``steps[quantity][t]``), with ``under`` (parts, or None) written beneath it.

Only names live here; every vector is the engine's, looked up by the browser at the step shown. The output
head's logits are the scores s_t (z_t is the GRU's update gate, o_t the LSTM's output gate).
"""

NAMES = {"i": "input gate", "f": "forget gate", "g": "candidate", "o": "output gate",
         "r": "reset gate", "z": "update gate", "n": "candidate", "h": "new state"}
SQUASH = {"i": "σ", "f": "σ", "o": "σ", "r": "σ", "z": "σ", "g": "tanh", "n": "tanh"}
PHI = {"tanh": "tanh", "relu": "ReLU", "sigmoid": "σ"}
HEAD = {"softmax": "softmax", "sigmoid": "σ", "identity": ""}
LOGITS = "s"                     # the output scores (logits): s_t = W_hy h_t + b_y


def s(base, sub=""):
    return ["s", base, sub]


def v(quantity, block=None, under=None):
    return ["v", quantity, block, under]


def rnn_equations(nonlinearity):
    """a_t = (W_ih x_t + b_ih) + (W_hh h_{t−1} + b_hh);  h_t = φ(a_t)."""
    phi = PHI[nonlinearity]
    return [
        [s("a", "t"), " = ", v("input_product", "h", [s("W", "ih"), " ", s("x", "t"), " + ", s("b", "ih")]), " + ",
         v("recurrent_product", "h", [s("W", "hh"), " ", s("h", "t−1"), " + ", s("b", "hh")]), " = ",
         v("preactivation", "h")],
        [s("h", "t"), f" = {phi}(", s("a", "t"), f") = {phi}(", v("preactivation", "h"), ") = ", v("h")],
    ]


def gate_equation(kind, name):
    """One gate of an LSTM or GRU: k_t = squash((W_ik x_t + b_ik) + (W_hk h_{t−1} + b_hk))."""
    squash = SQUASH[name]
    x_part = v("input_product", name, [s("W", "i" + name), " ", s("x", "t"), " + ", s("b", "i" + name)])
    h_part = v("recurrent_product", name, [s("W", "h" + name), " ", s("h", "t−1"), " + ", s("b", "h" + name)])
    recurrent = [s("r", "t"), " ⊙ ", h_part] if kind == "gru" and name == "n" else [h_part]
    return [s(name, "t"), f" = {squash}(", x_part, " + ", *recurrent, f") = {squash}(", v("preactivation", name),
            ") = ", v("gate", name)]


def state_equations(kind):
    """How an LSTM or GRU combines its gates into c_t and h_t."""
    if kind == "lstm":
        return [
            [s("c", "t"), " = ", s("f", "t"), " ⊙ ", s("c", "t−1"), " + ", s("i", "t"), " ⊙ ", s("g", "t"), " = ",
             v("gate", "f"), " ⊙ ", v("c_prev"), " + ", v("gate", "i"), " ⊙ ", v("gate", "g"), " = ", v("c")],
            [s("h", "t"), " = ", s("o", "t"), " ⊙ tanh(", s("c", "t"), ") = ", v("gate", "o"), " ⊙ ", v("tanh_c"),
             " = ", v("h")],
        ]
    return [[s("h", "t"), " = (1 − ", s("z", "t"), ") ⊙ ", s("n", "t"), " + ", s("z", "t"), " ⊙ ", s("h", "t−1"),
             " with ", s("z", "t"), " = ", v("gate", "z"), ", ", s("n", "t"), " = ", v("gate", "n"), ", ",
             s("h", "t−1"), " = ", v("h_prev"), " ⇒ ", s("h", "t"), " = ", v("h")]]


def output_equations(activation):
    """s_t = W_hy h_t + b_y and y_t = softmax(s_t) (or σ, or s_t itself)."""
    squash = HEAD[activation]
    return [[s(LOGITS, "t"), " = ", s("W", "hy"), " ", s("h", "t"), " + ", s("b", "y"), " = ", v("logits")],
            [s("y", "t"), f" = {squash}(", s(LOGITS, "t"), ") = ", v("y")]]


def equations(kind, nonlinearity, activation=None):
    """Every equation of a step, in reading order; ``activation`` None for a layer below the top."""
    if kind == "rnn":
        lines = rnn_equations(nonlinearity)
    else:
        blocks = ("i", "f", "g", "o") if kind == "lstm" else ("r", "z", "n")
        lines = [gate_equation(kind, g) for g in blocks] + state_equations(kind)
    return lines + (output_equations(activation) if activation is not None else [])

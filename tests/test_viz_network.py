"""The network and matrix-vector figures draw the record's numbers in the course's colours."""

import numpy as np

from rnn_core.examples import EXAMPLES
from viz.colors import HIDDEN, INPUT, NEGATIVE, OUTPUT, POSITIVE
from viz.matvec import matvec_figure
from viz.network import network_figure


def jazz(cell="rnn"):
    ex = EXAMPLES["jazz"]
    data = ex.data()
    model = ex.build_model(ex.defaults.replace(cell=cell, hidden=5), data)
    return model, data, data.run(model)


def node_traces(fig):
    return {tr.name: tr for tr in fig.data if tr.mode == "markers+text"}


def figure(t=2, cell="rnn", gate=None):
    model, data, rec = jazz(cell)
    p = model.rnn.params
    H = 5
    j = 0 if gate is None else "ifgo".index(gate)
    fig = network_figure(rec.rnn.layers[0], t, 0, w_ih=p["weight_ih_l0"][j * H:(j + 1) * H],
                         w_hh=p["weight_hh_l0"][j * H:(j + 1) * H], head=rec.head, w_out=model.head.params["weight"],
                         gate=gate, input_labels=data.input_vocab, output_labels=data.output_labels)
    return fig, model, data, rec


def test_neurons_are_coloured_as_in_the_course_and_hold_the_records_values():
    fig, model, data, rec = figure(t=2)
    nodes = node_traces(fig)
    layer = rec.rnn.layers[0]
    assert nodes["x_t (input)"].marker.line.color == INPUT
    assert nodes["h_t (new state)"].marker.line.color == HIDDEN
    assert nodes["y_t (output)"].marker.line.color == OUTPUT
    assert np.array_equal(nodes["x_t (input)"].customdata, layer.x[2, 0])
    assert np.array_equal(nodes["h_{t−1} (previous state)"].customdata, layer.hidden[1, 0])
    assert np.array_equal(nodes["h_t (new state)"].customdata, layer.hidden[2, 0])
    assert np.array_equal(nodes["y_t (output)"].customdata, rec.head.y[2, 0])
    assert list(nodes["x_t (input)"].text)[2].startswith("Z +1.000")


def test_a_gate_view_fills_the_middle_column_with_that_gate():
    fig, model, data, rec = figure(t=1, cell="lstm", gate="f")
    middle = node_traces(fig)["gate f"]
    assert np.array_equal(middle.customdata, rec.rnn.layers[0].gate("f")[1, 0])


def test_every_weight_is_an_arrow_coloured_by_sign_with_its_value_on_hover():
    fig, model, data, rec = figure()
    arrows = [tr for tr in fig.data if tr.mode == "lines+markers"]
    segments = sum(sum(1 for x in tr.x if x is None) for tr in arrows)
    D, H, O = 4, 5, 4
    assert segments == H * D + H * H + O * H
    colours = {tr.line.color.rsplit(",", 1)[0] for tr in arrows}
    assert colours <= {"rgba(43, 108, 176", "rgba(197, 48, 48"}           # POSITIVE and NEGATIVE
    assert POSITIVE.lower() == "#2b6cb0" and NEGATIVE.lower() == "#c53030"
    hover = [text for tr in fig.data if tr.mode == "markers" and tr.text is not None for text in tr.text]
    w = model.rnn.params["weight_ih_l0"]
    assert f"W_ih[h1, J] = {w[0, 0]:.6g}" in hover
    assert f"W_hy[Z, h5] = {model.head.params['weight'][2, 4]:.6g}" in hover
    assert len(hover) == H * D + H * H + O * H


def test_arrows_leaving_a_zero_neuron_are_faded_so_the_steps_flow_stands_out():
    fig, *_ = figure(t=0)                  # x_0 is one-hot J: only J's arrows carry anything; h_{-1} is zero
    arrows = [tr for tr in fig.data if tr.mode == "lines+markers"]
    bright = sum(sum(1 for x in tr.x if x is None) for tr in arrows if not tr.line.color.endswith("0.120)"))
    assert bright == 5 + 4 * 5             # J's 5 arrows into h, and h_0's arrows to the 4 outputs


def test_matvec_shows_the_recorded_result_next_to_its_factors():
    model, data, rec = jazz()
    layer = rec.rnn.layers[0]
    p = model.rnn.params
    fig = matvec_figure(p["weight_ih_l0"], layer.x[1, 0], p["bias_ih_l0"], layer.input_product[1, 0], "W x + b")
    w, v, b, result = (np.asarray(tr.z, float) for tr in fig.data)
    assert np.array_equal(w, p["weight_ih_l0"])
    assert np.array_equal(v.ravel(), layer.x[1, 0])
    assert np.array_equal(b.ravel(), p["bias_ih_l0"])
    assert np.array_equal(result.ravel(), layer.input_product[1, 0])
    # a one-hot input picks one column: the result is that column plus the bias (checked, not drawn)
    assert np.allclose(result.ravel(), p["weight_ih_l0"][:, 1] + p["bias_ih_l0"])


def test_labels_typed_by_a_person_are_not_markup():
    model, data, rec = jazz()
    fig = network_figure(rec.rnn.layers[0], 0, 0, w_ih=model.rnn.params["weight_ih_l0"],
                         input_labels=["<a href='x'>J</a>", "A", "Z", "<end>"])
    text = " ".join(node_traces(fig)["x_t (input)"].text)
    assert "&lt;a href" in text and "<a" not in text
    fig = matvec_figure(np.eye(2), [1, 0], [0, 0], [1, 0], "<img src=x>", col_labels=["<b>", "i"])
    assert "<img" not in fig.layout.title.text and "&lt;b&gt;" in fig.layout.xaxis.ticktext

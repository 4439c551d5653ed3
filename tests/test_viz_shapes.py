"""The five shapes' diagrams and result figures: the right nodes in the right colours and places, the
example's tokens as labels, and every number drawn equal to the one given."""

import numpy as np
import pytest

from viz.colors import HIDDEN, INPUT, OUTPUT
from viz.shapes import SHAPES, attention_figure, loss_figure, probability_figure, shape_figure, truth_table_figure


def trace(fig, name):
    (found,) = [t for t in fig.data if t.name == name]
    return found


def arrows(fig, name):
    return [a for a in fig.layout.annotations if a.name == name]


# shape, n_in, n_out, hidden boxes, recurrent arrows, handover arrows, feedback arrows
CASES = [
    ("one-to-one", 1, 1, 1, 0, 0, 0),
    ("one-to-many", 1, 4, 4, 3, 0, 3),
    ("many-to-one", 5, 1, 5, 4, 0, 0),
    ("many-to-many", 8, 8, 8, 7, 0, 0),
    ("many-to-many (not in step)", 3, 3, 6, 4, 1, 2),
]


def test_the_five_shapes_are_the_engines_shape_names():
    from rnn_core.examples import EXAMPLES
    assert set(SHAPES) == {EXAMPLES[k].shape for k in ("xor", "generate", "sentiment", "kennedy", "casa")}


@pytest.mark.parametrize(("shape", "n_in", "n_out", "n_hidden", "n_rec", "n_hand", "n_back"), CASES)
def test_each_shape_draws_its_inputs_hidden_boxes_and_outputs(shape, n_in, n_out, n_hidden, n_rec, n_hand, n_back):
    fig = shape_figure(shape, n_in, n_out)
    x_in, h, y_out = trace(fig, "inputs"), trace(fig, "hidden"), trace(fig, "outputs")
    assert (len(x_in.x), len(h.x), len(y_out.x)) == (n_in, n_hidden, n_out)
    # course colours: inputs orange, hidden purple boxes, outputs green
    assert (x_in.marker.color, h.marker.color, y_out.marker.color) == (INPUT, HIDDEN, OUTPUT)
    assert h.marker.symbol == "square"
    # inputs at the bottom, hidden in a row, outputs on top
    assert set(x_in.y) == {0} and set(h.y) == {1} and set(y_out.y) == {2}
    assert list(h.x) == sorted(h.x)
    assert len(arrows(fig, "input")) == n_in and len(arrows(fig, "output")) == n_out
    assert len(arrows(fig, "recurrent")) == n_rec
    assert len(arrows(fig, "handover")) == n_hand
    assert len(arrows(fig, "feedback")) == n_back
    assert all(a.arrowcolor == HIDDEN for a in arrows(fig, "recurrent") + arrows(fig, "handover"))
    assert all(a.arrowcolor == INPUT for a in arrows(fig, "input"))
    assert all(a.arrowcolor == OUTPUT for a in arrows(fig, "output"))
    # every input arrow goes up from an input into the hidden box above it
    for a in arrows(fig, "input"):
        assert a.ax == a.x and (a.ay, a.y) == (0, 1)


def test_one_to_many_reads_at_the_first_step_and_many_to_one_answers_at_the_last():
    fig = shape_figure("one-to-many", 1, 4)
    assert trace(fig, "inputs").x[0] == trace(fig, "hidden").x[0]
    assert list(trace(fig, "outputs").x) == list(trace(fig, "hidden").x)
    fig = shape_figure("many-to-one", 5, 1)
    assert trace(fig, "outputs").x[0] == trace(fig, "hidden").x[-1]
    assert list(trace(fig, "inputs").x) == list(trace(fig, "hidden").x)


def test_not_in_step_has_an_encoder_row_then_a_decoder_row_with_outputs_only_on_the_decoder():
    fig = shape_figure("many-to-many (not in step)", 3, 2, ["casa", "de", "papel"], ["paper", "house"])
    h = trace(fig, "hidden")
    assert list(h.text) == ["h1", "h2", "h3", "s1", "s2"]
    encoder_x, decoder_x = list(h.x[:3]), list(h.x[3:])
    assert list(trace(fig, "inputs").x) == encoder_x
    assert list(trace(fig, "outputs").x) == decoder_x
    assert max(encoder_x) < min(decoder_x)
    (handover,) = arrows(fig, "handover")
    assert (handover.ax, handover.x) == (encoder_x[-1], decoder_x[0])
    texts = " ".join(a.text for a in fig.layout.annotations if a.text)
    assert "encoder" in texts and "decoder" in texts


def test_the_examples_tokens_label_the_inputs_and_outputs():
    words = ["Among", "the", "presidents", "of", "America", "Kennedy", "stands", "apart"]
    names = ["–", "–", "–", "–", "name", "name", "–", "–"]
    fig = shape_figure("many-to-many", 8, 8, words, names)
    assert list(trace(fig, "inputs").text) == words
    assert list(trace(fig, "outputs").text) == names
    assert list(trace(fig, "hidden").text) == [f"h{k}" for k in range(1, 9)]
    fig = shape_figure("one-to-many", 1, 4, ["j"], ["a", "z", "z", "<end>"])
    # Plotly reads a subset of HTML in text: tokens like <end> and <s> are escaped to show as written
    assert list(trace(fig, "inputs").text) == ["j"]
    assert list(trace(fig, "outputs").text) == ["a", "z", "z", "&lt;end&gt;"]


def test_tokens_that_look_like_html_are_shown_not_obeyed():
    fig = attention_figure(np.full((2, 1), 1.0), ["<b>casa</b>"], ["<s>", "<end>"])
    assert list(fig.data[0].y) == ["1. &lt;s&gt;", "2. &lt;end&gt;"]
    assert list(fig.data[0].x) == ["&lt;b&gt;casa&lt;/b&gt;"]
    fig = probability_figure(["<img src=x>"], {"trained": [0.5]})
    assert list(fig.layout.xaxis.ticktext) == ["&lt;img src=x&gt;"]


@pytest.mark.parametrize(("shape", "n_in", "n_out"), [
    ("one-to-one", 2, 1), ("one-to-many", 2, 3), ("many-to-one", 3, 2), ("many-to-many", 3, 4),
    ("many-to-many", 0, 0), ("many-to-many (not in step)", 17, 2), ("one-to-all", 1, 1)])
def test_a_count_that_does_not_fit_the_shape_is_refused(shape, n_in, n_out):
    with pytest.raises(ValueError):
        shape_figure(shape, n_in, n_out)


def test_a_wrong_number_of_labels_is_refused():
    with pytest.raises(ValueError, match="labels"):
        shape_figure("many-to-one", 3, 1, ["a", "b"], ["positive"])


def test_truth_table_draws_the_inputs_the_target_and_the_output_given():
    inputs = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])
    target = np.array([0, 1, 1, 0])
    output = np.array([0.01, 0.97, 0.98, 0.03])
    fig = truth_table_figure(inputs, target, output)
    left, right = trace(fig, "inputs"), trace(fig, "outputs")
    assert np.array_equal(np.array(left.z), inputs)
    assert np.allclose(np.array(right.z), [[0, 0.01], [1, 0.97], [1, 0.98], [0, 0.03]])
    assert list(left.y) == ["0 0", "0 1", "1 0", "1 1"]
    assert fig.layout.yaxis.type == "category" == fig.layout.yaxis2.type   # one evenly spaced row per case
    assert left.colorscale[-1][1] == INPUT and right.colorscale[-1][1] == OUTPUT


def test_probability_bars_draw_each_series_and_the_wanted_answers():
    words = ["Kennedy", "stands"]
    fig = probability_figure(words, {"untrained": [0.6, 0.55], "trained": [0.98, 0.02]}, targets=[1, 0])
    before, after, wanted = fig.data
    assert (before.name, after.name, wanted.name) == ("untrained", "trained", "wanted")
    assert np.allclose(after.y, [0.98, 0.02]) and np.allclose(before.y, [0.6, 0.55])
    assert list(fig.layout.xaxis.ticktext) == words and list(fig.layout.xaxis.tickvals) == list(after.x)
    assert after.marker.color == OUTPUT and before.marker.color != OUTPUT
    assert np.allclose(wanted.y, [1, 0]) and list(wanted.x) == list(after.x)
    fig = probability_figure(words, {"untrained": [0.6, 0.55]}, highlight="trained")
    assert fig.data[0].marker.color != OUTPUT                # an untrained network alone is not drawn as the answer
    fig = probability_figure(["good film"], {"trained": [0.9]}, horizontal=True)
    assert fig.data[0].orientation == "h" and np.allclose(fig.data[0].x, [0.9])
    assert list(fig.layout.yaxis.ticktext) == ["good film"]


def test_a_repeated_word_gets_its_own_bars():
    words = ["the", "music", "was", "great", "and", "the", "plot", "was", "fun"]
    fig = probability_figure(words, {"trained": np.linspace(0.1, 0.9, 9)})
    assert len(set(fig.data[0].x)) == 9                      # nine bars, not seven stacked ones
    assert list(fig.layout.xaxis.ticktext) == words


def test_attention_heatmap_draws_the_weights_given_with_the_words():
    w = np.array([[0.1, 0.2, 0.7], [0.8, 0.1, 0.1], [0.3, 0.3, 0.4]])
    fig = attention_figure(w, ["casa", "de", "papel"], ["paper", "house", "<end>"])
    heat = fig.data[0]
    assert np.allclose(np.array(heat.z), w)
    assert list(heat.x) == ["casa", "de", "papel"]
    assert [y.split(". ", 1)[1] for y in heat.y] == ["paper", "house", "&lt;end&gt;"]
    assert (heat.zmin, heat.zmax) == (0, 1)
    with pytest.raises(ValueError):
        attention_figure(w, ["casa", "de"], ["paper", "house", "<end>"])


def test_repeated_written_words_stay_separate_rows():
    fig = attention_figure(np.full((2, 1), 1.0), ["casa"], ["paper", "paper"])
    assert len(set(fig.data[0].y)) == 2


def test_loss_curve_draws_the_losses_given():
    fig = loss_figure([1, 2, 3], [0.7, 0.4, 0.1])
    assert list(fig.data[0].x) == [1, 2, 3] and np.allclose(fig.data[0].y, [0.7, 0.4, 0.1])

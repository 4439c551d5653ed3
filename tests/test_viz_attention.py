"""The attention page's figures: the map draws α as given (rows summing to 1) with the reordered block outlined
where French reorders the words, and every other figure draws the numbers it was given."""

import numpy as np
import pytest

from apptest import array
from rnn_core import attention_study as study
from rnn_core.examples import ATTENTION_EN, ATTENTION_FR, EXAMPLES
from viz.attention import attention_map, comparison_figure, output_figure, step_figure, vectors_figure
from viz.colors import OUTPUT

EN, FR = ATTENTION_EN.split(), ATTENTION_FR.split() + ["<end>"]


@pytest.fixture(scope="module")
def shipped():
    """The shipped default model's translation of the seed sentence."""
    cell, score, seed = study.default_setting()
    model = study.shipped_model(cell, score, seed)
    assert model is not None, "the default model file is missing: run `make weights`"
    return study.translate(model, EXAMPLES["attention"].data(), EN)


def test_the_map_draws_the_engines_alpha_and_every_row_sums_to_one(shipped):
    fig = attention_map(shipped.weights, shipped.source, shipped.written, shipped.block)
    z = array(fig.data[0].z)
    np.testing.assert_array_equal(z, shipped.weights)
    np.testing.assert_allclose(z.sum(axis=1), 1.0, atol=1e-12)
    assert list(fig.layout.xaxis.ticktext) == EN                       # columns: the English words read
    assert list(fig.layout.yaxis.ticktext) == FR[:-1] + ["&lt;end&gt;"]   # rows: the French words written
    assert fig.layout.yaxis.tickfont.color == OUTPUT
    text = np.array(fig.data[0].text)
    big = shipped.weights >= 0.05
    assert all(float(x) == round(a, 2) for x, a in zip(text[big], shipped.weights[big], strict=True))
    assert (text[~big] == "").all()                                     # small weights: colour and hover only


def test_the_outlined_block_is_where_french_reorders_the_words():
    # a hand-made α whose alignment crosses in rows 4-6 / columns 4-6, as the seed sentence must
    alpha = np.eye(len(FR), len(EN))
    alpha[4:7, 4:7] = np.fliplr(np.eye(3))
    block = study.reordered_block("attention", EN, FR)
    assert [FR[t] for t in range(block[0], block[1] + 1)] == ["zone", "économique", "européenne"]
    assert [EN[j] for j in range(block[2], block[3] + 1)] == ["European", "Economic", "Area"]
    (rect,) = attention_map(alpha, EN, FR, block).layout.shapes
    cols = [j for j in range(len(EN)) if rect.x0 < j < rect.x1]
    rows = [t for t in range(len(FR)) if rect.y0 < t < rect.y1]
    assert [EN[j] for j in cols] == ["European", "Economic", "Area"]
    assert [FR[t] for t in rows] == ["zone", "économique", "européenne"]


def test_no_box_where_the_order_is_kept_and_casa_reorders_all():
    en = "The treaty on the Area was signed in May 1990 .".split()
    fr = "le traité sur la zone a été signé en mai 1990 . <end>".split()
    assert study.reordered_block("attention", en, fr) is None
    assert not attention_map(np.full((len(fr), len(en)), 1 / len(en)), en, fr, None).layout.shapes
    assert study.reordered_block("casa", ["casa", "de", "papel"], ["paper", "house", "<end>"]) == (0, 1, 0, 2)


def test_labels_are_escaped_and_repeated_words_kept_apart():
    fig = attention_map(np.full((2, 3), 1 / 3), ["<b>x</b>", "the", "the"], ["a", "<end>"])
    assert list(fig.layout.xaxis.ticktext) == ["&lt;b&gt;x&lt;/b&gt;", "the (2)", "the (3)"]
    with pytest.raises(ValueError):
        attention_map(np.ones((2, 2)), ["a"], ["b", "c"])


def test_step_figure_draws_scores_and_weights_and_marks_the_largest():
    e, alpha = np.array([0.5, 2.0, -1.0]), np.array([0.2, 0.7, 0.1])
    fig = step_figure(e, alpha, ["a", "b", "c"], t=3)
    np.testing.assert_array_equal(array(fig.data[0].y), e)
    np.testing.assert_array_equal(array(fig.data[1].y), alpha)
    colors = fig.data[1].marker.color
    assert colors[1] != colors[0] == colors[2]


def test_vectors_and_output_figures_draw_the_values_given():
    s = np.linspace(-1, 1, 32)
    fig = vectors_figure({"s_t": s, "c_t": -s})
    np.testing.assert_array_equal(array(fig.data[0].z), np.stack([s, -s]))
    p = np.array([0.05, 0.8, 0.1, 0.05])
    out = output_figure(p, ["w", "x", "y", "z"], chosen=1, top=3)
    assert list(out.data[0].y)[-1] == "x" and array(out.data[0].x)[-1] == 0.8      # the most likely on top
    assert out.data[0].marker.color[-1] == OUTPUT


def test_comparison_draws_one_line_each_in_percent():
    result = {"lengths": [11, 12, 13], "with": [1.0, 0.99, 0.98], "without": [0.7, 0.3, 0.25], "pairs": [50, 80, 70]}
    fig = comparison_figure(result)
    assert [t.name for t in fig.data] == ["with attention", "without attention"]
    np.testing.assert_allclose(array(fig.data[0].y), [100, 99, 98])
    np.testing.assert_allclose(array(fig.data[1].y), [70, 30, 25])
    assert list(fig.data[0].x) == [11, 12, 13]

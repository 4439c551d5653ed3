"""The five shapes page, as a person uses it: pick a shape, see the untrained network, press Train, see it
do what the example asks; type an own review. Expected answers are the example's, written out here."""

import base64
import json
from pathlib import Path

import numpy as np
import pytest

import apptest

ROOT = Path(__file__).resolve().parents[1]
SHAPES = ("one-to-one", "one-to-many", "many-to-one", "many-to-many", "many-to-many (not in step)")


def page(shape=None, cell=None):
    """The page opened on a shape and cell (set as a link would, before the first run)."""
    at = apptest.page("shapes")
    if shape is not None:
        at.session_state["s_shape"] = shape
    if cell is not None:
        at.session_state["cell"] = cell
    at.run()
    assert not at.exception
    return at


def train(at):
    at.button(key="s_train").click().run()
    assert not at.exception
    return at


def specs(at):
    return apptest.charts(at)


def array(value):
    """A spec's array: a list, or Plotly's typed array {"dtype", "bdata"[, "shape"]}."""
    if isinstance(value, dict) and "bdata" in value:
        out = np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]))
        return out.reshape([int(n) for n in str(value["shape"]).split(",")]) if "shape" in value else out
    return np.asarray(value)


def diagram(at):
    (spec,) = [s for s in specs(at) if any(t.get("name") == "hidden" for t in s["data"])]
    return {t["name"]: t for t in spec["data"]}


def result_table(at):
    return at.dataframe[0].value


def texts(at):
    return " ".join(m.value for m in list(at.markdown) + list(at.success) + list(at.info) + list(at.error))


def test_default_page_shows_the_one_to_one_diagram_untrained_with_a_train_button():
    at = page()
    assert at.title[0].value == "The five shapes"
    nodes = diagram(at)
    assert [len(array(nodes[k]["x"])) for k in ("inputs", "hidden", "outputs")] == [1, 1, 1]
    assert at.button(key="s_train").label == "Train"
    assert "not learned" in at.info[0].value
    assert "trained output" not in result_table(at).columns
    captions = " ".join(c.value for c in at.caption)
    assert "cell" in captions and "do not" in captions          # the sidebar settings that do not apply
    assert any(b.proto.label.startswith("Download") for b in at.get("download_button"))


@pytest.mark.parametrize(("shape", "n"), [("one-to-many", (1, 4, 4)), ("many-to-one", (None, None, 1)),
                                          ("many-to-many", (8, 8, 8)), ("many-to-many (not in step)", (3, 6, 3))])
def test_each_shape_is_drawn_with_its_example(shape, n):
    nodes = diagram(page(shape))
    for k, want in zip(("inputs", "hidden", "outputs"), n, strict=True):
        if want is not None:
            assert len(array(nodes[k]["x"])) == want
    if shape == "many-to-many (not in step)":
        assert nodes["inputs"]["text"] == ["casa", "de", "papel"]
        assert nodes["outputs"]["text"] == ["paper", "house", "&lt;end&gt;"]       # escaped for Plotly
    if shape == "many-to-many":
        assert nodes["inputs"]["text"][4:6] == ["America", "Kennedy"]
    if shape == "many-to-one":
        assert nodes["outputs"]["text"] in (["positive"], ["negative"])


def test_xor_after_training_gets_every_row_of_the_truth_table_right():
    at = train(page())
    table = result_table(at)
    assert list(zip(table["x1"], table["x2"], table["wanted"], strict=True)) == [(0, 0, 0), (0, 1, 1), (1, 0, 1),
                                                                                  (1, 1, 0)]
    assert table["trained right"].all()
    assert ((table["trained output"] > 0.5) == (table["wanted"] == 1)).all()
    assert "learned" in at.success[0].value
    (loss,) = [sp for sp in specs(at) if sp["data"][0].get("name") == "loss"]
    assert "300 updates in" in loss["layout"]["title"]["text"]       # the training time is shown
    assert len(array(loss["data"][0]["y"])) == 300


def test_one_to_many_writes_each_word_from_its_first_letter():
    at = page("one-to-many")
    assert not result_table(at)["untrained right"].all()
    at = train(at)
    table = result_table(at)
    assert list(table["trained output"]) == ["jazz", "home", "namaskar"]
    assert "j → jazz" in texts(at)


def test_many_to_one_scores_held_out_reviews_and_a_typed_review():
    at = train(page("many-to-one"))
    table = result_table(at)
    assert table["trained right"].mean() >= 0.75
    assert "held" in at.success[0].value
    at.text_input(key="s_review").input("the acting was wonderful and the music was great").run()
    assert not at.exception and not at.error
    assert "trained: **positive**" in texts(at)
    at.text_input(key="s_review").input("Terrible, boring film!").run()       # case and punctuation forgiven
    assert not at.error and "trained: **negative**" in texts(at)


def own_review_chart(at):
    (fig,) = [sp for sp in specs(at) if (sp["layout"].get("title") or {}).get("text", "").startswith("Your review")]
    return fig


def test_each_typed_review_gets_a_chart_of_its_own_words_in_every_session():
    """The chart of a typed review is shared by every session that types the same review on the same cell and
    seed; another review, or the untrained network alone, is another chart."""
    first, second = train(page("many-to-one")), page("many-to-one")
    for at, review in ((first, "the plot was boring"), (second, "the music was great")):
        at.text_input(key="s_review").input(review).run()
    for at, words, series in ((first, ["the", "plot", "was", "boring"], ["untrained", "trained"]),
                              (second, ["the", "music", "was", "great"], ["untrained"])):
        fig = own_review_chart(at)
        assert fig["layout"]["xaxis"]["ticktext"] == words
        assert [trace["name"] for trace in fig["data"]] == series
    second.text_input(key="s_review").input("the plot was boring").run()     # the first session's review
    assert own_review_chart(second)["layout"]["xaxis"]["ticktext"] == ["the", "plot", "was", "boring"]
    assert [trace["name"] for trace in own_review_chart(second)["data"]] == ["untrained"]


def test_the_loss_curve_is_the_trained_runs_own_for_each_seed():
    curves = []
    for seed in (0, 1):
        at = apptest.page("shapes")
        at.session_state["seed"] = seed
        at = train(at.run())
        (loss,) = [sp for sp in specs(at) if sp["data"][0].get("name") == "loss"]
        curves.append(array(loss["data"][0]["y"]))
        assert len(curves[-1]) == 300 and curves[-1][-1] < curves[-1][0] / 10       # it falls as XOR is learned
    assert not np.array_equal(curves[0], curves[1])


BAD_REVIEWS = [
    ("", "empty"),
    ("the movie was fantastic", "fantastic"),
    ("<img src=x onerror=alert(1)>", "unknown"),
    ("good " * 31, "30"),
]


def test_a_bad_own_review_gives_a_message_and_no_exception():
    at = page("many-to-one")
    for review, says in BAD_REVIEWS:
        at.text_input(key="s_review").set_value(review).run()      # set_value: past the browser's 400-character cap
        assert not at.exception, review
        assert len(at.error) == 1 and says in at.error[0].value, review
        if says in ("fantastic", "unknown"):
            assert "great" in at.error[0].value and "boring" in at.error[0].value    # the known words are listed
        assert "<img" not in "".join(m.value for m in at.markdown)   # typed text never reaches Markdown raw
        assert "Your review →" not in texts(at)                      # no score for a review that was refused


def test_an_over_long_pasted_review_is_refused_with_its_length_and_the_last_review_kept():
    at = page("many-to-one")
    at.text_input(key="s_review").set_value("good movie").run()
    at.text_input(key="s_review").set_value(" ".join(["good"] * 500)).run()
    assert not at.exception and at.text_input(key="s_review").value == "good movie"
    assert "2,499 characters" in at.warning[0].value and "at most 400" in at.warning[0].value


def test_kennedy_after_training_names_america_and_kennedy_in_both_sentences():
    at = train(page("many-to-many"))
    table = result_table(at)
    names = table[table["trained output"] > 0.9]
    assert list(zip(names["sentence"], names["word"], strict=True)) == [(1, "America"), (1, "Kennedy"),
                                                                        (2, "Kennedy")]
    assert (table.loc[table["wanted"] == 0, "trained output"] < 0.1).all()
    bars = [s for s in specs(at) if "Sentence" in json.dumps(s["layout"].get("title", ""))]
    assert len(bars) == 2


def test_casa_de_papel_is_translated_paper_house_with_its_attention():
    at = page("many-to-many (not in step)")
    assert result_table(at)["untrained output"][0] != "paper house"
    at = train(at)
    assert result_table(at)["trained output"][0] == "paper house"
    assert "paper house" in texts(at)
    heat = [s for s in specs(at) if s["data"][0]["type"] == "heatmap"]
    assert len(heat) == 2                                          # untrained and trained
    spec = heat[1]
    assert [y.split(". ")[1] for y in spec["data"][0]["y"]] == ["paper", "house", "&lt;end&gt;"]
    assert spec["data"][0]["x"] == ["casa", "de", "papel"]
    for row in array(spec["data"][0]["z"]):
        assert abs(row.sum() - 1) < 1e-9                            # each written word's attention adds up to 1


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_each_cell_type_trains_kennedy(cell):
    at = train(page("many-to-many", cell=cell))
    assert result_table(at)["trained right"].all()
    assert "learned" in at.success[0].value


def test_switching_shape_and_back_keeps_the_trained_network_and_it_can_be_forgotten():
    at = train(page())
    at.segmented_control(key="s_shape").set_value("many-to-many (not in step)").run()
    assert at.button(key="s_train").label == "Train"              # another shape: still untrained
    at.segmented_control(key="s_shape").set_value("one-to-one").run()
    assert "trained right" in result_table(at).columns
    at.button(key="s_untrain").click().run()
    assert not at.exception and "trained right" not in result_table(at).columns


def test_a_link_opens_the_shape_it_names_and_a_bad_one_falls_back_with_a_note():
    at = apptest.page("shapes")
    at.query_params["s_shape"] = "one-to-many"
    at.run()
    assert not at.exception and at.segmented_control(key="s_shape").value == "one-to-many"
    at = apptest.page("shapes")
    at.query_params["s_shape"] = "one-to-all"
    at.run()
    assert not at.exception and at.segmented_control(key="s_shape").value == "one-to-one"
    assert "s_shape" in at.warning[0].value


def test_shared_result_charts_follow_each_sessions_seed_and_training():
    """The result charts are built once per setting and shared by sessions: each session's bars are still its
    own network's outputs (the table beside them), for another seed and once trained."""
    def bars(at):
        (spec,) = [s for s in specs(at) if "Sentence 1" in json.dumps(s["layout"].get("title", ""))]
        return {t["name"]: array(t["x"] if t.get("orientation") == "h" else t["y"]).astype(float)
                for t in spec["data"] if t.get("type") == "bar"}

    def sentence_one(at, column):
        table = result_table(at)
        return table.loc[table["sentence"] == 1, column].to_numpy(float)

    seed_0, seed_1 = page("many-to-many"), apptest.page("shapes")
    seed_1.session_state["s_shape"], seed_1.session_state["seed"] = "many-to-many", 1
    seed_1.run()
    for at in (seed_0, seed_1):
        np.testing.assert_allclose(bars(at)["untrained"], sentence_one(at, "untrained output"))
    assert not np.allclose(bars(seed_0)["untrained"], bars(seed_1)["untrained"])
    trained = train(seed_0)
    np.testing.assert_allclose(bars(trained)["trained"], sentence_one(trained, "trained output"))

"""The five shapes page's glue: which example stands for which shape, the cached results of each example
before and after training, and the Streamlit sections that show them.

Every number shown comes from the engine: ``ui.engine.shape_run`` trains (cached), and the functions here
run the trained model on the example's inputs (``data.run``, ``generate``, ``translate``) and put what the
engine returned into tables.
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd
import streamlit as st

from rnn_core.data import InputError, check_text, words_of
from rnn_core.examples import EXAMPLES, GENERATE_WORDS, encode_words, reviews, seed_phrase
from rnn_core.generate import generate
from viz.shapes import attention_figure, loss_figure, probability_figure, truth_table_figure

from .controls import download_csv, input_error, plain
from .engine import shape_run
from .plot import plot, shared_plot

MAX_REVIEW_WORDS = 30        # a review longer than this is not a "short review" any more
HELD_OUT = 8                 # held-out reviews shown


@dataclass(frozen=True)
class ShapeInfo:
    shape: str          # as in viz.shapes.SHAPES and Example.shape
    example: str        # the key in rnn_core.examples.EXAMPLES
    label: str          # for the selector
    summary: str        # one line under the diagram


SHAPES = {s.shape: s for s in (
    ShapeInfo("one-to-one", "xor", "One to one",
              "One input, one output, a single step: no time at all, so XOR is a plain neural network's job."),
    ShapeInfo("one-to-many", "generate", "One to many",
              "One first letter in, a whole word out: each letter written is fed back as the next input."),
    ShapeInfo("many-to-one", "sentiment", "Many to one",
              "A review read word by word; only after the last word does the network say positive or negative."),
    ShapeInfo("many-to-many", "kennedy", "Many to many, in step",
              "One output per input, at the same step: is this word a name? (Kennedy, two sentences in one batch)"),
    ShapeInfo("many-to-many (not in step)", "casa", "Many to many, not in step",
              "An encoder reads casa de papel, then a decoder writes paper house: the lengths and the order differ."),
)}


@dataclass
class Result:
    """One example's network (untrained or trained) and what it does, as tables and figure inputs."""

    outcome: object              # rnn_core.examples.Outcome
    history: list                # training rows (empty when untrained)
    table: pd.DataFrame          # one row per case; the network's answer in "output", "right" if it is right
    extra: dict                  # figure inputs particular to the shape


def diagram_tokens(shape):
    """(labels_in, labels_out) of the example drawn in the diagram: real tokens of its data."""
    example = SHAPES[shape].example
    data = EXAMPLES[example].data()
    if example == "xor":
        return ["1 0"], ["1"]
    if example == "generate":
        word = GENERATE_WORDS[0]
        return [word[0]], list(word[1:]) + ["<end>"]
    if example == "sentiment":
        b = next(b for b, t in enumerate(data.tokens) if 3 <= len(t) <= 5)
        return data.tokens[b], ["positive" if data.y[b, 0] > 0.5 else "negative"]
    if example == "kennedy":
        return data.tokens[0], ["name" if v > 0.5 else "–" for v in data.y[:8, 0, 0]]
    source, target = data.meta["seed_pair"]
    return list(source), list(target) + ["<end>"]


# ---------------------------------------------------------------------- results, per example
def _xor(model, data):
    p = data.run(model).y[0, :, 0]
    wanted = data.y[0, :, 0]
    table = pd.DataFrame({"x1": data.x[0, :, 0].astype(int), "x2": data.x[0, :, 1].astype(int),
                          "wanted": wanted.astype(int), "output": p, "right": (p > 0.5) == (wanted > 0.5)})
    return table, {}


def _generate(model, data):
    rows = []
    for word in GENERATE_WORDS:
        written = generate(model, data.input_vocab, word[0], max_length=12, temperature=0).text
        rows.append({"first letter": word[0], "wanted": word, "output": written, "right": written == word})
    return pd.DataFrame(rows), {}


def _sentiment(model, data):
    test = reviews(n=200, seed=8)                         # the held-out reviews the example's test uses
    p = np.array([v[0][0] for v in test.predicted_labels(test.run(model))])[:HELD_OUT]
    wanted = test.y[:HELD_OUT, 0]
    table = pd.DataFrame({"review": [" ".join(t) for t in test.tokens[:HELD_OUT]],
                          "wanted": np.where(wanted > 0.5, "positive", "negative"), "wanted value": wanted,
                          "output": p, "right": (p > 0.5) == (wanted > 0.5)})
    return table, {}


def _kennedy(model, data):
    rec = data.run(model)
    rows = []
    for b, n in enumerate(data.lengths):
        for t in range(int(n)):
            p, wanted = float(rec.y[t, b, 0]), float(data.y[t, b, 0])
            rows.append({"sentence": b + 1, "step": t + 1, "word": data.tokens[b][t], "wanted": int(wanted),
                         "output": p, "right": (p > 0.5) == (wanted > 0.5)})
    return pd.DataFrame(rows), {}


def _casa(model, data):
    phrase = seed_phrase(data)                            # held out of the training corpus
    words, rec = phrase.translate(model, max_length=8)
    written = words[0]
    weights = rec.weights[:, 0, :int(phrase.source_lengths[0])]
    rows_written = written + ["<end>"] * (weights.shape[0] - len(written))       # the step that wrote <end>
    table = pd.DataFrame({"source": [" ".join(phrase.source_tokens[0])],
                          "wanted": [" ".join(phrase.target_tokens[0])],
                          "output": [" ".join(written)], "right": [written == phrase.target_tokens[0]]})
    return table, {"weights": weights, "source": phrase.source_tokens[0], "written": rows_written}


RESULTS = {"xor": _xor, "generate": _generate, "sentiment": _sentiment, "kennedy": _kennedy, "casa": _casa}


@st.cache_data(max_entries=64, show_spinner=False)
def shape_result(shape, cell, seed, trained):
    """The shape's example with this cell and seed, untrained or trained with its defaults."""
    example = SHAPES[shape].example
    model, data, outcome, history = shape_run(example, cell, int(seed), bool(trained))
    table, extra = RESULTS[example](model, data)
    return Result(outcome, history, table, extra)


@st.cache_data(max_entries=256, show_spinner=False)
def score_review(text, cell, seed, trained):
    """A person's review, word by word: the probability of "positive" had the review stopped after each word.

    Raises InputError for an empty or long review, or a word the network never saw (the message lists
    the words it knows). Case and punctuation are ignored.
    """
    text = check_text(text, "review")
    words = words_of(text.lower())
    if not words:
        raise InputError("the review has no words")
    if len(words) > MAX_REVIEW_WORDS:
        raise InputError(f"the review has {len(words)} words; keep it to {MAX_REVIEW_WORDS} or fewer")
    model, data, _, _ = shape_run("sentiment", cell, int(seed), bool(trained))
    own = encode_words(" ".join(words), data.input_vocab)         # InputError for unknown words
    rec = model.forward(own.x, own.lengths)
    return pd.DataFrame({"step": np.arange(1, len(words) + 1), "word": words, "output": rec.y[:, 0, 0]})


# ---------------------------------------------------------------------- sections of the page
def _merge(before, after, keys):
    """One table: the case columns, then the untrained and (if any) trained network's answers."""
    out = before[keys].copy()
    for name, result in (("untrained", before), ("trained", after)):
        if result is not None:
            out[f"{name} output"] = result["output"].to_numpy()
            out[f"{name} right"] = result["right"].to_numpy()
    return out


def show_training(result, key):
    """The training's time, final loss and loss curve. ``key`` names the trained run (example, cell, seed): its
    curve is drawn once for every session, and the history becomes a table only for its download."""
    history = result.history
    steps, losses = [row["step"] for row in history], [row["loss"] for row in history]
    # keyed on the run's own time too: a run trained again (its cache dropped) has a title of its own
    plot(shared_plot("shape-loss", (key, len(history), history[-1]["time"]), lambda: loss_figure(
        steps, losses, height=210, title=f"Training: {len(history)} updates in {history[-1]['time']:.2f} s")),
         f"loss-{key}")
    st.caption(f"How to read it: the loss after each update of the weights, from {losses[0]:.3f} "
               f"down to {losses[-1]:.4f}; it falls as the network learns the example.")
    download_csv(lambda: pd.DataFrame(history)[["step", "loss", "accuracy", "grad_norm", "time"]],
                 f"training-{key}.csv", label="Download the training history (CSV)", key=f"csv-loss-{key}")


def show_outcome(result, trained):
    text = "; ".join(result.outcome.details)
    if len(text) > 160:                   # an untrained decoder can write 40 words of nonsense
        text = text[:160].rsplit(" ", 1)[0] + " …"
    who = "Trained" if trained else "Untrained"
    headline = plain(result.outcome.headline)             # says what the score measures
    if result.outcome.ok:
        st.success(f"{who}: {headline}. {plain(text)}", icon=":material/check:")
    else:
        st.info(f"{who}: {headline}. {plain(text)}", icon=":material/close:")


def show_result(shape, before, after, key):
    """The example's result before training and, if trained, after, side by side or in one chart."""
    example = SHAPES[shape].example
    series = {"untrained": before.table["output"]}
    fig_key = (key, after is not None)           # the figures below, shared by every session on these settings
    if after is not None:
        series["trained"] = after.table["output"]
    if example == "xor":
        cols = st.columns(2)
        for col, name, result in zip(cols, ("untrained", "trained"), (before, after), strict=True):
            if result is not None:
                t = result.table
                fig = shared_plot("xor", fig_key + (name,), lambda t=t, name=name: truth_table_figure(
                    t[["x1", "x2"]], t["wanted"], t["output"], title=f"XOR, {name}"))
                plot(fig, f"xor-{name}-{key}", where=col)
        st.caption("How to read it: each row is one case; left the two input bits, right the XOR wanted and the "
                   "network's output (the probability of 1). Green fills with the value; right means the output "
                   "is on the wanted side of 0.5.")
        table = _merge(before.table, after.table if after else None, ["x1", "x2", "wanted"])
    elif example == "generate":
        for _, row in (after or before).table.iterrows():
            st.markdown(f"### {plain(row['first letter'])} → {plain(row['output'])} "
                        f"{'✓' if row['right'] else '✗ (wanted ' + plain(row['wanted']) + ')'}")
        st.caption("How to read it: from its first letter alone, the network writes one letter at a time, "
                   "always the most likely one (temperature 0), feeding each back in until it writes the end "
                   f"marker or 12 letters. Shown: the {'trained' if after else 'untrained'} network.")
        table = _merge(before.table, after.table if after else None, ["first letter", "wanted"])
    elif example == "sentiment":
        t = before.table
        fig = shared_plot("reviews", fig_key, lambda: probability_figure(
            t["review"], series, t["wanted value"], horizontal=True, title="Held-out reviews: probability of positive",
            highlight="trained"))
        plot(fig, f"reviews-{key}")
        st.caption("How to read it: each bar is the network's probability that the review is positive, read "
                   "after its last word; the black mark is the right answer (1 positive, 0 negative). These reviews "
                   "were not in the training set.")
        table = _merge(before.table, after.table if after else None, ["review", "wanted"])
    elif example == "kennedy":
        t = before.table
        cols = st.columns([4, 1.4])
        for col, b in zip(cols, (1, 2), strict=True):
            rows = t["sentence"] == b
            title = "Sentence 1: probability of a name" if b == 1 else "Sentence 2"
            fig = shared_plot("kennedy", fig_key + (b,), lambda rows=rows, title=title, b=b: probability_figure(
                t.loc[rows, "word"], {k: v[rows] for k, v in series.items()}, t.loc[rows, "wanted"], title=title,
                height=360, legend=b == 1, highlight="trained"))
            plot(fig, f"kennedy-{b}-{key}", where=col)
        st.caption("How to read it: one output per word, at the same step as the word: the probability that the "
                   "word is a name. Black marks show the right answer: America and Kennedy are names.")
        table = _merge(before.table, after.table if after else None, ["sentence", "step", "word", "wanted"])
    else:
        if after is not None and not after.outcome.ok:
            st.warning("This trained network does not show the lesson: the lesson is that *paper* looks at *papel* "
                       "and *house* at *casa* (the order flips). Here: " + plain("; ".join(after.outcome.details))
                       + ". Try another seed in the sidebar.", icon=":material/warning:")
        cols = st.columns(2)
        for col, name, result in zip(cols, ("untrained", "trained"), (before, after), strict=True):
            if result is not None:
                written = " ".join(result.table["output"][0].split()) or "(nothing)"
                col.markdown(f"**{name.capitalize()}:** casa de papel → **{plain(written)}**; attention while writing:")
                e = result.extra
                fig = shared_plot("casa", fig_key + (name,),
                                    lambda e=e: attention_figure(e["weights"], e["source"], e["written"]))
                plot(fig, f"attention-{name}-{key}", where=col)
        st.caption("How to read it: each row is one word the decoder wrote, each column a Spanish word the encoder "
                   "read; the number is the attention weight α, how much of that source word the decoder looked "
                   "at while writing (each row adds up to 1).")
        table = _merge(before.table, after.table if after else None, ["source", "wanted"])
        weights = [pd.DataFrame({"network": name, "written step": t + 1, "written": w, "source": s,
                                 "attention": r.extra["weights"][t, j]}
                                for t, w in enumerate(r.extra["written"]) for j, s in enumerate(r.extra["source"]))
                   for name, r in (("untrained", before), ("trained", after)) if r is not None]
        download_csv(pd.concat(weights, ignore_index=True) if weights else [], f"attention-{key}.csv",
                     label="Download the attention weights (CSV)", key=f"csv-attention-{key}")
    st.dataframe(table, hide_index=True, width="stretch")
    download_csv(table, f"result-{key}.csv", label="Download the result (CSV)", key=f"csv-result-{key}")


def show_own_review(text, cell, seed, trained, key):
    """The score of a person's own review, word by word, untrained and (if trained) trained."""
    try:
        scores = {"untrained": score_review(text, cell, seed, False)}
        if trained:
            scores["trained"] = score_review(text, cell, seed, True)
    except InputError as err:
        input_error(err)
        return
    words = scores["untrained"]
    final = {name: float(t["output"].iloc[-1]) for name, t in scores.items()}
    verdict = ", ".join(f"{name}: **{'positive' if p > 0.5 else 'negative'}** ({p:.2f})" for name, p in final.items())
    st.markdown(f"Your review → {verdict}")
    fig = shared_plot("own-review", (text, cell, int(seed), bool(trained)), lambda: probability_figure(
        words["word"], {n: t["output"] for n, t in scores.items()},
        title="Your review: probability of positive after each word", highlight="trained"))
    plot(fig, f"own-review-{key}")
    st.caption("How to read it: the network answers once, after the last word (the last bars); the earlier bars "
               "show what it would have said had the review stopped at that word.")
    table = words[["step", "word"]].copy()
    for name, t in scores.items():
        table[f"{name} output"] = t["output"].to_numpy()
    download_csv(table, f"own-review-{key}.csv", label="Download your review's scores (CSV)", key=f"csv-own-{key}")

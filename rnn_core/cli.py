"""Command line: ``python -m rnn_core examples | train | trace``.

Every failure a person can cause (a bad option, an unknown example, text the model cannot read,
a broken model file) ends in one line on stderr and a non-zero exit, never a traceback.
"""

import argparse
import csv
import io
import json
import sys

import numpy as np

from .data import END, START, InputError, PairData
from .examples import EXAMPLES, get_example, own_example
from .model_file import ModelFileError, load_model, save_model
from .optim import OPTIMIZERS
from .trainer import Trainer

OWN = {"text": "your own text: a character model (--text)",
       "names": "your own sentence with a 0/1 label per word (--text, --labels)",
       "series": "your own time series: a CSV column (--csv, --column)"}


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        raise InputError(message)


def _parser():
    p = _Parser(prog="python -m rnn_core", description="Train and inspect the Unrolled examples.")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)
    sub.add_parser("examples", help="list the examples")
    t = sub.add_parser("train", help="train an example and save the model")
    t.add_argument("example", help="an example name (see `examples`), or text | names | series")
    t.add_argument("--cell", choices=["rnn", "lstm", "gru"])
    t.add_argument("--hidden", type=int)
    t.add_argument("--layers", type=int)
    t.add_argument("--steps", type=int)
    t.add_argument("--lr", type=float)
    t.add_argument("--optimizer", choices=OPTIMIZERS)
    t.add_argument("--clip", type=float, help="gradient clipping by global norm; 0 turns it off")
    t.add_argument("--seed", type=int)
    t.add_argument("--distance", type=int, help="for memory: noisy steps between the symbol and the question")
    t.add_argument("--text", help="for text and names: the text to learn")
    t.add_argument("--labels", help="for names: one 0/1 per word, e.g. '0 0 1'")
    t.add_argument("--csv", help="for series: a CSV file")
    t.add_argument("--column", help="for series: the column's name or 0-based number")
    t.add_argument("--out", required=True, help="where to save the model (.npz)")
    t.add_argument("--quiet", action="store_true", help="no progress bar")
    r = sub.add_parser("trace", help="run a saved model and print every step")
    r.add_argument("--model", required=True, help="a model file saved by train")
    r.add_argument("--input", help="text to run instead of the example's own input")
    r.add_argument("--format", choices=["table", "csv", "json"], default="table")
    return p


def main(argv=None, out=None, err=None):
    """Run the command line; returns the exit status (0 good, 2 a usage or input problem)."""
    out, err = out or sys.stdout, err or sys.stderr
    try:
        args = _parser().parse_args(argv)
        if args.command == "examples":
            return _examples(out)
        if args.command == "train":
            return _train(args, out, err)
        return _trace(args, out)
    except (InputError, ModelFileError, ValueError, OSError) as e:
        print(f"rnn_core: error: {_one_line(e)}", file=err)
        return 2


def _one_line(e):
    text = str(e) if not isinstance(e, OSError) else f"{e.strerror or e}: {e.filename or ''}".strip(": ")
    return " ".join(text.split())


def _examples(out):
    width = max(map(len, list(EXAMPLES) + list(OWN)))
    for key, ex in EXAMPLES.items():
        print(f"{key:<{width}}  {ex.shape:<27} {ex.title}: {ex.summary}", file=out)
    for key, text in OWN.items():
        print(f"{key:<{width}}  {'':<27} {text}", file=out)
    return 0


def _train(args, out, err):
    if args.example in OWN:
        csv_text = None
        if args.csv:
            with open(args.csv, encoding="utf-8", errors="replace") as f:
                csv_text = f.read(2_000_001)
        example = own_example(args.example, text=args.text, labels=args.labels, csv_text=csv_text,
                              column=args.column)
    else:
        example = get_example(args.example)
    changes = {k: getattr(args, k) for k in ("cell", "hidden", "layers", "steps", "lr", "optimizer", "seed")
               if getattr(args, k) is not None}
    if args.clip is not None:
        changes["clip"] = args.clip if args.clip > 0 else None
    for key, low, high in (("hidden", 1, 512), ("layers", 1, 4), ("steps", 1, 100_000)):
        if key in changes and not low <= changes[key] <= high:
            raise InputError(f"--{key} must be from {low} to {high}")
    if "lr" in changes and not 0 < changes["lr"] <= 10:
        raise InputError("--lr must be above 0 and at most 10")
    config = example.defaults.replace(**changes)
    options = {}
    if args.distance is not None:
        if example.key != "memory" or not 1 <= args.distance <= 200:
            raise InputError("--distance is for the memory example, from 1 to 200")
        options["distance"] = args.distance
    data = example.data(**options)
    model = example.build_model(config, data)
    trainer = Trainer(model, data, config)
    show = not args.quiet and err.isatty() if hasattr(err, "isatty") else False
    while not trainer.done and trainer.stopped is None:
        trainer.run(steps=max(1, config.steps // 50))
        if show and trainer.history:
            done = trainer.step / config.steps
            bar = "#" * int(30 * done) + "." * (30 - int(30 * done))
            print(f"\r[{bar}] {trainer.step}/{config.steps} loss {trainer.history[-1]['loss']:.4f}",
                  end="", file=err, flush=True)
    if show:
        print(file=err)
    if trainer.stopped:
        print(trainer.stopped, file=err)
    outcome = example.learned(model, data)
    last = trainer.history[-1] if trainer.history else {"loss": float("nan"), "accuracy": float("nan")}
    meta = {"example": example.key, "title": example.title, "config": config.to_dict(), "steps": trainer.step,
            "loss": last["loss"], "accuracy": last["accuracy"], "learned": outcome.ok,
            "seconds": round(trainer.elapsed, 3), "data_options": options, **example.extras}
    if isinstance(data, PairData):
        meta.update(source_vocab=data.source_vocab, target_vocab=data.target_vocab)
        vocab = data.source_vocab
    else:
        meta.update(output_labels=data.output_labels, head=data.head, target=data.target)
        vocab = data.input_vocab
    save_model(args.out, model, vocab=vocab, meta=meta)
    acc = "" if np.isnan(last["accuracy"]) else f", accuracy {last['accuracy']:.1%}"
    print(f"{example.title}: {config.cell.upper()} {config.hidden} hidden × {config.layers}, {trainer.step} steps "
          f"in {trainer.elapsed:.2f} s; final loss {last['loss']:.4f}{acc}", file=out)
    print(f"outcome: {outcome}", file=out)
    print(f"saved to {args.out}", file=out)
    return 0 if trainer.stopped is None else 1


# ---------------------------------------------------------------------- trace
def _trace(args, out):
    loaded = load_model(args.model)
    meta = loaded.meta or {}
    key = meta.get("example")
    if key in OWN:
        example = own_example(key, **meta.get("own", {}))
    elif key in EXAMPLES:
        example = EXAMPLES[key]
    else:
        raise InputError("this model file does not say which example it was trained on")
    if args.input is None:
        data = example.data(**meta.get("data_options", {}))
    elif example.encode is None:
        raise InputError(f"the {example.title} example takes no typed input; leave out --input")
    else:
        vocab = ({"source": meta["source_vocab"], "target": meta["target_vocab"]}
                 if "target_vocab" in meta else loaded.vocab)
        data = example.encode(args.input, vocab)
    steps, attention = trace_steps(loaded.model, data)
    if args.format == "json":
        doc = {"example": example.key, "model": loaded.model.config, "steps": steps}
        if attention is not None:
            doc["attention"] = attention
        json.dump(doc, out, ensure_ascii=False, indent=1)
        print(file=out)
    elif args.format == "csv":
        writer = csv.writer(out)
        writer.writerow(["sequence", "step", "input", "predicted", "output"])
        for s in steps:
            writer.writerow([s["sequence"], s["step"], s["input"], s["predicted"],
                             " ".join(f"{v:.6g}" for v in s["output"])])
    else:
        out.write(_table(steps, attention))
    return 0


def trace_steps(model, data):
    """Every step of a run as plain dicts: sequence, step, input, output (list), predicted; plus the
    attention matrix for encoder-decoder runs ({"source": [...], "target": [...], "weights": [[...]]})."""
    steps = []
    if isinstance(data, PairData):
        words, rec = data.translate(model)
        vocab = data.target_vocab
        for b, seq in enumerate(words):
            inputs = [START] + seq
            for t in range(len(seq) + 1):
                y = rec.head.y[t, b]
                steps.append({"sequence": b, "step": t, "input": inputs[t], "output": y.tolist(),
                              "predicted": vocab[int(y.argmax())]})
        n_out = len(words[0]) + 1
        attention = {"source": data.source_tokens[0], "target": words[0] + [END],
                     "weights": rec.weights[:n_out, 0, :len(data.source_tokens[0])].tolist()}
        return steps, attention
    rec = model.forward(data.x, data.lengths)
    for b, n in enumerate(data.lengths):
        for t in range(n):
            y = rec.y[t, b]
            if data.head == "softmax":
                predicted = data.output_labels[int(y.argmax())]
            elif data.head == "sigmoid":
                predicted = " ".join(f"{lab}" if v > 0.5 else f"not {lab}" for lab, v in zip(data.output_labels, y,
                                                                                          strict=True))
            else:
                predicted = f"{y[0]:.4g}"
            steps.append({"sequence": b, "step": t, "input": data.tokens[b][t], "output": y.tolist(),
                          "predicted": predicted})
    return steps, None


def _table(steps, attention):
    buf = io.StringIO()
    width = max([len(s["input"]) for s in steps] + [5])
    pw = max([len(s["predicted"]) for s in steps] + [9])
    print(f"{'seq':>3} {'step':>4}  {'input':<{width}}  {'predicted':<{pw}}  output", file=buf)
    for s in steps:
        values = s["output"]
        shown = " ".join(f"{v:.3f}" for v in values[:8]) + (" …" if len(values) > 8 else "")
        print(f"{s['sequence']:>3} {s['step']:>4}  {s['input']:<{width}}  {s['predicted']:<{pw}}  {shown}", file=buf)
    if attention is not None:
        print("\nattention (rows: output words, columns: input words)", file=buf)
        src = attention["source"]
        w = max(map(len, attention["target"]))
        print(" " * (w + 2) + " ".join(f"{s[:6]:>6}" for s in src), file=buf)
        for word, row in zip(attention["target"], attention["weights"], strict=True):
            print(f"{word:<{w}}  " + " ".join(f"{v:6.2f}" for v in row), file=buf)
    return buf.getvalue()

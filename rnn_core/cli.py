"""Command line: ``python -m rnn_core examples | train | trace | evaluate | convert``.

Every failure a person can cause (a bad option, an unknown example, text the model cannot read,
a broken model file) ends in one line on stderr and a non-zero exit, never a traceback.
"""

import argparse
import csv
import io
import json
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

from . import text_cli
from .activations import ACTIVATIONS
from .csv_inputs import MAX_CSV_BYTES, read_inputs_csv
from .data import END, START, InputError, PairData, one_hot
from .examples import EXAMPLES, encode_letters, encode_numbers, get_example, own_example
from .head import ACTIVATIONS as HEADS
from .model import SequenceModel
from .model_file import ModelFileError, save_model
from .optim import OPTIMIZERS
from .pytorch_io import load_any_model, save_pytorch
from .recurrent import Recurrent
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
    _add_trace(sub)
    _add_evaluate(sub)
    _add_convert(sub)
    text_cli.add_parsers(sub, t)
    return p


def _add_pytorch_options(parser):
    parser.add_argument("--nonlinearity", choices=list(ACTIVATIONS),
                        help="for a PyTorch file: the vanilla RNN's nonlinearity, which its weights cannot say "
                             "(default: the file's own note, else tanh)")
    parser.add_argument("--head", choices=list(HEADS),
                        help="for a PyTorch file with an nn.Linear head: its activation (default: the file's own "
                             "note, else softmax)")


def _add_trace(sub):
    r = sub.add_parser("trace", help="run a saved model and print every step")
    r.add_argument("--model", required=True, help="a model file: saved by train (.npz), or a PyTorch state dict "
                   "(.safetensors, or an .npz of arrays)")
    r.add_argument("--input", help="text to run instead of the example's own input; every token is fed")
    r.add_argument("--csv", help="inputs as a CSV file: one row per time step, one column per input, several "
                   "sequences by a 'sequence' column")
    r.add_argument("--format", choices=["table", "csv", "json"], default="table")
    _add_pytorch_options(r)


def _add_evaluate(sub):
    e = sub.add_parser("evaluate", help="the example's own measure of 'learned' on its own check data; "
                       "exit status 0 learned, 1 not learned")
    e.add_argument("--model", required=True, help="a model file saved by train (or its .safetensors)")
    e.add_argument("--format", choices=["text", "json"], default="text")


def _add_convert(sub):
    c = sub.add_parser("convert", help="a model file from .npz to .safetensors (PyTorch's) or back")
    c.add_argument("source", metavar="IN", help="an Unrolled .npz, a .safetensors file or an .npz of arrays")
    c.add_argument("target", metavar="OUT", help="ends in .safetensors or .npz")
    _add_pytorch_options(c)


def main(argv=None, out=None, err=None):
    """Run the command line; returns the exit status (0 good, 2 a usage or input problem)."""
    out, err = out or sys.stdout, err or sys.stderr
    try:
        args = _parser().parse_args(argv)
        if text_cli.handles(args):
            return text_cli.main(args, out, err)
        if args.command == "examples":
            return _examples(out)
        if args.command == "train":
            return _train(args, out, err)
        if args.command == "evaluate":
            return _evaluate(args, out)
        if args.command == "convert":
            return _convert(args, out)
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
def _loaded(path, args):
    """Any model file, ours or PyTorch's (--nonlinearity and --head say what PyTorch's weights cannot)."""
    return load_any_model(path, nonlinearity=getattr(args, "nonlinearity", None),
                          head_activation=getattr(args, "head", None))


def _example_of(loaded):
    meta = loaded.meta or {}
    key = meta.get("example")
    if key in OWN:
        return own_example(key, **meta.get("own", {}))
    if key in EXAMPLES:
        return EXAMPLES[key]
    raise InputError("this model file does not say which example it was trained on"
                     + ("" if meta else " (a PyTorch file names no example: trace it with --csv)"))


def _trace(args, out):
    loaded = _loaded(args.model, args)
    if args.csv is not None:
        if args.input is not None:
            raise InputError("give --input or --csv, not both")
        return _trace_csv(args, loaded, out)
    example = _example_of(loaded)
    meta = loaded.meta or {}
    if args.input is None:
        data = example.data(**meta.get("data_options", {}))
    elif example.encode is None:
        raise InputError(f"the {example.title} example takes no typed input; leave out --input")
    else:
        vocab = ({"source": meta["source_vocab"], "target": meta["target_vocab"]}
                 if "target_vocab" in meta else loaded.vocab)
        data = typed_input(example, args.input, vocab)
    steps, attention = trace_steps(loaded.model, data)
    _write_steps(args.format, out, {"example": example.key, "model": loaded.model.config}, steps, attention)
    return 0


def _write_steps(fmt, out, doc, steps, attention=None):
    if fmt == "json":
        doc = {**doc, "steps": steps}
        if attention is not None:
            doc["attention"] = attention
        json.dump(doc, out, ensure_ascii=False, indent=1)
        print(file=out)
    elif fmt == "csv":
        writer = csv.writer(out)
        writer.writerow(["sequence", "step", "input", "predicted", "output"])
        for s in steps:
            writer.writerow([s["sequence"], s["step"], s["input"], s["predicted"],
                             " ".join(f"{v:.6g}" for v in s["output"])])
    else:
        out.write(_table(steps, attention))


def typed_input(example, text, vocab):
    """A person's input for ``example``'s model with every token fed, the last one included.

    Training's encoders for a letter model without an end marker (namaskar) and for numbers keep the last
    token as the last target; a trace asks what comes after it, so it is fed as one more step.
    """
    data = example.encode(text, vocab)
    if not (example.encode is encode_numbers or (example.encode is encode_letters and END not in vocab)):
        return data                                   # every token is an input already
    last = data.y[-1:]                                # the last typed token: (1, 1) a class or (1, 1, 1) a value
    if data.head == "softmax":
        x_last, token = one_hot(last, data.x.shape[2]), data.output_labels[int(last[0, 0])]
    else:
        x_last, token = last.astype(data.x.dtype), f"{float(last[0, 0, 0]):.3g}"
    # no target after the last token: the trace reads inputs only
    return replace(data, x=np.concatenate([data.x, x_last]), y=None, lengths=data.lengths + 1,
                   tokens=[data.tokens[0] + [token]])


def _trace_csv(args, loaded, out):
    model = loaded.model
    if not isinstance(model, (Recurrent, SequenceModel)):
        raise InputError(f"--csv feeds a recurrent model (with or without a head); this file holds a "
                         f"{type(model).__name__}: trace it with --input")
    D = model.input_size if isinstance(model, Recurrent) else model.rnn.input_size
    with open(args.csv, encoding="utf-8", errors="replace") as f:
        inputs = read_inputs_csv(f.read(MAX_CSV_BYTES + 1), D)
    if isinstance(model, SequenceModel):
        y, head = model.forward(inputs.x, inputs.lengths).y, model.head.activation
    else:
        y, head = model.forward(inputs.x, lengths=inputs.lengths).output, None     # h_t of the top layer
    labels = loaded.vocab if loaded.vocab and len(loaded.vocab) == y.shape[2] else None
    steps = []
    for b, n in enumerate(inputs.lengths):
        for t in range(n):
            v = y[t, b]
            if head == "softmax":
                predicted = labels[int(v.argmax())] if labels else f"class {int(v.argmax())}"
            elif head == "sigmoid":
                predicted = " ".join("1" if p > 0.5 else "0" for p in v)
            else:
                predicted = " ".join(f"{p:.4g}" for p in v) if head == "identity" else ""
            steps.append({"sequence": inputs.labels[b], "step": t, "input": inputs.tokens[b][t],
                          "output": v.tolist(), "predicted": predicted})
    _write_steps(args.format, out, {"model": model.config, "columns": inputs.columns,
                                    "output": "head" if head else "hidden state h_t of the top layer"}, steps)
    return 0


# ---------------------------------------------------------------------- evaluate, convert
#: what each example's Outcome.score measures
MEASURES = {
    **dict.fromkeys(("jazz", "home", "namaskar", "text"), "share of next letters right"),
    **dict.fromkeys(("kennedy", "names"), "share of words labelled right"),
    "xor": "share of the four cases right", "generate": "1 if every word is written right, else 0",
    "sentiment": "accuracy on 200 held-out reviews", "casa": "token accuracy of the greedy translation",
    "attention": "token accuracy on 200 held-out sentence pairs, greedy decoding",
    "memory": "recall on 512 new sequences", "sine": "mean squared error on a new stretch (lower is better)",
    "series": "mean squared error, standardised (lower is better)",
}


def _evaluate(args, out):
    loaded = _loaded(args.model, args)
    example = _example_of(loaded)
    outcome = example.learned(loaded.model, example.data())
    score = float(outcome.score)
    measure = MEASURES.get(example.key, "score")
    if args.format == "json":
        json.dump({"example": example.key, "title": example.title, "measure": measure,
                   "score": score if np.isfinite(score) else None, "learned": bool(outcome.ok),
                   "details": list(outcome.details)}, out, ensure_ascii=False, indent=1)
        print(file=out)
    else:
        print(f"{example.title}: {measure} {score:.4g}", file=out)
        print(f"outcome: {outcome}", file=out)                   # the line train prints
    return 0 if outcome.ok else 1


def _convert(args, out):
    source, target = Path(args.source), Path(args.target)
    kind = target.suffix.lower()
    if kind not in (".npz", ".safetensors"):
        raise InputError(f"OUT must end in .npz or .safetensors, not {target.name!r}")
    if target.exists() and target.resolve() == source.resolve():
        raise InputError("IN and OUT are the same file")
    loaded = _loaded(source, args)
    if kind == ".safetensors":
        save_pytorch(loaded.model, target, vocab=loaded.vocab, meta=loaded.meta)
    else:
        save_model(target, loaded.model, vocab=loaded.vocab, meta=loaded.meta)
    print(f"{source.name} → {target.name}: {loaded.model!r}", file=out)
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
    sw = max([len(str(s["sequence"])) for s in steps] + [3])
    print(f"{'seq':>{sw}} {'step':>4}  {'input':<{width}}  {'predicted':<{pw}}  output", file=buf)
    for s in steps:
        values = s["output"]
        shown = " ".join(f"{v:.3f}" for v in values[:8]) + (" …" if len(values) > 8 else "")
        print(f"{s['sequence']:>{sw}} {s['step']:>4}  {s['input']:<{width}}  {s['predicted']:<{pw}}  {shown}", file=buf)
    if attention is not None:
        print("\nattention (rows: output words, columns: input words)", file=buf)
        src = attention["source"]
        w = max(map(len, attention["target"]))
        print(" " * (w + 2) + " ".join(f"{s[:6]:>6}" for s in src), file=buf)
        for word, row in zip(attention["target"], attention["weights"], strict=True):
            print(f"{word:<{w}}  " + " ".join(f"{v:6.2f}" for v in row), file=buf)
    return buf.getvalue()

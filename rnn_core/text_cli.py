"""Command line for character models of a text: ``train text --text-file FILE`` (or ``--corpus structured``)
and ``sample --model FILE.npz``, hooked into ``rnn_core.cli`` by :func:`add_parsers` and :func:`handles`.

A model file is the project's ``.npz`` (``save_model``): the SequenceModel, its characters as the vocabulary
and ``meta["text_model"]`` with the training settings and the final bits per character.
"""

from . import text_model as tm
from .corpus import CORPORA, MAX_OWN, check_own_text, corpus
from .data import InputError
from .model_file import save_model


def add_parsers(sub, train):
    """Give the ``train`` parser the text model's options and add the ``sample`` command to ``sub``."""
    train.add_argument("--text-file", help="for text: train a character model on this UTF-8 file "
                       f"({tm.MAX_LAYERS} layers and {tm.MAX_HIDDEN} hidden units at most)")
    train.add_argument("--corpus", choices=list(CORPORA), help="for text: train on a corpus the project makes")
    train.add_argument("--chunk", type=int, help=f"for text: characters per truncated-BPTT chunk (default {tm.CHUNK})")
    s = sub.add_parser("sample", help="write text with a character model saved by `train text`",
                       description="Read the prime, then write --length characters, each sampled from the model "
                       "and fed back. Prints the prime followed by the written characters (the prime is "
                       "included; --no-prime prints only what the model wrote).")
    s.add_argument("--model", required=True, help="a model file saved by `train text`")
    s.add_argument("--prime", default=None, help="the text the model reads first (default: a newline, or the "
                   "model's first character)")
    s.add_argument("--length", type=int, default=200, help=f"characters to write, 1 to {tm.MAX_SAMPLE} (default 200)")
    s.add_argument("--temperature", type=float, default=1.0,
                   help="0 is greedy (always the most likely character); 1 samples the model's own distribution; "
                   "above 1 flatter, below 1 sharper (default 1)")
    s.add_argument("--top-k", type=int, default=None, help="sample among the k most likely characters only")
    s.add_argument("--seed", type=int, default=0, help="the same seed writes the same text (default 0)")
    s.add_argument("--no-prime", action="store_true", help="print only the written characters")


def handles(args):
    """Whether these parsed arguments are a text-model command."""
    return args.command == "sample" or (args.command == "train" and args.example == "text"
                                        and (args.text_file is not None or args.corpus is not None))


def main(args, out, err):
    return _sample(args, out) if args.command == "sample" else _train(args, out, err)


def _read_text(args):
    if args.text_file is not None and args.corpus is not None:
        raise InputError("give --text-file or --corpus, not both")
    if args.corpus is not None:
        return corpus(args.corpus), {"corpus": args.corpus}
    with open(args.text_file, "rb") as f:
        raw = f.read(4 * MAX_OWN + 1)                            # UTF-8: at most 4 bytes a character
    if len(raw) > 4 * MAX_OWN:
        raise InputError(f"the file is larger than {4 * MAX_OWN:,} bytes; a text may have {MAX_OWN:,} characters")
    return check_own_text(raw), {"text_file": str(args.text_file)}


def _train(args, out, err):
    text, source = _read_text(args)
    changes = {k: getattr(args, k) for k in ("cell", "hidden", "layers", "steps", "lr", "optimizer", "seed")
               if getattr(args, k) is not None}
    if args.clip is not None:
        changes["clip"] = args.clip if args.clip > 0 else None
    for key, low, high in (("hidden", 1, tm.MAX_HIDDEN), ("layers", 1, tm.MAX_LAYERS), ("steps", 1, 100_000)):
        if key in changes and not low <= changes[key] <= high:
            raise InputError(f"--{key} must be from {low} to {high}")
    if "lr" in changes and not 0 < changes["lr"] <= 10:
        raise InputError("--lr must be above 0 and at most 10")
    chunk = args.chunk if args.chunk is not None else tm.CHUNK
    if not 2 <= chunk <= 1000:
        raise InputError("--chunk must be from 2 to 1000")
    config = tm.DEFAULTS.replace(**changes)
    trainer = tm.trainer_for(text, config, chunk=chunk)
    show = not args.quiet and hasattr(err, "isatty") and err.isatty()
    while not trainer.done and trainer.stopped is None:
        trainer.run(steps=max(1, config.steps // 50))
        if show and trainer.history:
            print(f"\r{trainer.step}/{config.steps} updates, {tm.bits(trainer.history[-1]['loss']):.3f} bits/char",
                  end="", file=err, flush=True)
    if show:
        print(file=err)
    if trainer.stopped:
        print(trainer.stopped, file=err)
    recent = [row["loss"] for row in trainer.history[-20:]]
    bpc = tm.bits(sum(recent) / len(recent)) if recent else float("nan")
    meta = {"example": tm.KIND, tm.KIND: {**source, "config": config.to_dict(), "chunk": chunk,
                                    "streams": trainer.data.size, "steps": trainer.step, "bits_per_char": bpc,
                                    "seconds": round(trainer.elapsed, 3)}}
    save_model(args.out, trainer.model, vocab=trainer.data.vocab, meta=meta)
    print(f"character model: {config.cell.upper()} {config.hidden} hidden × {config.layers}, {len(trainer.data.vocab)} "
          f"characters, {trainer.step} updates in {trainer.elapsed:.2f} s; {bpc:.3f} bits per character "
          f"(last 20 updates)", file=out)
    print(f"saved to {args.out}", file=out)
    return 0 if trainer.stopped is None else 1


def _sample(args, out):
    model, vocab, _ = tm.load_text_model(args.model)
    prime = args.prime if args.prime is not None else ("\n" if "\n" in vocab else vocab[0])
    s = tm.sample(model, vocab, prime, args.length, args.temperature, args.top_k, args.seed)
    out.write(s.text if args.no_prime else prime + s.text)
    if not s.text.endswith("\n"):
        out.write("\n")
    return 0


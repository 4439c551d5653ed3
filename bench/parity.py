"""PyTorch parity: the same weights give the same numbers in ``rnn_core`` and in ``torch.nn``, float64.

For a vanilla RNN (tanh, relu), an LSTM and a GRU of 1 to 3 layers, in both directions

* torch → ours: ``nn.RNN/LSTM/GRU``'s own initialisation, its ``state_dict()`` loaded into ours unchanged
  (``tensor.numpy()``);
* ours → torch: our initialisation, our ``state_dict()`` loaded into PyTorch unchanged
  (``torch.from_numpy``, strict);

and for three length patterns (all T, no packing; uneven and unsorted with the longest T; uneven and all
shorter than T), both sides run from a random initial state (h0, and c0 for LSTM) and backpropagate
``L = Σ out·dout + Σ h_n·dh_n (+ Σ c_n·dc_n)``. PyTorch gets packed sequences
(``pack_padded_sequence(..., enforce_sorted=False)``, ``pad_packed_sequence(..., total_length=T)``), ours
``lengths``. Compared: output, h_n, c_n, every parameter gradient, ∂L/∂x and ∂L/∂(h0, c0).

Then the files (``rnn_core.save_pytorch`` / ``load_pytorch``), for every cell and 1 to 3 layers, with an
``nn.Linear`` head:

* torch → file → ours: ``safetensors.torch.save_file(module.state_dict(), path)`` of the README's module
  (attributes ``rnn`` and ``head``), and of a bare ``nn.RNN/LSTM/GRU``, read by ``load_pytorch``;
* ours → file → torch: ``save_pytorch(model, path)`` then ``module.load_state_dict(load_file(path), strict=True)``;

compared: the head's logits and the final state h_n on a batch with uneven lengths.

PyTorch is needed only here, and only when it is installed: this is how compatibility is shown without
making it a test dependency.
"""

import os
import tempfile

import numpy as np

from rnn_core import Recurrent, SequenceModel, load_pytorch, save_pytorch

from .common import check, load_torch, markdown_table

TITLE = "PyTorch parity: same weights, same numbers (float64)"

TOL = 1e-10
CASES = [("rnn", "tanh"), ("rnn", "relu"), ("lstm", "tanh"), ("gru", "tanh")]
LAYERS = (1, 2, 3)
D, H, T, B = 4, 5, 7, 4
LENGTHS = {"all T": None, "uneven": [3, 7, 1, 5], "all < T": [6, 2, 4, 6]}
QUANTITIES = ("output", "h_n", "c_n", "∂params", "∂input", "∂(h0, c0)")


def _torch_module(torch, kind, nonlinearity, layers):
    cls = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[kind]
    extra = {"nonlinearity": nonlinearity} if kind == "rnn" else {}
    return cls(D, H, num_layers=layers, dtype=torch.float64, **extra)


def _ours(m, x, h0, c0, lengths, dout, dhn, dcn):
    lstm = m.kind == "lstm"
    rec = m.forward(x, h0=(h0, c0) if lstm else h0, lengths=None if lengths is None else np.array(lengths))
    grads = m.backward(rec, dout, d_h_n=dhn, d_c_n=dcn if lstm else None)
    d_state = np.concatenate([rec.d_h0, rec.d_c0]) if lstm else rec.d_h0
    return {"output": rec.output, "h_n": rec.h_n, "c_n": rec.c_n, "∂params": grads, "∂input": rec.d_input,
            "∂(h0, c0)": d_state}


def _theirs(torch, mod, x, h0, c0, lengths, dout, dhn, dcn):
    lstm = isinstance(mod, torch.nn.LSTM)
    xt, h0t, c0t = (torch.tensor(a, requires_grad=True) for a in (x, h0, c0))
    inp = xt
    if lengths is not None:
        inp = torch.nn.utils.rnn.pack_padded_sequence(xt, torch.tensor(lengths), enforce_sorted=False)
    out, state = mod(inp, (h0t, c0t) if lstm else h0t)
    if lengths is not None:
        out, _ = torch.nn.utils.rnn.pad_packed_sequence(out, total_length=x.shape[0])
    h_n, c_n = state if lstm else (state, None)
    loss = (out * torch.from_numpy(dout)).sum() + (h_n * torch.from_numpy(dhn)).sum()
    if lstm:
        loss = loss + (c_n * torch.from_numpy(dcn)).sum()
    for p in mod.parameters():
        p.grad = None
    loss.backward()
    d_state = torch.cat([h0t.grad, c0t.grad]) if lstm else h0t.grad
    return {"output": out.detach().numpy(), "h_n": h_n.detach().numpy(),
            "c_n": None if c_n is None else c_n.detach().numpy(),
            "∂params": {n: p.grad.numpy() for n, p in mod.named_parameters()},
            "∂input": xt.grad.numpy(), "∂(h0, c0)": d_state.numpy()}


def _differences(a, b):
    """Per quantity: the largest |difference| and where it is (None where the quantity does not exist).

    A quantity present on one side only, or of another shape or parameter names, raises ValueError.
    """
    diffs = {}
    for q in QUANTITIES:
        if a[q] is None or b[q] is None:
            if (a[q] is None) != (b[q] is None):
                raise ValueError(f"{q} exists on one side only")
            diffs[q] = None
            continue
        if q == "∂params" and sorted(a[q]) != sorted(b[q]):
            raise ValueError(f"parameter names differ: {sorted(a[q])} vs {sorted(b[q])}")
        pairs = {n: (a[q][n], b[q][n]) for n in sorted(b[q])} if q == "∂params" else {"": (a[q], b[q])}
        worst = (-1.0, "")
        for name, (u, v) in pairs.items():
            if np.shape(u) != np.shape(v):
                raise ValueError(f"{q} {name} has shape {np.shape(u)} in ours, {np.shape(v)} in PyTorch")
            err = np.abs(np.asarray(u) - np.asarray(v))
            at = np.unravel_index(int(np.argmax(err)), err.shape)
            worst = max(worst, (float(err[at]), f"{name}[{', '.join(map(str, at))}]".lstrip()))
        diffs[q] = worst
    return diffs


def _check_case(torch, kind, nonlinearity, layers, seed):
    """Every direction and length pattern of one case: per quantity the worst difference, and the failures."""
    worst = dict.fromkeys(QUANTITIES)
    failures = []
    for direction in ("torch → ours", "ours → torch"):
        torch.manual_seed(seed)
        mod = _torch_module(torch, kind, nonlinearity, layers)
        m = Recurrent(kind, D, H, num_layers=layers, nonlinearity=nonlinearity, seed=seed)
        try:
            if direction == "torch → ours":
                m.load_state_dict({k: v.numpy() for k, v in mod.state_dict().items()})
            else:
                mod.load_state_dict({k: torch.from_numpy(v) for k, v in m.state_dict().items()})
        except (ValueError, RuntimeError) as e:
            failures.append(f"{direction}: loading the state dict failed: {e}")
            continue
        for pattern, lengths in LENGTHS.items():
            rng = np.random.default_rng(seed)
            x = rng.standard_normal((T, B, D))
            h0, c0, dhn, dcn = (rng.standard_normal((layers, B, H)) for _ in range(4))
            dout = rng.standard_normal((T, B, H))
            where = f"{direction}, lengths {pattern} ({lengths or [T] * B})"
            try:
                diffs = _differences(_ours(m, x, h0, c0, lengths, dout, dhn, dcn),
                                     _theirs(torch, mod, x, h0, c0, lengths, dout, dhn, dcn))
            except (ValueError, RuntimeError) as e:
                failures.append(f"{where}: {e}")
                continue
            for q, found in diffs.items():
                if found is None:
                    continue
                d, at = found
                worst[q] = d if worst[q] is None else max(worst[q], d)
                if not d <= TOL:
                    failures.append(f"{where}: {q} differs by {d:.3e}, most at {at}")
    return worst, failures


def run(quick=False):
    """Print the parity table; 1 if anything differs by more than TOL, 0 otherwise (or without PyTorch)."""
    torch = load_torch()
    if torch is None:
        print("PyTorch was not found (it is optional): parity check skipped.")
        return 0
    print(f"PyTorch {torch.__version__}; D={D}, H={H}, T={T}, B={B}; each row: both directions of loading "
          f"× lengths {', '.join(LENGTHS)}; pass when every |difference| ≤ {TOL:.0e}.\n")
    rows, all_failures = [], []
    seed = 0
    for kind, nonlinearity in CASES:
        for layers in LAYERS:
            seed += 1
            worst, failures = _check_case(torch, kind, nonlinearity, layers, seed)
            name = f"{kind.upper()} ({nonlinearity})" if kind == "rnn" else kind.upper()
            rows.append([name, layers] + ["—" if worst[q] is None else f"{worst[q]:.1e}" for q in QUANTITIES]
                        + [f"{check(not failures)} {'pass' if not failures else 'FAIL'}"])
            all_failures += [f"{name}, {layers} layer(s), {f}" for f in failures]
    print(markdown_table(["cell", "layers"] + [f"max Δ {q}" for q in QUANTITIES] + ["result"], rows,
                         "lr" + "r" * len(QUANTITIES) + "l"))
    if all_failures:
        print("\nFailures:\n" + "\n".join(f"- {f}" for f in all_failures))
        return 1
    print(f"\nAll {len(rows)} cases match.\n")
    return _files(torch)


# ---------------------------------------------------------------------------------------------- files
def readme_module(torch):
    """The module the README shows: a recurrent layer named ``rnn`` and an ``nn.Linear`` named ``head``."""
    nn = torch.nn

    class Model(nn.Module):
        def __init__(self, kind, input_size, hidden_size, output_size, num_layers=1, **rnn_options):
            super().__init__()
            self.rnn = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}[kind](input_size, hidden_size, num_layers,
                                                                             **rnn_options)
            self.head = nn.Linear(hidden_size, output_size)

        def forward(self, x):                       # x (T, B, D), time-major like rnn_core
            out, state = self.rnn(x)
            return self.head(out), state            # logits (T, B, O); softmax or sigmoid as the head says

    return Model


def _torch_run(torch, module, x, lengths, with_head):
    """Logits (or the top layer's outputs) and h_n of a torch module on packed sequences."""
    xt = torch.nn.utils.rnn.pack_padded_sequence(torch.from_numpy(x), torch.tensor(lengths), enforce_sorted=False)
    with torch.no_grad():
        rnn = module.rnn if with_head else module
        out, state = rnn(xt)
        out, _ = torch.nn.utils.rnn.pad_packed_sequence(out, total_length=x.shape[0])
        h_n = state[0] if isinstance(state, tuple) else state
        if with_head:
            out = module.head(out)
            out = out * torch.from_numpy((np.arange(x.shape[0])[:, None] < np.array(lengths))[..., None])
    return out.numpy(), h_n.numpy()


def _ours_run(model, x, lengths):
    if isinstance(model, SequenceModel):
        rec = model.forward(x, np.array(lengths))
        logits = rec.head.logits * rec.rnn.mask[..., None]          # PyTorch pads with zeros past each length
        return logits, rec.rnn.h_n
    rec = model.forward(x, lengths=np.array(lengths))
    return rec.output, rec.h_n


def _files(torch):
    """Both directions through safetensors files; 1 if anything differs by more than TOL."""
    from safetensors.torch import load_file, save_file
    Model = readme_module(torch)
    rows, failures, seed = [], [], 100
    O, lengths = 3, [7, 3, 5, 1]
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "model.safetensors")
        for kind, nonlinearity in CASES:
            options = {"nonlinearity": nonlinearity} if kind == "rnn" else {}
            for layers in LAYERS:
                for with_head in (True, False):
                    seed += 1
                    x = np.random.default_rng(seed).standard_normal((T, B, D))
                    name = f"{kind.upper()} ({nonlinearity})" if kind == "rnn" else kind.upper()
                    what = "+ nn.Linear" if with_head else "bare"
                    # torch → file → ours
                    torch.manual_seed(seed)
                    mod = (Model(kind, D, H, O, layers, **options) if with_head else
                           _torch_module(torch, kind, nonlinearity, layers)).double()
                    save_file(mod.state_dict(), path)
                    ours = load_pytorch(path, nonlinearity=nonlinearity, head_activation="identity")
                    d1 = [float(np.max(np.abs(a - b))) for a, b in zip(_ours_run(ours, x, lengths),
                                                                     _torch_run(torch, mod, x, lengths, with_head),
                                                                     strict=True)]
                    # ours → file → torch (strict)
                    model = (SequenceModel(kind, D, H, O, layers, nonlinearity, head="identity", seed=seed)
                             if with_head else Recurrent(kind, D, H, layers, nonlinearity, seed=seed))
                    save_pytorch(model, path)
                    mod = (Model(kind, D, H, O, layers, **options) if with_head else
                           _torch_module(torch, kind, nonlinearity, layers)).double()
                    try:
                        mod.load_state_dict(load_file(path), strict=True)
                    except RuntimeError as e:
                        failures.append(f"{name} {layers} layer(s) {what}: strict load failed: {e}")
                        continue
                    d2 = [float(np.max(np.abs(a - b))) for a, b in zip(_ours_run(model, x, lengths),
                                                                     _torch_run(torch, mod, x, lengths, with_head),
                                                                     strict=True)]
                    ok = max(d1 + d2) <= TOL
                    if not ok:
                        failures.append(f"{name} {layers} layer(s) {what}: differs by {max(d1 + d2):.3e}")
                    rows.append([name, layers, what, f"{d1[0]:.1e}", f"{d1[1]:.1e}", f"{d2[0]:.1e}", f"{d2[1]:.1e}",
                                 f"{check(ok)} {'pass' if ok else 'FAIL'}"])
    print(f"Files: safetensors written by PyTorch read by load_pytorch, and written by save_pytorch loaded into "
          f"PyTorch with strict=True; lengths {lengths}, O={O}.\n")
    print(markdown_table(["cell", "layers", "module", "torch → ours max Δ out", "Δ h_n", "ours → torch max Δ out",
                          "Δ h_n", "result"], rows, "lrlrrrrl"))
    if failures:
        print("\nFailures:\n" + "\n".join(f"- {f}" for f in failures))
        return 1
    print(f"\nAll {len(rows)} file cases match.")
    return 0

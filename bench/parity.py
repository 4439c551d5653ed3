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

PyTorch is needed only here, and only when it is installed: this is how compatibility is shown without
making it a test dependency.
"""

import numpy as np

from rnn_core import Recurrent

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
    print(f"\nAll {len(rows)} cases match.")
    return 0

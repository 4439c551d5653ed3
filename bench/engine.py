"""Engine benchmark: forward + full BPTT of one recurrent layer, ours against PyTorch, float64, one thread.

Workload per call, the same work on both sides:

* ours: ``rec = m.forward(x); grads = m.backward(rec, dout)`` (recording on), which yields every
  parameter gradient and ``rec.d_input``;
* PyTorch (same weights, our state dict loaded into ``nn.RNN/LSTM/GRU``, ``batch_first=False``):
  ``out, h_n = mod(x)`` with ``x.requires_grad_(True)``, then ``out.backward(dout)``, which yields
  every parameter gradient and ``x.grad``. Before each call, untimed, every ``.grad`` is set to None
  (as ``zero_grad(set_to_none=True)`` does), so PyTorch allocates fresh gradients as ours does.

Calls alternate ours/PyTorch round after round in one process; each side's median per call is reported.
A second table gives the cost of recording: ``forward(x, record=True)`` + backward against
``record=False`` + backward, also paired.
"""

import numpy as np

from rnn_core import Recurrent

from .common import check, environment, fmt_us, load_torch, markdown_table, numpy_threads_note, paired_medians

TITLE = "Engine: forward + full BPTT, float64, one thread"

KINDS = ("rnn", "lstm", "gru")
#: name -> (D, H, T, B, target ratio ours/PyTorch)
SIZES = {
    "Kennedy": (8, 5, 8, 2, 0.5),
    "JAZZ": (3, 8, 4, 1, 0.5),
    "mid": (32, 32, 50, 16, 1.0),
    "large": (64, 128, 100, 32, 1.0),
}
RECORD_TARGET = 10.0          # % that recording may add to forward + backward
BUDGET_VS_TORCH = 3.0         # seconds of timed rounds per (kind, size), both sides together
BUDGET_RECORD = 2.0           # the same for recording on/off (the whole benchmark takes about a minute)
SAME_WORK_TOL = 1e-8          # both sides must agree this well before they are timed


def make_case(kind, D, H, T, B, seed=0):
    """Our layer and a fixed input and output gradient."""
    rng = np.random.default_rng(seed)
    m = Recurrent(kind, D, H, seed=seed)
    return m, rng.standard_normal((T, B, D)), rng.standard_normal((T, B, H))


def ours_call(m, x, dout, record=True):
    """The timed call on our side: forward (recording on or off) and full BPTT."""
    def call():
        rec = m.forward(x, record=record)
        m.backward(rec, dout)
    return call


def torch_case(torch, m, x, dout):
    """PyTorch's module with our weights, and (prepare, call, result) for the timed loop."""
    cls = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[m.kind]
    extra = {"nonlinearity": m.nonlinearity} if m.kind == "rnn" else {}
    mod = cls(m.input_size, m.hidden_size, num_layers=m.num_layers, dtype=torch.float64, **extra)
    mod.load_state_dict({k: torch.from_numpy(v) for k, v in m.state_dict().items()})
    xt = torch.from_numpy(x.copy()).requires_grad_(True)
    dt = torch.from_numpy(dout)
    params = list(mod.parameters())

    def prepare():
        for p in params:
            p.grad = None
        xt.grad = None

    def call():
        out, _ = mod(xt)
        out.backward(dt)

    def result():
        prepare()
        out, _ = mod(xt)
        out.backward(dt)
        return out.detach().numpy(), {n: p.grad.numpy() for n, p in mod.named_parameters()}, xt.grad.numpy()

    return prepare, call, result


def same_work(m, x, dout, result):
    """Largest |difference| between our and PyTorch's output, parameter and input gradients."""
    rec = m.forward(x)
    grads = m.backward(rec, dout)
    out, tgrads, dx = result()
    diffs = [np.abs(rec.output - out).max(), np.abs(rec.d_input - dx).max()]
    diffs += [np.abs(grads[n] - g).max() for n, g in tgrads.items()]
    return max(diffs)


def run(quick=False):
    torch = load_torch()
    scale = 0.1 if quick else 1.0
    print(environment(torch) + "\n")
    note = numpy_threads_note()
    if note:
        print(note + "\n")
    if torch is None:
        print("PyTorch was not found (it is optional): our times only, no comparison.\n")

    rows, record_rows, worst_diff = [], [], 0.0
    for kind in KINDS:
        for size, (D, H, T, B, target) in SIZES.items():
            m, x, dout = make_case(kind, D, H, T, B)
            ours = ours_call(m, x, dout)
            label = [kind.upper(), size, D, H, T, B]
            if torch is not None:
                prepare, theirs, result = torch_case(torch, m, x, dout)
                worst_diff = max(worst_diff, same_work(m, x, dout, result))
                (t_ours, t_torch), n = paired_medians([ours, theirs], BUDGET_VS_TORCH * scale,
                                                      prepare=[None, prepare])
                ratio = t_ours / t_torch
                rows.append(label + [fmt_us(t_ours), fmt_us(t_torch), f"{ratio:.2f}", f"≤ {target:.1f}",
                                     check(ratio <= target), n])
            else:
                (t_ours,), n = paired_medians([ours], BUDGET_VS_TORCH * scale / 2)
                rows.append(label + [fmt_us(t_ours), n])
            (t_on, t_off), n = paired_medians([ours, ours_call(m, x, dout, record=False)], BUDGET_RECORD * scale)
            overhead = 100.0 * (t_on / t_off - 1.0)
            record_rows.append(label + [fmt_us(t_off), fmt_us(t_on), f"{overhead:+.1f}%", f"< {RECORD_TARGET:.0f}%",
                                        check(overhead < RECORD_TARGET), n])

    dims = ["kind", "size", "D", "H", "T", "B"]
    print(f"### {'Ours against PyTorch' if torch else 'Ours'} (median µs per forward + backward call)\n")
    if torch is not None:
        print(markdown_table(dims + ["ours µs", "PyTorch µs", "ours/PyTorch", "target", "met", "rounds"], rows,
                             "llrrrrrrrlcr"))
        print(f"\nBoth sides compute the same: largest |difference| of output, parameter and input gradients "
              f"{worst_diff:.1e}. Calls alternate, so each side runs with the caches the other left, as in a "
              "program that does more than this; timed alone, both are somewhat faster.\n")
    else:
        print(markdown_table(dims + ["ours µs", "rounds"], rows, "llrrrrrr") + "\n")
    print("### Cost of recording (ours, median µs per forward + backward call)\n")
    print(markdown_table(dims + ["record=False µs", "record=True µs", "overhead", "target", "met", "rounds"],
                         record_rows, "llrrrrrrrlcr"))
    if worst_diff > SAME_WORK_TOL:
        print(f"\nFAIL: ours and PyTorch differ by {worst_diff:.1e} (> {SAME_WORK_TOL:.0e}) on the benchmark inputs.")
        return 1
    return 0

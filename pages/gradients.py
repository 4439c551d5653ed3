"""Vanishing & exploding gradients: how far back a loss still reaches in a vanilla RNN, an LSTM and a GRU; the
eigenvalues and Jacobian products behind it; clipping; and recall over distance."""

import streamlit as st

from rnn_core.gradient_study import CHANCE, EXPLODING
from ui import gradients as ug
from ui import jobs
from ui.controls import download_csv, page_end, page_start
from ui.plot import plot, shared_plot
from viz import gradients as vg


def show_lstm():
    st.session_state.cell = "lstm"


v = page_start(
    "Vanishing & exploding gradients",
    "Backpropagation multiplies the gradient by one Jacobian per step back in time. Below, a loss at the "
    "**last step only** is sent back through a vanilla RNN, an LSTM and a GRU with the same inputs and seed. "
    "Below 1 the vanilla RNN's gradient fades toward early steps (vanishing); move the **recurrent scale ρ** "
    "past 1 and it grows (exploding). The gated cells keep it while their gates are open (the **gate bias**).",
    ug.SETTINGS)
st.sidebar.caption("This page uses the cell (section 2), hidden units and seed; example, layers and weights "
                   "belong to the other pages.")

c1, c2, c3, c4 = st.columns([1.5, 1.7, 2.0, 1.6])
c1.slider("Sequence length T", 10, 200, key="v_len")
c2.slider("Recurrent scale ρ (every |eigenvalue| of W_hh)", 0.1, 3.0, step=0.1, key="v_scale",
          help="Each H×H block of W_hh is ρ times an orthogonal matrix; the other biases are zero.")
c3.segmented_control("Vanilla RNN activation", ug.ACTIVATIONS, key="v_act", required=True)
c4.select_slider("Gate bias b (LSTM forget f, GRU update z)", ug.GATE_BIASES, key="v_bias",
                 format_func=lambda b: f"{b:g}",
                 help="Added to the forget gate's (GRU: update gate's) bias, so the gate starts near σ(b): "
                      "0.5 for 0, 0.73 for 1 (Jozefowicz et al. 2015), 0.95 for 3. Open gates keep the memory.")
T, scale, act, bias = int(v["v_len"]), ug.scale_of(v["v_scale"]), v["v_act"], float(v["v_bias"])
hidden, seed, cell = int(v["hidden"]), int(v["seed"]), v["cell"]

st.subheader("1. How far back the gradient reaches")
studies = ug.norm_studies(T, scale, act, hidden, seed, bias)
# every figure is built once per setting and shared by the sessions asking for it (read-only), as plain dicts
plot(shared_plot("v_norms", (T, scale, act, hidden, seed, bias),
                 lambda: vg.norm_by_step_figure(studies, plain=True)), "v_norms")
if not all(s.finite for s in studies):
    st.warning("Some norms overflowed the largest floating-point number and are left out of the chart.")
st.caption(ug.HOW_TO_READ["norms"])
download_csv(lambda: ug.norm_frame(studies), f"gradient_norms_T{T}_scale{scale:g}_{act}.csv", key="v_dl_norms")

st.subheader("2. Eigenvalues of W_hh and the Jacobian products")
kinds = ("rnn",) if cell == "rnn" else ("rnn", cell)
titles = [vg.cell_label(k, act) for k in kinds]
panels = [(t, ug.eigenvalues(k, scale, act, hidden, seed)) for t, k in zip(titles, kinds, strict=True)]
plot(shared_plot("v_eigen", (kinds, scale, act, hidden, seed), lambda: vg.eigenvalue_figure(panels, plain=True)),
     "v_eigen")
st.caption(ug.HOW_TO_READ["eigenvalues"])
if cell == "rnn":
    st.info("Pick **LSTM** or **GRU** as the cell in the sidebar to set it beside the vanilla RNN.",
            icon=":material/info:")
    st.button("Show the LSTM beside it", on_click=show_lstm, icon=":material/swap_horiz:", key="v_to_lstm")
download_csv(lambda: ug.eigen_frame(panels), f"eigenvalues_scale{scale:g}.csv", key="v_dl_eigen")
maps = ug.jacobian_maps(T, scale, act, hidden, seed, kinds, bias)
plot(shared_plot("v_jacobians", (T, scale, act, hidden, seed, kinds, bias),
                 lambda: vg.jacobian_figure([maps[k] for k in kinds], titles, plain=True)), "v_jacobians")
st.caption(ug.HOW_TO_READ["jacobians"])
download_csv(lambda: ug.jacobian_frame([maps[k] for k in kinds], titles), f"jacobian_norms_T{T}_scale{scale:g}.csv",
             key="v_dl_jacobians")

st.subheader("3. Clipping an exploding gradient")
st.markdown(f"A vanilla RNN with **{EXPLODING['nonlinearity']}** and **ρ = {EXPLODING['scale']:g}** learns the "
            f"memory task (distance {EXPLODING['distance']}) with plain SGD for {EXPLODING['steps']} updates, "
            "twice from the same weights: once without clipping, once with.")
c1, c2 = st.columns(2)
c1.select_slider("Learning rate", ug.LEARNING_RATES, key="v_lr")
c2.select_slider("Clip the gradient's norm at", ug.CLIPS, key="v_clip")
clipping = ug.clipping_job(v["v_lr"], v["v_clip"], hidden, seed)
if clipping.state == "done":
    runs, seconds = clipping.value["runs"], clipping.value["seconds"]
    plot(shared_plot("v_clipping", (v["v_lr"], v["v_clip"], hidden, seed),
                     lambda: vg.clipping_figure(runs, v["v_clip"], plain=True)), "v_clipping")
    for run in runs:
        if run.stopped:
            label = "Without clipping" if run.clip is None else f"Clipped at {run.clip:g}"
            st.warning(f"{label}: {run.stopped}", icon=":material/warning:")
    st.caption(ug.HOW_TO_READ["clipping"] + f" Both runs took {seconds:.2f} s in the server's worker process.")
    download_csv(lambda: ug.clipping_frame(runs), "clipping.csv", key="v_dl_clipping")
elif clipping.state == "failed":
    jobs.failed(clipping, "the two clipping runs")
else:                                  # a fraction of a second in a free worker: asked for again soon
    jobs.waiting(clipping, "the two clipping runs", poll=jobs.QUICK_POLL_SECONDS)

st.subheader("4. Memory over distance")
st.markdown(f"Each cell ({ug.MEMORY_HIDDEN} hidden units, the sidebar's seed, or it and the next two) learns to "
            "recall the first of "
            "A, B, C, D after N noisy steps, once per distance N: the memory example's own training, "
            "stopped early once a check set is recalled.")
c1, c2, c3, c4 = st.columns([2, 2, 1.4, 1])
c1.select_slider("Longest distance", ug.FARTHEST, key="v_far")
c2.select_slider("At most this many updates per network", ug.UPDATES, key="v_updates")
c3.segmented_control("Seeds averaged", ug.SEED_COUNTS, key="v_seeds", required=True,
                     help="3: each cell and distance is trained with the sidebar's seed and the next two; the chart "
                          "shows their mean and, as a bar, the lowest and highest.")
far, updates, n_seeds = int(v["v_far"]), int(v["v_updates"]), int(v["v_seeds"])
key = (seed, updates, far, n_seeds)
asked = st.session_state.setdefault("_v_memory_asked", set())
if c4.button("Run", type="primary", icon=":material/play_arrow:", key="v_run"):
    asked.add(key)
networks = 3 * n_seeds * len(ug.distances_up_to(far))
job = ug.memory_job(seed, updates, far, n_seeds) if key in asked else None
if job is not None and job.state == "done":
    points, seconds = job.value["points"], job.value["seconds"]
    plot(vg.memory_figure(points, CHANCE), "v_memory")
    st.caption(ug.HOW_TO_READ["memory"] + f" {len(points)} networks, trained in {seconds:.1f} s in the server's "
               "worker process (shared by everyone who runs these settings).")
    download_csv(ug.memory_frame(points), f"memory_over_distance_seed{seed}.csv", key="v_dl_memory")
elif job is not None:
    seeds = f"seeds {seed} to {seed + n_seeds - 1}" if n_seeds > 1 else f"seed {seed}"
    what = f"{networks} networks ({seeds}, up to distance {far})"
    (jobs.failed if job.state == "failed" else jobs.waiting)(job, what)
else:
    st.info(f"Press **Run** to train {networks} networks (about 10 s per seed up to distance 20, half a minute up "
            "to 40; results are kept for these settings).", icon=":material/info:")

page_end(ug.SETTINGS)

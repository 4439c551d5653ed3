"""Unrolled graph: the network drawn once per time step, activations forward and gradients backward."""

import streamlit as st

from ui import unrolled as u
from ui.controls import download_csv, page_end, page_start, plain, shared_run
from ui.drawn import graph, shared_chart
from ui.plot import plot
from ui.state import Setting
from ui.step_view import step_view
from viz.bptt import shares_figure
from viz.unrolled import VIEWS, rolled_graph, unrolled_graph

FORMS = ("unrolled", "rolled")
SETTINGS = (Setting("u_form", "unrolled", FORMS), Setting("u_view", "forward", VIEWS),
            Setting("u_seq", 0, low=0, high=1), Setting("u_step", 0, low=0, high=400),
            Setting("u_loss", "all", u.LOSSES))

v = page_start(
    "Unrolled graph",
    "A recurrent network is one cell with a loop; **unrolled**, it is one copy of that cell per time step, "
    "every copy with the same weights, stacked layers on top of each other. The **forward** view shows what "
    "flows up and to the right (the states h_t); the **backward** view shows the gradient ∂L/∂h_t flowing back "
    "from every step's loss, each arrow as wide as the gradient it carries. Click a node or move the step to see "
    "its numbers; try 2 layers, an LSTM, or the trained weights.",
    SETTINGS,
)

run = shared_run(v, SETTINGS)
run_key = tuple(v[name] for name in ("example", "text", "cell", "hidden", "layers", "seed", "weights"))

data, rec = run.data, run.rec
note = ("" if run.outcome is not None else " *Untrained: random weights (the seed in the sidebar), so the answers "
        "are guesses; switch **Weights** to Trained to see what training changes.*")
st.markdown(f"**{plain(run.title)}**: {plain(run.summary)}.{note}")
if data.size == 1:
    st.session_state.u_seq = 0
b = min(int(st.session_state.u_seq), data.size - 1)
T = int(data.lengths[b])
st.session_state.u_step = min(int(st.session_state.u_step), T - 1)


columns = st.columns(3)
columns[0].segmented_control("Drawn", FORMS, key="u_form", required=True, format_func=str.capitalize,
                             help="Rolled: one cell with its loop. Unrolled: one copy per time step.")
columns[1].segmented_control("View", VIEWS, key="u_view", required=True, format_func=str.capitalize,
                             help="Forward: the states. Backward: the gradient of the loss flowing back.")
if data.size > 1:                                           # Kennedy: two sentences in one batch
    columns[2].segmented_control(
        "Sentence", list(range(data.size)), key="u_seq", required=True,
        format_func=lambda i: f"{i + 1} ({data.lengths[i]} words)",
        help="  \n".join(f"{i + 1}: {plain(' '.join(words))}" for i, words in enumerate(data.tokens)))
t = int(st.session_state.u_step)
view, tokens = st.session_state.u_view, data.tokens[b]
unrolled = st.session_state.u_form == "unrolled"
steps = u.window(T, t) if unrolled else range(T)
# the step is moved in the browser (ui.step_view): the bar here, the step's numbers under the charts, which
# are drawn once per setting and mark the chosen step there
follow = ("u_chart", "u_shares") if unrolled else ("u_rolled",)
if T > 1:                                    # a row of its own: the settings' labels are not clipped at 1280 px
    step_view("u_step_bar", "u_step", tokens, t, ("bar",), follow, (steps.start, steps.stop))

if unrolled:
    # one graph per setting for the whole class (a shared object: read-only), drawn by the page itself
    graph(shared_chart(("unrolled", run_key, b, view, steps.start, steps.stop),
                       lambda: unrolled_graph(rec, tokens, data.output_labels, b=b, view=view, steps=steps)), "u_chart")
    if len(steps) < T:
        st.caption(f"Steps {steps.start}–{steps.stop - 1} of {T} are drawn; a step outside them slides the window.")
else:
    graph(shared_chart(("rolled", run_key, b, view),
                       lambda: rolled_graph(rec, tokens, data.output_labels, b=b, view=view)), "u_rolled")

if st.session_state.u_form == "rolled":
    st.caption("**How to read it.** This is the network as one cell: the same x, h and y nodes are used at "
               "every step, and the loop on each h is the recurrent edge that carries h_t on to the next step. "
               "The numbers are those of step t; move the step to watch them change, or switch to *Unrolled* to "
               "see one copy of the cell per step.")
elif view == "forward":
    st.caption("**How to read it.** Each column is one time step, read from the bottom: the input x_t (orange) "
               "enters the hidden state h_t (purple), which also receives h_{t−1} from the left, the state of the "
               "step before; the top layer's h_t gives the output y_t (green), scored by the loss ℓ_t. The number "
               "beside each h is ‖h_t‖. Hover over any node for its vector; click one to pick its step.")
else:
    st.caption("**How to read it.** The arrows now point backwards: each loss ℓ_t sends a gradient down into "
               "y_t and h_t, and every h_t passes part of what it receives back to h_{t−1}. An arrow's width and "
               "darkness is the size ‖·‖ of the gradient along it (the colour bar); the number beside each h is "
               "‖∂L/∂h_t‖, the size of everything that reaches h_t (from above plus from step t + 1). Hover "
               "over an arrow for its number.")
if view == "backward":
    st.markdown("**Where the weight gradient comes from.** Every step uses the same W_hh and W_ih, so BPTT "
                "*adds* one share per step: ∂L/∂W_hh = Σ_t δ_t h_{t−1}ᵀ and ∂L/∂W_ih = Σ_t δ_t x_tᵀ, with δ_t the "
                "gradient at step t's pre-activation. Each bar is the size of one step's share.")
    st.segmented_control("Gradient of", u.LOSSES, key="u_loss", required=True,
                         format_func=lambda k: "L, every step's loss" if k == "all" else "the last step's loss only")
    shares, full, reach = u.step_shares(v["example"], v["text"], v["cell"], v["hidden"], v["layers"], v["seed"],
                                        v["weights"], st.session_state.u_loss)
    loss = u.loss_symbol(data.lengths, st.session_state.u_loss)
    sentence = u.reach_sentence(reach, data.lengths, b, st.session_state.u_loss)
    if sentence:
        st.markdown(sentence)
    T_all = len(shares[0]["weight_hh"])
    plot(shares_figure(shares, full, tokens if data.size == 1 else [str(k) for k in range(T_all)], loss=loss),
         "u_shares", config={"displayModeBar": False})
    both = f" Both sentences are in {loss}, so a step's share holds both." if data.size > 1 else ""
    st.caption("With *the last step's loss only*, a step's share is what has travelled back to it from the end: "
               "on a long word with the vanilla RNN the early steps' shares shrink by orders of magnitude, so "
               "what happened early barely changes W_hh. That is the vanishing gradient of the *Vanishing & "
               "exploding gradients* page, where ‖∂L/∂h_t‖ falls with the distance from the loss. (Step 0 has no "
               "W_hh share: it multiplies h_{−1} = 0. The matrices add and partly cancel, so the bars' sizes do "
               f"not add up to ‖∂{loss}/∂W‖.){both}")

step_view("u_step_numbers", "u_step", tokens, t, ("numbers",), numbers=u.step_numbers(rec, data, b))
st.caption("Each row is one hidden unit: its state before and after step t, and the gradient of the loss "
           "with respect to it (LSTM: the cell state c too).")

d1, d2 = st.columns(2)
with d1:
    download_csv(lambda: u.figure_numbers(rec, data, b), f"unrolled_{v['example']}_numbers.csv",
                 label="Download the figure's numbers (CSV)", key="u_download_numbers")
with d2:
    download_csv(lambda: u.record_table(*run_key), f"unrolled_{v['example']}_record.csv",
                 label="Download everything recorded (CSV)", key="u_download_record")
page_end(SETTINGS)

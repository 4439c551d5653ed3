"""Step through "your PyTorch model": a state dict uploaded as ``.safetensors`` (or an ``.npz``), fed a CSV of
inputs or one of the course's examples whose sizes match, and stepped through as the course's own models are.

The uploaded bytes stay in the session (``_pt_model``, ``_pt_csv``), never in the link: a link with
``source=pytorch`` opens on the upload. Runs are cached on the file's digest, so a rerun reads nothing again.
"""

import hashlib
from dataclasses import dataclass

import streamlit as st

from rnn_core import ModelFileError, Recurrent, SequenceModel, load_any_model
from rnn_core.csv_inputs import read_inputs_csv, sequence_data
from rnn_core.data import InputError
from rnn_core.examples import EXAMPLES
from rnn_core.model import ModelRecord

from . import stepper
from .controls import EXAMPLE_NAMES, page_end, plain
from .state import CELL_NAMES, Setting

EXAMPLE_KEYS = ("jazz", "kennedy", "home", "namaskar")
HEADS = ("softmax", "sigmoid", "identity")
SETTINGS = (Setting("pt_inputs", "csv", ("csv",) + EXAMPLE_KEYS), Setting("pt_phi", "tanh", ("tanh", "relu")),
            Setting("pt_head", "softmax", HEADS))
MAX_HIDDEN, MAX_INPUTS, MAX_OUTPUTS = 32, 64, 64      # what the network picture and the tables can show
MODEL, CSV = "_pt_model", "_pt_csv"                   # session keys: (file name, digest, bytes or text)
MODULE = """class Model(nn.Module):
    def __init__(self, input_size, hidden_size, output_size, num_layers=1):
        super().__init__()
        self.rnn = nn.LSTM(input_size, hidden_size, num_layers)   # or nn.GRU, nn.RNN
        self.head = nn.Linear(hidden_size, output_size)

safetensors.torch.save_file(model.state_dict(), "model.safetensors")"""


@dataclass
class Bare:
    """A recurrent layer uploaded without a head, in the shape the stepper reads (``.rnn``, no ``.head``)."""

    rnn: Recurrent
    head: None = None


@dataclass
class PytorchRun:
    """A run of an uploaded model, shaped as :class:`ui.engine.Run` for the step-through page."""

    title: str
    summary: str
    data: object
    model: object
    rec: object
    grads: dict | None
    outcome: None = None
    history: tuple = ()


def _store(widget, key):
    """An upload's callback: keep its name, digest and content in the session (cleared with the widget)."""
    upload = st.session_state.get(widget)
    if upload is None:
        st.session_state.pop(key, None)
        return
    raw = upload.getvalue()
    st.session_state[key] = (upload.name, hashlib.sha256(raw).hexdigest(), raw)


@st.cache_data(max_entries=16, show_spinner=False)
def _loaded(digest, phi, head, _raw, name):
    """The uploaded file as a model (ModelFileError explains a file that cannot be one)."""
    return load_any_model(_raw, name, nonlinearity=phi, head_activation=head).model


def _count(n, word):
    return f"{n} {word}{'s' * (n != 1)}"


def text_of(raw):
    """An uploaded CSV's text; InputError for a file that is not UTF-8 text."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError("the inputs file is not plain text (UTF-8); save it as CSV and upload it again") from None


def describe(model):
    rnn = model.rnn if isinstance(model, SequenceModel) else model
    text = (f"{CELL_NAMES[rnn.kind]}, {rnn.num_layers} layer{'s' * (rnn.num_layers > 1)} of {rnn.hidden_size} "
            f"units, {rnn.input_size} input{'s' * (rnn.input_size > 1)}")
    if isinstance(model, SequenceModel):
        return f"{text}, a head of {_count(model.head.output_size, 'output')} ({model.head.activation})"
    return f"{text}, no head (the page shows the top layer's h_t)"


def check_model(model):
    """The uploaded model, if the page can draw it; else ModelFileError saying what it holds and what fits."""
    if not isinstance(model, (Recurrent, SequenceModel)):
        raise ModelFileError(f"Step through shows a recurrent layer (nn.RNN, nn.LSTM or nn.GRU, with or without an "
                             f"nn.Linear head); the file holds a {type(model).__name__}")
    rnn = model.rnn if isinstance(model, SequenceModel) else model
    outputs = model.head.output_size if isinstance(model, SequenceModel) else 0
    if rnn.hidden_size > MAX_HIDDEN or rnn.input_size > MAX_INPUTS or outputs > MAX_OUTPUTS:
        raise ModelFileError(f"the model has {rnn.hidden_size} hidden units, {rnn.input_size} inputs and {outputs} "
                             f"outputs; Step through draws at most {MAX_HIDDEN} units, {MAX_INPUTS} inputs and "
                             f"{MAX_OUTPUTS} outputs (`python -m rnn_core trace --model FILE --csv INPUTS` traces any "
                             "size)")
    return model


def example_data(model, key):
    """The example's data for ``model``; InputError naming both sizes when they differ."""
    data = EXAMPLES[key].data()
    rnn = model.rnn if isinstance(model, SequenceModel) else model
    outputs = model.head.output_size if isinstance(model, SequenceModel) else None
    want = (data.x.shape[2], len(data.output_labels))
    if rnn.input_size != want[0] or (outputs is not None and outputs != want[1]):
        have = _count(rnn.input_size, "input") + (f" and gives {_count(outputs, 'output')}" if outputs is not None
                                                  else "")
        raise InputError(f"the model takes {have}; {EXAMPLES[key].title} has {_count(want[0], 'input')} and "
                         f"{_count(want[1], 'output')}")
    return data


@st.cache_data(max_entries=16, show_spinner=False)
def pytorch_run(digest, csv_digest, inputs, phi, head, _raw, _csv_raw, name, csv_name):
    """The uploaded model fed its inputs: forward recorded, and loss and backward when there are targets.

    Raises ModelFileError (the file) or InputError (the inputs) with what was found and what was expected.
    """
    loaded = check_model(_loaded(digest, phi, None if inputs != "csv" else head, _raw, name))
    if inputs != "csv":
        data = example_data(loaded, inputs)
        model = _loaded(digest, phi, data.head, _raw, name)        # the example's head and loss
        source = f"fed {EXAMPLES[inputs].title}"
    else:
        model = loaded
        rnn = model.rnn if isinstance(model, SequenceModel) else model
        has_head = isinstance(model, SequenceModel)
        data = sequence_data(read_inputs_csv(text_of(_csv_raw), rnn.input_size),
                             model.head.activation if has_head else None, model.head.output_size if has_head else 0)
        source = f"fed {_count(data.size, 'sequence')} from {csv_name}"
    grads = None
    if isinstance(model, Recurrent):
        model = Bare(model)
        rec = ModelRecord(model.rnn.forward(data.x, lengths=data.lengths), None)
    elif data.y is not None:
        model.target = data.target
        rec = data.run(model)
        grads = model.backward(rec)
    else:
        rec = model.forward(data.x, data.lengths)
    return PytorchRun(f"Your model ({name})", f"{describe(loaded)}; {source}", data, model, rec, grads)


@st.cache_data(max_entries=64, show_spinner=False)
def run_payload(digest, csv_digest, inputs, phi, head, b, layer, _run):
    """The stepper's payload for one sequence and layer of an uploaded model's run (keyed like the run)."""
    return stepper.payload_of(_run.data, _run.model, _run.rec, b, layer)


@st.cache_data(max_entries=16, show_spinner=False)
def record_csv(digest, csv_digest, inputs, phi, head, _run):
    """(number of values, CSV bytes) of the run's whole record, gradients included when it has targets."""
    return stepper.record_table(_run.rec)


def sidebar():
    """The upload, the inputs and the two choices the weights cannot make; returns the session's uploads."""
    with st.sidebar:
        st.subheader("Your PyTorch model")
        st.file_uploader("Weights (.safetensors, or .npz)", type=["safetensors", "npz", "pt", "pth"],
                         key="pt_upload",
                         on_change=_store, args=("pt_upload", MODEL),
                         help="A state dict of nn.RNN, nn.LSTM or nn.GRU, with or without an nn.Linear head, as "
                         "safetensors.torch.save_file writes it; no pickles (.pt).")
        model = st.session_state.get(MODEL)
        if model is not None and st.session_state.get("pt_upload") is None:   # back on the page: still in use
            st.caption(f"Using {plain(model[0])}.")
        st.selectbox("Inputs", SETTINGS[0].choices, key="pt_inputs",
                     format_func=lambda k: "a CSV of inputs" if k == "csv" else EXAMPLE_NAMES[k],
                     help="A CSV: one row per time step, one column per input, a column `sequence` for several, "
                     "optional `target` columns for the loss. Or an example whose sizes match the model.")
        if st.session_state.pt_inputs == "csv":
            st.file_uploader("Inputs (CSV)", type=["csv", "txt"], key="pt_csv_upload", on_change=_store,
                             args=("pt_csv_upload", CSV))
            csv = st.session_state.get(CSV)
            if csv is not None and st.session_state.get("pt_csv_upload") is None:
                st.caption(f"Using {plain(csv[0])}.")
            st.selectbox("Head's activation", HEADS, key="pt_head",
                         help="What the nn.Linear head's outputs go through (the weights cannot say): softmax "
                         "for classes, sigmoid for yes/no outputs, identity for values.")
        st.segmented_control("φ of a vanilla RNN", ("tanh", "relu"), key="pt_phi", required=True,
                             help="nn.RNN's nonlinearity, which the weights cannot say.")
    return st.session_state.get(MODEL), st.session_state.get(CSV)


def run_key():
    """The cache key of the session's uploaded run: the two files' digests and the three choices."""
    model, csv = st.session_state.get(MODEL), st.session_state.get(CSV)
    return (model[1], csv[1] if csv and st.session_state.pt_inputs == "csv" else None, st.session_state.pt_inputs,
            st.session_state.pt_phi, st.session_state.pt_head)


def run_or_stop(page_settings):
    """The uploaded model's run, or a message saying what is missing or wrong and the page stopped there."""
    model, csv = sidebar()
    inputs = st.session_state.pt_inputs
    if model is None:
        st.info("Upload the weights of a PyTorch model in the sidebar: a recurrent layer named `rnn` and an "
                "optional head named `head`, saved as safetensors (any one prefix, or none, is read):",
                icon=":material/upload_file:")
        st.code(MODULE, language="python")
        return _stop(page_settings)
    try:
        with st.spinner("Reading the model and running it…"):
            check_model(_loaded(model[1], st.session_state.pt_phi, None, model[2], model[0]))   # at once, not later
            if inputs == "csv" and csv is None:
                st.info("Now upload its inputs as a CSV in the sidebar (one row per time step, one column per "
                        "input), or choose an example whose sizes match under **Inputs**.",
                        icon=":material/upload_file:")
                st.code("sequence,x1,x2,target\nfirst,0.5,-1.0,1\nfirst,0.2,0.3,0\nsecond,1.0,0.0,1", language="text")
                return _stop(page_settings)
            csv = csv if inputs == "csv" else (None, None, None)
            return pytorch_run(*run_key(), model[2], csv[2], model[0], csv[0])
    except (ModelFileError, InputError) as err:
        said = str(err)
        said = said[:1].lower() + said[1:] if said[1:2].islower() else said        # "This file …" mid-sentence
        st.error(f"That can't be stepped through: {plain(said)}. Nothing else was changed.", icon=":material/error:")
        return _stop(page_settings)


def _stop(page_settings):
    page_end(page_settings)
    st.stop()


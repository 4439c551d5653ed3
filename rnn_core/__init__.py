"""rnn_core: a verified NumPy engine for vanilla RNN, LSTM and GRU that records every time step.

Imports only NumPy and the standard library (and ``safetensors`` in :mod:`rnn_core.pytorch_io`, for PyTorch files).
Arrays are time-major: inputs (T, B, D), states (T, B, H).

>>> import numpy as np, rnn_core
>>> lstm = rnn_core.Recurrent("lstm", input_size=3, hidden_size=8, seed=0)
>>> rec = lstm.forward(np.eye(3)[[0, 1, 2, 2]][:, None, :])     # J, A, Z, Z as one-hot rows
>>> rec.output.shape, rec.h_n.shape
((4, 1, 8), (1, 1, 8))
"""

from .head import Head, HeadRecord
from .model import ModelRecord, SequenceModel
from .model_file import LoadedModel, ModelFileError, load_model, save_model
from .optim import OPTIMIZERS, clip_grad_norm, clip_grad_value, global_norm, make_optimizer
from .pytorch_io import load_any_model, load_pytorch, save_pytorch
from .record import GATE_NAMES, LayerRecord, Record
from .recurrent import KINDS, Recurrent
from .seq2seq import Seq2Seq, Seq2SeqRecord

__all__ = [
    "GATE_NAMES", "KINDS", "OPTIMIZERS", "Head", "HeadRecord", "LayerRecord", "LoadedModel", "ModelFileError",
    "ModelRecord", "Record", "Recurrent", "Seq2Seq", "Seq2SeqRecord", "SequenceModel", "clip_grad_norm",
    "clip_grad_value", "global_norm", "load_any_model", "load_model", "load_pytorch", "make_optimizer", "save_model",
    "save_pytorch",
]

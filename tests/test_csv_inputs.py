"""Inputs (and optional targets) from a CSV table: what ``rnn_core.csv_inputs`` reads, and what it refuses."""

import pytest

from rnn_core.csv_inputs import read_inputs_csv, sequence_data
from rnn_core.data import InputError


def test_sequences_in_order_of_first_appearance_with_their_targets_apart_from_the_inputs():
    c = read_inputs_csv("Sequence,a,target,b\nq,1,0,2\nr,5,1,6\nq,3,1,4\n", input_size=2)
    assert c.labels == ["q", "r"] and c.lengths.tolist() == [2, 1] and c.columns == ["a", "b"]
    assert c.x[:, 0].tolist() == [[1, 2], [3, 4]] and c.x[:, 1].tolist() == [[5, 6], [0, 0]]
    assert c.target_columns == ["target"] and c.targets[:, 0, 0].tolist() == [0, 1]
    assert c.tokens == [["1 2", "3 4"], ["5 6"]]


def test_without_a_header_every_column_is_an_input_and_there_are_no_targets():
    c = read_inputs_csv("1,2\n3,4\n")
    assert c.columns == ["x0", "x1"] and c.targets is None and c.x.shape == (2, 1, 2)


def test_softmax_targets_are_class_indices_and_sigmoid_targets_one_per_output():
    c = read_inputs_csv("x,target\n1,2\n0,0\n")
    d = sequence_data(c, "softmax", 3)
    assert d.y.tolist() == [[2], [0]] and d.y.dtype.kind == "i" and d.output_labels == ["class 0", "class 1", "class 2"]
    d = sequence_data(read_inputs_csv("x,target_a,target_b\n1,0,1\n"), "sigmoid", 2)
    assert d.y.shape == (1, 1, 2) and d.output_labels == ["output 1", "output 2"]
    assert sequence_data(read_inputs_csv("x\n1\n"), "identity", 2).y is None


@pytest.mark.parametrize("text, head, size, message", [
    ("x,target\n1,0.5\n", "softmax", 3, "whole numbers"),
    ("x,target\n1,3\n", "softmax", 3, "from 0 to 2"),
    ("x,target_a,target_b\n1,0,1\n", "softmax", 3, "one target column"),
    ("x,target\n1,0\n", "sigmoid", 2, "gives 2 output(s) per step; the CSV has 1 target"),
    ("x,target\n1,1.5\n", "sigmoid", 1, "between 0 and 1"),
    ("x,target\n1,1\n", None, 0, "no output head"),
])
def test_targets_that_do_not_fit_the_head_are_refused_saying_what_fits(text, head, size, message):
    with pytest.raises(InputError, match=None) as e:
        sequence_data(read_inputs_csv(text), head, size)
    assert message in str(e.value)


def test_a_table_of_only_a_sequence_and_targets_has_no_inputs():
    with pytest.raises(InputError, match="no input column"):
        read_inputs_csv("sequence,target\na,1\n")

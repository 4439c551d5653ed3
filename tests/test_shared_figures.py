"""Figures shared across sessions (ui.plot.shared_plot): a second student on the same link gets the figure
the first one's run built, and any setting that changes the picture gives another figure."""

import pytest

from apptest import charts, page


def chart(**state):
    at = page("unrolled", **state).run()
    assert not at.exception, at.exception
    return charts(at)[0]                  # the unrolled graph (the backward view adds the steps' shares below it)


def test_two_sessions_on_one_link_see_the_same_figure():
    first = chart(seed=11, example="kennedy")
    assert chart(seed=11, example="kennedy") == first


@pytest.mark.parametrize("change", [{"seed": 12}, {"cell": "gru"}, {"hidden": 5}, {"layers": 2},
                                    {"weights": "trained"}, {"u_view": "backward"}, {"u_seq": 1}])
def test_a_setting_that_changes_the_picture_gives_another_figure(change):
    base = {"seed": 11, "example": "kennedy"}
    assert chart(**{**base, **change}) != chart(**base)


@pytest.mark.parametrize("form", ["unrolled", "rolled"])
def test_a_step_change_draws_no_new_figure(form):
    """The browser shows the chosen step's highlight and labels (ui.step_view): the figure is the same at every
    step, so a step reported to the server rebuilds and resends nothing."""
    base = {"seed": 11, "example": "kennedy", "u_form": form}
    assert chart(**base, u_step=2) == chart(**base, u_step=1) == chart(**base, u_step=0)


def gate_charts(**state):
    at = page("gates", **state).run()
    assert not at.exception, at.exception
    return charts(at)


@pytest.mark.parametrize("change", [{"seed": 12}, {"weights": "trained"}, {"g_seq": 2},
                                    {"layers": 2, "g_layer": 2}])
def test_every_gate_figure_follows_the_settings(change):
    base = {"seed": 11, "example": "kennedy", "cell": "lstm"}
    before, after = gate_charts(**base), gate_charts(**{**base, **change})
    assert gate_charts(**base) == before
    # the heatmaps (each gate, c and h) all change with the setting
    *pictures, saturation = before
    assert [i for i, fig in enumerate(pictures) if fig == after[i]] == []
    if "weights" in change:                  # untrained gates are rarely saturated, trained ones are
        assert after[-1] != saturation


def test_the_gate_figures_are_the_same_at_every_step():
    base = {"seed": 11, "example": "kennedy", "cell": "lstm"}
    assert gate_charts(**base, g_step=2) == gate_charts(**base, g_step=0)

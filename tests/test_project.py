"""Hidden-state projection: known analytic cases."""

import numpy as np

from rnn_core.project import principal_components


def test_points_on_a_line_have_all_their_variance_on_the_first_component():
    direction = np.array([3.0, 4.0, 0.0]) / 5.0
    states = np.outer(np.arange(5.0), direction) + np.array([1.0, -2.0, 0.5])
    p = principal_components(states)
    assert np.allclose(p.explained, [1.0, 0.0])
    assert np.allclose(p.components[0], direction)                # sign fixed: largest loading positive
    assert np.allclose(p.coords[:, 0], np.arange(5.0) - 2.0)      # distances along the line from the mean
    assert np.allclose(p.coords[:, 1], 0.0)


def test_an_axis_aligned_ellipse_is_found_along_its_axes():
    t = np.linspace(0, 2 * np.pi, 40, endpoint=False)
    states = np.stack([np.zeros_like(t), 3 * np.cos(t), np.sin(t)], axis=1)
    p = principal_components(states)
    assert np.allclose(np.abs(p.components), [[0, 1, 0], [0, 0, 1]], atol=1e-9)
    assert np.allclose(p.explained, [9 / 10, 1 / 10])
    assert np.allclose(np.abs(p.coords[:, 0]), np.abs(3 * np.cos(t)))


def test_a_single_state_or_constant_states_give_zeros_not_nan():
    for states in (np.ones((1, 4)), np.ones((6, 4))):
        p = principal_components(states)
        assert np.all(np.isfinite(p.coords)) and np.allclose(p.coords, 0) and np.allclose(p.explained, 0)


def test_huge_states_do_not_overflow_the_variance_shares():
    states = np.array([[1e200, 0.0], [-1e200, 1e199], [0.0, -1e199]])
    p = principal_components(states)
    assert np.all(np.isfinite(p.explained)) and np.isclose(p.explained.sum(), 1.0)

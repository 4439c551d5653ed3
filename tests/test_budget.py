"""The server-wide training budget: ten trainers share one budget instead of each taking the page's own."""

from ui.budget import TrainingBudget


def test_one_trainer_gets_the_pages_budget_and_many_share_the_servers():
    budget = TrainingBudget(share=0.3, rate=3.0, floor=0.005, window=1.0)
    assert budget.slice("a", cap=0.06, now=0.0) == 0.06               # alone: 0.3 / 3 = 0.1, capped at 0.06
    slices = [budget.slice(f"s{i}", cap=0.06, now=0.5) for i in range(10)]
    assert slices[-1] == 0.3 / (11 * 3.0)                             # eleven training now
    assert budget.training(now=0.5) == 11
    # eleven trainers each ticking three times a second train 0.3 s per second in all, not 11 × 0.18 s
    assert 11 * 3.0 * slices[-1] <= 0.3 + 1e-12


def test_a_session_that_stopped_ticking_no_longer_counts():
    budget = TrainingBudget(share=0.3, rate=3.0, floor=0.005, window=1.0)
    for i in range(5):
        budget.slice(f"s{i}", cap=0.06, now=0.0)
    assert budget.slice("s0", cap=0.06, now=0.9) == 0.3 / (5 * 3.0)
    assert budget.slice("s0", cap=0.06, now=1.5) == 0.06              # the other four left (closed tabs, paused)
    assert budget.training(now=1.5) == 1


def test_a_crowd_still_trains_a_little_every_tick():
    budget = TrainingBudget(share=0.3, rate=3.0, floor=0.005, window=1.0)
    for i in range(1000):
        last = budget.slice(i, cap=0.06, now=0.0)
    assert last == 0.005

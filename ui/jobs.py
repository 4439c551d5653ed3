"""The server process's trainings pool (``ui.worker``) for the pages, and the page's side of waiting for one.

``pool()`` is the one :class:`ui.worker.Pool` of this server process, held in ``st.cache_resource`` (no
module-level state); its worker processes start on the first training and end with the process. A page that
needs a training asks :func:`request` for its job on the settings' key; while the job is queued or running
the page draws :func:`waiting` (what trains, for how long so far, how many are ahead) and stops, and a
fragment timer polls the job and reruns the whole page once it has finished. A failed job is said in words.
"""

import streamlit as st

from . import lane, state, worker

POLL_SECONDS = 1.0       # the waiting page asks for its job this often (and so keeps it wanted)
QUICK_POLL_SECONDS = 0.3 # … and this often for a quick job (a fraction of a second in the pool's quick lane)


@st.cache_resource(show_spinner=False)
def pool():
    """The trainings pool of this server process: one worker process, and one more for the quick jobs (cost 0),
    each started with its first training."""
    return worker.Pool(workers=1, quick=1)


@st.cache_resource(show_spinner=False)
def live_lane():
    """The worker process for this server process's live-training slices (``ui.lane``), started with the first."""
    return lane.Lane()


def request(key, fn, args=(), build=None, cost=1):
    """The job training ``fn(*args)`` for ``key`` (joined if it is already queued, running or done); ``cost``:
    0 for a fraction of a second (it may run in the quick lane), 1 for about a second of training, 10 for
    about ten."""
    return pool().submit(key, fn, args, build, cost)


def result(job):
    """The value of ``job``, waiting for it (and keeping it wanted) if it has not finished; its error raised if it
    failed. For the few callers that must have the result in this run."""
    while not job.wait(worker.WANTED / 3):
        pool().get(job.key)
    if job.state == "failed":
        raise job.error
    return job.value


def failed(job, what):
    """A failed training said in words (never a traceback)."""
    st.error(f"Training {what} did not finish: {job.error}. Change a setting, or reload the page to try "
             "again later.", icon=":material/error:")


def status_text(job, what):
    """What the waiting page says: running for N s, or queued behind K others."""
    seconds = job.seconds()
    if job.state == "queued":
        ahead = pool().ahead(job)
        behind = f" behind {ahead} other training{'s' * (ahead != 1)}" if ahead else ""
        return f"Waiting to train {what}{behind} ({seconds:.0f} s so far)…"
    return f"Training {what} on this server ({seconds:.0f} s so far)…"


def waiting(job, what, note="", poll=POLL_SECONDS):
    """Draw the waiting state of ``job`` (``note``: a sentence on what the page shows meanwhile) and poll it every
    ``poll`` seconds; once it has finished, the whole page runs again and draws the result."""
    @st.fragment(run_every=poll)
    def check():
        pool().get(job.key)                                  # still wanted: keep it queued or running
        if job.finished:
            state.show_url_problems_again()
            st.rerun(scope="app")
        st.info(status_text(job, what) + (f" {note}" if note else ""), icon=":material/model_training:")
    check()

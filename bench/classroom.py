"""A class on one server: simulated students and trainers over Streamlit's websocket protocol (`make serve`).

    python -m bench classroom                   # 30 students + 10 trainers for 60 s against deploy.serve
    python -m bench classroom --quick           # 6 + 2 for 20 s (a smoke run)

Starts the same set-up as ``make serve`` (``deploy.serve.Cluster``: one replica per core behind HAProxy with
cookie affinity) on loopback ports, then drives real sessions through the proxy, as a browser does
(DESIGN.md §8): a connection to ``/_stcore/stream``; a ``rerun_script`` BackMsg with the page name and the
query string; a changed setting is a ``rerun_script`` with that widget's new value in ``widget_states``; a
click carries the button's trigger; the live-training page's ``st.fragment(run_every=…)`` arrives as an
``auto_rerun`` ForwardMsg and the client then asks for a rerun of that fragment every period, whether or not
the last one finished, as the browser's timer does.

Every action is checked from the ForwardMsgs it brought back (or it counts as an error): a page opened shows
its own title; a changed seed or cell shows up in the page's URL (``page_info_changed``); Start brings the
fragment's timer; training ticks advance "update N of M". Stepping happens in the browser (the step-through
page's own component), so students here open pages and change settings.
"""

import argparse
import asyncio
import os
import random
import statistics
import time
from dataclasses import dataclass, field
from urllib.parse import parse_qs

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from bench.common import environment
from ui.nav import PAGES
from ui.shell import APP_TITLE

TITLE = "A class on one server (30 students and 10 trainers over the websocket protocol)"
TIMEOUT = 30.0                         # an answer slower than this is an error, and the session goes on
TITLES = {p.url_path: p.title for p in PAGES}
TITLES[""] = APP_TITLE                 # the home page's own heading
TRAINING = "training"
DONE = (ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY)


class ActionFailed(Exception):
    """A simulated action that did not do what it should (its message says what was seen instead)."""


@dataclass
class Answer:
    """What one rerun brought back: the new elements by delta path, the URL, how it ended, when."""

    elements: dict = field(default_factory=dict)
    query: str | None = None
    status: int | None = None
    auto_reruns: list = field(default_factory=list)      # (fragment_id, interval seconds)
    first: float | None = None                          # the first message's arrival (perf_counter)
    end: float | None = None


class Client:
    """One browser tab: a websocket to the app and the page it shows, built from the ForwardMsgs received.

    ``elements`` holds the latest element at every delta path; ``widgets`` maps (kind, label) to the widget
    proto; ``states`` are the widget values this tab has set (sent with every rerun, as the browser does).
    """

    def __init__(self, base, cookies=None):
        self.base = base.replace("http://", "ws://")
        self.cookies = dict(cookies or {})
        self.ws = None
        self.page = ""
        self.query = ""
        self.elements = {}
        self.states = {}
        self.timers = {}                                # fragment_id -> interval (seconds)
        self.answer = None
        self.finished = asyncio.Event()
        self.reader = None
        self.redraws = []                               # (perf_counter, progress text) per new loss chart

    async def connect(self):
        import websockets
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())} if self.cookies else None
        self.ws = await websockets.connect(self.base + "/_stcore/stream", subprotocols=["streamlit"],
                                           additional_headers=headers, max_size=None, open_timeout=TIMEOUT)
        self.reader = asyncio.create_task(self._read())

    async def close(self):
        if self.reader:
            self.reader.cancel()
        if self.ws:
            await self.ws.close()

    async def _read(self):
        async for raw in self.ws:
            msg = ForwardMsg()
            msg.ParseFromString(raw)
            self._handle(msg, time.perf_counter())

    def _handle(self, msg, now):
        kind = msg.WhichOneof("type")
        answer = self.answer
        if answer is not None and answer.first is None:
            answer.first = now
        if kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
            path = tuple(msg.metadata.delta_path)
            self.elements[path] = msg.delta.new_element
            el = msg.delta.new_element
            if el.WhichOneof("type") == "bidi_component" and el.bidi_component.id.endswith("-curves"):
                self.redraws.append((now, self.progress()))
            if answer is not None:
                answer.elements[path] = msg.delta.new_element
        elif kind == "page_info_changed":
            self.query = msg.page_info_changed.query_string
            if answer is not None:
                answer.query = self.query
        elif kind == "auto_rerun":
            self.timers[msg.auto_rerun.fragment_id] = msg.auto_rerun.interval
            if answer is not None:
                answer.auto_reruns.append((msg.auto_rerun.fragment_id, msg.auto_rerun.interval))
        elif kind == "stop_auto_rerun":
            self.timers.pop(msg.stop_auto_rerun.fragment_id, None)
        elif kind == "script_finished":
            if answer is not None and msg.script_finished in DONE + (ForwardMsg.FINISHED_WITH_COMPILE_ERROR,):
                answer.status, answer.end = msg.script_finished, now
                self.finished.set()

    async def rerun(self, page=None, widget=None, fragment_id="", auto=False, wait=True):
        """Ask for a rerun (a new page, a changed widget, a click) and, with ``wait``, the Answer it brings."""
        if page is not None:
            self.page = page
        msg = BackMsg()
        cs = msg.rerun_script
        cs.query_string, cs.page_name, cs.fragment_id, cs.is_auto_rerun = self.query, self.page, fragment_id, auto
        for state in self.states.values():
            cs.widget_states.widgets.append(state)
        if widget is not None:
            cs.widget_states.widgets.append(widget)
        if not wait:
            await self.ws.send(msg.SerializeToString())
            return None
        self.answer, self.finished = Answer(), asyncio.Event()
        await self.ws.send(msg.SerializeToString())
        try:
            await asyncio.wait_for(self.finished.wait(), TIMEOUT)
        except TimeoutError:
            self.answer = None                # a late end of this run must not count as the next one's
            raise ActionFailed(f"no answer within {TIMEOUT:.0f} s") from None
        answer, self.answer = self.answer, None
        if not fragment_id:
            # A whole-page run draws the whole page: what it did not draw is gone, as the browser drops it. Kept,
            # a Seed box of the page before stood in for one this page does not have (or has elsewhere).
            self.elements = dict(answer.elements)
        return answer

    def widget(self, kind, label):
        """The latest widget of ``kind`` (the Element field name) with this label, or None."""
        for el in reversed(list(self.elements.values())):
            if el.WhichOneof("type") == kind and getattr(el, kind).label == label:
                return getattr(el, kind)
        return None

    def progress(self):
        texts = [el.progress.text for el in self.elements.values() if el.WhichOneof("type") == "progress"]
        return texts[-1] if texts else ""


def check_page(answer, page):
    """A page run that ended well and drew the page's own title, and no traceback."""
    kinds = [el.WhichOneof("type") for el in answer.elements.values()]
    if "exception" in kinds:
        exc = next(el.exception for el in answer.elements.values() if el.WhichOneof("type") == "exception")
        raise ActionFailed(f"{page or 'home'}: {exc.type}: {exc.message[:80]}")
    headings = [el.heading.body for el in answer.elements.values() if el.WhichOneof("type") == "heading"]
    if answer.status != ForwardMsg.FINISHED_SUCCESSFULLY or TITLES[page] not in headings:
        raise ActionFailed(f"{page or 'home'}: status {answer.status}, headings {headings[:2]}")


def url_value(query, name):
    return parse_qs(query).get(name, [None])[0]


def setting_name(widget):
    """The setting a widget stands for: its key, the end of its id (``seed``; ``at_seed`` on Attention,
    ``tx_seed`` on Generate and the explorer), which is also its name in the URL."""
    return widget.id.split("-", maxsplit=2)[-1]


def default_cell(page):
    """The cell a page shows when the URL names none (Attention's example is a GRU, the character model an LSTM)."""
    return {"attention": "gru", "generate": "lstm", "explorer": "lstm"}.get(page, "rnn")


@dataclass
class Tally:
    """Round trips per action (seconds), errors by message, and what the trainers saw."""

    times: dict = field(default_factory=dict)
    errors: dict = field(default_factory=dict)
    redraws: list = field(default_factory=list)          # per trainer: loss charts received per second
    advanced: list = field(default_factory=list)         # per trainer: updates gained during the run
    pages: dict = field(default_factory=dict)            # page -> round trips of the students' actions there

    def add(self, action, seconds):
        self.times.setdefault(action, []).append(seconds)

    def error(self, action, err):
        key = f"{action}: {err}"[:120]
        self.errors[key] = self.errors.get(key, 0) + 1


async def timed(tally, action, coro, client=None):
    """Await ``coro``, its round trip counted under ``action`` (and under the page ``client`` shows after it);
    False (and an error counted) if it failed."""
    t0 = time.perf_counter()
    try:
        result = await coro
    except (ActionFailed, OSError, ConnectionError) as err:
        tally.error(action, err)
        return False
    except Exception as err:                           # a closed websocket and the like: counted, not fatal
        tally.error(action, f"{type(err).__name__}: {err}")
        return False
    tally.add(action, time.perf_counter() - t0)
    if client is not None:
        tally.pages.setdefault(client.page, []).append(time.perf_counter() - t0)
    return result


async def open_page(client, page, query=""):
    client.query = query
    answer = await client.rerun(page=page)
    check_page(answer, page)
    return answer


async def change_seed(client):
    box = client.widget("number_input", "Seed")
    if box is None:
        raise ActionFailed(f"{client.page}: no Seed box")
    seed = (int(box.value if box.HasField("value") else box.default) + 1) % 10_000
    from streamlit.proto.WidgetStates_pb2 import WidgetState
    state = WidgetState(id=box.id, double_value=seed)
    client.states[box.id] = state
    answer = await client.rerun()
    check_page(answer, client.page)
    shown = url_value(client.query, setting_name(box))
    if shown != str(seed) and not (seed == 0 and shown is None):
        raise ActionFailed(f"{client.page}: seed {seed} asked, the URL says {shown}")
    return answer


async def change_cell(client, rng):
    group = client.widget("button_group", "Cell")
    if group is None:
        raise ActionFailed(f"{client.page}: no Cell control")
    from streamlit.proto.WidgetStates_pb2 import WidgetState
    cell = rng.choice(["rnn", "lstm", "gru"])
    label = {"rnn": "Vanilla RNN", "lstm": "LSTM", "gru": "GRU"}[cell]
    state = WidgetState(id=group.id)
    state.string_array_value.data.append(label)
    client.states[group.id] = state
    answer = await client.rerun()
    check_page(answer, client.page)
    shown = url_value(client.query, setting_name(group)) or default_cell(client.page)
    if shown != cell:
        raise ActionFailed(f"{client.page}: cell {cell} asked, the URL says {shown}")
    return answer


STUDENT_PAGES = [p.url_path for p in PAGES if p.url_path != TRAINING]
SETTING_PAGES = ("step_through", "unrolled", "gates")     # the pages whose sidebar has Seed and Cell


async def student(base, n, tally, stop_at, rng):
    """Open a page, then every 2-5 s change the seed or the cell, or go to another page."""
    client = Client(base)
    try:
        await asyncio.sleep(rng.uniform(0, 10))              # a class does not click the link at one instant
        if await timed(tally, "connect", client.connect()) is False:
            return
        page = rng.choice(SETTING_PAGES)
        if await timed(tally, "first page load", open_page(client, page, f"seed={rng.randrange(5)}")) is False:
            return
        while time.monotonic() < stop_at:
            await asyncio.sleep(rng.uniform(2, 5))
            roll = rng.random()
            if roll < 0.2:
                page = rng.choice(STUDENT_PAGES)
                await timed(tally, "go to a page", open_page(client, page, client.query), client)
            elif client.widget("number_input", "Seed") is None:
                await timed(tally, "go to a page", open_page(client, rng.choice(SETTING_PAGES), client.query), client)
            elif roll < 0.6:
                await timed(tally, "change the seed", change_seed(client), client)
            else:
                await timed(tally, "change the cell", change_cell(client, rng), client)
    finally:
        await client.close()


def update_count(progress):
    """N from 'Kennedy…: update N of M, loss …' (None when the text has no count)."""
    words = progress.replace(",", " ").split()
    try:
        return int(words[words.index("update") + 1])
    except (ValueError, IndexError):
        return None


async def trainer(base, n, tally, stop_at, rng, example="memory"):
    """Open Live training on a slow example, press Start, then run the fragments' timers as a browser does."""
    client = Client(base)
    try:
        await asyncio.sleep(rng.uniform(0, 5))
        if await timed(tally, "connect", client.connect()) is False:
            return
        query = f"tr_example={example}&seed={n % 5}&tr_steps=5000"
        if await timed(tally, "first page load", open_page(client, TRAINING, query)) is False:
            return
        start = client.widget("button", "Start")
        if start is None:
            tally.error("Start", "no Start button")
            return
        from streamlit.proto.WidgetStates_pb2 import WidgetState
        answer = await timed(tally, "Start", client.rerun(widget=WidgetState(id=start.id, trigger_value=True)))
        if answer is False:
            return
        if not client.timers:
            tally.error("Start", "no fragment timer after Start")
            return
        began, first_count = time.perf_counter(), update_count(client.progress()) or 0
        runs_before = len(client.redraws)
        due = {fid: time.monotonic() + interval for fid, interval in client.timers.items()}
        while time.monotonic() < stop_at and client.timers:
            fid = min(due, key=due.get)
            await asyncio.sleep(max(0.0, due[fid] - time.monotonic()))
            await client.rerun(fragment_id=fid, auto=True, wait=False)
            due[fid] = time.monotonic() + client.timers.get(fid, 1.0)
            due = {f: d for f, d in due.items() if f in client.timers}
        elapsed = time.perf_counter() - began
        runs = [r for r in client.redraws[runs_before:] if r[0] >= began]
        counts = [c for c in (update_count(p) for _, p in runs) if c is not None]
        tally.redraws.append(len(runs) / elapsed if elapsed > 0 else 0.0)
        tally.advanced.append((counts[-1] if counts else first_count) - first_count)
        gaps = [b[0] - a[0] for a, b in zip(runs, runs[1:], strict=False)]
        for gap in gaps:
            tally.add("training redraw gap", gap)
        if not counts or counts[-1] <= first_count:
            tally.error("training", f"updates did not advance ({first_count} → {counts[-1] if counts else '?'})")
    finally:
        await client.close()


def proc_stats(pid):
    """(resident MB, CPU seconds) of one process and of its children that have ended, from /proc."""
    with open(f"/proc/{pid}/status") as f:
        rss = next(int(line.split()[1]) for line in f if line.startswith("VmRSS")) / 1024
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    cpu = sum(int(v) for v in fields[11:15]) / os.sysconf("SC_CLK_TCK")
    return rss, cpu


def children(pid):
    """The pids of a process's children (a replica's training workers)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == pid:
                        found.append(int(entry))
            except (OSError, ValueError, IndexError):
                pass
    return found


def replicas_stats(cluster, workers=None):
    """(RSS MB, CPU seconds) of the replicas and their training workers together; with a dict ``workers``, the
    workers' own CPU seconds are also put in it under "cpu"."""
    rss = cpu = 0.0
    for proc in cluster.replicas.values():
        for pid in [proc.pid, *children(proc.pid)]:
            try:
                r, c = proc_stats(pid)
            except (OSError, StopIteration):
                continue                                  # a worker that ended meanwhile
            rss, cpu = rss + r, cpu + c
            if workers is not None and pid != proc.pid:
                workers["cpu"] = workers.get("cpu", 0.0) + c
    return rss, cpu


async def warm(base):
    """One visit per page first, so that the table measures a class, not the first import of each module."""
    for page in [*STUDENT_PAGES, TRAINING]:
        client = Client(base)
        await client.connect()
        await open_page(client, page)
        await client.close()


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


async def load(base, students, trainers, seconds, seed=0):
    tally = Tally()
    stop_at = time.monotonic() + seconds
    rng = random.Random(seed)
    tasks = [student(base, i, tally, stop_at, random.Random(rng.random())) for i in range(students)]
    tasks += [trainer(base, i, tally, stop_at, random.Random(rng.random())) for i in range(trainers)]
    await asyncio.gather(*tasks)
    return tally


def report(tally, students, trainers, seconds, mem, cpu, replicas):
    print("| action | count | p50 ms | p95 ms | max ms | errors | target |")
    print("|---|---:|---:|---:|---:|---:|---|")
    targets = {"first page load": 1.5, "training redraw gap": 0.5}
    for action in ("connect", "first page load", "go to a page", "change the seed", "change the cell", "Start",
                   "training redraw gap"):
        times = tally.times.get(action, [])
        errs = sum(n for k, n in tally.errors.items() if k.startswith(action + ":"))
        if not times and not errs:
            continue
        target = targets.get(action, 0.2)
        p95 = pct(times, 0.95) if times else float("nan")
        ok = "✓" if times and p95 <= target else "✗"
        cells = [f"{1000 * statistics.median(times):,.0f}", f"{1000 * p95:,.0f}", f"{1000 * max(times):,.0f}"] \
            if times else ["-", "-", "-"]
        print(f"| {action} | {len(times)} | {' | '.join(cells)} | {errs} | p95 ≤ {1000 * target:,.0f} ms {ok} |")
    print()
    if tally.redraws:
        print(f"Trainers: {len(tally.redraws)}, loss-chart redraws per second each: min {min(tally.redraws):.2f}, "
              f"median {statistics.median(tally.redraws):.2f} (target ≥ 2); updates gained per trainer: min "
              f"{min(tally.advanced)}, median {statistics.median(tally.advanced):.0f}.")
    if tally.pages:
        print("\nStudents' actions by the page they ended on (p50 / p95 ms): " + "; ".join(
            f"{page or 'home'} {1000 * statistics.median(t):,.0f} / {1000 * pct(t, 0.95):,.0f} ({len(t)})"
            for page, t in sorted(tally.pages.items(), key=lambda kv: -pct(kv[1], 0.95))) + ".")
    print(f"Errors: {sum(tally.errors.values())}" + "".join(f"\n- {k} (×{n})" for k, n in tally.errors.items()))
    sessions = students + trainers
    actions = sum(len(tally.times.get(a, [])) for a in ("first page load", "go to a page", "change the seed",
                                                          "change the cell"))
    per_action = f"; {1000 * cpu['load'] / actions:.0f} ms of replica CPU per student action" \
        if actions and not trainers else ""
    print(f"Replicas: {replicas}; CPU (with their training workers) {cpu['load']:.1f} core-seconds over "
          f"{seconds:.0f} s "
          f"({cpu['load'] / seconds:.2f} cores, {1000 * cpu['load'] / seconds / max(1, sessions):.0f} ms "
          f"of CPU per session-second{per_action}); of it {cpu['workers']:.1f} core-seconds in the worker processes "
          f"(the trainings' at nice 19, live training's lane at nice 10: they take what the replicas leave).")
    print(f"Memory of the replicas and their training workers (RSS): {mem['idle']:.0f} MB warm and idle, at most "
          f"{mem['busy']:.0f} MB with "
          f"{students} students and {trainers} trainers ({(mem['busy'] - mem['idle']) / max(1, sessions):.1f}"
          f" MB per session), {mem['after']:.0f} MB {mem['wait']:.0f} s after they left.")


def run(quick=False, students=None, trainers=None, seconds=None, replicas=None, port=8550, replica_port=8530):
    from deploy.serve import Cluster, haproxy_binary
    if haproxy_binary() is None:
        print("haproxy is not installed: `make bench-classroom` installs it (apt-get install -y haproxy)")
        return 1
    students = (6 if quick else 30) if students is None else students
    trainers = (2 if quick else 10) if trainers is None else trainers
    seconds = (20 if quick else 60) if seconds is None else seconds
    replicas = replicas or os.cpu_count() or 1
    ttl = 5
    print(f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {environment()}.")
    print(f"{students} students and {trainers} trainers for {seconds} s through HAProxy to {replicas} replicas "
          f"(sessions are kept {ttl} s after a disconnect here, so that their memory can be seen to come back).\n")
    with Cluster(replicas, port, replica_port, options={"server.disconnectedSessionTTL": ttl}) as cluster:
        asyncio.run(warm(cluster.url))
        w0 = {}
        idle_mem, cpu0 = replicas_stats(cluster, w0)
        busy = {}

        async def measure():
            task = asyncio.create_task(load(cluster.url, students, trainers, seconds))
            busy["mem"] = 0.0
            while not task.done():                            # the peak while the class is on
                busy["mem"] = max(busy["mem"], replicas_stats(cluster)[0])
                await asyncio.sleep(1.0)
            return await task

        t0 = time.monotonic()
        tally = asyncio.run(measure())
        wall = time.monotonic() - t0
        w1 = {}
        cpu1 = replicas_stats(cluster, w1)[1]
        wait = ttl + 10
        time.sleep(wait)                                     # disconnected sessions are dropped after the TTL
        after_mem = replicas_stats(cluster)[0]
    report(tally, students, trainers, wall, {"idle": idle_mem, "busy": busy.get("mem", float("nan")),
                                             "after": after_mem, "wait": wait},
           {"load": cpu1 - cpu0, "workers": w1.get("cpu", 0.0) - w0.get("cpu", 0.0)}, replicas)
    return 1 if tally.errors else 0


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench.classroom", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--students", type=int)
    parser.add_argument("--trainers", type=int)
    parser.add_argument("--seconds", type=float)
    parser.add_argument("--replicas", type=int)
    parser.add_argument("--port", type=int, default=8550, help="the proxy's port")
    parser.add_argument("--replica-port", type=int, default=8530)
    args = parser.parse_args(argv)
    return run(args.quick, args.students, args.trainers, args.seconds, args.replicas, args.port, args.replica_port)


if __name__ == "__main__":
    raise SystemExit(main())

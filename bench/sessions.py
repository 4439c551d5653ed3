"""What one session costs in memory, apart from the caches a class fills: N tabs open the teacher's link on one
page and stay (stepping happens in the browser, so a stepping student's server state is this), then N trainers
train live on Live training; the replicas' memory is read before, with them on, and after they left.

    python -m bench sessions

The classroom benchmark's students each pick their own seeds and cells, so its "per session" figure is mostly
the records and figures cached for every setting they tried (bounded by the caches' sizes, and shared in a
real class on one link); this one holds the setting fixed, so the growth is the sessions' own.
"""

import asyncio
import os
import time

from bench.classroom import TRAINING, Client, open_page, replicas_stats, warm

TITLE = "Memory per session: tabs on the teacher's link, then trainers, on a cluster of replicas"
LINK = ("step_through", "example=kennedy&cell=lstm&weights=trained")
STEPPING_MB, TRAINING_MB = 5.0, 20.0            # the targets per session


async def _open(base, n, page, query):
    clients = [Client(base) for _ in range(n)]
    for c in clients:
        await c.connect()
        await open_page(c, page, query)
    return clients


async def _train(base, n, seconds):
    """n tabs on Live training (the memory example), Start, their timers run for ``seconds``: the peak RSS."""
    from streamlit.proto.WidgetStates_pb2 import WidgetState
    clients = await _open(base, n, TRAINING, "tr_example=memory&tr_steps=100000")
    for c in clients:
        start = c.widget("button", "Start")
        await c.rerun(widget=WidgetState(id=start.id, trigger_value=True))
    stop = time.monotonic() + seconds
    while time.monotonic() < stop:
        for c in clients:
            for fid in list(c.timers):
                await c.rerun(fragment_id=fid, auto=True, wait=False)
        await asyncio.sleep(0.4)
    return clients


def run(quick=False):
    from deploy.serve import Cluster, haproxy_binary
    if haproxy_binary() is None:
        print("haproxy is not installed: `make bench-classroom` installs it (apt-get install -y haproxy)")
        return 1
    n = 10 if quick else 30
    trainers = 4 if quick else 10
    replicas = os.cpu_count() or 1
    ttl = 5
    rows, status = [], 0
    with Cluster(replicas, 8560, 8540, options={"server.disconnectedSessionTTL": ttl}) as cluster:
        asyncio.run(warm(cluster.url))

        async def stepping():
            clients = await _open(cluster.url, 1, *LINK)              # the link's run cached, as in class
            await clients[0].close()
            time.sleep(2)
            before = replicas_stats(cluster)[0]
            clients = await _open(cluster.url, n, *LINK)
            time.sleep(2)
            on = replicas_stats(cluster)[0]
            for c in clients:
                await c.close()
            return before, on

        for round_ in ("", ", again"):            # a second class on the same memory: nothing kept grows
            before, on = asyncio.run(stepping())
            time.sleep(ttl + 10)
            after = replicas_stats(cluster)[0]
            per = (on - before) / n
            status |= per > STEPPING_MB
            rows.append([f"{n} tabs on the link ({LINK[0]}, {LINK[1]}){round_}", before, on, after, per, STEPPING_MB])

        async def training():
            before = replicas_stats(cluster)[0]
            clients = await _train(cluster.url, trainers, 10 if quick else 30)
            on = replicas_stats(cluster)[0]
            for c in clients:
                await c.close()
            return before, on

        for round_ in ("", ", again"):
            before, on = asyncio.run(training())
            time.sleep(ttl + 10)
            after = replicas_stats(cluster)[0]
            per = (on - before) / trainers
            status |= per > TRAINING_MB
            rows.append([f"{trainers} trainers (Live training, memory task){round_}", before, on, after, per,
                         TRAINING_MB])
    print(f"{replicas} replicas behind HAProxy; resident memory of the replicas and their workers, MB; sessions "
          f"are dropped {ttl} s after their tab closes.\n")
    print("| sessions | before | with them | 15 s after they left | per session | target |")
    print("|---|---:|---:|---:|---:|---|")
    for what, b, o, a, p, target in rows:
        print(f"| {what} | {b:.0f} | {o:.0f} | {a:.0f} | {p:.1f} | ≤ {target:g} {'✓' if p <= target else '✗'} |")
    return status

"""kazoo's recipes (written by nobody here) against a 3-member peerkeeper ensemble while its leader is
killed: Lock, Election, Barrier, DoubleBarrier, Counter, Queue, LockingQueue, ChildrenWatch,
DataWatch and transactions, each run in rounds by worker threads over three clients (the first on
the leader). Protocol with the test: prints READY once every worker has done some rounds, reads a
line from stdin once the leader is dead, prints a JSON line of counts and OK once every worker did
more rounds and every guarantee checked out. Any failure is an exception and a non-zero exit.

What is checked is what kazoo promises, no more: mutual exclusion for Lock and Election, everyone
released together by Barrier and DoubleBarrier, exactly-once for LockingQueue (lock, then a
transaction), at-most-once for Queue, and for Counter the exact value unless an increment was in
flight when a connection dropped: kazoo retries its versioned set after a ConnectionLoss, so an
increment whose reply was lost is applied twice (ZooKeeper behaves the same; the count of such
ambiguous increments bounds the excess).
Usage: kazoo_recipes.py LEADER:PORT,OTHER:PORT,OTHER:PORT (KAZOO_RECIPES_LOG=FILE: every request
and reply kazoo sent and read, for a post-mortem)"""
import json
import logging
import os
import sys
import threading
import time
import traceback

from kazoo.client import KazooClient, KazooState
from kazoo.exceptions import (ConnectionLoss, NodeExistsError, NoNodeError,
                              OperationTimeoutError, RolledBackError)
from kazoo.recipe.barrier import Barrier, DoubleBarrier
from kazoo.recipe.counter import Counter
from kazoo.recipe.election import Election
from kazoo.recipe.lock import Lock
from kazoo.recipe.queue import LockingQueue, Queue

logging.basicConfig(level=logging.INFO, format="%(asctime)s %(threadName)s %(name)s %(message)s")
if os.environ.get("KAZOO_RECIPES_LOG"):  # every request and reply, for a post-mortem
    trace = logging.FileHandler(os.environ["KAZOO_RECIPES_LOG"], mode="w")
    trace.setFormatter(logging.Formatter("%(asctime)s %(threadName)s %(message)s"))
    trace.setLevel(5)
    logging.getLogger("kazoo").addHandler(trace)
    logging.getLogger("kazoo").setLevel(5)
    logging.getLogger().handlers[0].setLevel(logging.INFO)
hosts = sys.argv[1].split(",")
ROOT = "/recipes"
SESSION_TIMEOUT = 10.0
LOSSES = (ConnectionLoss, OperationTimeoutError)


def deadline_wait(cond, seconds, what):
    until = time.time() + seconds
    while not cond():
        if time.time() > until:
            raise AssertionError("timed out waiting for " + (what() if callable(what) else what))
        time.sleep(0.05)


class Tracked:
    """A client and what its connection went through: suspensions (connection dropped, session
    kept) and losses (session expired: every recipe guarantee is void after one)."""

    def __init__(self, name, ordered_hosts):
        self.name = name
        self.suspended = 0
        self.lost = 0
        self.client = KazooClient(
            hosts=",".join(ordered_hosts), timeout=SESSION_TIMEOUT, randomize_hosts=False,
            connection_retry=dict(max_tries=-1, delay=0.1, backoff=1.5, max_delay=1.0),
            command_retry=dict(max_tries=-1, delay=0.1, backoff=1.5, max_delay=1.0, deadline=40))
        self.client.add_listener(self.listen)
        self.client.start(timeout=15)

    def listen(self, state):
        if state == KazooState.SUSPENDED:
            self.suspended += 1
        elif state == KazooState.LOST:
            self.lost += 1


# a is on the leader (first in its list, no shuffling); b and c start on the others.
A = Tracked("a", hosts)
B = Tracked("b", hosts[1:] + hosts[:1])
C = Tracked("c", hosts[2:] + hosts[:2])
CLIENTS = [A, B, C]
A.client.delete(ROOT, recursive=True) if A.client.exists(ROOT) else None
A.client.ensure_path(ROOT)

stop = threading.Event()
killed = threading.Event()


def in_threads(fns, seconds=30, excuse_hang=None):
    """Runs fns concurrently; re-raises the first error. Threads still running after `seconds` are a
    hang, unless `excuse_hang()` says why that is expected (they are then abandoned: daemon threads,
    so a hung kazoo call cannot keep the process alive)."""
    errors = []

    def wrap(fn):
        try:
            fn()
        except BaseException as e:  # noqa: B902 — handed to the caller
            errors.append(e)

    threads = [threading.Thread(target=wrap, args=(fn,), daemon=True) for fn in fns]
    for t in threads:
        t.start()
    until = time.time() + seconds
    for t in threads:
        t.join(max(0.0, until - time.time()))
    if errors:
        raise errors[0]
    if any(t.is_alive() for t in threads) and not (excuse_hang and excuse_hang()):
        raise AssertionError("a recipe call hung for %ss" % seconds)


class Worker(threading.Thread):
    def __init__(self, name, step):
        super().__init__(daemon=True, name=name)
        self.step = step
        self.rounds = 0
        self.after_kill = 0
        self.retried = 0
        self.error = None

    def run(self):
        while not stop.is_set():
            try:
                self.step()
            except LOSSES:
                # Outside kazoo's own retries (e.g. Barrier.wait's exists, Queue.put's create):
                # the application's retry, as kazoo leaves it to the caller.
                self.retried += 1
                time.sleep(0.1)
                continue
            except BaseException:  # noqa: B902 — reported by the main thread
                self.error = traceback.format_exc()
                return
            self.rounds += 1
            if killed.is_set():
                self.after_kill += 1


# --- Lock: one holder at a time, across three clients.
lock_holders = [0]
lock_guard = threading.Lock()


def lock_step():
    def contend(t):
        lock = Lock(t.client, ROOT + "/lock", t.name)
        assert lock.acquire(timeout=25), "Lock not acquired within 25 s by " + t.name
        try:
            with lock_guard:
                lock_holders[0] += 1
                assert lock_holders[0] == 1, "two Lock holders at once"
            time.sleep(0.02)
            with lock_guard:
                lock_holders[0] -= 1
        finally:
            lock.release()
    in_threads([lambda t=t: contend(t) for t in CLIENTS])


# --- Election: one leader at a time; every contender leads once per round.
leaders = [0]


def election_step():
    def lead():
        with lock_guard:
            leaders[0] += 1
            assert leaders[0] == 1, "two Election leaders at once"
        time.sleep(0.02)
        with lock_guard:
            leaders[0] -= 1

    in_threads([lambda t=t: Election(t.client, ROOT + "/election", t.name).run(lead) for t in CLIENTS])


# --- Barrier: b and c wait until a removes it, never earlier.
barrier_round = [0]


def barrier_step():
    barrier_round[0] += 1
    path = "%s/barrier-%d" % (ROOT, barrier_round[0])
    Barrier(A.client, path).create()
    removed = threading.Event()
    waiting = threading.Barrier(3)

    def waiter(t):
        t.client.retry(t.client.sync, path)  # see a's create before waiting on it
        waiting.wait(10)
        bar = Barrier(t.client, path)
        while not bar.wait(timeout=1):
            pass
        assert removed.is_set(), "Barrier released before removal"

    def remover():
        waiting.wait(10)
        time.sleep(0.05)
        removed.set()
        Barrier(A.client, path).remove()

    in_threads([lambda: waiter(B), lambda: waiter(C), remover])


# --- DoubleBarrier: nobody is through enter() before all three entered, nor through leave()
# before all three started leaving. A fresh path per round (kazoo's leave() on a reused path can
# wait on the next round's members).
#
# A kazoo limitation, not the server's: kazoo 2.8 does not send SetWatches after a reconnect (it
# was added and reverted upstream), so a watch pending when the connection drops is gone; kazoo
# tells its callback with an event of type NONE, which DoubleBarrier's enter() ignores while it
# waits, with no timeout, for `ready` to be created. A member caught that way waits forever and the
# others wait for it in leave(). Such a round is abandoned (counted in the summary) only if a
# connection dropped during it; a hang without a dropped connection is a failure.
dbl_round = [0]
dbl_abandoned = [0]


def double_barrier_step():
    dbl_round[0] += 1
    path = "%s/double-%d" % (ROOT, dbl_round[0])
    entering = [0]
    leaving = [0]
    suspended_before = sum(t.suspended for t in CLIENTS)

    def member(t):
        bar = DoubleBarrier(t.client, path, 3, t.name)
        with lock_guard:
            entering[0] += 1
        bar.enter()
        assert bar.participating, "DoubleBarrier.enter gave up for " + t.name
        with lock_guard:
            assert entering[0] == 3, "through DoubleBarrier.enter before all entered"
            leaving[0] += 1
        bar.leave()
        with lock_guard:
            assert leaving[0] == 3, "through DoubleBarrier.leave before all left"

    def excuse():
        if sum(t.suspended for t in CLIENTS) == suspended_before:
            return False
        dbl_abandoned[0] += 1
        logging.info("DoubleBarrier round %d hung after a dropped connection: abandoned", dbl_round[0])
        return True

    in_threads([lambda t=t: member(t) for t in CLIENTS], seconds=8, excuse_hang=excuse)


# --- Counter: increments from three clients.
counter_calls = [0]
counter_ambiguous = [0]


def counter_step():
    def bump(t):
        counter = Counter(t.client, ROOT + "/counter")
        for _ in range(3):
            before = t.suspended
            counter += 1
            with lock_guard:
                counter_calls[0] += 1
                if t.suspended != before:
                    counter_ambiguous[0] += 1

    in_threads([lambda t=t: bump(t) for t in CLIENTS])


# --- Queue (at most once: b consumes) and LockingQueue (exactly once: b and c consume); a produces.
produced = {"q": [0], "lq": [0]}
surely_put = {"q": set(), "lq": set()}
consumed = {"q": [], "lq": []}
queue_get_ambiguous = [0]


def produce(kind, q):
    produced[kind][0] += 1
    item = ("%s-%d" % (kind, produced[kind][0])).encode()
    q.put(item)  # a ConnectionLoss here: maybe put; the next round puts a new item, never this one
    surely_put[kind].add(item)


def queue_producer_step():
    produce("q", Queue(A.client, ROOT + "/queue"))
    time.sleep(0.03)


def queue_consumer(t):
    q = Queue(t.client, ROOT + "/queue")

    def step():
        before = t.suspended
        try:
            item = q.get()
        finally:
            if t.suspended != before:
                with lock_guard:
                    queue_get_ambiguous[0] += 1
        if item is not None:
            with lock_guard:
                consumed["q"].append(item)
        else:
            time.sleep(0.02)
    return step


def locking_producer_step():
    produce("lq", LockingQueue(A.client, ROOT + "/lqueue"))
    time.sleep(0.03)


locking_queues = []


def locking_consumer(t):
    q = LockingQueue(t.client, ROOT + "/lqueue")
    locking_queues.append(q)

    def step():
        item = q.get(timeout=0.5)
        if item is None:
            return
        entry = q.processing_element[0]
        try:
            done = q.consume()
        except LOSSES:
            # consume()'s transaction is not retried by kazoo: the outcome is unknown, so look.
            t.client.retry(t.client.sync, ROOT + "/lqueue")
            if t.client.retry(t.client.exists, ROOT + "/lqueue/entries/" + entry):
                return  # not applied: our lock still holds the entry; get() returns it again
            q.processing_element = None
            done = True
        assert done, "LockingQueue.consume lost its lock on " + entry
        with lock_guard:
            consumed["lq"].append(item)
    return step


# --- DataWatch and ChildrenWatch on b, fed by a.
watched_data = []
watched_children = []
written = [0]
A.client.create(ROOT + "/data", b"0")
A.client.ensure_path(ROOT + "/kids")
# b may be on a member that has not applied a's creates yet (ZooKeeper promises each client an
# in-order view, not another's latest write); a ChildrenWatch on a missing node stops for good.
B.client.sync(ROOT)


@B.client.DataWatch(ROOT + "/data")
def on_data(data, stat):
    if data is not None:
        watched_data.append(int(data))


@B.client.ChildrenWatch(ROOT + "/kids")
def on_children(children):
    watched_children.append(len(children))


def watch_feed_step():
    n = written[0] + 1
    A.client.retry(A.client.set, ROOT + "/data", str(n).encode())  # setting the same value twice is harmless
    try:
        A.client.create("%s/kids/k-%d" % (ROOT, n))
    except NodeExistsError:
        pass  # a create whose reply was lost, tried again
    written[0] = n
    time.sleep(0.01)


# --- Transactions: two creates together or neither; a failing one changes nothing.
tx_round = [0]
tx_committed = set()


def tx_step():
    n = tx_round[0] + 1
    A.client.ensure_path(ROOT + "/tx-a")
    A.client.ensure_path(ROOT + "/tx-b")
    t = C.client.transaction()
    t.create("%s/tx-a/%d" % (ROOT, n))
    t.create("%s/tx-b/%d" % (ROOT, n))
    results = t.commit()
    if isinstance(results[0], NodeExistsError):
        pass  # a commit whose reply was lost, committed again: all-or-nothing refused it whole
    else:
        assert results == ["%s/tx-a/%d" % (ROOT, n), "%s/tx-b/%d" % (ROOT, n)], results
    tx_committed.add(n)
    t = C.client.transaction()
    t.create("%s/tx-a/x%d" % (ROOT, n))
    t.check("%s/tx-b/%d" % (ROOT, n), 7)
    results = t.commit()
    assert isinstance(results[0], RolledBackError), results
    tx_round[0] = n


workers = [
    Worker("lock", lock_step),
    Worker("election", election_step),
    Worker("barrier", barrier_step),
    Worker("double-barrier", double_barrier_step),
    Worker("counter", counter_step),
    Worker("queue-put", queue_producer_step),
    # One consumer: two contend on the same head entry, and kazoo's Queue.get retries each lost race
    # with a growing back-off (ForceRetryError), which only slows the test down.
    Worker("queue-get-b", queue_consumer(B)),
    Worker("lqueue-put", locking_producer_step),
    Worker("lqueue-get-b", locking_consumer(B)),
    Worker("lqueue-get-c", locking_consumer(C)),
    Worker("watch-feed", watch_feed_step),
    Worker("transactions", tx_step),
]
for w in workers:
    w.start()


def check_errors():
    for w in workers:
        if w.error:
            raise AssertionError("worker %s failed:\n%s" % (w.name, w.error))
    return False


deadline_wait(lambda: check_errors() or all(w.rounds >= 2 for w in workers), 30,
              lambda: "every recipe to run twice: " + str({w.name: w.rounds for w in workers}))
print("READY", flush=True)
sys.stdin.readline()
logging.info("the leader is dead")
killed.set()
deadline_wait(lambda: check_errors() or all(w.after_kill >= 3 for w in workers), 40,
              lambda: "every recipe to carry on after the kill: " + str({w.name: w.after_kill for w in workers}))
stop.set()
for w in workers:
    w.join(35)
    assert not w.is_alive(), "worker %s hung" % w.name
check_errors()

# Every session lived through the kill (the guarantees above assume it).
assert all(t.lost == 0 for t in CLIENTS), {t.name: t.lost for t in CLIENTS}
assert A.suspended >= 1, "client a was on the leader but never lost its connection"

# Counter: exact, but for increments in flight when a connection dropped (each at most twice).
value = Counter(B.client, ROOT + "/counter").value
assert counter_calls[0] <= value <= counter_calls[0] + counter_ambiguous[0], (value, counter_calls, counter_ambiguous)

# Watches: values in write order, ending at the last write; children only grow.
B.client.sync(ROOT)
deadline_wait(lambda: watched_data and watched_data[-1] == written[0], 10,
              "the DataWatch to see the last write %d (saw %s)" % (written[0], watched_data[-5:]))
assert watched_data == sorted(watched_data), watched_data
deadline_wait(lambda: watched_children and watched_children[-1] == written[0], 10,
              "the ChildrenWatch to see %d children (saw %s)" % (written[0], watched_children[-5:]))
assert watched_children == sorted(watched_children), watched_children

# Transactions: all or nothing.
a_side = set(B.client.get_children(ROOT + "/tx-a"))
b_side = set(B.client.get_children(ROOT + "/tx-b"))
assert a_side == b_side, (a_side ^ b_side)
assert {str(n) for n in tx_committed} <= a_side

# Queues. A LockingQueue entry whose lock node was created but whose reply was lost (kazoo does
# not retry that create) stays locked by an ephemeral node of a live session that does not know it
# holds it: as kazoo designs it, the entry comes back when that session ends. So b and c finish
# what they hold, end their sessions, and a drains what is left.
orphan_locks = len(B.client.get_children(ROOT + "/lqueue/taken")) - sum(1 for q in locking_queues if q.processing_element)
for q in locking_queues:
    if q.processing_element is not None:
        item = q.processing_element[1]
        assert q.consume(), "a held LockingQueue entry could not be consumed"
        consumed["lq"].append(item)
for t in (B, C):
    t.client.stop()
    t.client.close()
A.client.sync(ROOT)
while True:
    item = Queue(A.client, ROOT + "/queue").get()
    if item is None:
        break
    consumed["q"].append(item)
lq = LockingQueue(A.client, ROOT + "/lqueue")
while True:
    item = lq.get(timeout=0.5)
    if item is None:
        break
    assert lq.consume()
    consumed["lq"].append(item)
for kind in ("q", "lq"):
    got = consumed[kind]
    assert len(got) == len(set(got)), (kind, "an item consumed twice", sorted(got))
    allowed = {("%s-%d" % (kind, i)).encode() for i in range(1, produced[kind][0] + 1)}
    assert set(got) <= allowed, (kind, set(got) - allowed)
missing_q = surely_put["q"] - set(consumed["q"])
assert len(missing_q) <= queue_get_ambiguous[0], ("Queue lost items", sorted(missing_q), queue_get_ambiguous)
missing_lq = surely_put["lq"] - set(consumed["lq"])
assert not missing_lq, ("LockingQueue lost items", sorted(missing_lq))

print(json.dumps({
    "rounds": {w.name: w.rounds for w in workers},
    "after_kill": {w.name: w.after_kill for w in workers},
    "app_retries": {w.name: w.retried for w in workers if w.retried},
    "suspended": {t.name: t.suspended for t in CLIENTS},
    "counter": {"value": value, "increments": counter_calls[0], "ambiguous": counter_ambiguous[0]},
    "queue": {"put": len(surely_put["q"]), "consumed": len(consumed["q"]), "ambiguous_gets": queue_get_ambiguous[0]},
    "locking_queue": {"put": len(surely_put["lq"]), "consumed": len(consumed["lq"]), "orphan_locks": orphan_locks},
    "watch_events": {"data": len(watched_data), "children": len(watched_children), "writes": written[0]},
    "transactions": len(tx_committed),
    "double_barrier_rounds_abandoned": dbl_abandoned[0],
}), flush=True)
A.client.delete(ROOT, recursive=True)
A.client.stop()
A.client.close()
print("OK", flush=True)

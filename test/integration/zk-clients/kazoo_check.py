"""kazoo (Python, written by nobody here) against peerkeeper's ZooKeeper port: basic operations, a
transaction, a Lock contended by two clients, and a DataWatch. Prints OK at the end; any failure is an
exception and a non-zero exit. Usage: kazoo_check.py HOST:PORT[,HOST:PORT...]"""
import sys
import threading
from kazoo.client import KazooClient
from kazoo.exceptions import BadVersionError, NoNodeError, NodeExistsError

hosts = sys.argv[1]
a = KazooClient(hosts=hosts, timeout=6.0)
b = KazooClient(hosts=hosts, timeout=6.0)
a.start(timeout=15)
b.start(timeout=15)

root = "/kazoo"
a.ensure_path(root + "/x")
a.create(root + "/cfg", b"v0")
# b may be on a member that has not applied a's write yet: ZooKeeper promises each client an
# in-order view, not another client's latest write, so b syncs first, as ZooKeeper's docs advise.
b.sync(root)
data, stat = b.get(root + "/cfg")
assert data == b"v0" and stat.version == 0, (data, stat)
try:
    a.set(root + "/cfg", b"bad", version=5)
    raise AssertionError("set with a wrong version succeeded")
except BadVersionError:
    pass
try:
    a.create(root + "/cfg", b"")
    raise AssertionError("create of an existing node succeeded")
except NodeExistsError:
    pass
try:
    a.get(root + "/missing")
    raise AssertionError("get of a missing node succeeded")
except NoNodeError:
    pass
assert b.exists(root + "/missing") is None
seq = a.create(root + "/q-", b"", sequence=True)
assert seq.startswith(root + "/q-") and len(seq) == len(root + "/q-") + 10, seq
eph = a.create(root + "/e", b"", ephemeral=True)
b.sync(root)
assert b.exists(eph).ephemeralOwner == a.client_id[0], (b.exists(eph), a.client_id)
assert sorted(b.get_children(root)) == sorted(["x", "cfg", seq.rsplit("/", 1)[1], "e"])

# DataWatch: called with the current value, then with each change.
seen = []
changed = threading.Event()


@b.DataWatch(root + "/cfg")
def watch(data, stat):
    seen.append(data)
    if data == b"v1":
        changed.set()


a.set(root + "/cfg", b"v1")
assert changed.wait(10), seen
assert seen[0] == b"v0", seen

# A transaction: all or nothing.
t = a.transaction()
t.create(root + "/t1", b"1")
t.set_data(root + "/cfg", b"v2")
t.delete(seq)
results = t.commit()
assert results[0] == root + "/t1" and results[2] is True, results
t = a.transaction()
t.create(root + "/t2", b"")
t.check(root + "/cfg", 99)
results = t.commit()
assert isinstance(results[1], BadVersionError), results
assert b.exists(root + "/t2") is None

# A Lock contended by two clients: b waits until a releases.
la = a.Lock(root + "/lock", "a")
lb = b.Lock(root + "/lock", "b")
assert la.acquire(timeout=10)
got = threading.Event()


def take():
    if lb.acquire(timeout=15):
        got.set()


th = threading.Thread(target=take)
th.start()
assert not got.wait(1.0), "b took a held lock"
la.release()
assert got.wait(10), "b never got the released lock"
lb.release()
th.join()

# Ephemerals go with their session.
a.stop()
a.close()
b.sync(root)
assert b.exists(eph) is None
b.delete(root, recursive=True)
assert b.exists(root) is None
b.stop()
b.close()
print("OK")

/*
 * Apache ZooKeeper's Java client (Debian's zookeeper 3.8 jars) against peerkeeper's ZooKeeper port,
 * run as a single-file source program (java -cp JARS JavaClientCheck.java HOSTS): create, get, set,
 * exists, getChildren, delete and their errors, a multi that commits and one that fails whole, a
 * persistent recursive watch (addWatch), then, once the test has killed the member the client is on
 * (it prints ON host:port and READY, and waits for a line on stdin), the same session reconnected to
 * another member with its ephemeral and its persistent recursive watch intact. Prints OK at the end;
 * any failure is an exception and a non-zero exit.
 */
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.zookeeper.AddWatchMode;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Op;
import org.apache.zookeeper.OpResult;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.Stat;

public class JavaClientCheck {
  static void check(boolean ok, String what) {
    if (!ok) throw new AssertionError(what);
  }

  static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  static <T extends KeeperException> void expect(Class<T> error, ThrowingRunnable op) throws Exception {
    try {
      op.run();
    } catch (KeeperException e) {
      check(error.isInstance(e), "expected " + error.getSimpleName() + ", got " + e);
      return;
    }
    throw new AssertionError("expected " + error.getSimpleName() + ", got success");
  }

  interface ThrowingRunnable {
    void run() throws Exception;
  }

  static void expectEvent(BlockingQueue<WatchedEvent> events, String expected) throws InterruptedException {
    WatchedEvent e = events.poll(15, TimeUnit.SECONDS);
    check(e != null, "no watch event within 15 s, expected " + expected);
    String got = e.getType() + " " + e.getPath();
    check(got.equals(expected), "watch event " + got + ", expected " + expected);
  }

  public static void main(String[] args) throws Exception {
    BlockingQueue<Watcher.Event.KeeperState> states = new LinkedBlockingQueue<>();
    CountDownLatch connected = new CountDownLatch(1);
    ZooKeeper zk = new ZooKeeper(args[0], 10_000, event -> {
      if (event.getType() == Watcher.Event.EventType.None) {
        states.add(event.getState());
        if (event.getState() == Watcher.Event.KeeperState.SyncConnected) connected.countDown();
      }
    });
    check(connected.await(20, TimeUnit.SECONDS), "not connected within 20 s");
    var acl = ZooDefs.Ids.OPEN_ACL_UNSAFE;

    // CRUD and the errors ZooKeeper gives.
    check(zk.create("/java", bytes("v0"), acl, CreateMode.PERSISTENT).equals("/java"), "create /java");
    Stat stat = new Stat();
    check(Arrays.equals(zk.getData("/java", false, stat), bytes("v0")), "getData v0");
    check(stat.getVersion() == 0 && stat.getDataLength() == 2 && stat.getNumChildren() == 0, "stat of /java: " + stat);
    check(zk.setData("/java", bytes("v1"), 0).getVersion() == 1, "setData to version 1");
    expect(KeeperException.BadVersionException.class, () -> zk.setData("/java", bytes("x"), 0));
    expect(KeeperException.NodeExistsException.class, () -> zk.create("/java", null, acl, CreateMode.PERSISTENT));
    expect(KeeperException.NoNodeException.class, () -> zk.getData("/java/none", false, null));
    expect(KeeperException.NoNodeException.class, () -> zk.create("/java/none/child", null, acl, CreateMode.PERSISTENT));
    check(zk.exists("/java/none", false) == null, "exists of a missing node");
    String eph = zk.create("/java/eph", bytes("e"), acl, CreateMode.EPHEMERAL);
    check(zk.exists(eph, false).getEphemeralOwner() == zk.getSessionId(), "ephemeralOwner is the session");
    String seq = zk.create("/java/seq-", null, acl, CreateMode.PERSISTENT_SEQUENTIAL);
    check(seq.matches("/java/seq-\\d{10}"), "sequential name " + seq);
    List<String> children = zk.getChildren("/java", false);
    children.sort(null);
    check(children.equals(Arrays.asList("eph", seq.substring(6))), "children " + children);
    expect(KeeperException.NotEmptyException.class, () -> zk.delete("/java", -1));
    expect(KeeperException.BadVersionException.class, () -> zk.delete(seq, 3));
    zk.delete(seq, 0);

    // multi: all or nothing.
    List<OpResult> results = zk.multi(Arrays.asList(
        Op.create("/java/m1", bytes("1"), acl, CreateMode.PERSISTENT),
        Op.setData("/java", bytes("v2"), 1),
        Op.check("/java/eph", 0)));
    check(results.size() == 3 && results.get(0) instanceof OpResult.CreateResult && results.get(1) instanceof OpResult.SetDataResult, "multi results " + results);
    check(((OpResult.SetDataResult) results.get(1)).getStat().getVersion() == 2, "multi's setData stat");
    try {
      zk.multi(Arrays.asList(Op.create("/java/m2", null, acl, CreateMode.PERSISTENT), Op.check("/java", 99)));
      throw new AssertionError("a multi with a wrong version committed");
    } catch (KeeperException.BadVersionException e) {
      List<OpResult> r = e.getResults();
      // As ZooKeeper's DataTree answers: ops before the failing one say OK (rolled back), the failing
      // one its error (ops after it would say RUNTIMEINCONSISTENCY).
      check(r.get(0) instanceof OpResult.ErrorResult && ((OpResult.ErrorResult) r.get(0)).getErr() == KeeperException.Code.OK.intValue(), "first op rolled back: " + r);
      check(r.get(1) instanceof OpResult.ErrorResult && ((OpResult.ErrorResult) r.get(1)).getErr() == KeeperException.Code.BADVERSION.intValue(), "second op failed: " + r);
    }
    check(zk.exists("/java/m2", false) == null, "the failed multi created nothing");

    // A persistent recursive watch: every change under /java, in order, and it stays.
    // The Java client also hands every watcher the connection's state changes (type None, no path):
    // those are not node events and are kept apart.
    BlockingQueue<WatchedEvent> events = new LinkedBlockingQueue<>();
    BlockingQueue<WatchedEvent> watcherStates = new LinkedBlockingQueue<>();
    zk.addWatch("/java", e -> (e.getType() == Watcher.Event.EventType.None ? watcherStates : events).add(e), AddWatchMode.PERSISTENT_RECURSIVE);
    zk.create("/java/a", null, acl, CreateMode.PERSISTENT);
    zk.create("/java/a/b", null, acl, CreateMode.PERSISTENT);
    zk.setData("/java/a/b", bytes("b1"), -1);
    zk.delete("/java/a/b", -1);
    expectEvent(events, "NodeCreated /java/a");
    expectEvent(events, "NodeCreated /java/a/b");
    expectEvent(events, "NodeDataChanged /java/a/b");
    expectEvent(events, "NodeDeleted /java/a/b");

    // Which member are we on? ZooKeeper's toString names the server it is connected to.
    Matcher m = Pattern.compile("remoteserver:\\S*?/?(\\d+\\.\\d+\\.\\d+\\.\\d+:\\d+)").matcher(zk.toString());
    check(m.find(), "no remoteserver in " + zk);
    long session = zk.getSessionId();
    states.clear();
    System.out.println("ON " + m.group(1));
    System.out.println("READY");
    System.out.flush();
    new BufferedReader(new InputStreamReader(System.in)).readLine();

    // The member is dead: Disconnected, then SyncConnected elsewhere with the same session.
    Watcher.Event.KeeperState s1 = states.poll(20, TimeUnit.SECONDS);
    check(s1 == Watcher.Event.KeeperState.Disconnected, "first state after the kill: " + s1);
    Watcher.Event.KeeperState s2 = states.poll(20, TimeUnit.SECONDS);
    check(s2 == Watcher.Event.KeeperState.SyncConnected, "second state after the kill: " + s2);
    check(zk.getSessionId() == session, "a new session after the reconnect");
    Matcher m2 = Pattern.compile("remoteserver:\\S*?/?(\\d+\\.\\d+\\.\\d+\\.\\d+:\\d+)").matcher(zk.toString());
    check(m2.find() && !m2.group(1).equals(m.group(1)), "still on the killed member? " + zk);
    check(zk.exists(eph, false) != null, "the ephemeral went with a session that lives on");
    // The persistent recursive watch was re-set on the new member (setWatches2).
    zk.create("/java/after", null, acl, CreateMode.PERSISTENT);
    zk.setData("/java/a", bytes("a1"), -1);
    expectEvent(events, "NodeCreated /java/after");
    expectEvent(events, "NodeDataChanged /java/a");
    check(events.isEmpty(), "more node events than changes: " + events);

    zk.removeAllWatches("/java", Watcher.WatcherType.Any, false);
    for (String p : new String[] {"/java/after", "/java/a", "/java/m1", eph}) zk.delete(p, -1);
    zk.delete("/java", -1);
    check(zk.exists("/java", false) == null, "/java deleted");
    zk.close();
    System.out.println("OK");
  }
}

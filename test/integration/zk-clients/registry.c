/*
 * The seed's service registry with Apache ZooKeeper's C client (libzookeeper_mt), against
 * peerkeeper's ZooKeeper port: a provider registers the ephemeral /UserService/Login -> 127.0.0.1:8000,
 * a consumer reads it and watches it, the provider ends, the consumer's watch fires and the node is
 * gone. The provider ends by closing its session (`close`, the default) or, in `kill` mode, it is a
 * separate process killed with SIGKILL: its session then ends only when it expires on the server,
 * which deletes the ephemeral and fires the consumer's watch. Prints OK and exits 0, or says what
 * went wrong and exits 1.
 * Usage: registry HOST:PORT[,HOST:PORT...] [close|kill]
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zookeeper/zookeeper.h>

static const char *address = "127.0.0.1:8000";

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t changed = PTHREAD_COND_INITIALIZER;
static int deleted_seen = 0;
static int sync_done = 0;
static int sync_rc = 0;

static void synced(int rc, const char *value, const void *data) {
  (void)value; (void)data;
  pthread_mutex_lock(&lock);
  sync_rc = rc;
  sync_done = 1;
  pthread_cond_broadcast(&changed);
  pthread_mutex_unlock(&lock);
}

/* ZooKeeper promises each client an in-order view, not another client's latest write: a consumer on
 * another server syncs before it reads what a provider just registered, as ZooKeeper's docs advise. */
static int sync_and_wait(zhandle_t *zh, const char *path) {
  int rc = zoo_async(zh, path, synced, NULL);
  if (rc != ZOK) return rc;
  struct timespec until;
  clock_gettime(CLOCK_REALTIME, &until);
  until.tv_sec += 10;
  pthread_mutex_lock(&lock);
  while (!sync_done) {
    if (pthread_cond_timedwait(&changed, &lock, &until) != 0) break;
  }
  rc = sync_done ? sync_rc : ZOPERATIONTIMEOUT;
  pthread_mutex_unlock(&lock);
  return rc;
}

static void global_watcher(zhandle_t *zh, int type, int state, const char *path, void *ctx) {
  (void)zh; (void)path; (void)ctx;
  if (type == ZOO_SESSION_EVENT && state == ZOO_CONNECTED_STATE) {
    pthread_mutex_lock(&lock);
    pthread_cond_broadcast(&changed);
    pthread_mutex_unlock(&lock);
  }
}

static void login_watcher(zhandle_t *zh, int type, int state, const char *path, void *ctx) {
  (void)zh; (void)state; (void)ctx;
  if (type == ZOO_DELETED_EVENT && strcmp(path, "/UserService/Login") == 0) {
    pthread_mutex_lock(&lock);
    deleted_seen = 1;
    pthread_cond_broadcast(&changed);
    pthread_mutex_unlock(&lock);
  }
}

static int fail(const char *what, int rc) {
  printf("FAIL %s: %d (%s)\n", what, rc, zerror(rc));
  return 1;
}

static zhandle_t *connect_to(const char *hosts) {
  zhandle_t *zh = zookeeper_init(hosts, global_watcher, 6000, 0, 0, 0);
  if (!zh) return NULL;
  struct timespec until;
  clock_gettime(CLOCK_REALTIME, &until);
  until.tv_sec += 15;
  pthread_mutex_lock(&lock);
  while (zoo_state(zh) != ZOO_CONNECTED_STATE) {
    if (pthread_cond_timedwait(&changed, &lock, &until) != 0 && zoo_state(zh) != ZOO_CONNECTED_STATE) {
      pthread_mutex_unlock(&lock);
      zookeeper_close(zh);
      return NULL;
    }
  }
  pthread_mutex_unlock(&lock);
  return zh;
}

/* The provider's part: /UserService and the ephemeral /UserService/Login -> address. */
static int register_login(zhandle_t *provider) {
  int rc = zoo_create(provider, "/UserService", NULL, -1, &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0);
  if (rc != ZOK && rc != ZNODEEXISTS) return fail("create /UserService", rc);
  char created[128];
  rc = zoo_create(provider, "/UserService/Login", address, (int)strlen(address), &ZOO_OPEN_ACL_UNSAFE, ZOO_EPHEMERAL, created, sizeof created);
  if (rc != ZOK) return fail("create /UserService/Login", rc);
  if (strcmp(created, "/UserService/Login") != 0) return fail("created path", -1);
  return 0;
}

/* kill mode: the provider runs in a child process (forked before any ZooKeeper thread exists), says
 * on `ready` once it registered, then waits to be killed. Returns the child's pid, or -1. */
static pid_t spawn_provider(const char *hosts) {
  int ready[2];
  if (pipe(ready) != 0) return -1;
  pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    close(ready[0]);
    zhandle_t *provider = connect_to(hosts);
    if (!provider) _exit(fail("provider connect", ZCONNECTIONLOSS));
    if (register_login(provider) != 0) _exit(1);
    if (write(ready[1], "R", 1) != 1) _exit(1);
    for (;;) pause();
  }
  close(ready[1]);
  char byte = 0;
  ssize_t n = read(ready[0], &byte, 1);
  close(ready[0]);
  if (n != 1 || byte != 'R') {
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    return -1;
  }
  return pid;
}

int main(int argc, char **argv) {
  if (argc < 2 || argc > 3 || (argc == 3 && strcmp(argv[2], "close") != 0 && strcmp(argv[2], "kill") != 0)) {
    fprintf(stderr, "usage: %s HOST:PORT[,...] [close|kill]\n", argv[0]);
    return 2;
  }
  int kill_mode = argc == 3 && strcmp(argv[2], "kill") == 0;
  zoo_set_debug_level(ZOO_LOG_LEVEL_WARN);
  zhandle_t *provider = NULL;
  pid_t provider_pid = -1;
  if (kill_mode) {
    provider_pid = spawn_provider(argv[1]);
    if (provider_pid < 0) return fail("provider process", -1);
  } else {
    provider = connect_to(argv[1]);
    if (!provider) return fail("provider connect", ZCONNECTIONLOSS);
    if (register_login(provider) != 0) return 1;
  }
  zhandle_t *consumer = connect_to(argv[1]);
  if (!consumer) return fail("consumer connect", ZCONNECTIONLOSS);

  int rc = sync_and_wait(consumer, "/UserService");
  if (rc != ZOK) return fail("consumer sync", rc);
  char buf[128];
  int len = sizeof buf - 1;
  struct Stat stat;
  rc = zoo_wget(consumer, "/UserService/Login", login_watcher, NULL, buf, &len, &stat);
  if (rc != ZOK) return fail("consumer get", rc);
  buf[len < 0 ? 0 : len] = 0;
  if (strcmp(buf, address) != 0) {
    printf("FAIL consumer read '%s'\n", buf);
    return 1;
  }
  if (stat.ephemeralOwner == 0) return fail("ephemeralOwner is 0", -1);

  /* The provider ends. Killed, its session lives until it expires on the server (6 s asked). */
  int wait_s = 10;
  if (kill_mode) {
    if (kill(provider_pid, SIGKILL) != 0) return fail("kill provider", -1);
    waitpid(provider_pid, NULL, 0);
    wait_s = 30;
    /* Not gone at once: the dead provider's session still owns it until it expires. */
    rc = zoo_exists(consumer, "/UserService/Login", 0, &stat);
    if (rc != ZOK) return fail("Login gone before the killed provider's session expired", rc);
  } else {
    rc = zookeeper_close(provider);
    if (rc != ZOK) return fail("provider close", rc);
  }

  struct timespec until;
  clock_gettime(CLOCK_REALTIME, &until);
  until.tv_sec += wait_s;
  pthread_mutex_lock(&lock);
  while (!deleted_seen) {
    if (pthread_cond_timedwait(&changed, &lock, &until) != 0) break;
  }
  int seen = deleted_seen;
  pthread_mutex_unlock(&lock);
  if (!seen) {
    printf("FAIL no NodeDeleted event within %d s\n", wait_s);
    return 1;
  }

  rc = zoo_exists(consumer, "/UserService/Login", 0, &stat);
  if (rc != ZNONODE) return fail("Login still exists", rc);
  rc = zoo_delete(consumer, "/UserService", -1);
  if (rc != ZOK) return fail("delete /UserService", rc);
  zookeeper_close(consumer);
  printf("OK\n");
  return 0;
}

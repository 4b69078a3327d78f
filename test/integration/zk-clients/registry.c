/*
 * The seed's service registry with Apache ZooKeeper's C client (libzookeeper_mt), against
 * peerkeeper's ZooKeeper port: a provider registers the ephemeral /UserService/Login -> 127.0.0.1:8000,
 * a consumer reads it and watches it, the provider closes its session, the consumer's watch fires and
 * the node is gone. Prints OK and exits 0, or says what went wrong and exits 1.
 * Usage: registry HOST:PORT[,HOST:PORT...]
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zookeeper/zookeeper.h>

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

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s HOST:PORT[,...]\n", argv[0]);
    return 2;
  }
  zoo_set_debug_level(ZOO_LOG_LEVEL_WARN);
  zhandle_t *provider = connect_to(argv[1]);
  if (!provider) return fail("provider connect", ZCONNECTIONLOSS);
  zhandle_t *consumer = connect_to(argv[1]);
  if (!consumer) return fail("consumer connect", ZCONNECTIONLOSS);

  int rc = zoo_create(provider, "/UserService", NULL, -1, &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0);
  if (rc != ZOK && rc != ZNODEEXISTS) return fail("create /UserService", rc);
  const char *address = "127.0.0.1:8000";
  char created[128];
  rc = zoo_create(provider, "/UserService/Login", address, (int)strlen(address), &ZOO_OPEN_ACL_UNSAFE, ZOO_EPHEMERAL, created, sizeof created);
  if (rc != ZOK) return fail("create /UserService/Login", rc);
  if (strcmp(created, "/UserService/Login") != 0) return fail("created path", -1);

  rc = sync_and_wait(consumer, "/UserService");
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

  rc = zookeeper_close(provider);
  if (rc != ZOK) return fail("provider close", rc);

  struct timespec until;
  clock_gettime(CLOCK_REALTIME, &until);
  until.tv_sec += 10;
  pthread_mutex_lock(&lock);
  while (!deleted_seen) {
    if (pthread_cond_timedwait(&changed, &lock, &until) != 0) break;
  }
  int seen = deleted_seen;
  pthread_mutex_unlock(&lock);
  if (!seen) return fail("no NodeDeleted event within 10 s", -1);

  rc = zoo_exists(consumer, "/UserService/Login", 0, &stat);
  if (rc != ZNONODE) return fail("Login still exists", rc);
  rc = zoo_delete(consumer, "/UserService", -1);
  if (rc != ZOK) return fail("delete /UserService", rc);
  zookeeper_close(consumer);
  printf("OK\n");
  return 0;
}

/* The libzmq side of FerroMQ's benchmark suite: one C program on the system libzmq whose
 * tools mirror, line for line, the FerroMQ side in bench/src/bin/ferromq-perf.rs. Both take
 * the same arguments and print the same `key=value` results, so `bench/src/main.rs` can run
 * them alternately and compare like with like.
 *
 * Equivalent work on both sides:
 *  - senders allocate one new message per send (zmq_msg_init_size + memset here; an inline
 *    frame, or a malloc'd and zero-filled buffer, on the FerroMQ side);
 *  - receivers reuse one zmq_msg_t (FerroMQ: the received frame is dropped each time);
 *  - HWMs are set explicitly: 1000 (libzmq's default) everywhere except PUB/SUB, where both
 *    sides use 0 so that no message is dropped and every subscriber can count all of them;
 *  - one I/O thread per context; throughput is timed at the receiver from the first message
 *    to the last (libzmq's local_thr method), latency per round trip at the requester;
 *  - CURVE (RFC 26) when the orchestrator asks for it through the environment: with
 *    PERF_CURVE_SERVER_SECRET (Z85) every socket this process binds is a CURVE server with
 *    that secret key; with PERF_CURVE_SERVER_KEY (Z85) every socket it connects is a CURVE
 *    client of that server key, with a key pair of its own made at start (zmq_curve_keypair).
 *    The orchestrator makes a fresh server key pair for each run; the handshake happens
 *    before the first message, so it is outside the timed part.
 *
 * Usage: perf <tool> <args...>   (see usage() below). Build: gcc -O2 perf.c -lzmq -lpthread */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#define HWM 1000

static double now_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static void check(int rc, const char *what) {
    if (rc < 0) {
        fprintf(stderr, "libzmq-perf: %s: %s\n", what, zmq_strerror(zmq_errno()));
        exit(1);
    }
}

static void fail(const char *what) {
    fprintf(stderr, "libzmq-perf: %s\n", what);
    exit(1);
}

static void set_int(void *s, int option, int value) {
    check(zmq_setsockopt(s, option, &value, sizeof value), "setsockopt");
}

static void *new_socket(void *ctx, int type) {
    void *s = zmq_socket(ctx, type);
    if (!s) check(-1, "socket");
    return s;
}

/* ----- CURVE (see the header comment) ----- */

static const char *curve_server_secret; /* bind side: PERF_CURVE_SERVER_SECRET */
static const char *curve_server_key;    /* connect side: PERF_CURVE_SERVER_KEY */
static char curve_public[41], curve_secret[41]; /* connect side's own key pair */

static void curve_init(void) {
    const char *secret = getenv("PERF_CURVE_SERVER_SECRET");
    const char *server = getenv("PERF_CURVE_SERVER_KEY");
    curve_server_secret = secret && *secret ? secret : NULL;
    curve_server_key = server && *server ? server : NULL;
    if (!curve_server_secret && !curve_server_key) return;
    if (!zmq_has("curve")) fail("CURVE asked for, but this libzmq has no CURVE");
    if (curve_server_key) check(zmq_curve_keypair(curve_public, curve_secret), "curve_keypair");
}

static void set_key(void *s, int option, const char *z85) {
    check(zmq_setsockopt(s, option, z85, strlen(z85)), "setsockopt (CURVE key)");
}

/* Fails unless the socket will speak CURVE (a key the library ignored would silently
 * measure NULL). */
static void expect_curve(void *s) {
    int mechanism = -1;
    size_t len = sizeof mechanism;
    check(zmq_getsockopt(s, ZMQ_MECHANISM, &mechanism, &len), "getsockopt MECHANISM");
    if (mechanism != ZMQ_CURVE) fail("CURVE options set, but MECHANISM is not CURVE");
}

static void bind_ep(void *s, const char *ep, const char *what) {
    if (curve_server_secret) {
        set_int(s, ZMQ_CURVE_SERVER, 1);
        set_key(s, ZMQ_CURVE_SECRETKEY, curve_server_secret);
        expect_curve(s);
    }
    check(zmq_bind(s, ep), what);
}

static void connect_ep(void *s, const char *ep, const char *what) {
    if (curve_server_key) {
        set_key(s, ZMQ_CURVE_SERVERKEY, curve_server_key);
        set_key(s, ZMQ_CURVE_PUBLICKEY, curve_public);
        set_key(s, ZMQ_CURVE_SECRETKEY, curve_secret);
        expect_curve(s);
    }
    check(zmq_connect(s, ep), what);
}

/* One new message of `size` zero bytes, as libzmq's remote_thr allocates per send. */
static void send_new(void *s, size_t size, int flags) {
    zmq_msg_t msg;
    check(zmq_msg_init_size(&msg, size), "msg_init_size");
    memset(zmq_msg_data(&msg), 0, size);
    check(zmq_msg_send(&msg, s, flags), "send");
}

static void print_thr(long msgs, double elapsed_us, size_t size) {
    if (elapsed_us < 1) elapsed_us = 1;
    double rate = msgs / elapsed_us * 1e6;
    printf("msgs=%ld elapsed_us=%.0f msg_per_s=%.0f mb_per_s=%.3f\n", msgs, elapsed_us, rate,
           rate * size / 1e6);
}

/* ----- PUSH/PULL throughput ----- */

static void pull_loop(void *s, size_t size, long count) {
    zmq_msg_t msg;
    zmq_msg_init(&msg);
    check(zmq_msg_recv(&msg, s, 0), "recv");
    double start = now_us();
    for (long i = 1; i < count; i++) {
        check(zmq_msg_recv(&msg, s, 0), "recv");
        if (zmq_msg_size(&msg) != size) fail("message of incorrect size received");
    }
    double elapsed = now_us() - start;
    zmq_msg_close(&msg);
    print_thr(count - 1, elapsed, size);
}

static void push_loop(void *s, size_t size, long count) {
    for (long i = 0; i < count; i++) send_new(s, size, 0);
}

/* With PERF_HOLD=1 a sender keeps its connection until stdin closes (the orchestrator closes
 * it when the receiver is done): libzmq 4.3.4 drops the last messages over ipc when the
 * sender closes right after sending, LINGER notwithstanding (libzmq issue #4660). */
static void hold(void) {
    const char *h = getenv("PERF_HOLD");
    if (h && *h == '1')
        while (getchar() != EOF) {
        }
}

static int pull_thr(void *ctx, const char *ep, size_t size, long count) {
    void *s = new_socket(ctx, ZMQ_PULL);
    set_int(s, ZMQ_RCVHWM, HWM);
    bind_ep(s, ep, "bind");
    pull_loop(s, size, count);
    zmq_close(s);
    return 0;
}

static int push_thr(void *ctx, const char *ep, size_t size, long count) {
    void *s = new_socket(ctx, ZMQ_PUSH);
    set_int(s, ZMQ_SNDHWM, HWM);
    connect_ep(s, ep, "connect");
    push_loop(s, size, count);
    hold();
    zmq_close(s); /* LINGER -1: zmq_ctx_term waits until everything is sent */
    return 0;
}

struct worker {
    void *ctx;
    const char *ep;
    const char *sync_ep; /* sub_thr */
    size_t size;
    long count;
    double first_us, last_us; /* sub_thr */
    void *sock;               /* dealer_thr: closed by the main thread */
};

static void *inproc_push_worker(void *arg) {
    struct worker *w = arg;
    void *s = new_socket(w->ctx, ZMQ_PUSH);
    set_int(s, ZMQ_SNDHWM, HWM);
    connect_ep(s, w->ep, "connect");
    push_loop(s, w->size, w->count);
    zmq_close(s);
    return NULL;
}

/* Both ends in this process: PULL here, PUSH in a thread (libzmq's inproc_thr). */
static int inproc_thr(void *ctx, size_t size, long count) {
    const char *ep = "inproc://thr";
    void *s = new_socket(ctx, ZMQ_PULL);
    set_int(s, ZMQ_RCVHWM, HWM);
    bind_ep(s, ep, "bind");
    struct worker w = {ctx, ep, NULL, size, count, 0, 0, NULL};
    pthread_t t;
    pthread_create(&t, NULL, inproc_push_worker, &w);
    pull_loop(s, size, count);
    pthread_join(t, NULL);
    zmq_close(s);
    return 0;
}

/* ----- REQ/REP latency ----- */

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void rep_loop(void *s, size_t size, long count) {
    zmq_msg_t msg;
    zmq_msg_init(&msg);
    for (long i = 0; i < count; i++) {
        check(zmq_msg_recv(&msg, s, 0), "recv");
        if (zmq_msg_size(&msg) != size) fail("message of incorrect size received");
        check(zmq_msg_send(&msg, s, 0), "send");
    }
    zmq_msg_close(&msg);
}

/* Sends back the reply it got each time (no copy either way); times every round trip and
 * prints latencies as half round trips (libzmq's local_lat/remote_lat convention). */
static void req_loop(void *s, size_t size, long count) {
    double *rtt = malloc(sizeof(double) * count);
    zmq_msg_t msg;
    check(zmq_msg_init_size(&msg, size), "msg_init_size");
    memset(zmq_msg_data(&msg), 0, size);
    double start = now_us();
    for (long i = 0; i < count; i++) {
        double t0 = now_us();
        check(zmq_msg_send(&msg, s, 0), "send");
        check(zmq_msg_recv(&msg, s, 0), "recv");
        rtt[i] = now_us() - t0;
        if (zmq_msg_size(&msg) != size) fail("message of incorrect size received");
    }
    double elapsed = now_us() - start;
    zmq_msg_close(&msg);
    qsort(rtt, count, sizeof(double), cmp_double);
    long p99 = (long)(count * 0.99);
    if (p99 >= count) p99 = count - 1;
    printf("roundtrips=%ld elapsed_us=%.0f lat_mean_us=%.3f lat_p50_us=%.3f lat_p99_us=%.3f\n",
           count, elapsed, elapsed / (count * 2.0), rtt[count / 2] / 2, rtt[p99] / 2);
    free(rtt);
}

static int rep_lat(void *ctx, const char *ep, size_t size, long count) {
    void *s = new_socket(ctx, ZMQ_REP);
    set_int(s, ZMQ_SNDHWM, HWM);
    set_int(s, ZMQ_RCVHWM, HWM);
    bind_ep(s, ep, "bind");
    rep_loop(s, size, count);
    zmq_close(s);
    return 0;
}

static int req_lat(void *ctx, const char *ep, size_t size, long count) {
    void *s = new_socket(ctx, ZMQ_REQ);
    set_int(s, ZMQ_SNDHWM, HWM);
    set_int(s, ZMQ_RCVHWM, HWM);
    connect_ep(s, ep, "connect");
    req_loop(s, size, count);
    zmq_close(s);
    return 0;
}

static void *inproc_rep_worker(void *arg) {
    struct worker *w = arg;
    void *s = new_socket(w->ctx, ZMQ_REP);
    set_int(s, ZMQ_SNDHWM, HWM);
    set_int(s, ZMQ_RCVHWM, HWM);
    connect_ep(s, w->ep, "connect");
    rep_loop(s, w->size, w->count);
    zmq_close(s);
    return NULL;
}

/* Both ends in this process: REQ here, REP in a thread (libzmq's inproc_lat). */
static int inproc_lat(void *ctx, size_t size, long count) {
    const char *ep = "inproc://lat";
    void *s = new_socket(ctx, ZMQ_REQ);
    set_int(s, ZMQ_SNDHWM, HWM);
    set_int(s, ZMQ_RCVHWM, HWM);
    bind_ep(s, ep, "bind");
    struct worker w = {ctx, ep, NULL, size, count, 0, 0, NULL};
    pthread_t t;
    pthread_create(&t, NULL, inproc_rep_worker, &w);
    req_loop(s, size, count);
    pthread_join(t, NULL);
    zmq_close(s);
    return 0;
}

/* ----- PUB/SUB throughput, N subscribers -----
 * The publisher sends 1-byte probes every millisecond until every subscriber has said (on
 * a PUSH/PULL sync channel) that one reached it, so no subscriber misses the start; then
 * COUNT data messages; then it waits for the subscribers' "done". HWM 0 on both sides:
 * nothing is dropped, so every subscriber can count every message. */

static int pub_thr(void *ctx, const char *ep, const char *sync_ep, size_t size, long count,
                   int subs) {
    void *pub = new_socket(ctx, ZMQ_PUB);
    set_int(pub, ZMQ_SNDHWM, 0);
    bind_ep(pub, ep, "bind");
    void *sync = new_socket(ctx, ZMQ_PULL);
    bind_ep(sync, sync_ep, "bind sync");
    char buf[16];
    int ready = 0;
    while (ready < subs) {
        send_new(pub, 1, 0);
        while (zmq_recv(sync, buf, sizeof buf, ZMQ_DONTWAIT) >= 0) ready++;
        if (ready < subs) usleep(1000);
    }
    push_loop(pub, size, count);
    check(zmq_recv(sync, buf, sizeof buf, 0), "recv done");
    zmq_close(sync);
    zmq_close(pub);
    return 0;
}

static void *sub_worker(void *arg) {
    struct worker *w = arg;
    void *sub = new_socket(w->ctx, ZMQ_SUB);
    set_int(sub, ZMQ_RCVHWM, 0);
    check(zmq_setsockopt(sub, ZMQ_SUBSCRIBE, "", 0), "subscribe");
    connect_ep(sub, w->ep, "connect");
    void *sync = new_socket(w->ctx, ZMQ_PUSH);
    connect_ep(sync, w->sync_ep, "connect sync");
    int ready = 0;
    zmq_msg_t msg;
    zmq_msg_init(&msg);
    long got = 0;
    while (got < w->count) {
        check(zmq_msg_recv(&msg, sub, 0), "recv");
        size_t n = zmq_msg_size(&msg);
        if (n == 1) { /* a probe */
            if (!ready) check(zmq_send(sync, "ready", 5, 0), "send ready");
            ready = 1;
            continue;
        }
        if (n != w->size) fail("message of incorrect size received");
        if (got == 0) w->first_us = now_us();
        got++;
    }
    w->last_us = now_us();
    zmq_msg_close(&msg);
    zmq_close(sync);
    zmq_close(sub);
    return NULL;
}

/* SUBS subscriber threads in this process; prints deliveries per second over all of them,
 * from the first data message any received to the last one all had. */
static int sub_thr(void *ctx, const char *ep, const char *sync_ep, size_t size, long count,
                   int subs) {
    struct worker *w = calloc(subs, sizeof *w);
    pthread_t *t = calloc(subs, sizeof *t);
    for (int i = 0; i < subs; i++) {
        w[i] = (struct worker){ctx, ep, sync_ep, size, count, 0, 0, NULL};
        pthread_create(&t[i], NULL, sub_worker, &w[i]);
    }
    double first = 0, last = 0;
    for (int i = 0; i < subs; i++) {
        pthread_join(t[i], NULL);
        if (i == 0 || w[i].first_us < first) first = w[i].first_us;
        if (i == 0 || w[i].last_us > last) last = w[i].last_us;
    }
    print_thr(count * subs, last - first, size);
    void *sync = new_socket(ctx, ZMQ_PUSH);
    connect_ep(sync, sync_ep, "connect sync");
    check(zmq_send(sync, "done", 4, 0), "send done");
    zmq_close(sync);
    free(w);
    free(t);
    return 0;
}

/* ----- ROUTER/DEALER throughput, N peers -----
 * PEERS dealer threads in one process each send COUNT/PEERS messages to one ROUTER, which
 * receives them all (routing id + payload) and times them like pull_thr. */

static int router_thr(void *ctx, const char *ep, size_t size, long count) {
    void *s = new_socket(ctx, ZMQ_ROUTER);
    set_int(s, ZMQ_RCVHWM, HWM);
    set_int(s, ZMQ_SNDHWM, HWM);
    bind_ep(s, ep, "bind");
    zmq_msg_t id, msg;
    zmq_msg_init(&id);
    zmq_msg_init(&msg);
    double start = 0;
    for (long i = 0; i < count; i++) {
        check(zmq_msg_recv(&id, s, 0), "recv id");
        if (!zmq_msg_more(&id)) fail("routing id without payload");
        check(zmq_msg_recv(&msg, s, 0), "recv");
        if (zmq_msg_size(&msg) != size) fail("message of incorrect size received");
        if (i == 0) start = now_us();
    }
    double elapsed = now_us() - start;
    zmq_msg_close(&id);
    zmq_msg_close(&msg);
    print_thr(count - 1, elapsed, size);
    zmq_close(s);
    return 0;
}

static void *dealer_worker(void *arg) {
    struct worker *w = arg;
    void *s = new_socket(w->ctx, ZMQ_DEALER);
    set_int(s, ZMQ_SNDHWM, HWM);
    set_int(s, ZMQ_RCVHWM, HWM);
    connect_ep(s, w->ep, "connect");
    push_loop(s, w->size, w->count);
    w->sock = s;
    return NULL;
}

static int dealer_thr(void *ctx, const char *ep, size_t size, long count, int peers) {
    struct worker *w = calloc(peers, sizeof *w);
    pthread_t *t = calloc(peers, sizeof *t);
    for (int i = 0; i < peers; i++) {
        w[i] = (struct worker){ctx, ep, NULL, size, count / peers, 0, 0, NULL};
        pthread_create(&t[i], NULL, dealer_worker, &w[i]);
    }
    for (int i = 0; i < peers; i++) pthread_join(t[i], NULL);
    hold();
    for (int i = 0; i < peers; i++) zmq_close(w[i].sock);
    free(w);
    free(t);
    return 0;
}

/* ----- Slow consumer -----
 * slow_push sends SIZE-byte messages as fast as it can for SECONDS (blocking at the HWM;
 * SNDTIMEO lets it look at the clock), then leaves without lingering. slow_pull reads RATE
 * messages per second for SECONDS. The orchestrator samples the sender's RSS meanwhile. */

static int slow_push(void *ctx, const char *ep, size_t size, double seconds) {
    void *s = new_socket(ctx, ZMQ_PUSH);
    set_int(s, ZMQ_SNDHWM, HWM);
    set_int(s, ZMQ_SNDTIMEO, 100);
    set_int(s, ZMQ_LINGER, 0);
    connect_ep(s, ep, "connect");
    double end = now_us() + seconds * 1e6;
    long sent = 0;
    while (now_us() < end) {
        zmq_msg_t msg;
        check(zmq_msg_init_size(&msg, size), "msg_init_size");
        memset(zmq_msg_data(&msg), 0, size);
        if (zmq_msg_send(&msg, s, 0) >= 0) {
            sent++;
        } else {
            if (zmq_errno() != EAGAIN) check(-1, "send");
            zmq_msg_close(&msg);
        }
    }
    printf("sent=%ld\n", sent);
    zmq_close(s);
    return 0;
}

static int slow_pull(void *ctx, const char *ep, long rate, double seconds) {
    void *s = new_socket(ctx, ZMQ_PULL);
    set_int(s, ZMQ_RCVHWM, HWM);
    set_int(s, ZMQ_RCVTIMEO, 100);
    set_int(s, ZMQ_LINGER, 0);
    bind_ep(s, ep, "bind");
    double start = now_us(), end = start + seconds * 1e6;
    long got = 0;
    zmq_msg_t msg;
    zmq_msg_init(&msg);
    while (now_us() < end) {
        double due = start + got * 1e6 / rate;
        double wait = due - now_us();
        if (wait > 0) usleep((useconds_t)wait);
        if (zmq_msg_recv(&msg, s, 0) >= 0) got++;
        else if (zmq_errno() != EAGAIN) check(-1, "recv");
    }
    zmq_msg_close(&msg);
    printf("received=%ld\n", got);
    zmq_close(s);
    return 0;
}

static void usage(void) {
    fprintf(stderr,
            "usage: perf version\n"
            "       perf pull_thr|push_thr <endpoint> <size> <count>\n"
            "       perf rep_lat|req_lat <endpoint> <size> <count>\n"
            "       perf inproc_thr|inproc_lat <size> <count>\n"
            "       perf pub_thr|sub_thr <endpoint> <sync-endpoint> <size> <count> <subscribers>\n"
            "       perf router_thr <endpoint> <size> <count>\n"
            "       perf dealer_thr <endpoint> <size> <count> <peers>\n"
            "       perf slow_push <endpoint> <size> <seconds>\n"
            "       perf slow_pull <endpoint> <msgs-per-second> <seconds>\n"
            "env: PERF_CURVE_SERVER_SECRET=<z85> (bind as CURVE server), PERF_CURVE_SERVER_KEY=<z85>\n"
            "     (connect as CURVE client), PERF_HOLD=1 (senders keep the connection until stdin closes)\n");
    exit(2);
}

int main(int argc, char **argv) {
    if (argc < 2) usage();
    const char *tool = argv[1];
    if (!strcmp(tool, "version")) {
        int major, minor, patch;
        zmq_version(&major, &minor, &patch);
        printf("libzmq %d.%d.%d\n", major, minor, patch);
        return 0;
    }
    curve_init();
    void *ctx = zmq_ctx_new();
    int rc = 0;
#define ARGS(n) \
    if (argc != (n) + 2) usage();
    if (!strcmp(tool, "pull_thr")) {
        ARGS(3) rc = pull_thr(ctx, argv[2], strtoul(argv[3], NULL, 10), atol(argv[4]));
    } else if (!strcmp(tool, "push_thr")) {
        ARGS(3) rc = push_thr(ctx, argv[2], strtoul(argv[3], NULL, 10), atol(argv[4]));
    } else if (!strcmp(tool, "rep_lat")) {
        ARGS(3) rc = rep_lat(ctx, argv[2], strtoul(argv[3], NULL, 10), atol(argv[4]));
    } else if (!strcmp(tool, "req_lat")) {
        ARGS(3) rc = req_lat(ctx, argv[2], strtoul(argv[3], NULL, 10), atol(argv[4]));
    } else if (!strcmp(tool, "inproc_thr")) {
        ARGS(2) rc = inproc_thr(ctx, strtoul(argv[2], NULL, 10), atol(argv[3]));
    } else if (!strcmp(tool, "inproc_lat")) {
        ARGS(2) rc = inproc_lat(ctx, strtoul(argv[2], NULL, 10), atol(argv[3]));
    } else if (!strcmp(tool, "pub_thr")) {
        ARGS(5) rc = pub_thr(ctx, argv[2], argv[3], strtoul(argv[4], NULL, 10), atol(argv[5]),
                             atoi(argv[6]));
    } else if (!strcmp(tool, "sub_thr")) {
        ARGS(5) rc = sub_thr(ctx, argv[2], argv[3], strtoul(argv[4], NULL, 10), atol(argv[5]),
                             atoi(argv[6]));
    } else if (!strcmp(tool, "router_thr")) {
        ARGS(3) rc = router_thr(ctx, argv[2], strtoul(argv[3], NULL, 10), atol(argv[4]));
    } else if (!strcmp(tool, "dealer_thr")) {
        ARGS(4) rc = dealer_thr(ctx, argv[2], strtoul(argv[3], NULL, 10), atol(argv[4]),
                                atoi(argv[5]));
    } else if (!strcmp(tool, "slow_push")) {
        ARGS(3) rc = slow_push(ctx, argv[2], strtoul(argv[3], NULL, 10), atof(argv[4]));
    } else if (!strcmp(tool, "slow_pull")) {
        ARGS(3) rc = slow_pull(ctx, argv[2], atol(argv[3]), atof(argv[4]));
    } else {
        usage();
    }
    fflush(stdout);
    zmq_ctx_term(ctx);
    return rc;
}

/* libzmq's perf tools (local_thr, remote_thr, local_lat, remote_lat) in one C program,
 * built against the system libzmq so its figures sit beside FerroMQ's in the same run.
 * Usage: perf <tool> <endpoint> <message-size> <count>  — same arguments and output. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

static double now_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static void check(int rc, const char *what) {
    if (rc < 0) {
        fprintf(stderr, "%s: %s\n", what, zmq_strerror(zmq_errno()));
        exit(1);
    }
}

static int local_thr(void *ctx, const char *ep, size_t size, long count) {
    void *s = zmq_socket(ctx, ZMQ_PULL);
    int hwm = 0;
    check(zmq_setsockopt(s, ZMQ_RCVHWM, &hwm, sizeof hwm), "setsockopt");
    check(zmq_bind(s, ep), "bind");
    zmq_msg_t msg;
    zmq_msg_init(&msg);
    check(zmq_msg_recv(&msg, s, 0), "recv");
    double start = now_us();
    for (long i = 1; i < count; i++) {
        check(zmq_msg_recv(&msg, s, 0), "recv");
        if (zmq_msg_size(&msg) != size) { fprintf(stderr, "bad size\n"); return 1; }
    }
    double elapsed = now_us() - start;
    if (elapsed < 1) elapsed = 1;
    zmq_msg_close(&msg);
    unsigned long thr = (unsigned long)((count - 1) / elapsed * 1e6);
    printf("message size: %zu [B]\nmessage count: %ld\n", size, count);
    printf("mean throughput: %lu [msg/s]\n", thr);
    printf("mean throughput: %.3f [Mb/s]\n", (double)thr * size * 8 / 1e6);
    zmq_close(s);
    return 0;
}

static int remote_thr(void *ctx, const char *ep, size_t size, long count) {
    void *s = zmq_socket(ctx, ZMQ_PUSH);
    int hwm = 0;
    check(zmq_setsockopt(s, ZMQ_SNDHWM, &hwm, sizeof hwm), "setsockopt");
    check(zmq_connect(s, ep), "connect");
    for (long i = 0; i < count; i++) {
        zmq_msg_t msg;
        check(zmq_msg_init_size(&msg, size), "msg_init_size");
        memset(zmq_msg_data(&msg), 0, size);
        check(zmq_msg_send(&msg, s, 0), "send");
    }
    zmq_close(s);
    return 0;
}

static int local_lat(void *ctx, const char *ep, size_t size, long count) {
    void *s = zmq_socket(ctx, ZMQ_REP);
    check(zmq_bind(s, ep), "bind");
    zmq_msg_t msg;
    zmq_msg_init(&msg);
    for (long i = 0; i < count; i++) {
        check(zmq_msg_recv(&msg, s, 0), "recv");
        if (zmq_msg_size(&msg) != size) { fprintf(stderr, "bad size\n"); return 1; }
        check(zmq_msg_send(&msg, s, 0), "send");
    }
    zmq_msg_close(&msg);
    zmq_close(s);
    return 0;
}

static int remote_lat(void *ctx, const char *ep, size_t size, long count) {
    void *s = zmq_socket(ctx, ZMQ_REQ);
    check(zmq_connect(s, ep), "connect");
    zmq_msg_t msg;
    check(zmq_msg_init_size(&msg, size), "msg_init_size");
    memset(zmq_msg_data(&msg), 0, size);
    double start = now_us();
    for (long i = 0; i < count; i++) {
        check(zmq_msg_send(&msg, s, 0), "send");
        check(zmq_msg_recv(&msg, s, 0), "recv");
        if (zmq_msg_size(&msg) != size) { fprintf(stderr, "bad size\n"); return 1; }
    }
    double elapsed = now_us() - start;
    zmq_msg_close(&msg);
    printf("message size: %zu [B]\nroundtrip count: %ld\n", size, count);
    printf("average latency: %.3f [us]\n", elapsed / (count * 2.0));
    zmq_close(s);
    return 0;
}

int main(int argc, char **argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: %s local_thr|remote_thr|local_lat|remote_lat <endpoint> <size> <count>\n", argv[0]);
        return 1;
    }
    void *ctx = zmq_ctx_new();
    size_t size = strtoul(argv[3], NULL, 10);
    long count = strtol(argv[4], NULL, 10);
    int rc;
    if (!strcmp(argv[1], "local_thr")) rc = local_thr(ctx, argv[2], size, count);
    else if (!strcmp(argv[1], "remote_thr")) rc = remote_thr(ctx, argv[2], size, count);
    else if (!strcmp(argv[1], "local_lat")) rc = local_lat(ctx, argv[2], size, count);
    else if (!strcmp(argv[1], "remote_lat")) rc = remote_lat(ctx, argv[2], size, count);
    else { fprintf(stderr, "unknown tool %s\n", argv[1]); return 1; }
    zmq_ctx_term(ctx);
    return rc;
}

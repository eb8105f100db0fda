/* FerroMQ's own tests of its libzmq C ABI (make test-c): what libzmq's test suite takes
 * for granted or does not cover, through zmq.h as a C program uses it. With an endpoint
 * argument, it also runs REQ against a REP on the system libzmq (a separate process that
 * the runner starts), for 1,000 round trips. Prints one line per test; exits 1 on a
 * failure. */
#define _POSIX_C_SOURCE 200809L
#define ZMQ_BUILD_DRAFT_API
#include <zmq.h>

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int failures = 0;

#define CHECK(cond)                                                            \
    do {                                                                       \
        if (!(cond)) {                                                         \
            fprintf (stderr, "%s:%d: %s failed (errno %d: %s)\n", __FILE__,    \
                     __LINE__, #cond, zmq_errno (), zmq_strerror (zmq_errno ())); \
            failures++;                                                        \
            return;                                                            \
        }                                                                      \
    } while (0)

static void test_version (void)
{
    int major, minor, patch;
    zmq_version (&major, &minor, &patch);
    CHECK (major == ZMQ_VERSION_MAJOR && minor == ZMQ_VERSION_MINOR);
    CHECK (strlen (zmq_ferromq_version ()) > 0);
    CHECK (sizeof (zmq_msg_t) == 64);
}

static void test_errors (void)
{
    CHECK (zmq_socket (NULL, ZMQ_PAIR) == NULL && zmq_errno () == EFAULT);
    int not_a_socket = 42;
    CHECK (zmq_close (&not_a_socket) == -1 && zmq_errno () == ENOTSOCK);
    void *ctx = zmq_ctx_new ();
    CHECK (zmq_socket (ctx, 99) == NULL && zmq_errno () == EINVAL);
    void *s = zmq_socket (ctx, ZMQ_REQ);
    CHECK (zmq_recv (s, NULL, 0, 0) == -1 && zmq_errno () == EFSM);
    CHECK (strcmp (zmq_strerror (EFSM),
                   "Operation cannot be accomplished in current state") == 0);
    CHECK (zmq_bind (s, "nonsense://x") == -1 && zmq_errno () == EPROTONOSUPPORT);
    long too_long = 5;
    CHECK (zmq_setsockopt (s, ZMQ_LINGER, &too_long, sizeof too_long) == -1
           && zmq_errno () == EINVAL);
    CHECK (zmq_setsockopt (s, 9999, &too_long, sizeof (int)) == -1 && zmq_errno () == EINVAL);
    CHECK (zmq_close (s) == 0);
    CHECK (zmq_ctx_term (ctx) == 0);
}

static void test_req_rep_and_options (const char *endpoint)
{
    void *ctx = zmq_ctx_new ();
    void *rep = zmq_socket (ctx, ZMQ_REP);
    void *req = zmq_socket (ctx, ZMQ_REQ);
    CHECK (zmq_bind (rep, endpoint) == 0);
    char last[256];
    size_t size = sizeof last;
    CHECK (zmq_getsockopt (rep, ZMQ_LAST_ENDPOINT, last, &size) == 0);
    CHECK (size == strlen (last) + 1);
    CHECK (zmq_connect (req, last) == 0);
    int linger = 250, got = 0;
    size = sizeof got;
    CHECK (zmq_setsockopt (req, ZMQ_LINGER, &linger, sizeof linger) == 0);
    CHECK (zmq_getsockopt (req, ZMQ_LINGER, &got, &size) == 0 && got == 250
           && size == sizeof (int));
    CHECK (zmq_send (req, "hello", 5, 0) == 5);
    char buf[3];
    CHECK (zmq_recv (rep, buf, sizeof buf, 0) == 5); /* truncated, full size returned */
    CHECK (memcmp (buf, "hel", 3) == 0);
    CHECK (zmq_send (rep, "wo", 2, ZMQ_SNDMORE) == 2 && zmq_send (rep, "rld", 3, 0) == 3);
    zmq_msg_t msg;
    CHECK (zmq_msg_init (&msg) == 0);
    CHECK (zmq_msg_recv (&msg, req, 0) == 2 && zmq_msg_more (&msg) == 1);
    CHECK (memcmp (zmq_msg_data (&msg), "wo", 2) == 0);
    /* The connection's metadata, as libzmq gives it (none over inproc). */
    const char *type = zmq_msg_gets (&msg, "Socket-Type");
    if (strncmp (endpoint, "inproc", 6) == 0) {
        CHECK (type == NULL && zmq_errno () == EINVAL);
        CHECK (zmq_msg_get (&msg, ZMQ_SRCFD) == -1);
    } else {
        CHECK (type != NULL && strcmp (type, "REP") == 0);
        CHECK (zmq_msg_get (&msg, ZMQ_SRCFD) >= 0);
        const char *address = zmq_msg_gets (&msg, "Peer-Address");
        if (strncmp (endpoint, "tcp", 3) == 0)
            CHECK (address != NULL && strcmp (address, "127.0.0.1") == 0);
        zmq_msg_t copy;
        CHECK (zmq_msg_init (&copy) == 0 && zmq_msg_copy (&copy, &msg) == 0);
        CHECK (strcmp (zmq_msg_gets (&copy, "socket-type"), "REP") == 0);
        CHECK (zmq_msg_close (&copy) == 0);
    }
    CHECK (zmq_msg_gets (&msg, "X-Absent") == NULL && zmq_errno () == EINVAL);
    CHECK (zmq_msg_recv (&msg, req, 0) == 3 && zmq_msg_more (&msg) == 0);
    CHECK (zmq_msg_close (&msg) == 0);
    CHECK (zmq_close (req) == 0 && zmq_close (rep) == 0);
    CHECK (zmq_ctx_term (ctx) == 0);
}

static int freed = 0;
static void count_free (void *data, void *hint)
{
    (void) hint;
    freed++;
    free (data);
}

static void test_messages_and_poll (void)
{
    void *ctx = zmq_ctx_new ();
    void *pull = zmq_socket (ctx, ZMQ_PULL);
    void *push = zmq_socket (ctx, ZMQ_PUSH);
    CHECK (zmq_bind (pull, "inproc://abi-messages") == 0);
    CHECK (zmq_connect (push, "inproc://abi-messages") == 0);

    zmq_pollitem_t items[] = {{pull, 0, ZMQ_POLLIN, 0}};
    CHECK (zmq_poll (items, 1, 0) == 0 && items[0].revents == 0);

    char *data = malloc (100000);
    memset (data, 'z', 100000);
    zmq_msg_t big, copy;
    CHECK (zmq_msg_init_data (&big, data, 100000, count_free, NULL) == 0);
    CHECK (zmq_msg_init (&copy) == 0 && zmq_msg_copy (&copy, &big) == 0);
    CHECK (zmq_msg_send (&big, push, 0) == 100000);
    CHECK (zmq_msg_size (&big) == 0);
    CHECK (zmq_msg_close (&big) == 0);
    CHECK (freed == 0); /* the copy still holds it */
    CHECK (zmq_msg_close (&copy) == 0);

    zmq_msg_t sized;
    CHECK (zmq_msg_init_size (&sized, 4) == 0);
    memcpy (zmq_msg_data (&sized), "abcd", 4);
    CHECK (zmq_msg_send (&sized, push, 0) == 4);
    zmq_msg_close (&sized);

    CHECK (zmq_poll (items, 1, 1000) == 1 && (items[0].revents & ZMQ_POLLIN));
    zmq_msg_t in;
    zmq_msg_init (&in);
    CHECK (zmq_msg_recv (&in, pull, 0) == 100000);
    CHECK (((char *) zmq_msg_data (&in))[99999] == 'z');
    zmq_msg_close (&in);
    CHECK (freed == 1); /* the last holder released the buffer to its free function */
    char four[4];
    CHECK (zmq_recv (pull, four, 4, 0) == 4 && memcmp (four, "abcd", 4) == 0);
    CHECK (zmq_recv (pull, four, 4, ZMQ_DONTWAIT) == -1 && zmq_errno () == EAGAIN);
    zmq_close (push);
    zmq_close (pull);
    CHECK (zmq_ctx_term (ctx) == 0);
}

static void test_utilities (void)
{
    uint8_t key[8] = {0x86, 0x4F, 0xD2, 0x6F, 0xB5, 0x59, 0xF7, 0x5B};
    char text[11];
    CHECK (zmq_z85_encode (text, key, 8) == text && strcmp (text, "HelloWorld") == 0);
    uint8_t back[8];
    CHECK (zmq_z85_decode (back, "HelloWorld") == back && memcmp (back, key, 8) == 0);
    CHECK (zmq_has ("ipc") == 1 && zmq_has ("curve") == 1 && zmq_has ("gssapi") == 0);
    void *counter = zmq_atomic_counter_new ();
    CHECK (zmq_atomic_counter_inc (counter) == 0 && zmq_atomic_counter_value (counter) == 1);
    CHECK (zmq_atomic_counter_dec (counter) == 0);
    zmq_atomic_counter_destroy (&counter);
    CHECK (counter == NULL);
    void *ctx = zmq_ctx_new ();
    CHECK (zmq_ctx_get (ctx, ZMQ_IO_THREADS) == 1 && zmq_ctx_set (ctx, ZMQ_IO_THREADS, 2) == 0);
    CHECK (zmq_ctx_get (ctx, ZMQ_MAX_SOCKETS) == ZMQ_MAX_SOCKETS_DFLT);
    CHECK (zmq_ctx_set (ctx, ZMQ_MAX_SOCKETS, 0) == -1 && zmq_errno () == EINVAL);
    CHECK (zmq_ctx_term (ctx) == 0);
}

/* zmq_timers_*: what libzmq's timer API does, the cancel of a due timer by another's
 * handler included. */
static int fired[3];
static void *timer_set;

static void on_timer (int timer_id, void *arg)
{
    fired[*(int *) arg]++;
    if (*(int *) arg == 0)
        zmq_timers_cancel (timer_set, timer_id + 1); /* the next one, due as well */
}

/* CURVE through the C API: key pairs, a REQ/REP round trip, keys read back as Z85. */
static void test_curve (void)
{
    char server_public[41], server_secret[41], client_public[41], client_secret[41];
    CHECK (zmq_curve_keypair (server_public, server_secret) == 0);
    CHECK (zmq_curve_keypair (client_public, client_secret) == 0);
    char derived[41];
    CHECK (zmq_curve_public (derived, server_secret) == 0 && strcmp (derived, server_public) == 0);
    CHECK (zmq_curve_public (derived, "too short") == -1 && zmq_errno () == EINVAL);

    void *ctx = zmq_ctx_new ();
    void *rep = zmq_socket (ctx, ZMQ_REP);
    int one = 1;
    CHECK (zmq_setsockopt (rep, ZMQ_CURVE_SERVER, &one, sizeof one) == 0);
    CHECK (zmq_setsockopt (rep, ZMQ_CURVE_SECRETKEY, server_secret, 40) == 0);
    CHECK (zmq_bind (rep, "tcp://127.0.0.1:*") == 0);
    char endpoint[64];
    size_t len = sizeof endpoint;
    CHECK (zmq_getsockopt (rep, ZMQ_LAST_ENDPOINT, endpoint, &len) == 0);
    void *req = zmq_socket (ctx, ZMQ_REQ);
    CHECK (zmq_setsockopt (req, ZMQ_CURVE_SERVERKEY, server_public, 41) == 0);
    CHECK (zmq_setsockopt (req, ZMQ_CURVE_PUBLICKEY, client_public, 40) == 0);
    CHECK (zmq_setsockopt (req, ZMQ_CURVE_SECRETKEY, client_secret, 40) == 0);
    int mechanism = 0;
    len = sizeof mechanism;
    CHECK (zmq_getsockopt (req, ZMQ_MECHANISM, &mechanism, &len) == 0 && mechanism == ZMQ_CURVE);
    char key[41];
    len = sizeof key;
    CHECK (zmq_getsockopt (req, ZMQ_CURVE_SERVERKEY, key, &len) == 0 && len == 41
           && strcmp (key, server_public) == 0);
    uint8_t raw[32];
    len = sizeof raw;
    CHECK (zmq_getsockopt (req, ZMQ_CURVE_SERVERKEY, raw, &len) == 0 && len == 32);
    CHECK (zmq_connect (req, endpoint) == 0);
    CHECK (zmq_send (req, "sealed", 6, 0) == 6);
    char buf[16];
    CHECK (zmq_recv (rep, buf, sizeof buf, 0) == 6 && memcmp (buf, "sealed", 6) == 0);
    CHECK (zmq_send (rep, "opened", 6, 0) == 6);
    CHECK (zmq_recv (req, buf, sizeof buf, 0) == 6 && memcmp (buf, "opened", 6) == 0);
    zmq_close (req);
    zmq_close (rep);
    CHECK (zmq_ctx_term (ctx) == 0);
}

static void test_timers (void)
{
    static int which[3] = {0, 1, 2};
    timer_set = zmq_timers_new ();
    CHECK (timer_set != NULL);
    CHECK (zmq_timers_timeout (timer_set) == -1);
    CHECK (zmq_timers_add (timer_set, 10, NULL, NULL) == -1 && zmq_errno () == EFAULT);
    CHECK (zmq_timers_add (NULL, 10, on_timer, &which[0]) == -1 && zmq_errno () == EFAULT);
    int first = zmq_timers_add (timer_set, 10, on_timer, &which[0]);
    int second = zmq_timers_add (timer_set, 10, on_timer, &which[1]);
    int third = zmq_timers_add (timer_set, 1000, on_timer, &which[2]);
    CHECK (first > 0 && second == first + 1 && third > second);
    long timeout = zmq_timers_timeout (timer_set);
    CHECK (timeout > 0 && timeout <= 10);
    CHECK (zmq_timers_execute (timer_set) == 0 && fired[0] == 0);
    struct timespec wait = {0, 30 * 1000 * 1000};
    nanosleep (&wait, NULL);
    CHECK (zmq_timers_execute (timer_set) == 0);
    CHECK (fired[0] == 1 && fired[1] == 0 && fired[2] == 0);
    CHECK (zmq_timers_cancel (timer_set, second) == -1 && zmq_errno () == EINVAL);
    CHECK (zmq_timers_set_interval (timer_set, third, 5) == 0);
    CHECK (zmq_timers_reset (timer_set, first) == 0);
    nanosleep (&wait, NULL);
    CHECK (zmq_timers_execute (timer_set) == 0 && fired[2] == 1);
    CHECK (zmq_timers_destroy (&timer_set) == 0 && timer_set == NULL);
    CHECK (zmq_timers_destroy (&timer_set) == -1 && zmq_errno () == EFAULT);
}

/* After fork, the child cannot use the parent's socket (ETERM, not a hang), lets the
 * parent's objects go at once, and makes its own context. */
static void test_fork (void)
{
    void *ctx = zmq_ctx_new ();
    void *pull = zmq_socket (ctx, ZMQ_PULL);
    CHECK (zmq_bind (pull, "tcp://127.0.0.1:*") == 0);
    char endpoint[256];
    size_t size = sizeof endpoint;
    CHECK (zmq_getsockopt (pull, ZMQ_LAST_ENDPOINT, endpoint, &size) == 0);
    pid_t pid = fork ();
    if (pid == 0) {
        int ok = zmq_send (pull, "x", 1, ZMQ_DONTWAIT) == -1 && zmq_errno () == ETERM;
        ok = ok && zmq_close (pull) == 0 && zmq_ctx_term (ctx) == 0;
        void *own = zmq_ctx_new ();
        void *push = zmq_socket (own, ZMQ_PUSH);
        ok = ok && zmq_connect (push, endpoint) == 0 && zmq_send (push, "child", 5, 0) == 5;
        zmq_close (push);
        zmq_ctx_term (own);
        _exit (ok ? 0 : 1);
    }
    int status = 0;
    CHECK (waitpid (pid, &status, 0) == pid && WIFEXITED (status) && WEXITSTATUS (status) == 0);
    char buf[8];
    CHECK (zmq_recv (pull, buf, sizeof buf, 0) == 5 && memcmp (buf, "child", 5) == 0);
    zmq_close (pull);
    CHECK (zmq_ctx_term (ctx) == 0);
}

/* REQ on FerroMQ against a REP on the system libzmq, in another process. */
static void test_interop (const char *endpoint)
{
    void *ctx = zmq_ctx_new ();
    void *req = zmq_socket (ctx, ZMQ_REQ);
    CHECK (zmq_connect (req, endpoint) == 0);
    for (int i = 0; i < 1000; i++) {
        char out[32], in[64];
        int n = snprintf (out, sizeof out, "request %d", i);
        CHECK (zmq_send (req, out, n, 0) == n);
        int got = zmq_recv (req, in, sizeof in - 1, 0);
        CHECK (got == n + 3);
        in[got] = 0;
        CHECK (strncmp (in, "re:", 3) == 0 && strcmp (in + 3, out) == 0);
    }
    zmq_close (req);
    CHECK (zmq_ctx_term (ctx) == 0);
}

int main (int argc, char **argv)
{
    test_version ();
    test_errors ();
    test_req_rep_and_options ("tcp://127.0.0.1:*");
    test_req_rep_and_options ("ipc://*");
    test_req_rep_and_options ("inproc://abi-reqrep");
    test_messages_and_poll ();
    test_utilities ();
    test_curve ();
    test_timers ();
    test_fork ();
    if (argc > 1)
        test_interop (argv[1]);
    printf ("abi_test: %s\n", failures ? "FAILED" : "all passed");
    return failures ? 1 : 0;
}

/* Generic role for the cross-language matrix (scenarios/matrix.json), libzmq's C API.
 * Usage: role PATTERN ROLE ENDPOINT COUNT TAG  (see role.py for the protocol) */
#include <zmq.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void die (const char *what)
{
    fprintf (stderr, "%s: %s\n", what, zmq_strerror (zmq_errno ()));
    exit (1);
}

static void say (void *s, const char *role, int i, const char *tag, int flags)
{
    char buf[256];
    int n = snprintf (buf, sizeof buf, "%s %d from %s", role, i, tag);
    if (zmq_send (s, buf, n, flags) != n)
        die ("zmq_send");
}

/* Receives one frame; prints it as "got ..." when print is set. Returns its length. */
static int take (void *s, char *buf, size_t size, int print)
{
    int n = zmq_recv (s, buf, size - 1, 0);
    if (n < 0)
        die ("zmq_recv");
    if (n > (int) size - 1)
        n = size - 1;
    buf[n] = 0;
    if (print)
        printf ("got %s\n", buf);
    return n;
}

int main (int argc, char *argv[])
{
    if (argc != 6) {
        fprintf (stderr, "usage: role PATTERN ROLE ENDPOINT COUNT TAG\n");
        return 2;
    }
    const char *role = argv[2], *endpoint = argv[3], *tag = argv[5];
    int count = atoi (argv[4]);
    static const struct { const char *name; int type; int bind; } kinds[] = {
        {"rep", ZMQ_REP, 1}, {"req", ZMQ_REQ, 0}, {"pull", ZMQ_PULL, 1},
        {"push", ZMQ_PUSH, 0}, {"pub", ZMQ_PUB, 1}, {"sub", ZMQ_SUB, 0},
        {"router", ZMQ_ROUTER, 1}, {"dealer", ZMQ_DEALER, 0}};
    int k = -1;
    for (int i = 0; i < 8; i++)
        if (strcmp (kinds[i].name, role) == 0)
            k = i;
    if (k < 0) {
        fprintf (stderr, "unknown role %s\n", role);
        return 2;
    }
    void *ctx = zmq_ctx_new ();
    void *s = zmq_socket (ctx, kinds[k].type);
    if ((kinds[k].bind ? zmq_bind (s, endpoint) : zmq_connect (s, endpoint)) != 0)
        die (kinds[k].bind ? "zmq_bind" : "zmq_connect");

    char buf[256], id[256];
    if (!strcmp (role, "rep")) {
        for (int i = 0; i < count; i++) { take (s, buf, sizeof buf, 1); say (s, "rep", i, tag, 0); }
    } else if (!strcmp (role, "req")) {
        for (int i = 0; i < count; i++) { say (s, "req", i, tag, 0); take (s, buf, sizeof buf, 1); }
    } else if (!strcmp (role, "push")) {
        for (int i = 0; i < count; i++) say (s, "push", i, tag, 0);
    } else if (!strcmp (role, "pull")) {
        for (int i = 0; i < count; i++) take (s, buf, sizeof buf, 1);
    } else if (!strcmp (role, "pub")) {
        time_t end = time (NULL) + 30;
        for (int i = 0; time (NULL) < end; i++) {
            say (s, "skip", i, tag, 0);
            say (s, "pub", i, tag, 0);
            usleep (20000);
        }
    } else if (!strcmp (role, "sub")) {
        zmq_setsockopt (s, ZMQ_SUBSCRIBE, "pub", 3);
        for (int i = 0; i < count; i++) take (s, buf, sizeof buf, 1);
    } else if (!strcmp (role, "router")) {
        for (int i = 0; i < count; i++) {
            int idlen = take (s, id, sizeof id, 0);
            take (s, buf, sizeof buf, 1);
            if (zmq_send (s, id, idlen, ZMQ_SNDMORE) != idlen)
                die ("zmq_send");
            say (s, "router", i, tag, 0);
        }
    } else if (!strcmp (role, "dealer")) {
        for (int i = 0; i < count; i++) say (s, "dealer", i, tag, 0);
        for (int i = 0; i < count; i++) take (s, buf, sizeof buf, 1);
    }
    printf ("done %d\n", count);
    zmq_close (s);
    zmq_ctx_term (ctx);
    return 0;
}

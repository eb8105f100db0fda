/* czmq (Debian's libczmq4, built against libzmq 4.3.4) run unchanged on FerroMQ's
 * libzmq.so.5 through LD_LIBRARY_PATH: zsock REQ/REP, zmsg multipart, zpoller, an zactor
 * (inproc PAIR pipes and signals), a zloop timer and reader. Prints "czmq: ok". */
#include <czmq.h>
#include <string.h>

#define CHECK(cond)                                                        \
    do {                                                                   \
        if (!(cond)) {                                                     \
            fprintf (stderr, "czmq_test.c:%d: %s failed\n", __LINE__, #cond); \
            exit (1);                                                      \
        }                                                                  \
    } while (0)

static void echo_actor (zsock_t *pipe, void *args)
{
    (void) args;
    zsock_signal (pipe, 0);
    while (true) {
        char *text = zstr_recv (pipe);
        if (!text || streq (text, "$TERM")) {
            zstr_free (&text);
            break;
        }
        zstr_sendf (pipe, "echo:%s", text);
        zstr_free (&text);
    }
}

static int on_timer (zloop_t *loop, int timer_id, void *arg)
{
    (void) loop;
    (void) timer_id;
    zstr_send ((zsock_t *) arg, "from the timer");
    return 0;
}

static int on_reader (zloop_t *loop, zsock_t *reader, void *arg)
{
    (void) loop;
    char *text = zstr_recv (reader);
    CHECK (text && streq (text, "from the timer"));
    zstr_free (&text);
    ++*(int *) arg;
    return -1; /* ends zloop_start */
}

int main (void)
{
    zsock_t *rep = zsock_new_rep ("tcp://127.0.0.1:*");
    CHECK (rep);
    const char *endpoint = zsock_endpoint (rep);
    CHECK (endpoint && strncmp (endpoint, "tcp://127.0.0.1:", 16) == 0);
    zsock_t *req = zsock_new_req (endpoint);
    CHECK (req);
    zsock_set_rcvtimeo (req, 5000);
    for (int i = 0; i < 1000; i++) {
        zmsg_t *msg = zmsg_new ();
        zmsg_addstr (msg, "seq");
        zmsg_addstrf (msg, "%d", i);
        CHECK (zmsg_send (&msg, req) == 0);
        zmsg_t *got = zmsg_recv (rep);
        CHECK (got && zmsg_size (got) == 2);
        char *first = zmsg_popstr (got), *second = zmsg_popstr (got);
        char expected[16];
        snprintf (expected, sizeof expected, "%d", i);
        CHECK (streq (first, "seq") && streq (second, expected));
        zstr_sendf (rep, "re:%s", second);
        zstr_free (&first);
        zstr_free (&second);
        zmsg_destroy (&got);
        char *reply = zstr_recv (req);
        CHECK (reply && strncmp (reply, "re:", 3) == 0 && streq (reply + 3, expected));
        zstr_free (&reply);
    }

    zpoller_t *poller = zpoller_new (rep, NULL);
    CHECK (zpoller_wait (poller, 50) == NULL && zpoller_expired (poller));
    zstr_send (req, "poll me");
    CHECK (zpoller_wait (poller, 5000) == rep);
    char *polled = zstr_recv (rep);
    CHECK (polled && streq (polled, "poll me"));
    zstr_free (&polled);
    zpoller_destroy (&poller);

    zactor_t *actor = zactor_new (echo_actor, NULL);
    CHECK (actor);
    zstr_send (actor, "hello");
    char *echoed = zstr_recv (actor);
    CHECK (echoed && streq (echoed, "echo:hello"));
    zstr_free (&echoed);
    zactor_destroy (&actor);

    zsock_t *writer = zsock_new_pair ("@inproc://czmq-loop");
    zsock_t *reader = zsock_new_pair (">inproc://czmq-loop");
    zloop_t *loop = zloop_new ();
    int read = 0;
    CHECK (zloop_timer (loop, 20, 1, on_timer, writer) >= 0);
    CHECK (zloop_reader (loop, reader, on_reader, &read) == 0);
    zloop_start (loop);
    CHECK (read == 1);
    zloop_destroy (&loop);

    zsock_destroy (&reader);
    zsock_destroy (&writer);
    zsock_destroy (&req);
    zsock_destroy (&rep);
    puts ("czmq: ok");
    return 0;
}

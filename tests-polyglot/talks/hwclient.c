/* hwclient.c: the client ("Клиентик") from "ØMQ: сокеты на стероидах" (the Russian talk),
 * on libzmq's C API. The slide shows lines 1-8: context, REQ socket, connect, one "Hello"
 * sent as a zmq_msg_t. Completed as the zguide's hwclient.c that the slide abridges: the
 * reply is received (zmq_msg_init + zmq_msg_recv) and printed, ten times, then the socket
 * and context are closed.
 * Changes to run unattended: the endpoint is argv[1] (default the talk's
 * "tcp://localhost:5555"), the number of requests argv[2] (default 10); errors exit 1. */
#include <zmq.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main (int argc, char *argv[])
{
    const char *endpoint = argc > 1 ? argv[1] : "tcp://localhost:5555";
    int count = argc > 2 ? atoi (argv[2]) : 10;

    void *context = zmq_ctx_new ();
    void *requester = zmq_socket (context, ZMQ_REQ);
    if (zmq_connect (requester, endpoint) != 0) {
        fprintf (stderr, "zmq_connect %s: %s\n", endpoint, zmq_strerror (zmq_errno ()));
        return 1;
    }
    for (int n = 0; n < count; n++) {
        zmq_msg_t request;
        zmq_msg_init_size (&request, 5);
        memcpy (zmq_msg_data (&request), "Hello", 5);
        printf ("Sending Hello %d...\n", n);
        if (zmq_msg_send (&request, requester, 0) != 5) {
            fprintf (stderr, "zmq_msg_send: %s\n", zmq_strerror (zmq_errno ()));
            return 1;
        }
        zmq_msg_close (&request);

        zmq_msg_t reply;
        zmq_msg_init (&reply);
        if (zmq_msg_recv (&reply, requester, 0) < 0) {
            fprintf (stderr, "zmq_msg_recv: %s\n", zmq_strerror (zmq_errno ()));
            return 1;
        }
        printf ("Received %.*s %d\n", (int) zmq_msg_size (&reply),
                (char *) zmq_msg_data (&reply), n);
        zmq_msg_close (&reply);
    }
    zmq_close (requester);
    zmq_ctx_destroy (context);
    return 0;
}

/* hwserver.c: the server ("Серверчик") from "ØMQ: сокеты на стероидах" (the Russian talk),
 * on libzmq's C API. The slide shows lines 1-7: context, REP socket, bind, one request
 * received into a zmq_msg_t. Completed as the zguide's hwserver.c that the slide abridges:
 * the request is printed and answered with "World" (a zmq_msg_t too), in a loop.
 * Changes to run unattended: it binds argv[1] (default the talk's tcp port 5555 on every interface) and
 * serves argv[2] requests (default: forever); errors exit 1. */
#include <zmq.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main (int argc, char *argv[])
{
    const char *endpoint = argc > 1 ? argv[1] : "tcp://*:5555";
    int count = argc > 2 ? atoi (argv[2]) : -1;

    void *context = zmq_ctx_new ();
    void *responder = zmq_socket (context, ZMQ_REP);
    if (zmq_bind (responder, endpoint) != 0) {
        fprintf (stderr, "zmq_bind %s: %s\n", endpoint, zmq_strerror (zmq_errno ()));
        return 1;
    }
    for (int n = 0; count < 0 || n < count; n++) {
        zmq_msg_t request;
        zmq_msg_init (&request);
        if (zmq_msg_recv (&request, responder, 0) < 0) {
            fprintf (stderr, "zmq_msg_recv: %s\n", zmq_strerror (zmq_errno ()));
            return 1;
        }
        printf ("Received %.*s\n", (int) zmq_msg_size (&request),
                (char *) zmq_msg_data (&request));
        zmq_msg_close (&request);

        zmq_msg_t reply;
        zmq_msg_init_size (&reply, 5);
        memcpy (zmq_msg_data (&reply), "World", 5);
        if (zmq_msg_send (&reply, responder, 0) != 5) {
            fprintf (stderr, "zmq_msg_send: %s\n", zmq_strerror (zmq_errno ()));
            return 1;
        }
        zmq_msg_close (&reply);
    }
    zmq_close (responder);
    zmq_ctx_destroy (context);
    return 0;
}

/* poll.c: "0MQ: Poll" from "ØMQ: сокеты на стероидах" (the Russian talk): one zmq_poll over
 * three sockets bound on tcp, ipc and inproc. The slides' lines 1-18 are kept (the
 * `while(working)` loop with its if / else-if chain); around them:
 *  - the three sockets are PULL sockets (the slide doesn't say which type); they bind
 *    argv[1] (tcp, the talk's port 5555) and argv[2] (ipc, the talk's
 *    "ipc:///tmp/local"), and "inproc://contact_point";
 *  - a thread of the same process pushes argv[3] messages to the inproc socket (inproc
 *    only reaches its own process); other processes push to the tcp and ipc sockets;
 *  - each branch ("something for the first socket"...) receives and prints the message;
 *    `working` ends when argv[3] messages came in on each socket. */
#include <zmq.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *context;
static int count = 10;

static void *inproc_sender (void *arg)
{
    (void) arg;
    void *push = zmq_socket (context, ZMQ_PUSH);
    zmq_connect (push, "inproc://contact_point");
    for (int i = 0; i < count; i++) {
        char text[64];
        int n = snprintf (text, sizeof text, "push %d from inproc thread", i);
        zmq_send (push, text, n, 0);
    }
    zmq_close (push);
    return NULL;
}

static void take (void *socket, const char *name, int *seen)
{
    char buf[256];
    int n = zmq_recv (socket, buf, sizeof buf - 1, 0);
    if (n < 0) {
        fprintf (stderr, "zmq_recv: %s\n", zmq_strerror (zmq_errno ()));
        exit (1);
    }
    buf[n < (int) sizeof buf - 1 ? n : (int) sizeof buf - 1] = 0;
    printf ("%s: %s\n", name, buf);
    (*seen)++;
}

int main (int argc, char *argv[])
{
    const char *tcp = argc > 1 ? argv[1] : "tcp://*:5555";
    const char *ipc = argc > 2 ? argv[2] : "ipc:///tmp/local";
    count = argc > 3 ? atoi (argv[3]) : 10;
    context = zmq_ctx_new ();
    void *socket_1 = zmq_socket (context, ZMQ_PULL);
    void *socket_2 = zmq_socket (context, ZMQ_PULL);
    void *socket_3 = zmq_socket (context, ZMQ_PULL);

    if (zmq_bind(socket_1, tcp) || zmq_bind(socket_2, ipc)
        || zmq_bind (socket_3, "inproc://contact_point")) {
        fprintf (stderr, "zmq_bind: %s\n", zmq_strerror (zmq_errno ()));
        return 1;
    }
    zmq_pollitem_t items[] = {
        {socket_1, 0, ZMQ_POLLIN, 0},
        {socket_2, 0, ZMQ_POLLIN, 0},
        {socket_3, 0, ZMQ_POLLIN, 0}
    };
    pthread_t thread;
    pthread_create (&thread, NULL, inproc_sender, NULL);

    int seen[3] = {0, 0, 0};
    int working = 1;
    while(working) {
        zmq_poll(items, 3, -1);
        if(items[0].revents & ZMQ_POLLIN) {
            //Что-то есть для первого сокета
            take (socket_1, "tcp", &seen[0]);
        } else if (items[1].revents & ZMQ_POLLIN) {
            //Второй сокет так же получил сообщение
            take (socket_2, "ipc", &seen[1]);
        } else if (items[2].revents & ZMQ_POLLIN) {
            //Третий не скучает
            take (socket_3, "inproc", &seen[2]);
        }
        working = seen[0] < count || seen[1] < count || seen[2] < count;
    }
    printf ("poll done: tcp=%d ipc=%d inproc=%d\n", seen[0], seen[1], seen[2]);
    pthread_join (thread, NULL);
    zmq_close (socket_1);
    zmq_close (socket_2);
    zmq_close (socket_3);
    zmq_ctx_destroy (context);
    return 0;
}

/* distro.c from "ØMQ – messaging made simple" (Ian Barber): the event hub's distribution
 * node, a FORWARDER device from the hub's multicast feed to local clients over ipc.
 * Changes to run unattended:
 *  - epgm -> tcp: the SUB connects to argv[1], the event hub's PUB over tcp, instead of the
 *    talk's "epgm://;239.192.0.1:7601" (no multicast transport in FerroMQ yet);
 *  - the PUB binds argv[2] (the talk's "ipc:///tmp/events");
 *  - the return codes the talk stores are checked, and one line says the device runs. */
#include <zmq.h>
#include <stdio.h>

int main(int argc, char *argv[]) {
    const char *feed = argc > 1 ? argv[1] : "epgm://;239.192.0.1:7601";
    const char *local = argc > 2 ? argv[2] : "ipc:///tmp/events";
    void *ctx = zmq_init(1);
    void *in = zmq_socket(ctx, ZMQ_SUB);
    void *out = zmq_socket(ctx, ZMQ_PUB);
    zmq_setsockopt(in, ZMQ_SUBSCRIBE, "", 0);
    int rcin = zmq_connect(in,
        feed);
    int rcout = zmq_bind(out,
        local);
    if (rcin != 0 || rcout != 0) {
        fprintf(stderr, "distro: connect %s: %d, bind %s: %d: %s\n",
                feed, rcin, local, rcout, zmq_strerror(zmq_errno()));
        return 1;
    }
    printf("distro: forwarding %s -> %s\n", feed, local);
    fflush(stdout);
    int rcd = zmq_device(ZMQ_FORWARDER,
        in, out);
    (void) rcd;

    zmq_close(in); zmq_close(out);
    zmq_term(ctx);
    return 0;
}

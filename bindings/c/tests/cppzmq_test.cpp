// cppzmq (Debian's cppzmq-dev: zmq.hpp, zmq_addon.hpp) compiled against FerroMQ's zmq.h and
// linked with its libzmq.so.5: REQ/REP with multipart messages, PUB/SUB, polling, socket
// options and errors through cppzmq's C++ API. Prints "cppzmq: ok" when all of it worked.
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#define CHECK(cond)                                                            \
    do {                                                                       \
        if (!(cond)) {                                                         \
            std::fprintf(stderr, "cppzmq_test.cpp:%d: %s failed\n", __LINE__, \
                         #cond);                                               \
            std::exit(1);                                                      \
        }                                                                      \
    } while (0)

int main()
{
    zmq::context_t ctx;
    zmq::socket_t rep(ctx, zmq::socket_type::rep);
    zmq::socket_t req(ctx, zmq::socket_type::req);
    rep.set(zmq::sockopt::linger, 0);
    req.set(zmq::sockopt::linger, 0);
    req.set(zmq::sockopt::rcvtimeo, 5000);
    rep.bind("tcp://127.0.0.1:*");
    const std::string endpoint = rep.get(zmq::sockopt::last_endpoint);
    CHECK(endpoint.rfind("tcp://127.0.0.1:", 0) == 0);
    req.connect(endpoint);

    for (int i = 0; i < 1000; ++i) {
        std::array<zmq::const_buffer, 2> parts = {zmq::str_buffer("seq"),
                                                  zmq::buffer(std::to_string(i))};
        CHECK(zmq::send_multipart(req, parts).has_value());
        std::vector<zmq::message_t> got;
        CHECK(zmq::recv_multipart(rep, std::back_inserter(got)).value() == 2);
        CHECK(got[1].to_string() == std::to_string(i));
        CHECK(rep.send(zmq::buffer("re:" + got[1].to_string()), zmq::send_flags::none));
        zmq::message_t reply;
        CHECK(req.recv(reply).value() == reply.size());
        CHECK(reply.to_string() == "re:" + std::to_string(i));
    }

    // REQ's state machine: a second send before the reply is EFSM.
    CHECK(req.send(zmq::str_buffer("one"), zmq::send_flags::none));
    try {
        req.send(zmq::str_buffer("two"), zmq::send_flags::none);
        CHECK(false);
    } catch (const zmq::error_t &e) {
        CHECK(e.num() == EFSM);
    }

    // PUB/SUB over inproc with a subscription, and zmq::poll.
    zmq::socket_t pub(ctx, zmq::socket_type::pub);
    zmq::socket_t sub(ctx, zmq::socket_type::sub);
    pub.bind("inproc://cppzmq");
    sub.connect("inproc://cppzmq");
    sub.set(zmq::sockopt::subscribe, "news");
    pub.send(zmq::str_buffer("weather: skipped"), zmq::send_flags::none);
    pub.send(zmq::str_buffer("news: kept"), zmq::send_flags::none);
    std::vector<zmq::pollitem_t> items = {{sub.handle(), 0, ZMQ_POLLIN, 0}};
    CHECK(zmq::poll(items, std::chrono::milliseconds(5000)) == 1);
    zmq::message_t news;
    CHECK(sub.recv(news, zmq::recv_flags::dontwait).has_value());
    CHECK(news.to_string() == "news: kept");
    CHECK(!sub.recv(news, zmq::recv_flags::dontwait).has_value());

    // Errors come back as zmq::error_t with libzmq's errno and text.
    try {
        req.connect("nonsense://x");
        CHECK(false);
    } catch (const zmq::error_t &e) {
        CHECK(e.num() == EPROTONOSUPPORT);
        CHECK(std::string(e.what()) == "Protocol not supported");
    }
    int major, minor, patch;
    std::tie(major, minor, patch) = zmq::version();
    CHECK(major == 4 && minor == 3);
    std::puts("cppzmq: ok");
    return 0;
}

"use strict"
/* Stream (ZMQ_STREAM) on FerroMQ: a tiny HTTP exchange with Node's own net module. The
   same code's behaviour beside zeromq.js is in zeromq-compat.test.js. */
const test = require("node:test")
const assert = require("node:assert/strict")
const net = require("node:net")
const zmq = require("..")
const { within } = require("./helpers")

test("Stream answers a raw TCP client and closes the connection with [id, '']", async () => {
  const server = new zmq.Stream({ linger: 0 })
  await server.bind("tcp://127.0.0.1:*")
  const port = Number(server.lastEndpoint.split(":").pop())
  const client = net.connect(port, "127.0.0.1")
  let reply = ""
  client.on("data", (data) => (reply += data))
  const closed = new Promise((resolve) => client.on("end", resolve))
  client.write("GET / HTTP/1.0\r\n\r\n")
  const [id, hello] = await within(3000, server.receive())
  assert.equal(hello.length, 0, "the connection is announced")
  let request = ""
  while (!request.endsWith("\r\n\r\n")) {
    const [from, data] = await within(3000, server.receive())
    assert.deepEqual(from, id)
    request += data
  }
  assert.equal(request, "GET / HTTP/1.0\r\n\r\n")
  await server.send([id, "HTTP/1.0 200 OK\r\n\r\nhi"])
  await server.send([id, ""])
  await within(3000, closed, "the client sees the connection end")
  assert.equal(reply, "HTTP/1.0 200 OK\r\n\r\nhi")
  client.destroy()
  server.close()
})

test("Stream: a routing id that names no connection is EHOSTUNREACH", async () => {
  const server = new zmq.Stream({ linger: 0 })
  await assert.rejects(server.send(["nobody", "x"]), { code: "EHOSTUNREACH", message: "Host unreachable" })
  server.close()
})

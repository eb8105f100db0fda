// Generic role for the cross-language matrix (scenarios/matrix.json), zeromq.js v6's API:
// runs on the `zeromq` npm package (node-libzmq) and on FerroMQ's Node package
// (node-ferromq); POLYGLOT_NODE_ZMQ names the module (impls/node-*.json).
// Usage: node role.js PATTERN ROLE ENDPOINT COUNT TAG  (see role.py for the protocol)
const zmq = require(process.env.POLYGLOT_NODE_ZMQ || "zeromq")

async function main() {
  const [, role, endpoint, countArg, tag] = process.argv.slice(2)
  const count = parseInt(countArg, 10)
  const kinds = {
    rep: zmq.Reply, req: zmq.Request, pull: zmq.Pull, push: zmq.Push,
    pub: zmq.Publisher, sub: zmq.Subscriber, router: zmq.Router, dealer: zmq.Dealer,
  }
  const s = new kinds[role]()
  if (["rep", "router", "pull", "pub"].includes(role)) await s.bind(endpoint)
  else s.connect(endpoint)
  const got = (payload) => console.log(`got ${payload.toString()}`)

  if (role === "rep") {
    for (let i = 0; i < count; i++) {
      const [msg] = await s.receive()
      got(msg)
      await s.send(`rep ${i} from ${tag}`)
    }
  } else if (role === "req") {
    for (let i = 0; i < count; i++) {
      await s.send(`req ${i} from ${tag}`)
      const [msg] = await s.receive()
      got(msg)
    }
  } else if (role === "push") {
    for (let i = 0; i < count; i++) await s.send(`push ${i} from ${tag}`)
  } else if (role === "pull") {
    for (let i = 0; i < count; i++) got((await s.receive())[0])
  } else if (role === "pub") {
    const end = Date.now() + 30000
    for (let i = 0; Date.now() < end; i++) {
      await s.send(`skip ${i} from ${tag}`)
      await s.send(`pub ${i} from ${tag}`)
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
  } else if (role === "sub") {
    s.subscribe("pub")
    for (let i = 0; i < count; i++) got((await s.receive())[0])
  } else if (role === "router") {
    for (let i = 0; i < count; i++) {
      const [id, payload] = await s.receive()
      got(payload)
      await s.send([id, `router ${i} from ${tag}`])
    }
  } else if (role === "dealer") {
    for (let i = 0; i < count; i++) await s.send(`dealer ${i} from ${tag}`)
    for (let i = 0; i < count; i++) got((await s.receive())[0])
  }
  console.log(`done ${count}`)
  s.close()
}

main().catch((e) => {
  console.error(e)
  process.exit(1)
})

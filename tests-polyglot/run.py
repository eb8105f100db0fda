#!/usr/bin/env python3
"""tests-polyglot runner: the talks' examples as separate processes, across languages.

Scenarios are data (scenarios/*.json), implementations are data (impls/*.json): adding a
scenario or a language is adding a file. For every scenario the runner works out which
implementations each role can run on (libzmq, the incumbent binding; ferromq, FerroMQ's
package for that language), runs the variants (the incumbents, then each role switched to
FerroMQ alone so it talks to libzmq peers, then every role on FerroMQ where it can be),
checks what every process printed and how it exited, and always tears every process down.

  python3 tests-polyglot/run.py            check mode: quiet unless something fails
  python3 tests-polyglot/run.py --demo     the talks live, every process's output prefixed
  python3 tests-polyglot/run.py -v -k chat one scenario, with its output
  python3 tests-polyglot/run.py --list     scenarios, variants and implementations

Standard library only; any Python 3.8+.
"""

import argparse
import hashlib
import itertools
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
# libzmq: the incumbent binding on libzmq; ferromq: FerroMQ's own package; abi: the
# incumbent binding, unchanged, on FerroMQ's libzmq.so.5 (bindings/c) through LD_LIBRARY_PATH.
IMPL_ORDER = ("libzmq", "ferromq", "abi")

_print_lock = threading.Lock()
_live_procs = set()  # every process group started and not yet reaped (for signal teardown)
_live_lock = threading.Lock()
_live_dirs = set()    # every run's temporary directory not yet removed


def say(*parts, file=None):
    with _print_lock:
        print(*parts, file=file or sys.stdout, flush=True)


class ScenarioError(Exception):
    """A scenario or implementation file that is wrong (not a test failure)."""


# --------------------------------------------------------------------------- templates

_PLACEHOLDER = re.compile(r"\{([A-Za-z_][\w.\-]*)\}")


def expand(value, names):
    """Replaces {name} in strings (recursively in lists and dicts); unknown names raise."""
    if isinstance(value, str):
        def sub(m):
            key = m.group(1)
            if key not in names:
                raise ScenarioError("unknown placeholder {%s} in %r" % (key, value))
            return str(names[key])
        return _PLACEHOLDER.sub(sub, value)
    if isinstance(value, list):
        return [expand(v, names) for v in value]
    if isinstance(value, dict):
        return {k: expand(v, names) for k, v in value.items()}
    return value


# --------------------------------------------------------------------------- implementations

class Impl:
    """One language's implementation: impls/<lang>-<impl>.json."""

    def __init__(self, path):
        with open(path) as f:
            d = json.load(f)
        self.path = path
        self.lang = d["lang"]
        self.impl = d["impl"]
        self.name = "%s-%s" % (self.lang, self.impl)
        self.description = d.get("description", "")
        self.pending = d.get("pending")
        self.find = d.get("find", {})
        self.probe = d.get("probe")
        self.prepare = d.get("prepare")
        self.compile = d.get("compile")
        self.run = d.get("run")
        self.env = d.get("env", {})
        self.check = d.get("check")
        self.generic_role = d.get("generic_role")
        self.script_is_path = d.get("script_is_path", True)
        self._lock = threading.Lock()
        self._state = None  # (ok, reason)
        self._vars = {}
        self._checks = {}
        self._compiled = {}

    def names(self):
        names = {"root": ROOT, "here": HERE}
        names.update(self._vars)
        return names

    def environment(self):
        env = dict(os.environ)
        for key, value in self.env.items():
            if value is None:
                env.pop(key, None)
            else:
                env[key] = expand(value, self.names())
        return env

    def _run_quiet(self, argv, timeout=600, cwd=ROOT):
        try:
            p = subprocess.run(argv, cwd=cwd, env=self.environment(), stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=timeout)
            return p.returncode == 0, p.stdout.decode("utf-8", "replace").strip()
        except (OSError, subprocess.TimeoutExpired) as e:
            return False, str(e)

    def availability(self):
        """(ok, reason): probes once (finding interpreters, running `prepare`)."""
        with self._lock:
            if self._state is None:
                self._state = self._probe()
            return self._state

    def _probe(self):
        if self.pending:
            return False, "pending: " + self.pending
        if not self.run:
            return False, "no run command"
        for var, candidates in self.find.items():
            found = None
            for cand in candidates:
                if cand.startswith("$"):
                    cand = os.environ.get(cand[1:], "")
                    if not cand:
                        continue
                path = shutil.which(cand) if os.sep not in cand else cand
                if not path or not os.access(path, os.X_OK):
                    continue
                self._vars[var] = path
                if not self.probe or self._run_quiet(expand(self.probe, self.names()), 60)[0]:
                    found = path
                    break
            if not found:
                self._vars.pop(var, None)
                return False, "not installed (%s: no candidate passed %s)" % (
                    var, " ".join(self.probe or []))
        if self.probe and not self.find:
            ok, out = self._run_quiet(expand(self.probe, self.names()), 60)
            if not ok:
                return False, "not installed (%s failed: %s)" % (
                    " ".join(self.probe), out.splitlines()[-1] if out else "")
        if self.prepare:
            ok, out = self._run_quiet(expand(self.prepare, self.names()), 900)
            if not ok:
                return None, "prepare failed (%s):\n%s" % (" ".join(self.prepare), out[-3000:])
        return True, ""

    def can_run(self, needs):
        """Whether a role's extra requirement (code the implementation must run) holds."""
        if not needs:
            return True, ""
        if not self.check:
            return True, ""
        with self._lock:
            if needs not in self._checks:
                names = dict(self.names(), needs=needs)
                ok, out = self._run_quiet(expand(self.check, names), 60)
                self._checks[needs] = (ok, "" if ok else "needs `%s`" % needs)
            return self._checks[needs]

    def script_path(self, script):
        if not self.script_is_path:
            return script
        return script if os.path.isabs(script) else os.path.join(HERE, script)

    def command(self, script, build_dir):
        names = self.names()
        names["script"] = self.script_path(script)
        if self.compile:
            names["exe"] = self._compile(names["script"], build_dir)
        return expand(self.run, names)

    def _compile(self, script, build_dir):
        with self._lock:
            if script in self._compiled:
                return self._compiled[script]
            with open(script, "rb") as f:
                digest = hashlib.sha1(f.read()).hexdigest()[:10]
            base = os.path.splitext(os.path.basename(script))[0]
            exe = os.path.join(build_dir, "%s-%s-%s" % (self.name, base, digest))
            if not os.path.exists(exe):
                names = dict(self.names(), script=script, exe=exe + ".tmp")
                ok, out = self._run_quiet(expand(self.compile, names), 300)
                if not ok:
                    raise ScenarioError("compiling %s failed:\n%s" % (script, out))
                os.replace(exe + ".tmp", exe)
            self._compiled[script] = exe
            return exe


def load_impls():
    impls = {}
    for path in sorted(os.listdir(os.path.join(HERE, "impls"))):
        if path.endswith(".json"):
            impl = Impl(os.path.join(HERE, "impls", path))
            impls[impl.name] = impl
    return impls


# --------------------------------------------------------------------------- scenarios

class Role:
    def __init__(self, d, scenario):
        self.name = d["name"]
        self.lang = d["lang"]
        self.script = d.get("script")
        self.args = d.get("args", [])
        self.note = d.get("note", "")
        self.instances = d.get("instances", 1)
        self.daemon = d.get("daemon", False)
        self.exit = d.get("exit", 0)
        self.start_when = d.get("start_when", [])
        self.binds = d.get("binds", [])
        self.stdin = d.get("stdin")
        self.expect = d.get("expect", [])
        self.reject = d.get("reject", [])
        self.needs = d.get("needs", {})
        self.overrides = d.get("impls", {})   # impl -> {lang, script, args, needs}
        self.use = d.get("use")               # a fixed implementation name
        self.substitute = d.get("substitute")  # a role dict run when the language has none
        self.pending_reason = d.get("pending")
        self.scenario = scenario

    def options(self, impls):
        """[(impl, Impl, spec)] this role can run on, and {impl: reason} it can't."""
        runnable, missing = [], {}
        if self.use:
            impl = impls.get(self.use)
            if impl is None:
                raise ScenarioError("role %s: unknown implementation %s" % (self.name, self.use))
            ok, why = impl.availability()
            if ok:
                runnable.append((impl.impl, impl, self._spec(None, impl)))
            else:
                missing[impl.impl] = why
            return runnable, missing
        for which in IMPL_ORDER:
            spec = self._spec(which, None)
            impl = impls.get("%s-%s" % (spec["lang"], which))
            if impl is None:
                missing[which] = "no %s-%s implementation file" % (spec["lang"], which)
                continue
            ok, why = impl.availability()
            if ok is None:  # prepare failed: a real failure, reported by the variant
                runnable.append((which, impl, dict(spec, broken=why)))
                continue
            if not ok:
                missing[which] = why
                continue
            ok, why = impl.can_run(spec.get("needs"))
            if not ok:
                missing[which] = why
                continue
            if spec.get("script") is None:
                spec["script"] = impl.generic_role
            runnable.append((which, impl, spec))
        return runnable, missing

    def _spec(self, which, impl):
        spec = {"lang": self.lang, "script": self.script, "args": self.args,
                "needs": self.needs.get(self.lang)}
        over = self.overrides.get(which, {}) if which else {}
        if over:
            spec = dict(spec, **over)
            if "needs" not in over:
                spec["needs"] = self.needs.get(spec["lang"])
        if impl is not None and spec.get("script") is None:
            spec["script"] = impl.generic_role
        return spec


class Scenario:
    def __init__(self, d, path):
        self.path = path
        self.name = d["name"]
        self.title = d.get("title", self.name)
        self.talk = d.get("talk", "")
        self.note = d.get("note", "")
        self.marks = d.get("marks", [])
        self.timeout = d.get("timeout", 20)
        self.endpoints = d.get("endpoints", {})
        self.variant_mode = d.get("variants", "flip")
        self.known_failures = d.get("known_failures", [])
        self.demo = d.get("demo", True)
        self.group = d.get("group", self.name)
        self.roles = []
        self.pending_roles = []  # (role, reason, substitute role or None)
        for rd in d["roles"]:
            role = Role(rd, self)
            self.roles.append(role)

    def resolve(self, impls):
        """Replaces roles whose language has no implementation by their substitutes."""
        roles, pending = [], []
        for role in self.roles:
            runnable, missing = role.options(impls)
            if runnable or not role.substitute:
                roles.append((role, runnable, missing))
                continue
            sub = dict(role.substitute)
            sub.setdefault("name", role.name)
            for key in ("instances", "daemon", "start_when", "binds", "stdin", "exit",
                        "expect", "reject"):
                if key not in sub:
                    sub[key] = getattr(role, key)
            srole = Role(sub, self)
            reasons = "; ".join("%s-%s %s" % (role.lang, k, v.replace("pending: ", ""))
                                for k, v in missing.items())
            pending.append((role, reasons))
            s_runnable, s_missing = srole.options(impls)
            srole.substitutes = role
            roles.append((srole, s_runnable, s_missing))
        return roles, pending

    def known_failure_entry(self, variant):
        for known in self.known_failures:
            if all(variant.get(role) == impl for role, impl in known["when"].items()):
                return known
        return None

    def known_failure(self, variant):
        """The reason this variant is known to fail, or None."""
        known = self.known_failure_entry(variant)
        return known["reason"] if known else None

    def variants(self, impls):
        roles, pending = self.resolve(impls)
        choices = {}
        for role, runnable, missing in roles:
            if not runnable:
                return roles, pending, [], "role %s has no implementation (%s)" % (
                    role.name, "; ".join("%s: %s" % kv for kv in missing.items()))
            choices[role.name] = [w for w, _, _ in runnable]
        names = [r.name for r, _, _ in roles]
        base = {n: choices[n][0] for n in names}
        out = [base]
        if self.variant_mode == "all":
            out = [dict(zip(names, combo)) for combo in itertools.product(*(choices[n] for n in names))]
        elif self.variant_mode == "flip":
            for n in names:
                if "ferromq" in choices[n] and base[n] != "ferromq":
                    out.append(dict(base, **{n: "ferromq"}))
            out.append({n: ("ferromq" if "ferromq" in choices[n] else base[n]) for n in names})
            # The incumbents' code again, every role that can on FerroMQ's libzmq ABI.
            if any("abi" in choices[n] for n in names):
                out.append({n: ("abi" if "abi" in choices[n] else base[n]) for n in names})
        elif self.variant_mode != "base":
            raise ScenarioError("%s: variants must be flip, all or base" % self.path)
        unique = []
        for v in out:
            if v not in unique:
                unique.append(v)
        return roles, pending, unique, ""


def load_scenarios(impls, directory):
    scenarios = []
    for path in sorted(os.listdir(directory)):
        if not path.endswith(".json"):
            continue
        full = os.path.join(directory, path)
        with open(full) as f:
            d = json.load(f)
        if d.get("kind") == "matrix":
            scenarios.extend(expand_matrix(d, full, impls))
        else:
            scenarios.append(Scenario(d, full))
    return scenarios


def expand_matrix(d, path, impls):
    """The cross-language matrix: every ordered pair of implementations with a generic role."""
    names = [n for n, i in sorted(impls.items()) if i.generic_role]
    only = d.get("implementations")
    if only:
        names = [n for n in names if n in only]
    out = []
    for pattern, p in d["patterns"].items():
        for a, b in itertools.product(names, names):
            if a == b and not d.get("same", False):
                continue
            roles = []
            for side, impl_name, peer in (("bind", a, b), ("connect", b, a)):
                spec = p[side]
                names_ = {"peer": peer, "tag": impl_name, "count": d.get("count", 10)}
                roles.append({
                    "name": "%s[%s]" % (spec["role"], impl_name),
                    "lang": impls[impl_name].lang,
                    "use": impl_name,
                    "args": [pattern, spec["role"], "{ep.main}", str(d.get("count", 10)), impl_name],
                    "daemon": spec.get("daemon", False),
                    "binds": ["main"] if side == "bind" else [],
                    "start_when": spec.get("start_when", []),
                    "expect": expand(spec.get("expect", []), names_),
                    "reject": expand(spec.get("reject", []), names_),
                })
            out.append(Scenario({
                "name": "matrix/%s/%s>%s" % (pattern, a, b),
                "title": "%s: %s binds, %s connects" % (pattern, a, b),
                "group": "matrix",
                "timeout": d.get("timeout", 15),
                "endpoints": {"main": d.get("transport", "tcp")},
                "variants": "base",
                "demo": False,
                "roles": roles,
            }, path))
    return out


# --------------------------------------------------------------------------- processes

class Proc:
    def __init__(self, run, label, impl_label, argv, env, daemon, exit_code, live):
        self.run = run
        self.label = label
        self.impl_label = impl_label
        self.argv = argv
        self.env = env
        self.daemon = daemon
        self.exit_code = exit_code
        self.live = live
        self.out = []
        self.err = []
        self.popen = None
        self.threads = []
        self.returncode = None
        self.killed = False

    def start(self, with_stdin):
        self.popen = subprocess.Popen(
            self.argv, cwd=HERE, env=self.env, start_new_session=True,
            stdin=subprocess.PIPE if with_stdin else subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        with _live_lock:
            _live_procs.add(self.popen.pid)
        for stream, sink, is_err in ((self.popen.stdout, self.out, False),
                                     (self.popen.stderr, self.err, True)):
            t = threading.Thread(target=self._read, args=(stream, sink, is_err), daemon=True)
            t.start()
            self.threads.append(t)

    def _read(self, stream, sink, is_err):
        for raw in iter(stream.readline, b""):
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            with self.run.cond:
                sink.append(line)
                self.run.cond.notify_all()
            if self.live:
                shown = self.shown = getattr(self, "shown", 0) + 1
                if shown <= self.live:
                    say("  %-22s %s%s" % ("[%s]" % self.label, "(stderr) " if is_err else "", line))
                elif shown == self.live + 1:
                    say("  %-22s … (more lines not shown)" % ("[%s]" % self.label))
        stream.close()

    def poll(self):
        if self.returncode is None and self.popen is not None:
            rc = self.popen.poll()
            if rc is not None:
                self.returncode = rc
                with _live_lock:
                    _live_procs.discard(self.popen.pid)
        return self.returncode

    def write(self, text):
        try:
            self.popen.stdin.write(text.encode())
            self.popen.stdin.flush()
            if self.live:
                say("  %-22s %s" % ("[%s <]" % self.label, text.rstrip("\n")))
        except (BrokenPipeError, ValueError, OSError):
            pass

    def close_stdin(self):
        try:
            if self.popen.stdin:
                self.popen.stdin.close()
        except OSError:
            pass

    def teardown(self):
        if self.popen is None:
            return
        if self.poll() is None:
            self.killed = True
            kill_group(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(timeout=1.5)
            except subprocess.TimeoutExpired:
                pass
        # Always clean the whole group: a process may have left children (ProcessDevice…).
        kill_group(self.popen.pid, signal.SIGKILL)
        try:
            self.popen.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        self.poll()
        with _live_lock:
            _live_procs.discard(self.popen.pid)
        self.close_stdin()
        for t in self.threads:
            t.join(timeout=2)


def kill_group(pgid, sig):
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def _teardown_everything(signum, frame):
    with _live_lock:
        pids = list(_live_procs)
    for pid in pids:
        kill_group(pid, signal.SIGKILL)
    with _live_lock:
        dirs = list(_live_dirs)
    for d in dirs:
        shutil.rmtree(d, ignore_errors=True)
    sys.stderr.write("\ninterrupted: %d process group(s) killed\n" % len(pids))
    os._exit(130)


# --------------------------------------------------------------------------- endpoints & waits

_port_lock = threading.Lock()
_ports_taken = set()


def free_port():
    import socket
    with _port_lock:
        while True:
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
            s.close()
            if port not in _ports_taken:
                _ports_taken.add(port)
                return port


def proc_net_tcp():
    """(local_port, remote_port, state) of every TCP socket on the machine."""
    rows = []
    for name in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(name) as f:
                next(f)
                for line in f:
                    cols = line.split()
                    rows.append((int(cols[1].rsplit(":", 1)[1], 16),
                                 int(cols[2].rsplit(":", 1)[1], 16), cols[3]))
        except OSError:
            pass
    return rows


def unix_connections(path):
    n = 0
    try:
        with open("/proc/net/unix") as f:
            next(f)
            for line in f:
                cols = line.split()
                if len(cols) >= 8 and cols[7] == path and cols[5] == "03":
                    n += 1
    except OSError:
        pass
    return n


class Endpoint:
    def __init__(self, name, kind, tmp, uniq):
        self.name = name
        self.kind = kind
        if kind == "tcp":
            self.port = free_port()
            self.plain = "tcp://127.0.0.1:%d" % self.port
            self.bind = "tcp://*:%d" % self.port
            self.connect = "tcp://localhost:%d" % self.port
        elif kind == "ipc":
            self.port = ""
            self.path = os.path.join(tmp, name)
            self.plain = self.bind = self.connect = "ipc://" + self.path
        elif kind == "inproc":
            self.port = ""
            self.plain = self.bind = self.connect = "inproc://%s-%s" % (name, uniq)
        else:
            raise ScenarioError("unknown transport %r (tcp, ipc, inproc)" % kind)

    def listening(self):
        if self.kind == "tcp":
            return any(lp == self.port and st == "0A" for lp, _, st in proc_net_tcp())
        if self.kind == "ipc":
            return os.path.exists(self.path)
        return True

    def connections(self):
        if self.kind == "tcp":
            return sum(1 for lp, _, st in proc_net_tcp() if lp == self.port and st == "01")
        if self.kind == "ipc":
            return unix_connections(self.path)
        return 0


# --------------------------------------------------------------------------- one run

class Failure(Exception):
    pass


class Run:
    """One variant of one scenario: starts the processes, waits, checks, tears down."""

    def __init__(self, scenario, roles, variant, build_dir, live, verbose):
        self.scenario = scenario
        self.roles = roles            # [(Role, runnable, missing)]
        self.variant = variant        # role name -> impl
        self.build_dir = build_dir
        self.live = live
        self.verbose = verbose
        self.cond = threading.Condition()
        self.procs = {}               # label -> Proc
        self.by_role = {}             # role name -> [Proc]
        self.problems = []
        self.assignment = {}          # role name -> implementation name

    def names(self, endpoints, extra):
        names = {"root": ROOT, "here": HERE, "tmp": self.tmp, "seed": self.seed}
        for ep in endpoints.values():
            names["ep.%s" % ep.name] = ep.plain
            names["ep.%s.bind" % ep.name] = ep.bind
            names["ep.%s.connect" % ep.name] = ep.connect
            names["ep.%s.port" % ep.name] = ep.port
        names.update(extra)
        return names

    def execute(self):
        start = time.monotonic()
        self.deadline = start + self.scenario.timeout
        self.tmp = tempfile.mkdtemp(prefix="ferromq-polyglot-")
        self.seed = random.randint(1, 2**31 - 1)
        with _live_lock:
            _live_dirs.add(self.tmp)
        uniq = os.path.basename(self.tmp).split("-")[-1]
        feeders = []
        try:
            self.endpoints = {n: Endpoint(n, k, self.tmp, uniq)
                              for n, k in self.scenario.endpoints.items()}
            for role, runnable, _ in self.roles:
                which = self.variant[role.name]
                _, impl, spec = next(r for r in runnable if r[0] == which)
                if spec.get("broken"):
                    raise Failure("%s: %s" % (impl.name, spec["broken"]))
                self.assignment[role.name] = impl.name
                for step in role.start_when:
                    self.wait(step, "start of %s" % role.name)
                for i in range(1, role.instances + 1):
                    label = role.name if role.instances == 1 else "%s#%d" % (role.name, i)
                    names = self.names(self.endpoints, {"i": i, "impl": impl.name})
                    argv = impl.command(spec["script"], self.build_dir) + expand(spec["args"], names)
                    proc = Proc(self, label, impl.name, argv, impl.environment(), role.daemon,
                                role.exit, self.live)
                    if self.verbose and not self.live:
                        say("  $ %s" % " ".join(argv))
                    with self.cond:
                        proc.start(with_stdin=role.stdin is not None)
                        self.procs[label] = proc
                        self.by_role.setdefault(role.name, []).append(proc)
                    if role.stdin is not None:
                        t = threading.Thread(target=self.feed, args=(proc, role.stdin, names),
                                             daemon=True)
                        t.start()
                        feeders.append(t)
                for ep in role.binds:
                    self.wait({"listening": ep}, "%s to bind %s" % (role.name, ep))
            self.wait_for_finish()
        except Failure as e:
            self.problems.append(str(e))
        except ScenarioError as e:
            self.problems.append("scenario error: %s" % e)
        finally:
            for proc in reversed(list(self.procs.values())):
                proc.teardown()
            shutil.rmtree(self.tmp, ignore_errors=True)
            with _live_lock:
                _live_dirs.discard(self.tmp)
        if not self.problems:
            self.check()
        self.problems = list(dict.fromkeys(self.problems))
        self.elapsed = time.monotonic() - start
        return not self.problems

    # -- waiting

    def _fatal(self):
        """A process that has already failed: no point waiting any longer."""
        with self.cond:
            procs = list(self.procs.values())
        for proc in procs:
            rc = proc.poll()
            if rc is None:
                continue
            if proc.daemon:
                return "%s exited early with %s (it should run until torn down)" % (proc.label, rc)
            if rc != proc.exit_code:
                return "%s exited with %s (expected %s)" % (proc.label, rc, proc.exit_code)
        return None

    def wait(self, step, what):
        if "delay" in step:
            end = time.monotonic() + step["delay"]
            while time.monotonic() < end:
                self._tick(what)
            return
        test = self._condition(step)
        if "connections" in step:
            ep = self.endpoints[step["connections"]["endpoint"]]
            what = "%s: %d connection(s) to %s (%s)" % (
                what, step["connections"].get("count", 1), ep.name, ep.plain)
            while not test():
                try:
                    self._tick(what)
                except Failure as e:
                    raise Failure("%s; %d seen" % (e, ep.connections()))
            return
        while not test():
            self._tick(what)

    def _tick(self, what):
        fatal = self._fatal()
        if fatal:
            raise Failure(fatal)
        if time.monotonic() > self.deadline:
            raise Failure("timed out after %ss waiting for %s" % (self.scenario.timeout, what))
        with self.cond:
            self.cond.wait(0.02)

    def _condition(self, step):
        if "listening" in step:
            ep = self.endpoints[step["listening"]]
            return ep.listening
        if "connections" in step:
            c = step["connections"]
            ep = self.endpoints[c["endpoint"]]
            return lambda: ep.connections() >= c.get("count", 1)
        if "output" in step:
            o = step["output"]
            rx = re.compile(o["pattern"])
            count = o.get("count", 1)

            def seen():
                with self.cond:
                    procs = [p for label, p in self.procs.items()
                             if label == o["role"] or label.split("#")[0] == o["role"]]
                    n = sum(1 for p in procs for line in p.out if rx.search(line))
                return n >= count
            return seen
        if "exited" in step:
            def exited():
                with self.cond:
                    procs = list(self.by_role.get(step["exited"], []))
                return bool(procs) and all(p.poll() is not None for p in procs)
            return exited
        raise ScenarioError("unknown wait step %r" % step)

    def feed(self, proc, steps, names):
        try:
            for step in steps:
                for key in ("delay", "listening", "connections", "output", "exited"):
                    if key in step:
                        self.wait({key: step[key]}, "input to %s" % proc.label)
                if "line" in step:
                    proc.write(expand(step["line"], names) + "\n")
                if step.get("close"):
                    proc.close_stdin()
                    return
        except Failure as e:
            with self.cond:
                self.problems.append(str(e))
                self.cond.notify_all()
        except Exception as e:  # a bug here must fail the run, not hang it
            with self.cond:
                self.problems.append("feeding %s: %s: %s" % (proc.label, type(e).__name__, e))
                self.cond.notify_all()

    def wait_for_finish(self):
        finishers = [p for p in self.procs.values() if not p.daemon]
        while True:
            if self.problems:
                raise Failure(self.problems.pop(0))
            fatal = self._fatal()
            if fatal:
                raise Failure(fatal)
            if all(p.poll() is not None for p in finishers):
                break
            if time.monotonic() > self.deadline:
                waiting = [p.label for p in finishers if p.poll() is None]
                raise Failure("timed out after %ss; still running: %s" % (
                    self.scenario.timeout, ", ".join(waiting)))
            with self.cond:
                self.cond.wait(0.02)
        # Let the readers catch the last lines before teardown.
        for p in finishers:
            for t in p.threads:
                t.join(timeout=2)
        # What the finishers sent may still be on its way through the daemons (a pipeline's
        # middle and end): give them until the deadline to show what they are expected to.
        while self.unmet_expectations(daemons_only=True) and time.monotonic() < self.deadline:
            if self._fatal():
                break
            with self.cond:
                self.cond.wait(0.02)
        fatal = self._fatal()
        if fatal:
            raise Failure(fatal)

    # -- checking

    def unmet_expectations(self, daemons_only=False):
        """What the roles' output does not show yet (every role, or only the daemons)."""
        unmet = []
        for role, _, _ in self.roles:
            procs = self.by_role.get(role.name, [])
            if daemons_only and not any(p.daemon for p in procs):
                continue
            for exp in role.expect:
                if isinstance(exp, str):
                    exp = {"pattern": exp}
                rx = re.compile(exp["pattern"])
                per_instance = exp.get("each", True)
                groups = [[p] for p in procs] if per_instance else [procs]
                for group in groups:
                    n = sum(1 for p in group for line in list(p.out) if rx.search(line))
                    who = group[0].label if per_instance else role.name
                    if "count" in exp and n != exp["count"]:
                        unmet.append("%s: %d line(s) match /%s/, expected %d" % (
                            who, n, exp["pattern"], exp["count"]))
                    elif "min" in exp and n < exp["min"]:
                        unmet.append("%s: %d line(s) match /%s/, expected at least %d" % (
                            who, n, exp["pattern"], exp["min"]))
                    elif "count" not in exp and "min" not in exp and n == 0:
                        unmet.append("%s: no line matches /%s/" % (who, exp["pattern"]))
        return unmet

    def check(self):
        self.problems.extend(self.unmet_expectations())
        for role, _, _ in self.roles:
            procs = self.by_role.get(role.name, [])
            for pattern in role.reject:
                rx = re.compile(pattern)
                for p in procs:
                    bad = [line for line in p.out if rx.search(line)]
                    if bad:
                        self.problems.append("%s: %d line(s) match the rejected /%s/, e.g. %r" % (
                            p.label, len(bad), pattern, bad[0]))

    def port_clash(self):
        return any("ddress already in use" in line or "EADDRINUSE" in line
                   for p in self.procs.values() for line in p.err)

    def report(self):
        lines = []
        for proc in self.procs.values():
            lines.append("    --- %s (%s) exit %s%s, %d line(s): %s" % (
                proc.label, proc.impl_label, proc.returncode,
                " (torn down)" if proc.killed else "", len(proc.out), " ".join(proc.argv)))
            for line in proc.out[-15:]:
                lines.append("      | " + line)
            for line in proc.err[-10:]:
                lines.append("      ! " + line)
        return "\n".join(lines)


# --------------------------------------------------------------------------- driver

def variant_label(roles, variant):
    fer = [r.name for r, _, _ in roles if variant[r.name] == "ferromq"]
    lib = [r.name for r, _, _ in roles if variant[r.name] == "libzmq"]
    abi = [r.name for r, _, _ in roles if variant[r.name] == "abi"]
    if abi:
        return "libzmq ABI on FerroMQ: " + ", ".join(abi)
    if not fer:
        return "incumbents"
    if not lib:
        return "all FerroMQ"
    return "FerroMQ: " + ", ".join(fer)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--demo", action="store_true",
                    help="run the talks live (first variant and one mixed FerroMQ/libzmq "
                         "variant each), printing every process's output")
    ap.add_argument("-k", dest="select", action="append", default=[],
                    help="only scenarios whose name contains this (repeatable)")
    ap.add_argument("-v", "--verbose", action="store_true", help="print every process's output")
    ap.add_argument("--lines", type=int, default=12,
                    help="demo: lines shown per process (default 12)")
    ap.add_argument("-j", "--jobs", type=int, default=4, help="variants run at once (check mode)")
    ap.add_argument("--variant", action="append", default=[], metavar="ROLE=IMPL",
                    help="only variants where ROLE runs on IMPL (libzmq or ferromq)")
    ap.add_argument("--repeat", type=int, default=1, help="run every variant N times")
    ap.add_argument("--no-matrix", action="store_true", help="skip the cross-language matrix")
    ap.add_argument("--list", action="store_true", help="list scenarios and implementations")
    ap.add_argument("--scenarios", default=os.path.join(HERE, "scenarios"), metavar="DIR",
                    help="where the scenario files are (default: tests-polyglot/scenarios)")
    ap.add_argument("--require", action="append", default=[],
                    help="fail unless this implementation (e.g. python-ferromq) is available")
    opts = ap.parse_args()

    signal.signal(signal.SIGINT, _teardown_everything)
    signal.signal(signal.SIGTERM, _teardown_everything)
    signal.signal(signal.SIGHUP, _teardown_everything)

    impls = load_impls()
    scenarios = load_scenarios(impls, opts.scenarios)
    if opts.select:
        scenarios = [s for s in scenarios if any(k in s.name for k in opts.select)]
    if opts.no_matrix:
        scenarios = [s for s in scenarios if s.group != "matrix"]

    with ThreadPoolExecutor(max_workers=len(impls) or 1) as pool:
        states = dict(zip(impls, pool.map(lambda i: i.availability(), impls.values())))
    full = opts.verbose or opts.demo or opts.list
    if full:
        say("implementations:")
    for name, impl in impls.items():
        ok, why = states[name]
        mark = "yes" if ok else ("BROKEN" if ok is None else "no")
        if full or ok is None:
            say("  %-16s %-6s %s" % (name, mark, (why if ok is None else why.splitlines()[0]
                                                   if why else impl.description)))
    missing_required = [n for n in opts.require if not (impls.get(n) and states[n][0])]

    plan = []  # (scenario, roles, pending, variant)
    skipped = []
    for s in scenarios:
        roles, pending, variants, why = s.variants(impls)
        if not variants:
            skipped.append((s, why))
            continue
        for want in opts.variant:
            role, _, impl = want.partition("=")
            variants = [v for v in variants if v.get(role, impl) == impl]
        if opts.demo:
            mixed = [v for v in variants[1:] if "libzmq" in v.values() and "ferromq" in v.values()
                     and not s.known_failure(v)]
            on_abi = [v for v in variants[1:] if "abi" in v.values() and not s.known_failure(v)]
            variants = variants[:1] + mixed[:1] + on_abi[:1]
        for v in variants:
            plan.extend([(s, roles, pending, v)] * opts.repeat)

    if opts.list:
        for s, roles, pending, v in plan:
            say("%-44s %s" % (s.name, " ".join("%s=%s" % (r.name, v[r.name]) for r, _, _ in roles)))
        for s, why in skipped:
            say("%-44s SKIPPED: %s" % (s.name, why))
        return 0

    build_dir = os.path.join(ROOT, "target", "polyglot")
    os.makedirs(build_dir, exist_ok=True)

    results = []

    def run_one(item):
        s, roles, pending, v = item
        run = Run(s, roles, v, build_dir, live=opts.demo and opts.lines, verbose=opts.verbose)
        if opts.demo:
            say("")
            say("=== %s — %s" % (s.title, variant_label(roles, v)))
            if s.talk:
                say("    talk: %s" % s.talk)
            for role, _, _ in roles:
                impl = impls[run_impl_name(role, v)]
                sub = getattr(role, "substitutes", None)
                extra = " (stands in for %s %s: %s)" % (sub.lang, sub.script, "pending") if sub else ""
                say("    %-12s %s%s" % (role.name, impl.name, extra))
            for m in s.marks:
                say("    note: %s" % m)
        ok = run.execute()
        if not ok and run.port_clash():
            # A port picked free was taken by someone else before the role bound it: the
            # only failure that is the runner's, not the scenario's. Once more, new ports.
            say("retrying %s [%s]: address already in use" % (s.name, variant_label(roles, v)))
            run = Run(s, roles, v, build_dir, live=opts.demo and opts.lines, verbose=opts.verbose)
            ok = run.execute()
        known = s.known_failure(v)
        status = ("XPASS" if known else "PASS") if ok else ("XFAIL" if known else "FAIL")
        results.append((s, roles, pending, v, run, status))
        if opts.demo:
            say("    -> %s (%.1fs)%s" % (status, run.elapsed,
                                        " known failure: %s" % known if known else ""))
        if status == "FAIL" or (opts.verbose and not opts.demo):
            say("%s %s [%s] (%.1fs)" % (status, s.name, variant_label(roles, v), run.elapsed))
            for p in run.problems:
                say("    " + p)
            say(run.report())
        elif (status == "XPASS" or opts.verbose) and status != "PASS" and not opts.demo:
            say("%s %s [%s]: %s%s" % (status, s.name, variant_label(roles, v), known,
                                      "" if ok else " (%s)" % "; ".join(run.problems)[:300]))
        return ok

    if opts.demo:
        live = [item for item in plan if item[0].demo]
        quiet = [item for item in plan if not item[0].demo]
        for item in live:
            run_one(item)
        if quiet:
            say("")
            say("=== the cross-language matrix: %d pairs, each end a separate process "
                "(quietly, %d at a time)" % (len(quiet), opts.jobs))
            opts.demo = False
            with ThreadPoolExecutor(max_workers=opts.jobs) as pool:
                list(pool.map(run_one, quiet))
    elif opts.jobs <= 1:
        for item in plan:
            run_one(item)
    else:
        with ThreadPoolExecutor(max_workers=opts.jobs) as pool:
            list(pool.map(run_one, plan))

    print_matrix(results, skipped, impls)
    print_language_summary(results)
    passed = sum(1 for r in results if r[5] in ("PASS", "XPASS"))
    failed = sum(1 for r in results if r[5] == "FAIL")
    xfailed = sum(1 for r in results if r[5] == "XFAIL")
    if xfailed:
        say("known failures (scenario files' known_failures): %d, counted as skipped" % xfailed)
    for name in missing_required:
        say("required implementation %s is not available: %s" % (
            name, impls[name].availability()[1] if name in impls else "no such file"))
    failed += len(missing_required)
    say("polyglot: %d passed, %d failed, %d skipped" % (passed, failed, len(skipped) + xfailed))
    return 1 if failed else 0


def print_language_summary(results):
    """Per implementation (language and library): the runs it took part in and how many
    passed, the talks' scenarios and the matrix's cells together."""
    tally = {}
    for s, roles, _, v, run, status in results:
        names = {run.assignment.get(role.name) or run_impl_name(role, v) for role, _, _ in roles}
        for name in names:
            counts = tally.setdefault(name, {"PASS": 0, "FAIL": 0, "XFAIL": 0})
            counts["PASS" if status == "XPASS" else status] += 1
    if not tally:
        return
    say("")
    say("summary per language (runs each took part in, passed/run)")
    for lang in sorted({n.rsplit("-", 1)[0] for n in tally}):
        cells = []
        for lib in IMPL_ORDER:
            counts = tally.get("%s-%s" % (lang, lib))
            if counts:
                ran = counts["PASS"] + counts["FAIL"]
                cells.append("%-7s %3d/%-3d%s" % (
                    lib, counts["PASS"], ran,
                    " (+%d known failures)" % counts["XFAIL"] if counts["XFAIL"] else ""))
        say("  %-8s %s" % (lang, "   ".join(cells)))


def run_impl_name(role, variant):
    return role.use or "%s-%s" % (role._spec(variant[role.name], None)["lang"], variant[role.name])


def print_matrix(results, skipped, impls):
    """scenario × role → the implementations it ran on, pass/fail."""
    say("")
    say("scenario matrix (role: implementation PASS/FAIL; pending roles and why)")
    talk = [r for r in results if r[0].group != "matrix"]
    by_scenario = {}
    rank = {"PASS": 0, "XPASS": 1, "XFAIL": 2, "FAIL": 3}
    for s, roles, pending, v, run, status in sorted(talk, key=lambda r: r[0].name):
        entry = by_scenario.setdefault(s.name, {"s": s, "roles": {}, "pending": pending, "runs": []})
        entry["runs"].append(status)
        known = s.known_failure_entry(v) if status in ("XFAIL", "XPASS") else None
        for role, _, _ in roles:
            name = run.assignment.get(role.name) or run_impl_name(role, v)
            cell = entry["roles"].setdefault(role.name, {"role": role, "impls": {}})
            if known and role.name not in known["when"]:
                # A known failure is charged to the roles it names, not their peers.
                cell["impls"].setdefault(name, None)
                continue
            prev = cell["impls"].get(name) or "PASS"
            cell["impls"][name] = max(prev, status, key=rank.get)
    for name, entry in by_scenario.items():
        s = entry["s"]
        runs = entry["runs"]
        marks = (" [" + "; ".join(s.marks) + "]") if s.marks else ""
        good = sum(1 for r in runs if r in ("PASS", "XPASS"))
        xfail = sum(1 for r in runs if r == "XFAIL")
        say("  %s — %d/%d variants passed%s%s" % (
            name, good, len(runs), " (%d known failure%s)" % (xfail, "s" if xfail > 1 else "")
            if xfail else "", marks))
        for known in s.known_failures:
            say("    known failure when %s: %s" % (
                ", ".join("%s=%s" % kv for kv in known["when"].items()), known["reason"]))
        for rname, cell in entry["roles"].items():
            role = cell["role"]
            cells = ", ".join("%s %s" % (n, st or "(only in known failures)")
                              for n, st in sorted(cell["impls"].items(),
                                                  key=lambda kv: kv[0].endswith("ferromq")))
            sub = getattr(role, "substitutes", None)
            extra = ""
            if sub is not None:
                why = [r for s_, r in entry["pending"] if s_ is sub]
                extra = "  (stand-in: %s is PENDING: %s)" % (sub.script, why[0] if why else "")
            elif not any(n.endswith("-ferromq") for n in cell["impls"]):
                runnable, missing = role.options(impls)
                if "ferromq" in missing:
                    extra = "  (ferromq: %s)" % missing["ferromq"].splitlines()[0]
            say("    %-14s %s%s" % (rname, cells, extra))
    matrix = [r for r in results if r[0].group == "matrix"]
    if matrix:
        say("")
        say("cross-language matrix (row binds, column connects; . = pass, X = fail)")
        names = sorted({r.assignment.get(role.name) or role.use
                        for _, roles, _, _, r, _ in matrix for role, _, _ in roles})
        patterns = []
        cells = {}
        for s, roles, _, _, run, ok in matrix:
            pattern = s.name.split("/")[1]
            if pattern not in patterns:
                patterns.append(pattern)
            a, b = roles[0][0].use, roles[1][0].use
            cells[(pattern, a, b)] = ok in ("PASS", "XPASS")
        short = {n: "%d" % (i + 1) for i, n in enumerate(names)}
        say("  " + "   ".join("%s=%s" % (short[n], n) for n in names))
        head = "  %-8s" % ""
        cols = "  %-8s" % ""
        for pattern in patterns:
            width = max(len(names), len(pattern)) + 2
            head += " %-*s" % (width, pattern)
            cols += " %-*s" % (width, "".join(short[n] for n in names))
        say(head)
        say(cols)
        for a in names:
            row = "  %-8s" % ("%s binds" % short[a])
            for pattern in patterns:
                width = max(len(names), len(pattern)) + 2
                cellstr = "".join(
                    "-" if a == b else {True: ".", False: "X", None: " "}[cells.get((pattern, a, b))]
                    for b in names)
                row += " %-*s" % (width, cellstr)
            say(row)
        total = len(matrix)
        good = sum(1 for r in matrix if r[5] in ("PASS", "XPASS"))
        say("  %d/%d pairs passed" % (good, total))
    for s, why in skipped:
        say("  SKIPPED %s: %s" % (s.name, why.splitlines()[0]))


if __name__ == "__main__":
    sys.exit(main())

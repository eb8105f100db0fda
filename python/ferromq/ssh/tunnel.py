"""Connecting through an SSH tunnel (pyzmq's ``zmq.ssh.tunnel``)::

    from ferromq import ssh
    ssh.tunnel_connection(sock, "tcp://10.0.0.5:5555", "me@gateway.example:22")

opens ``ssh -L`` from a free local port to ``10.0.0.5:5555`` as the gateway sees it, and
connects ``sock`` to the local end. The tunnel is OpenSSH's command-line client run in the
background (``ssh -f … sleep TIMEOUT``): it closes once unused after ``timeout`` seconds.
If a ControlMaster for the server is running, the forward is added to it instead (and
cancelled at exit). Authentication is the ssh client's: keys and its config; a password is
handed over through SSH_ASKPASS, never on a command line. paramiko is not used.
"""

from __future__ import annotations

import atexit
import getpass
import os
import re
import socket
import stat
import subprocess
import tempfile
from typing import Any

__all__ = [
    "open_tunnel",
    "openssh_tunnel",
    "paramiko_tunnel",
    "select_random_ports",
    "try_passwordless_ssh",
    "tunnel_connection",
]


class SSHException(Exception):
    """The tunnel could not be made (unknown host key, refused login, ssh failure)."""


#: Ports handed out by select_random_ports, not to be handed out twice in this process.
_random_ports: set[int] = set()


def select_random_ports(n: int) -> list[int]:
    """``n`` free local TCP ports, none returned before by this process."""
    ports: list[int] = []
    sockets = []
    while len(ports) < n:
        sock = socket.socket()
        sock.bind(("", 0))
        port = sock.getsockname()[1]
        sockets.append(sock)
        if port not in _random_ports:
            ports.append(port)
    for sock in sockets:
        sock.close()
    _random_ports.update(ports)
    return ports


def _ssh_base(server: str, keyfile: str | None) -> tuple[list[str], str]:
    """``ssh`` with the key and port options for ``user@host:port``, and ``user@host``."""
    argv = ["ssh"]
    if keyfile:
        argv += ["-i", keyfile]
    host, _, port = server.partition(":")
    if port:
        argv += ["-p", port]
    return argv, host


def _run(argv: list[str], password: str | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
    """Runs an ssh command without a terminal: key-based only (BatchMode) without a
    password, else with the password answered through SSH_ASKPASS."""
    env = dict(os.environ)
    env.pop("SSH_ASKPASS", None)
    askpass = None
    if password is None:
        argv = argv[:1] + ["-o", "BatchMode=yes"] + argv[1:]
    else:
        fd, askpass = tempfile.mkstemp(prefix="ferromq-askpass-")
        with os.fdopen(fd, "w") as script:
            script.write("#!/bin/sh\nprintf '%s\\n' \"$FERROMQ_SSH_PASSWORD\"\n")
        os.chmod(askpass, stat.S_IRWXU)
        env.update(SSH_ASKPASS=askpass, SSH_ASKPASS_REQUIRE="force", FERROMQ_SSH_PASSWORD=password)
        env.setdefault("DISPLAY", ":0")
    # Output goes to a file, not a pipe: `ssh -f` keeps the descriptors in the background,
    # and a pipe closed under it (once we have read it) ends the tunnel.
    with tempfile.TemporaryFile() as out:
        try:
            proc = subprocess.run(
                argv, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=out,
                timeout=timeout, start_new_session=True,
            )
        finally:
            if askpass:
                os.unlink(askpass)
        out.seek(0)
        proc.stdout = b""
        proc.stderr = out.read()
        return proc


def _failure(proc: subprocess.CompletedProcess) -> SSHException:
    err = proc.stderr.decode("utf-8", "replace").strip()
    if "Host key verification failed" in err:
        return SSHException("The authenticity of the host can't be established.")
    return SSHException(f"ssh failed ({proc.returncode}): {err.splitlines()[-1] if err else 'no message'}")


def try_passwordless_ssh(server: str, keyfile: str | None = None, paramiko: Any = None) -> bool:
    """Whether ``server`` lets us in without a password (keys, agent, config)."""
    if paramiko:
        raise ImportError("paramiko is not used by ferromq: ssh tunnels use OpenSSH's client")
    argv, host = _ssh_base(server, keyfile)
    proc = _run(argv + [host, "exit"])
    if proc.returncode == 0:
        return True
    if b"Host key verification failed" in proc.stderr:
        raise _failure(proc)
    return False


def openssh_tunnel(
    lport: int,
    rport: int,
    server: str,
    remoteip: str = "127.0.0.1",
    keyfile: str | None = None,
    password: str | None = None,
    timeout: int = 60,
) -> int:
    """Forwards ``127.0.0.1:lport`` here to ``remoteip:rport`` as ``server`` sees it, with
    OpenSSH's client; returns the pid of the ssh process. The tunnel stays up while used,
    and at least ``timeout`` seconds. Without a password and without passwordless access,
    asks for one (getpass)."""
    argv, host = _ssh_base(server, keyfile)
    forward = f"127.0.0.1:{lport}:{remoteip}:{rport}"
    master = _run(argv + ["-O", "check", host], timeout=10)
    if master.returncode == 0:
        found = re.search(rb"\(pid=(\d+)\)", master.stderr + master.stdout)
        added = _run(argv + ["-O", "forward", "-L", forward, host], timeout=10)
        if found and added.returncode == 0:
            atexit.register(_run, argv + ["-O", "cancel", "-L", forward, host], None, 10)
            return int(found.group(1))
    if password is None and not try_passwordless_ssh(server, keyfile):
        password = getpass.getpass(f"{server}'s password: ")
    tunnel = argv + ["-f", "-S", "none", "-o", "ExitOnForwardFailure=yes", "-L", forward, host, "sleep", str(timeout)]
    proc = _run(tunnel, password, timeout=max(timeout, 10))
    if proc.returncode != 0:
        raise _failure(proc)
    return _background_pid(forward)


def _background_pid(forward: str) -> int:
    """The pid of the backgrounded ``ssh -f`` that forwards ``forward`` (0 if not found)."""
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                args = f.read().split(b"\0")
        except OSError:
            continue
        if args and os.path.basename(args[0]) == b"ssh" and forward.encode() in args:
            return int(entry)
    return 0


def paramiko_tunnel(*args: Any, **kwargs: Any) -> Any:
    """pyzmq's paramiko-based tunnel: not provided (use the OpenSSH client)."""
    raise ImportError("paramiko tunnels are not provided by ferromq: ssh tunnels use OpenSSH's client")


def open_tunnel(
    addr: str,
    server: str,
    keyfile: str | None = None,
    password: str | None = None,
    paramiko: Any = None,
    timeout: int = 60,
) -> tuple[str, int]:
    """Opens a tunnel to the ``tcp://ip:port`` address ``addr`` through ``server``;
    returns the local address to connect to and the tunnel's pid."""
    if paramiko:
        return paramiko_tunnel()
    transport, _, rest = addr.partition("://")
    if transport != "tcp":
        raise ValueError(f"ssh tunnels carry tcp:// addresses, not {addr!r}")
    ip, _, rport = rest.rpartition(":")
    lport = select_random_ports(1)[0]
    pid = openssh_tunnel(lport, int(rport), server, remoteip=ip, keyfile=keyfile, password=password, timeout=timeout)
    return f"tcp://127.0.0.1:{lport}", pid


def tunnel_connection(
    socket: Any,
    addr: str,
    server: str,
    keyfile: str | None = None,
    password: str | None = None,
    paramiko: Any = None,
    timeout: int = 60,
) -> int:
    """``socket.connect(addr)`` through an SSH tunnel to ``server``; returns the tunnel's
    pid."""
    url, pid = open_tunnel(addr, server, keyfile=keyfile, password=password, paramiko=paramiko, timeout=timeout)
    socket.connect(url)
    return pid

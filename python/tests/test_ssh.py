"""``zmq.ssh.tunnel``: a socket connects through an SSH tunnel. The server is a private sshd
on a free loopback port (Debian's openssh-server, installed by ``make deps``), with
throwaway host and client keys; an ``ssh`` wrapper first on PATH gives the client the test's
config (no known_hosts).

Only ferromq is run: pyzmq's OpenSSH tunnel drives ssh through a pexpect pty that is closed
when its call returns, and without a terminal (as here, and in CI) the backgrounded ssh then
dies on a broken pipe before anything goes through (sshd logs "Broken pipe")."""

from __future__ import annotations

import importlib
import os
import shutil
import subprocess
import time

import pytest

SSHD = "/usr/sbin/sshd"


@pytest.fixture(scope="module")
def sshd(tmp_path_factory):
    if not os.path.exists(SSHD) or shutil.which("ssh") is None:
        pytest.skip("needs openssh-server and openssh-client (make deps installs them)")
    if os.geteuid() != 0:
        pytest.skip("the test's sshd logs in as root")
    home = tmp_path_factory.mktemp("ssh")
    for name in ("host", "client"):
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(home / name)], check=True)
    (home / "authorized_keys").write_text((home / "client.pub").read_text())
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    (home / "sshd_config").write_text(
        f"Port {port}\nListenAddress 127.0.0.1\nHostKey {home / 'host'}\nPidFile {home / 'sshd.pid'}\n"
        f"AuthorizedKeysFile {home / 'authorized_keys'}\nPermitRootLogin prohibit-password\n"
        "PasswordAuthentication no\nKbdInteractiveAuthentication no\nUsePAM no\nStrictModes no\n"
        "AllowTcpForwarding yes\n"
    )
    os.makedirs("/run/sshd", exist_ok=True)
    server = subprocess.Popen([SSHD, "-D", "-e", "-f", str(home / "sshd_config")], stderr=subprocess.DEVNULL)
    (home / "ssh_config").write_text(
        "Host *\n  StrictHostKeyChecking no\n  UserKnownHostsFile /dev/null\n  LogLevel ERROR\n"
    )
    bindir = home / "bin"
    bindir.mkdir()
    wrapper = bindir / "ssh"
    wrapper.write_text(f'#!/bin/sh\nexec {shutil.which("ssh")} -F {home / "ssh_config"} "$@"\n')
    wrapper.chmod(0o755)
    deadline = time.monotonic() + 10
    while True:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                break
        assert time.monotonic() < deadline, "sshd did not start"
        time.sleep(0.05)
    old_path = os.environ["PATH"]
    os.environ["PATH"] = f"{bindir}:{old_path}"
    yield {"server": f"root@127.0.0.1:{port}", "key": str(home / "client")}
    os.environ["PATH"] = old_path
    server.terminate()
    server.wait(10)


def test_tunnel_connection(sshd):
    lib = importlib.import_module("ferromq")
    tunnel = importlib.import_module("ferromq.ssh.tunnel")
    ctx = lib.Context()
    try:
        rep = ctx.socket(lib.REP)
        port = rep.bind_to_random_port("tcp://127.0.0.1")
        req = ctx.socket(lib.REQ)
        req.rcvtimeo = 10000
        assert tunnel.try_passwordless_ssh(sshd["server"], sshd["key"])
        pid = tunnel.tunnel_connection(req, f"tcp://127.0.0.1:{port}", sshd["server"], keyfile=sshd["key"], timeout=5)
        assert isinstance(pid, int)
        assert req.get(lib.LAST_ENDPOINT).startswith(b"tcp://127.0.0.1:")
        for i in range(20):
            req.send(b"through ssh %d" % i)
            rep.rcvtimeo = 10000
            rep.send(rep.recv())
            assert req.recv() == b"through ssh %d" % i
        ports = tunnel.select_random_ports(3)
        assert len(set(ports)) == 3 and not set(ports) & set(tunnel.select_random_ports(3))
    finally:
        ctx.destroy(linger=0)


def test_an_unreachable_server_is_an_error(sshd):
    import ferromq
    from ferromq.ssh import tunnel

    with ferromq.Context() as ctx:
        sock = ctx.socket(ferromq.REQ)
        with pytest.raises(tunnel.SSHException):
            tunnel.tunnel_connection(sock, "tcp://127.0.0.1:1", "root@127.0.0.1:1", keyfile=sshd["key"], password="x")

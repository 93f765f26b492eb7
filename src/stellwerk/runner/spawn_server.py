"""The spawner process: starts job processes for the Agent and reports how they ended (see `spawner.py`).

    python -m stellwerk.runner.spawn_server FD

FD is this process's end of a SOCK_SEQPACKET socket pair. A request is one message, `[id, argv, env, cwd]` as
JSON with the process's stdin, stdout and stderr attached (SCM_RIGHTS). The answer is `[id, pid, 0, "", ""]`, or
`[id, 0, errno, strerror, filename]` if the process could not be started; when a process has ended,
`[pid, wait_status]` follows. The process leads a new session, has the default disposition of SIGINT, SIGPIPE
and SIGXFSZ and inherits nothing else of this process: every descriptor here is close-on-exec, and the received
ones are made so at once.

Children are watched through their pidfds in one epoll with the socket; the spawner ends when the socket does
(the Agent closed it or died), leaving its children running, as they would be after the Agent's own death.
Only the standard library and msgspec are imported, so it starts quickly.
"""

from __future__ import annotations

import errno
import os
import select
import signal
import socket
import sys

import msgspec

MAX_MESSAGE = 1 << 20
# SIGINT: this process ignores it; SIGPIPE and SIGXFSZ: Python ignores them. A job gets the defaults, as with Popen.
_DEFAULT_SIGNALS = (signal.SIGINT, signal.SIGPIPE, signal.SIGXFSZ)
_decode = msgspec.json.Decoder(tuple[int, list[str], dict[str, str], str | None]).decode
_encode = msgspec.json.Encoder().encode
_INITIAL_DIRECTORY = os.getcwd()


def serve(channel: socket.socket) -> None:
    poller = select.epoll()
    poller.register(channel.fileno(), select.EPOLLIN)
    children: dict[int, int] = {}  # pidfd -> pid
    while True:
        for fd, _ in poller.poll():
            if fd != channel.fileno():
                _reap(channel, poller, fd, children.pop(fd))
            elif not _serve_request(channel, poller, children):
                return


def _serve_request(channel: socket.socket, poller: select.epoll, children: dict[int, int]) -> bool:
    message, fds, _, _ = socket.recv_fds(channel, MAX_MESSAGE, 3)
    if not message:
        return False
    try:
        for fd in fds:
            os.set_inheritable(fd, False)
        request_id, argv, env, cwd = _decode(message)
        try:
            pid = _spawn(argv, env, cwd, fds)
        except OSError as error:
            filename = str(error.filename if error.filename is not None else argv[0])
            channel.send(_encode([request_id, 0, error.errno or errno.EIO, error.strerror or "", filename]))
            return True
    finally:
        for fd in fds:
            os.close(fd)
    pidfd = os.pidfd_open(pid)
    children[pidfd] = pid
    poller.register(pidfd, select.EPOLLIN)
    channel.send(_encode([request_id, pid, 0, "", ""]))
    return True


def _spawn(argv: list[str], env: dict[str, str], cwd: str | None, fds: list[int]) -> int:
    """As subprocess.Popen does: a name without a slash is looked up in the PATH of `env`; no `cwd`, the
    spawner's own (which is the Agent's)."""
    os.chdir(cwd if cwd is not None else _INITIAL_DIRECTORY)
    actions = [(os.POSIX_SPAWN_DUP2, fd, target) for target, fd in enumerate(fds)]
    executable = argv[0]
    if "/" in executable:
        return _posix_spawn(executable, argv, env, actions)
    denied: PermissionError | None = None
    for directory in os.get_exec_path(env):
        try:
            return _posix_spawn(os.path.join(directory, executable), argv, env, actions)
        except (FileNotFoundError, NotADirectoryError):
            pass
        except PermissionError as error:
            denied = denied or error
    raise denied or FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), executable)


def _posix_spawn(path: str, argv: list[str], env: dict[str, str], actions: list[tuple[int, int, int]]) -> int:
    return os.posix_spawn(path, argv, env, file_actions=actions, setsid=True, setsigdef=_DEFAULT_SIGNALS)


def _reap(channel: socket.socket, poller: select.epoll, pidfd: int, pid: int) -> None:
    poller.unregister(pidfd)
    os.close(pidfd)
    _, status = os.waitpid(pid, 0)
    channel.send(_encode([pid, status]))


def main() -> None:
    channel = socket.socket(fileno=int(sys.argv[1]))
    os.set_inheritable(channel.fileno(), False)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the Agent, which ends this process
    try:
        serve(channel)
    except (BrokenPipeError, ConnectionResetError):
        pass


if __name__ == "__main__":
    main()

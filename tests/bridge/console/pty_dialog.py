#!/usr/bin/env python3
"""Drives an interactive program through a pseudo-terminal, step by step.

    pty_dialog.py STEPS_JSON -- PROGRAM ARGS...

STEPS_JSON is a list of {"send": text, "expect": regex, "timeout": s}; each
step writes `send` (if any) and waits until `expect` (if any) matches the
output that followed the previous match. "expect_eof": true waits for the
program to exit. Prints the whole transcript, then "DIALOG OK" or
"DIALOG FAILED: why". Every wait is bounded; on every path the program's
session (pty.fork makes it a session leader) is killed and reaped.
"""
import json
import os
import pty
import re
import select
import signal
import sys
import time


def main():
    steps = json.loads(sys.argv[1])
    argv = sys.argv[sys.argv.index("--") + 1:]
    pid, fd = pty.fork()
    if pid == 0:
        try:
            os.execvp(argv[0], argv)
        finally:
            os._exit(127)
    out = b""
    mark = 0
    eof = False
    verdict = "DIALOG OK"

    def read_until(deadline, pattern=None, want_eof=False):
        nonlocal out, mark, eof
        while True:
            if pattern is not None:
                m = re.compile(pattern.encode()).search(out, mark)
                if m:
                    mark = m.end()
                    return True
            if want_eof and eof:
                return True
            left = deadline - time.monotonic()
            if left <= 0 or (eof and not want_eof):
                return False
            r, _, _ = select.select([fd], [], [], min(left, 0.2))
            if r:
                try:
                    data = os.read(fd, 65536)
                except OSError:
                    data = b""
                if not data:
                    eof = True
                out += data

    try:
        for i, step in enumerate(steps):
            if "send" in step:
                os.write(fd, step["send"].encode())
            deadline = time.monotonic() + step.get("timeout", 20)
            if "expect" in step and not read_until(deadline, step["expect"]):
                verdict = "DIALOG FAILED: step %d: no %r within %ss" % (
                    i, step["expect"], step.get("timeout", 20))
                break
            if step.get("expect_eof") and not read_until(deadline,
                                                         want_eof=True):
                verdict = "DIALOG FAILED: step %d: program still running" % i
                break
    finally:
        try:
            os.killpg(pid, signal.SIGKILL)
        except OSError:
            pass
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
        os.waitpid(pid, 0)
    sys.stdout.write(out.decode(errors="replace"))
    sys.stdout.write("\n" + verdict + "\n")
    return 0 if verdict == "DIALOG OK" else 1


if __name__ == "__main__":
    sys.exit(main())

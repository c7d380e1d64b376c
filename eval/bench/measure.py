"""Run one command and report its wall time and peak RSS (a benchmark launcher).

usage: python3 -S -B measure.py RESULT.json STDOUT|- CMD ARG...

Why a launcher: a child's ru_maxrss also counts the memory it inherited at fork,
so a command forked straight from the runner (holding datasets and scikit-learn)
would report the runner's size. This small process forks the command itself and
collects it with os.wait4: the result is max(this launcher's resident memory at
the fork, a few MB, reported as floor_kib; the command's own peak), where the
command's peak includes the children it waited for. Seconds are wall clock from
just before the fork to the end of wait4. Standard library only, kept tiny.
"""
import json
import os
import sys
import time


def resident_kib():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def exec_child(stdout_path, cmd):
    try:
        if stdout_path != "-":
            fd = os.open(stdout_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            os.dup2(fd, 1)
            os.close(fd)
        os.execvp(cmd[0], cmd)
    except BaseException as e:  # noqa: BLE001 - report anything, never return
        os.write(2, f"measure: cannot run {cmd[0]}: {e}\n".encode())
    os._exit(127)


def main():
    result_path, stdout_path, cmd = sys.argv[1], sys.argv[2], sys.argv[3:]
    floor = resident_kib()
    t0 = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        exec_child(stdout_path, cmd)
    _, status, usage = os.wait4(pid, 0)
    seconds = time.perf_counter() - t0
    with open(result_path, "w") as f:
        json.dump({"seconds": seconds, "maxrss_kib": usage.ru_maxrss, "floor_kib": floor,
                   "returncode": os.waitstatus_to_exitcode(status)}, f)
    return 0


if __name__ == "__main__":
    sys.exit(main())

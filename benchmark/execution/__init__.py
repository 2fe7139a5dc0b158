"""Running model-written code against unit tests, isolated from the harness.

The program is untrusted and may be malicious, so it never runs in the harness process, never sees the
harness environment (API keys), has no network, cannot outlive its limits, and cannot fake a pass.

Process tree. The harness starts a small trusted *supervisor* (``python -I -S -c``, empty environment,
own session). As root, the supervisor enters fresh mount and network namespaces (``unshare(2)``, the
syscall behind ``unshare -n``) and forks the *sandbox* as pid 1 of a fresh pid namespace. The sandbox
sets its rlimits, moves to its scratch directory, drops to an unprivileged uid, closes its copy of the
status pipe and runs the driver, which runs the program and the tests, in the interpreter it inherited:
no second interpreter starts (that would double the cost of a run). The supervisor enforces the wall-clock
limit, then reports the exit code, signal, timeout or setup error on that pipe, which no sandboxed process
ever holds, so the program cannot forge it. A supervisor process is used instead of ``preexec_fn``: it is
single-threaded (``preexec_fn`` may deadlock in a threaded harness), it reports setup failures precisely,
and it can own the pid namespace.

The sandbox's interpreter is a fork of the supervisor's, which holds nothing secret (its configuration:
paths, the uid, the limits, the driver). It offers what ``python -I`` does: the standard library, the
site-packages directories on ``sys.path``, ``exit``, ``quit`` and ``help``, ``sys.argv == ["-c"]``, except
that ``.pth`` files are not run (a package installed in editable mode, such as this harness's own, cannot
be imported) and ``sys.prefix`` names the base installation rather than the virtualenv.

Isolation as root (checked once, cached; ``network_isolated`` records it):

* uid: each concurrent run leases its own uid from ``isolation.SANDBOX_UID_BASE`` (as IOI's ``isolate`` does),
  with no groups. RLIMIT_NPROC counts a uid's processes, so per-run uids make it stop a fork bomb
  without starving concurrent runs. It also keeps the program away from other runs, from files it
  does not own (it cannot delete the harness's files), and from the harness's ``/proc/<pid>/environ``.
  Leases are abstract unix sockets, so they are exclusive across harness processes too.
* pid namespace: when the sandbox (its init) exits or is killed, the kernel kills and reaps everything
  it forked, even processes that called ``setsid``, so nothing outlives a run, and no zombie waits for a
  container's pid 1 to reap it while counting against RLIMIT_NPROC. A fresh ``/proc`` hides the host.
* network namespace: only a loopback interface, and that is down, so no connection reaches anything.
* mount namespace: fresh size-capped tmpfs on ``/tmp``, ``/var/tmp``, ``/dev/shm`` and the scratch directory
  (nothing persists, nothing reaches the host's disk); directories the sandbox uid may not traverse (e.g.
  ``/root`` when Python is installed there) are covered by a root-owned tmpfs in which only the interpreter
  and the scratch directory are bound back.

Budget. rlimits bind each process alone (RLIMIT_AS: 1 GiB per process, so 64 processes could hold 64 GiB), so
each run also gets a control group of its own (`cgroups`), which binds all its processes together, whatever
they spawn: ``memory_bytes`` of memory without swap (default 1 GiB; past it the kernel OOM-kills inside the
group, and the verdict is ``memory``), ``max_processes`` processes and threads (default 64) and ``cpus`` cores
(default 1). The sandbox joins the group before anything else, as root, and cannot leave it; the harness
removes the group after the run, whatever the run's end. All run groups sit in one parent group, capped at a
quarter of the machine's memory and tasks for all sandboxes of all harnesses together, and the default number
of runs at once is what fits in it (`budget`). cgroup v2 is used where its memory and pids controllers are
enabled, else v1 (the cpu controller of either where there is one; else the CPU share is not capped). Where
neither can be used (not root, no controllers, read-only cgroupfs) runs have rlimits only: every result records
``isolation`` (``cgroup`` or ``rlimits``), and the fallback is warned about once per process.

Without namespaces (root lacking CAP_SYS_ADMIN, e.g. a default Docker container) a run still gets its own
uid, its rlimits and a full clean-up (the supervisor kills every process of the uid and reaps them as
subreaper), but no network isolation and no private temp dirs, and the interpreter must be readable by
every user. Not as root, the sandbox keeps the harness's uid: rlimits still apply, but RLIMIT_NPROC then
counts all of that user's processes, processes that leave the process group survive, and the program
can read and delete whatever that user can. Run the benchmark as root in a container.

Verdict. The harness generates a random nonce per run (``secrets.token_hex``) and sends it on stdin with
the sources (``marshal``-encoded); the driver reads stdin to the end before any untrusted code runs, so the
program finds stdin empty, and the nonce is in no argument, environment variable or file. The driver saves
the functions it needs, redirects stdout and stdin to /dev/null, execs the program in a fresh namespace,
then the test source in a copy of that namespace whose builtins are a snapshot taken before the program
ran (patching ``builtins``, ``print`` or ``AssertionError`` changes nothing for ``check``, and the test's
``check`` replaces any the program defined), calls ``check(<entry_point>)``, and only if it returns
writes the nonce to the saved stdout and ends with ``os._exit(0)``. A pass needs exit status 0 *and* the
nonce as the last line of stdout, so ``sys.exit(0)``, ``os._exit(0)`` or printing look-alikes fail.
In-process code can always subvert its own test (an object whose ``__eq__`` is always true, frame
introspection, ``sys.settrace``): that is a grading question, out of reach of any sandbox that runs the
tests next to the program, as HumanEval's do.

Modules: `runner` (``run_tests``: starts the supervisor, feeds the driver, bounds concurrency), `supervisor`
(the trusted supervisor program), `driver` (what runs in the sandbox), `isolation` (uid leases, scratch
directories, mounts), `cgroups` (the control group per run and their parent), `budget` (what all sandboxes may
use together, how many run at once), `limits`, `verdict` (the outcome of a run), `inspect_sandbox` (the driver
in an Inspect sandbox instead, and its compose file, ``compose.yaml``) and `selfcheck` (every HumanEval
canonical solution passes, a broken variant of each fails).
"""

from benchmark.execution.limits import ExecutionLimits
from benchmark.execution.runner import default_max_concurrency, describe_isolation, run_tests, set_max_concurrency
from benchmark.execution.verdict import OUTCOMES, ExecutionResult, Isolation, Outcome

__all__ = [
    "OUTCOMES",
    "ExecutionLimits",
    "ExecutionResult",
    "Isolation",
    "Outcome",
    "default_max_concurrency",
    "describe_isolation",
    "run_tests",
    "set_max_concurrency",
]

// skipper-handler-guard: runs one handler command so that it cannot outlive its runner.
//
//   skipper-handler-guard RUNNER_PID PROGRAM [ARGUMENT ...]
//
// The runner starts every command handler through this guard (with posix_spawn, in a new process
// group G whose id is the guard's pid). The guard forks the handler into G, then moves itself out
// of G into the runner's own group, and waits for whichever comes first:
//   - the handler ends: every process still left in G (a `sleep 60 &` the handler left behind) is
//     killed, and the guard exits as the handler did (same code, or the same signal);
//   - the runner ends, however it ends (SIGKILL, a crash, an OOM kill): the whole of G is killed
//     at once and the guard exits. The runner's executions are rescued and run again elsewhere, so
//     nothing the handler would still do here may happen (two live copies of one execution).
//
// Why a process of its own: the runner is gone when this must happen, so something that outlives
// it has to act, and only a process can watch another one die. PR_SET_PDEATHSIG alone is not
// enough: it reaches only the direct child (not what the handler spawns), it fires when the
// *thread* that forked exits (the runner forks from a pool thread), and posix_spawn, which
// swift-subprocess uses on Linux, offers no hook to set it. The guard is single-threaded, so the
// handler's PR_SET_PDEATHSIG (set below, before exec) is tied to the guard itself: a guard that
// dies for any reason takes its handler with it.
//
// The runner stops a handler by signalling G: SIGKILL at a timeout or a lost claim, SIGTERM then
// SIGKILL after CANCEL_GRACE when an operator cancels the execution. The guard is no longer in G,
// so those signals reach only the handler's processes, and the guard still reports how it ended.
// It ignores the signals a terminal or a service manager sends to the runner's whole group: the
// runner decides when its handlers stop (SHUTDOWN_GRACE), not a Ctrl-C.
//
// Written in C because the guard sits on the path of every handler start: it must start in well
// under a millisecond and must not bring a language runtime of its own.
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

/// Exit status when the guard itself cannot do its job (as a shell reports "cannot execute").
enum { GUARD_FAILURE = 126, EXEC_FAILURE = 127 };

/// The signals sent to a whole process group by terminals and service managers; the guard
/// ignores them, the handler gets their defaults back before exec.
static const int group_signals[] = {SIGINT, SIGQUIT, SIGHUP, SIGTERM, SIGTSTP, SIGTTIN, SIGTTOU};
enum { GROUP_SIGNAL_COUNT = sizeof(group_signals) / sizeof(group_signals[0]) };

static int pidfd_open_or_fail(pid_t pid) { return (int)syscall(SYS_pidfd_open, pid, 0); }

/// Runs in the forked child: default signals, tied to the guard, then the handler's program.
static void exec_handler(pid_t guard, char **argv) {
    for (int i = 0; i < GROUP_SIGNAL_COUNT; i++) signal(group_signals[i], SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != guard) _exit(GUARD_FAILURE);  // the guard died before the line above
    execv(argv[0], argv);
    fprintf(stderr, "cannot run %s: %s\n", argv[0], strerror(errno));
    _exit(EXEC_FAILURE);
}

/// Exits the way the handler did: its exit code, or its signal raised on the guard.
static void exit_like(int status) {
    if (WIFEXITED(status)) _exit(WEXITSTATUS(status));
    if (WIFSIGNALED(status)) {
        int sig = WTERMSIG(status);
        struct rlimit no_core = {0, 0};
        setrlimit(RLIMIT_CORE, &no_core);  // the handler already dumped its core, if any
        signal(sig, SIG_DFL);
        sigset_t only;
        sigemptyset(&only);
        sigaddset(&only, sig);
        sigprocmask(SIG_UNBLOCK, &only, NULL);
        raise(sig);
        _exit(128 + sig);
    }
    _exit(GUARD_FAILURE);
}

/// Whether the runner is gone: its pidfd is readable, or (without pidfds) the guard was reparented.
static int runner_gone(int runner_fd, pid_t runner, short revents) {
    if (runner_fd >= 0) return (revents & (POLLIN | POLLHUP | POLLERR)) != 0;
    return getppid() != runner;
}

int main(int argc, char **argv) {
    if (argc < 3 || argv[2][0] != '/') {
        fprintf(stderr, "usage: skipper-handler-guard RUNNER_PID /ABSOLUTE/PROGRAM [ARGUMENT ...]\n");
        return GUARD_FAILURE;
    }
    pid_t runner = (pid_t)strtol(argv[1], NULL, 10);
    for (int i = 0; i < GROUP_SIGNAL_COUNT; i++) signal(group_signals[i], SIG_IGN);
    if (getppid() != runner) return GUARD_FAILURE;  // started by someone else, or the runner is already gone
    // A pidfd becomes readable when the process ends (Linux 5.3+); without one, poll the parent.
    int runner_fd = pidfd_open_or_fail(runner);
    if (runner_fd < 0 && errno == ESRCH) return GUARD_FAILURE;

    pid_t guard = getpid();
    pid_t handler = fork();
    if (handler < 0) {
        fprintf(stderr, "skipper-handler-guard: cannot fork: %s\n", strerror(errno));
        return GUARD_FAILURE;
    }
    if (handler == 0) exec_handler(guard, argv + 2);

    // Leave the handler's group so that signals to it (and the final sweep) spare the guard. The
    // runner's group is in the same session; if the move fails the guard stays, and skips the sweep.
    pid_t handler_group = getpgrp();
    int left_group = setpgid(0, getpgid(runner)) == 0;
    int handler_fd = pidfd_open_or_fail(handler);

    for (;;) {
        struct pollfd fds[2] = {{.fd = runner_fd, .events = POLLIN}, {.fd = handler_fd, .events = POLLIN}};
        int polling = runner_fd >= 0 && handler_fd >= 0;
        int ready = poll(fds, 2, polling ? -1 : 100);
        if (ready < 0 && errno != EINTR) break;
        int status;
        pid_t ended = waitpid(handler, &status, WNOHANG);
        if (ended == handler) {
            if (left_group) kill(-handler_group, SIGKILL);
            exit_like(status);
        }
        if (runner_gone(runner_fd, runner, fds[0].revents)) {
            if (left_group) kill(-handler_group, SIGKILL);
            else kill(handler, SIGKILL);
            waitpid(handler, &status, 0);
            _exit(GUARD_FAILURE);
        }
    }
    kill(left_group ? -handler_group : handler, SIGKILL);
    return GUARD_FAILURE;
}

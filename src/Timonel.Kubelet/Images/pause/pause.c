/* The pause process of Timonel's sandbox image: PID 1 of every pod. It holds the pod's namespaces
 * open, reaps the zombies that other processes in the pod's PID namespace leave to it, and exits
 * with status 0 on SIGTERM or SIGINT. Written for
 * Timonel; compiled statically so the image needs no libc. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t stop_requested;

static void on_stop(int signo) {
  (void)signo;
  stop_requested = 1;
}

static void on_child(int signo) {
  (void)signo;
  int saved = errno;
  while (waitpid(-1, NULL, WNOHANG) > 0) {
  }
  errno = saved;
}

static int install(int signo, void (*handler)(int)) {
  struct sigaction action;
  memset(&action, 0, sizeof action);
  action.sa_handler = handler;
  sigemptyset(&action.sa_mask);
  action.sa_flags = signo == SIGCHLD ? SA_NOCLDSTOP | SA_RESTART : 0;
  return sigaction(signo, &action, NULL);
}

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "-v") == 0) {
    puts("timonel-pause 1");
    return 0;
  }
  if (getpid() != 1) {
    fprintf(stderr, "timonel-pause: warning: not PID 1, zombies of others are not mine to reap\n");
  }
  if (install(SIGTERM, on_stop) || install(SIGINT, on_stop) || install(SIGCHLD, on_child)) {
    perror("timonel-pause: sigaction");
    return 1;
  }
  while (!stop_requested) {
    pause();
  }
  return 0;
}

/* main.c - dynapc's entry point: parse the command line, build the
 * machine, run it, report. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <signal.h>

#include "devices/machine.h"
#include "ui/options.h"

/* The only process-wide state: set from signal handlers, which can reach
 * nothing else.  SIGINT/SIGTERM end the run through the main loop, so logs
 * are flushed and disk images closed as on a normal exit. */
static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

int main(int argc, char **argv)
{
    struct options o;
    char err[512];
    switch (options_parse(argc, argv, &o, err, sizeof err)) {
    case OPT_EXIT_OK:
        options_free(&o);
        return 0;
    case OPT_ERROR:
        fprintf(stderr, "dynapc: %s\n", err);
        options_free(&o);
        return 2;
    case OPT_RUN:
        break;
    }
    FILE *log = stderr;
    if (o.log_file) {
        log = fopen(o.log_file, "w");
        if (!log) {
            fprintf(stderr, "dynapc: -D %s: %s\n", o.log_file, strerror(errno));
            return 2;
        }
    }
    o.cfg.log = log;
    struct machine *m = calloc(1, sizeof *m);
    if (!m) {
        fprintf(stderr, "dynapc: out of memory\n");
        return 2;
    }
    if (machine_init(m, &o.cfg, err, sizeof err)) {
        fprintf(stderr, "dynapc: %s\n", err);
        machine_destroy(m);
        free(m);
        return 2;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    m->stop = &stop_requested;
    int status = machine_run(m);
    if (o.cfg.print_stats)
        cpu_print_stats(m->cpu, log, m->run_seconds);
    machine_destroy(m);
    free(m);
    if (log != stderr)
        fclose(log);
    options_free(&o);
    return status;
}

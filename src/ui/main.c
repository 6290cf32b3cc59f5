/* main.c - dynapc's entry point: parse the command line, build the
 * machine, run it, report. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <signal.h>
#include <unistd.h>

#include "devices/machine.h"
#include "ui/keymap.h"
#include "ui/monitor.h"
#include "ui/options.h"
#include "ui/script.h"

/* The only process-wide state: set from signal handlers, which can reach
 * nothing else.  SIGINT/SIGTERM end the run through the main loop, so logs
 * are flushed and disk images closed as on a normal exit. */
static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

/* run slices between looks at the script, the monitor and the key queue:
 * short while keys are being typed, so that each reaches the guest soon
 * after it has taken the previous one */
#define SLICE_SECONDS        0.01
#define TYPING_SLICE_SECONDS 0.002

/* The loop for --script and -monitor: the machine runs in short slices, and
 * between them the monitor reads its input, the script runs what it can and
 * the key queue feeds the keyboard.  Returns the exit status. */
static int run_interactive(struct machine *m, struct script_run *run, struct monitor *mon,
                           struct key_queue *keys)
{
    bool scripting = run != NULL;
    for (;;) {
        if (mon) {
            monitor_poll(mon, m, monitor_stopped(mon) ? 50 : 0);
            if (monitor_quit_requested(mon))
                return 0;
            if (monitor_stopped(mon)) {
                if (stop_requested)
                    return 0;
                continue;
            }
        }
        if (scripting) {
            int status;
            enum script_state st = script_poll(run, m, &status);
            if (st == SCRIPT_EXIT)
                return status;
            if (st == SCRIPT_DONE)
                scripting = false;
        }
        key_queue_poll(keys, m);
        if (machine_run_for(m, key_queue_idle(keys) ? SLICE_SECONDS : TYPING_SLICE_SECONDS)) {
            if (scripting && !stop_requested)
                fprintf(stderr, "dynapc: %s:%d: the guest exited (status %d) before the script ended\n",
                        run->s->name, script_current_line(run), m->exit_status);
            return m->exit_status;
        }
    }
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
    /* the whole script is checked before the guest starts */
    struct script script = {0};
    if (o.script && script_load(&script, o.script, err, sizeof err)) {
        fprintf(stderr, "dynapc: %s\n", err);
        options_free(&o);
        return 2;
    }
    FILE *log = stderr;
    if (o.log_file) {
        log = fopen(o.log_file, "w");
        if (!log) {
            fprintf(stderr, "dynapc: -D %s: %s\n", o.log_file, strerror(errno));
            script_free(&script);
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
        script_free(&script);
        return 2;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    m->stop = &stop_requested;
    int status;
    if (o.script || o.monitor_stdio) {
        struct key_queue *keys = key_queue_new();
        struct monitor *mon = o.monitor_stdio && keys ? monitor_new(STDIN_FILENO, stdout, keys) : NULL;
        struct script_run run;
        bool ready = keys && (mon || !o.monitor_stdio);
        if (!ready) {
            fprintf(stderr, "dynapc: out of memory\n");
            status = 2;
        } else if (o.script && script_run_init(&run, &script, m, keys, err, sizeof err)) {
            fprintf(stderr, "dynapc: %s\n", err);
            status = 2;
        } else {
            if (mon)
                monitor_start(mon);
            status = run_interactive(m, o.script ? &run : NULL, mon, keys);
            if (o.script)
                script_run_destroy(&run, m);
        }
        monitor_free(mon);
        key_queue_free(keys);
    } else {
        status = machine_run(m);
    }
    if (o.cfg.print_stats)
        cpu_print_stats(m->cpu, log, m->run_seconds);
    machine_destroy(m);
    free(m);
    if (log != stderr)
        fclose(log);
    script_free(&script);
    options_free(&o);
    return status;
}

/* main.c - dynapc's entry point: parse the command line, build the
 * machine, run it, report.
 *
 * With the window (-display sdl) there are two threads: the main thread
 * runs SDL (sdl_display.c: events, texture upload, presenting), and a
 * second one runs the machine with the script, the monitor and the frame
 * pump below.  They share only a display_link (display.h). */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <signal.h>
#include <unistd.h>

#include "devices/machine.h"
#include "devices/ps2kbd.h"
#include "devices/ps2mouse.h"
#include "devices/vga.h"
#include "ui/display.h"
#include "ui/keymap.h"
#include "ui/monitor.h"
#include "ui/mux.h"
#include "ui/options.h"
#include "ui/script.h"
#include "ui/sdl_display.h"

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
/* the title's statistics */
#define STATUS_SECONDS 1.0
/* how long the title says where a screenshot went */
#define MESSAGE_SECONDS 10.0

/* what the run loop drives besides the machine; NULL members are absent */
struct emu {
    struct machine *m;
    struct script_run *run;
    struct monitor *mon;
    struct key_queue *keys;
    struct mux *mux;
    struct display_link *link;
    int status; /* the exit status, once the loop has ended */
    /* the frame pump */
    bool aspect_4_3;
    double next_frame;
    uint64_t sent_serial; /* vga_frame.serial of the last frame handed over */
    bool sent_any;
    /* the title */
    struct display_status st;
    double st_time, st_cpu, msg_until;
    uint64_t st_insns;
    bool monitor_started;
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double thread_cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* the name the title shows: the file the machine boots */
static const char *machine_name(const struct machine_config *c)
{
    const char *path = c->kernel;
    for (int i = 0; !path && i < 2; i++)
        path = c->fd[i];
    for (int i = 0; !path && i < 4; i++)
        path = c->hd[i];
    if (!path)
        return "PC";
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

static void set_message(struct emu *e, const char *msg)
{
    snprintf(e->st.message, sizeof e->st.message, "%s", msg);
    e->msg_until = now_s() + MESSAGE_SECONDS;
    display_link_put_status(e->link, &e->st);
}

/* Ctrl+Alt+S: the same unscaled image as screendump FILE.png, into the
 * working directory under a name that is not taken yet */
static void screenshot(struct emu *e)
{
    time_t t = time(NULL);
    struct tm tm;
    localtime_r(&t, &tm);
    char stamp[32], name[64], msg[256], err[512];
    strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
    int fd = -1;
    for (int n = 1; fd < 0 && n < 1000; n++) {
        if (n == 1)
            snprintf(name, sizeof name, "dynapc-%s.png", stamp);
        else
            snprintf(name, sizeof name, "dynapc-%s-%d.png", stamp, n);
        fd = open(name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd < 0 && errno != EEXIST)
            break;
    }
    if (fd < 0) {
        snprintf(msg, sizeof msg, "screenshot: %s: %s", name, strerror(errno));
        set_message(e, msg);
        return;
    }
    close(fd);
    if (screen_dump(e->m->vga, name, err, sizeof err)) {
        unlink(name);
        snprintf(msg, sizeof msg, "screenshot: %.200s", err);
    } else {
        char cwd[512];
        snprintf(msg, sizeof msg, "saved %.150s/%s", getcwd(cwd, sizeof cwd) ? cwd : ".", name);
    }
    set_message(e, msg);
}

/* Input from the window.  Returns true if the window was closed. */
static bool drain_display(struct emu *e)
{
    struct display_event ev;
    while (display_link_pop(e->link, &ev)) {
        switch (ev.kind) {
        case DISPLAY_EV_KEY:
            /* paced like typed text: keys that piled up while this thread
             * did not run (a loaded host) would overrun the keyboard's
             * 16-code buffer if handed over at once */
            if (e->m->ps2kbd && key_queue_key(e->keys, ev.a, ev.b != 0))
                ps2kbd_key(e->m->ps2kbd, ev.a, ev.b != 0);
            break;
        case DISPLAY_EV_MOUSE:
            if (e->m->ps2mouse)
                ps2mouse_event(e->m->ps2mouse, ev.a, ev.b, ev.c, ev.buttons);
            break;
        case DISPLAY_EV_SCREENSHOT:
            screenshot(e);
            break;
        case DISPLAY_EV_QUIT:
            return true;
        }
    }
    return false;
}

/* Once per guest frame (its vertical rate): render, and hand the window
 * the rows that changed.  vga_render() does no work for an unchanged
 * screen.  A screendump (monitor, script, Ctrl+Alt+S) renders too and may
 * take a change first: vga_frame.serial then says the window missed one,
 * and it gets the whole frame. */
static void pump_frame(struct emu *e)
{
    double now = now_s();
    if (now < e->next_frame)
        return;
    double period = (double)vga_frame_period_ns(e->m->vga) / 1e9;
    e->next_frame += period;
    if (e->next_frame < now)
        e->next_frame = now + period;
    struct vga_frame f;
    vga_render(e->m->vga, &f);
    if (!f.pixels || (e->sent_any && f.serial == e->sent_serial))
        return;
    struct display_frame df = {f.pixels, f.width, f.height, 0, f.height, 0, 0};
    if (e->sent_any && f.dirty && f.serial == e->sent_serial + 1) {
        df.y0 = f.dirty_y0;
        df.y1 = f.dirty_y1;
    }
    vga_display_size(e->m->vga, e->aspect_4_3, &df.disp_w, &df.disp_h);
    if (display_link_put_frame(e->link, &df) == 0) {
        e->sent_serial = f.serial;
        e->sent_any = true;
    }
}

/* the title's numbers, once a second */
static void pump_status(struct emu *e, bool paused)
{
    double now = now_s();
    if (now - e->st_time < STATUS_SECONDS && paused == e->st.paused)
        return;
    uint64_t insns = cpu_stats(e->m->cpu)->insns;
    double cpu = thread_cpu_s(), dt = now - e->st_time;
    if (dt > 0) {
        e->st.mips = (double)(insns - e->st_insns) / dt / 1e6;
        e->st.busy = (cpu - e->st_cpu) / dt;
        if (e->st.busy > 1.0)
            e->st.busy = 1.0;
    }
    e->st.paused = paused;
    e->st_time = now;
    e->st_cpu = cpu;
    e->st_insns = insns;
    if (e->st.message[0] && now >= e->msg_until)
        e->st.message[0] = 0;
    display_link_put_status(e->link, &e->st);
}

/* the monitor's turn; returns true if it stopped the guest */
static bool poll_monitor(struct emu *e)
{
    bool stopped = monitor_stopped(e->mon);
    int wait_ms = stopped ? 50 : 0;
    if (e->mux) {
        switch (mux_poll(e->mux, wait_ms)) {
        case MUX_QUIT:
            machine_request_exit(e->m, 0);
            break;
        case MUX_TO_MONITOR:
            if (!e->monitor_started)
                monitor_start(e->mon);
            else
                monitor_prompt(e->mon);
            e->monitor_started = true;
            break;
        default:
            break;
        }
        wait_ms = 0;
    }
    monitor_poll(e->mon, e->m, wait_ms);
    return monitor_stopped(e->mon);
}

/* The loop for --script, -monitor, -nographic and the window: the machine
 * runs in short slices, and between them the monitor reads its input, the
 * script runs what it can, the key queue feeds the keyboard, the window's
 * input is delivered and its frame rendered.  Returns the exit status. */
static int run_interactive(struct emu *e)
{
    struct machine *m = e->m;
    bool scripting = e->run != NULL;
    double now = now_s();
    e->next_frame = now;
    e->st_time = now;
    e->st_cpu = thread_cpu_s();
    e->st_insns = cpu_stats(m->cpu)->insns;
    for (;;) {
        if (e->mon) {
            bool stopped = poll_monitor(e);
            if (monitor_quit_requested(e->mon) || m->exit_requested)
                return m->exit_requested ? m->exit_status : 0;
            if (stopped) {
                if (stop_requested)
                    return 0;
                if (e->link) {
                    if (drain_display(e))
                        return 0;
                    pump_status(e, true);
                }
                continue;
            }
        }
        if (scripting) {
            int status;
            enum script_state st = script_poll(e->run, m, &status);
            if (st == SCRIPT_EXIT)
                return status;
            if (st == SCRIPT_DONE)
                scripting = false;
        }
        if (e->link && drain_display(e))
            return 0;
        key_queue_poll(e->keys, m);
        double slice = key_queue_idle(e->keys) ? SLICE_SECONDS : TYPING_SLICE_SECONDS;
        if (e->link) {
            double to_frame = e->next_frame - now_s();
            if (to_frame < slice)
                slice = to_frame > 0.001 ? to_frame : 0.001;
        }
        if (machine_run_for(m, slice)) {
            if (scripting && !stop_requested)
                fprintf(stderr, "dynapc: %s:%d: the guest exited (status %d) before the script ended\n",
                        e->run->s->name, script_current_line(e->run), m->exit_status);
            return m->exit_status;
        }
        if (e->link) {
            pump_frame(e);
            pump_status(e, false);
        }
    }
}

static void *emulator_thread(void *opaque)
{
    struct emu *e = opaque;
    e->status = run_interactive(e);
    e->st.ended = true;
    display_link_put_status(e->link, &e->st);
    return NULL;
}

/* -display: the window, or NULL for none.  Returns -1 (after one line on
 * stderr) if -display sdl was asked for and no window can be opened. */
static int open_display(const struct options *o, const struct machine_config *c, struct sdl_display **out)
{
    *out = NULL;
    if (o->display == DISPLAY_CHOICE_NONE)
        return 0;
    char err[512];
    struct sdl_display_config dc = {
        .name = machine_name(c),
        .full_screen = o->full_screen,
        .aspect_4_3 = o->aspect_4_3,
    };
    if (o->display == DISPLAY_CHOICE_DEFAULT && !sdl_display_available()) {
        fprintf(stderr, "dynapc: no display ($DISPLAY and $WAYLAND_DISPLAY are unset): running without a "
                        "window, as -display none\n");
        return 0;
    }
    *out = sdl_display_open(&dc, err, sizeof err);
    if (*out)
        return 0;
    if (o->display == DISPLAY_CHOICE_SDL) {
        fprintf(stderr, "dynapc: -display sdl: cannot open a window: %s\n", err);
        return -1;
    }
    fprintf(stderr, "dynapc: cannot open a window (%s): running as -display none\n", err);
    return 0;
}

/* the machine with whatever drives it; returns the exit status */
static int run(struct machine *m, const struct options *o, struct script *script, struct mux *mux,
               struct sdl_display *win)
{
    if (!o->script && !o->monitor_stdio && !mux && !win)
        return machine_run(m);
    char err[512];
    struct emu e = {.m = m, .mux = mux, .aspect_4_3 = o->aspect_4_3};
    struct script_run run;
    int status = 2;
    e.keys = key_queue_new();
    bool want_monitor = o->monitor_stdio || mux;
    if (e.keys && want_monitor)
        e.mon = monitor_new(mux ? mux_monitor_fd(mux) : STDIN_FILENO, stdout, e.keys);
    if (!e.keys || (want_monitor && !e.mon)) {
        fprintf(stderr, "dynapc: out of memory\n");
        goto out;
    }
    if (o->script && script_run_init(&run, script, m, e.keys, err, sizeof err)) {
        fprintf(stderr, "dynapc: %s\n", err);
        goto out;
    }
    e.run = o->script ? &run : NULL;
    if (e.mon && !mux) {
        monitor_start(e.mon);
        e.monitor_started = true;
    }
    if (win) {
        e.link = sdl_display_link(win);
        pthread_t th;
        if (pthread_create(&th, NULL, emulator_thread, &e)) {
            fprintf(stderr, "dynapc: cannot start the emulator thread: %s\n", strerror(errno));
        } else {
            bool shown = sdl_display_run(win);
            pthread_join(th, NULL);
            status = e.status;
            if (!shown) {
                const char *x = getenv("DISPLAY");
                fprintf(stderr,
                        "dynapc: -display sdl: the display server (DISPLAY=%s) closed the connection\n",
                        x ? x : "");
                status = 1;
            }
        }
    } else {
        status = run_interactive(&e);
    }
    if (e.run)
        script_run_destroy(&run, m);
out:
    monitor_free(e.mon);
    key_queue_free(e.keys);
    return status;
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
    /* before the machine: its COM1 chardev reads the standard input the
     * multiplexer sets up */
    struct mux *mux = NULL;
    if (o.mux_stdio && !(mux = mux_new(err, sizeof err))) {
        fprintf(stderr, "dynapc: %s\n", err);
        script_free(&script);
        return 2;
    }
    struct machine *m = calloc(1, sizeof *m);
    if (!m) {
        fprintf(stderr, "dynapc: out of memory\n");
        mux_free(mux);
        return 2;
    }
    struct sdl_display *win = NULL;
    int bad = machine_init(m, &o.cfg, err, sizeof err);
    if (bad)
        fprintf(stderr, "dynapc: %s\n", err);
    if (bad || open_display(&o, &o.cfg, &win)) {
        machine_destroy(m);
        free(m);
        mux_free(mux);
        script_free(&script);
        return 2;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    m->stop = &stop_requested;
    int status = run(m, &o, &script, mux, win);
    sdl_display_close(win);
    if (o.cfg.print_stats)
        cpu_print_stats(m->cpu, log, m->run_seconds);
    machine_destroy(m);
    free(m);
    mux_free(mux);
    if (log != stderr)
        fclose(log);
    script_free(&script);
    options_free(&o);
    return status;
}

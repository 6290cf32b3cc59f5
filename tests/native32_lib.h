/* native32_lib.h - what the host oracles' 32-bit helpers (oracle_native32,
 * x87_native32) share: pages at the fixed addresses the snippets use, and
 * the signal handlers that turn a snippet's fault into a report. */
#ifndef DYNAPC_TESTS_NATIVE32_LIB_H
#define DYNAPC_TESTS_NATIVE32_LIB_H

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

/* size bytes at addr, or the program ends (exit 3) naming who could not */
static inline void *native_map_at(const char *who, uint32_t addr, uint32_t size, int prot)
{
    void *p =
        mmap((void *)(uintptr_t)addr, size, prot, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    if (p != (void *)(uintptr_t)addr) {
        fprintf(stderr, "%s: cannot map a page at %#x\n", who, addr);
        exit(3);
    }
    return p;
}

/* on_fault handles every exception a snippet can raise, on its own stack
 * (the snippet's ESP is anything) and again inside itself (SA_NODEFER: it
 * leaves by rewriting EIP, not by returning through sigreturn's mask);
 * 0, or -1 after saying why */
static inline int native_trap_faults(const char *who, void (*on_fault)(int, siginfo_t *, void *))
{
    static uint8_t altstack[1 << 16];
    stack_t ss = {.ss_sp = altstack, .ss_size = sizeof altstack};
    if (sigaltstack(&ss, NULL) != 0) {
        fprintf(stderr, "%s: sigaltstack: %s\n", who, strerror(errno));
        return -1;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_fault;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    static const int sigs[] = {SIGFPE, SIGSEGV, SIGILL, SIGBUS, SIGTRAP};
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
        sigaction(sigs[i], &sa, NULL);
    return 0;
}

#endif

/* oracle_native32.c - the host half of the host-CPU oracle (see
 * oracle_gen.h): a 32-bit program that runs each snippet it reads on stdin
 * on the real CPU and writes the registers, EFLAGS and the scratch bytes it
 * ends with to stdout.
 *
 * The scratch pages, the code page and a control block are mapped at fixed
 * addresses, the ones dynapc uses, so that pointers in registers mean the
 * same on both sides.  A small trampoline saves the C registers, loads the
 * snippet's EFLAGS and all eight GPRs (ESP included) from the control block
 * and jumps to the code; the snippet ends with JMP [exit] back into the
 * trampoline, which stores the registers and EFLAGS and returns to C.
 * Faults (#DE from DIV, and anything a broken snippet does) arrive as
 * signals on an alternate stack; the handler records the vector and the
 * faulting EIP and resumes at the trampoline's exit with the registers as
 * the fault left them. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* REG_EIP, REG_TRAPNO */
#endif
#include "oracle_gen.h"

#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>

#include "native32_lib.h"
#include <unistd.h>

#if !defined(__i386__)
#error "oracle_native32.c is a 32-bit x86 program (built with -m32)"
#endif

/* the control block at ORACLE_NATIVE_CTL; the trampoline addresses its
 * fields as absolute constants (no relocations, so PIE does not matter) */
struct native_ctl {
    uint32_t in[8];      /* 0x00 */
    uint32_t in_eflags;  /* 0x20 */
    uint32_t pad[7];     /* 0x24 */
    uint32_t out[8];     /* 0x40 */
    uint32_t out_eflags; /* 0x60 */
    uint32_t host_esp;   /* 0x64 */
    uint32_t exit_addr;  /* 0x68 */
    uint32_t entry_addr; /* 0x6C */
    uint32_t fault;      /* 0x70 */
    uint32_t fault_eip;  /* 0x74 */
};
#define CTL_BASE "0x10030000"
_Static_assert(ORACLE_NATIVE_CTL == 0x10030000u, "CTL_BASE");
_Static_assert(offsetof(struct native_ctl, in_eflags) == 0x20, "ctl layout");
_Static_assert(offsetof(struct native_ctl, out) == 0x40, "ctl layout");
_Static_assert(offsetof(struct native_ctl, host_esp) == 0x64, "ctl layout");
_Static_assert(offsetof(struct native_ctl, exit_addr) == 0x68, "ctl layout");
_Static_assert(offsetof(struct native_ctl, entry_addr) == 0x6C, "ctl layout");

void oracle_native_enter(void);
extern char oracle_native_exit[];

/* cdecl; EBX ESI EDI EBP are restored, DF is cleared as the ABI wants */
__asm__(".text\n"
        ".globl oracle_native_enter\n"
        ".type oracle_native_enter, @function\n"
        "oracle_native_enter:\n"
        "    pushl %ebp\n"
        "    pushl %ebx\n"
        "    pushl %esi\n"
        "    pushl %edi\n"
        "    movl %esp, " CTL_BASE "+0x64\n"
        "    pushl " CTL_BASE "+0x20\n"
        "    popfl\n"
        "    movl " CTL_BASE "+0x00, %eax\n"
        "    movl " CTL_BASE "+0x04, %ecx\n"
        "    movl " CTL_BASE "+0x08, %edx\n"
        "    movl " CTL_BASE "+0x0C, %ebx\n"
        "    movl " CTL_BASE "+0x14, %ebp\n"
        "    movl " CTL_BASE "+0x18, %esi\n"
        "    movl " CTL_BASE "+0x1C, %edi\n"
        "    movl " CTL_BASE "+0x10, %esp\n"
        "    jmp *" CTL_BASE "+0x6C\n"
        ".globl oracle_native_exit\n"
        "oracle_native_exit:\n"
        "    movl %eax, " CTL_BASE "+0x40\n"
        "    movl %ecx, " CTL_BASE "+0x44\n"
        "    movl %edx, " CTL_BASE "+0x48\n"
        "    movl %ebx, " CTL_BASE "+0x4C\n"
        "    movl %esp, " CTL_BASE "+0x50\n"
        "    movl %ebp, " CTL_BASE "+0x54\n"
        "    movl %esi, " CTL_BASE "+0x58\n"
        "    movl %edi, " CTL_BASE "+0x5C\n"
        "    movl " CTL_BASE "+0x64, %esp\n"
        "    pushfl\n"
        "    popl " CTL_BASE "+0x60\n"
        "    cld\n"
        "    popl %edi\n"
        "    popl %esi\n"
        "    popl %ebx\n"
        "    popl %ebp\n"
        "    ret\n"
        ".size oracle_native_enter, .-oracle_native_enter\n");

static struct native_ctl *const ctl = (struct native_ctl *)ORACLE_NATIVE_CTL;

static void on_fault(int sig, siginfo_t *si, void *ucv)
{
    ucontext_t *uc = ucv;
    greg_t *gr = uc->uc_mcontext.gregs;
    uint32_t eip = (uint32_t)gr[REG_EIP];
    (void)si;
    if (eip - ORACLE_CODE >= 0x1000) {
        /* not in a snippet: a bug here; let the default action report it */
        signal(sig, SIG_DFL);
        return;
    }
    ctl->fault = (uint32_t)gr[REG_TRAPNO] + 1;
    ctl->fault_eip = eip;
    gr[REG_EIP] = (greg_t)(uintptr_t)oracle_native_exit;
}

int main(void)
{
    uint8_t *scratch =
        (uint8_t *)native_map_at("oracle_native32", ORACLE_DATA_PAGES, 0x2000, PROT_READ | PROT_WRITE) +
        (ORACLE_SCRATCH - ORACLE_DATA_PAGES);
    uint8_t *code = native_map_at("oracle_native32", ORACLE_CODE, 0x1000, PROT_READ | PROT_WRITE | PROT_EXEC);
    native_map_at("oracle_native32", ORACLE_NATIVE_CTL, 0x1000, PROT_READ | PROT_WRITE);

    if (native_trap_faults("oracle_native32", on_fault) != 0)
        return 3;

    static char outbuf[1 << 16];
    setvbuf(stdout, outbuf, _IOFBF, sizeof outbuf);
    ctl->exit_addr = (uint32_t)(uintptr_t)oracle_native_exit;
    ctl->entry_addr = ORACLE_CODE;

    struct oracle_req rq;
    while (fread(&rq, sizeof rq, 1, stdin) == 1) {
        if ((rq.cmd != ORACLE_CMD_RUN && rq.cmd != ORACLE_CMD_RUN_FLUSH) || rq.code_len > ORACLE_CODE_MAX) {
            fprintf(stderr, "oracle_native32: bad request (cmd %#x, %u code bytes)\n", rq.cmd, rq.code_len);
            return 2;
        }
        memcpy(code, rq.code, rq.code_len);
        /* JMP DWORD PTR [exit_addr] (FF /4, mod 00 rm 101: disp32): no flag changes */
        uint8_t *p = code + rq.code_len;
        uint32_t slot = ORACLE_NATIVE_CTL + (uint32_t)offsetof(struct native_ctl, exit_addr);
        p[0] = 0xFF;
        p[1] = 0x25;
        memcpy(p + 2, &slot, 4);
        memcpy(scratch, rq.mem, ORACLE_SCRATCH_SIZE);
        memcpy(ctl->in, rq.regs, sizeof ctl->in);
        ctl->in_eflags = (rq.eflags & (ORACLE_ARITH | ORACLE_DF)) | 0x202;
        ctl->fault = 0;
        ctl->fault_eip = 0;

        oracle_native_enter();

        struct oracle_res res;
        memset(&res, 0, sizeof res);
        memcpy(res.regs, ctl->out, sizeof res.regs);
        res.eflags = ctl->out_eflags;
        res.fault = ctl->fault;
        res.fault_eip = ctl->fault_eip;
        memcpy(res.mem, scratch, ORACLE_SCRATCH_SIZE);
        if (fwrite(&res, sizeof res, 1, stdout) != 1)
            return 2;
        if (rq.cmd == ORACLE_CMD_RUN_FLUSH)
            fflush(stdout);
    }
    fflush(stdout);
    return 0;
}

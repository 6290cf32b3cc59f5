/* x87_native32.c - the host half of the x87 oracle (see x87_oracle.h): a
 * 32-bit program that runs each snippet it reads on stdin on the host's x87
 * and answers with the FNSAVE image, EAX, EFLAGS and the scratch bytes.
 *
 * The snippet begins with FRSTOR [X87O_IMG_IN] and ends with a jump back to
 * the trampoline, which stores the FPU with FNSAVE (no wait, so a pending
 * exception stays pending in the image).  An unmasked exception raises #MF
 * (SIGFPE) at the next waiting instruction: the handler records the vector
 * and EIP and resumes at the trampoline's exit; the kernel gives the FPU
 * back as the fault left it. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* REG_EIP, REG_TRAPNO */
#endif
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>

#include "native32_lib.h"

#include "x87_oracle.h"

#if !defined(__i386__)
#error "x87_native32.c is a 32-bit x86 program (built with -m32)"
#endif

struct native_ctl {
    uint32_t eax, ebx, eflags; /* 0x00 in */
    uint32_t out_eax;          /* 0x0C */
    uint32_t out_eflags;       /* 0x10 */
    uint32_t host_esp;         /* 0x14 */
    uint32_t exit_addr;        /* 0x18 */
    uint32_t entry_addr;       /* 0x1C */
    uint32_t fault, fault_eip; /* 0x20 */
};
#define CTL "0x10030000"
_Static_assert(X87O_CTL == 0x10030000u, "CTL");
_Static_assert(offsetof(struct native_ctl, host_esp) == 0x14, "ctl layout");
_Static_assert(offsetof(struct native_ctl, exit_addr) == 0x18, "ctl layout");
_Static_assert(offsetof(struct native_ctl, entry_addr) == 0x1C, "ctl layout");

void x87_native_enter(void);
extern char x87_native_exit[];

__asm__(".text\n"
        ".globl x87_native_enter\n"
        ".type x87_native_enter, @function\n"
        "x87_native_enter:\n"
        "    pushl %ebp\n"
        "    pushl %ebx\n"
        "    pushl %esi\n"
        "    pushl %edi\n"
        "    movl %esp, " CTL "+0x14\n"
        "    pushl " CTL "+0x08\n"
        "    popfl\n"
        "    movl " CTL "+0x00, %eax\n"
        "    movl " CTL "+0x04, %ebx\n"
        "    movl $0x10010800, %esp\n"
        "    jmp *" CTL "+0x1C\n"
        ".globl x87_native_exit\n"
        "x87_native_exit:\n"
        "    fnsave 0x1000F100\n"
        "    movl %eax, " CTL "+0x0C\n"
        "    pushfl\n"
        "    popl " CTL "+0x10\n"
        "    movl " CTL "+0x14, %esp\n"
        "    cld\n"
        "    popl %edi\n"
        "    popl %esi\n"
        "    popl %ebx\n"
        "    popl %ebp\n"
        "    ret\n"
        ".size x87_native_enter, .-x87_native_enter\n");
_Static_assert(X87O_IMG_OUT == 0x1000F100u && X87O_ESP == 0x10010800u, "trampoline constants");

static struct native_ctl *const ctl = (struct native_ctl *)X87O_CTL;

static void on_fault(int sig, siginfo_t *si, void *ucv)
{
    ucontext_t *uc = ucv;
    greg_t *gr = uc->uc_mcontext.gregs;
    uint32_t eip = (uint32_t)gr[REG_EIP];
    (void)si;
    if (eip - X87O_CODE >= 0x1000) {
        signal(sig, SIG_DFL);
        return;
    }
    ctl->fault = (uint32_t)gr[REG_TRAPNO] + 1;
    ctl->fault_eip = eip;
    gr[REG_EIP] = (greg_t)(uintptr_t)x87_native_exit;
}

int main(void)
{
    uint8_t *data = native_map_at("x87_native32", X87O_DATA, 0x2000, PROT_READ | PROT_WRITE);
    uint8_t *scratch = data + (X87O_SCRATCH - X87O_DATA);
    uint8_t *img_in = data + (X87O_IMG_IN - X87O_DATA), *img_out = data + (X87O_IMG_OUT - X87O_DATA);
    uint8_t *code = native_map_at("x87_native32", X87O_CODE, 0x1000, PROT_READ | PROT_WRITE | PROT_EXEC);
    native_map_at("x87_native32", X87O_CTL, 0x1000, PROT_READ | PROT_WRITE);

    if (native_trap_faults("x87_native32", on_fault) != 0)
        return 3;

    static char outbuf[1 << 16];
    setvbuf(stdout, outbuf, _IOFBF, sizeof outbuf);
    ctl->exit_addr = (uint32_t)(uintptr_t)x87_native_exit;
    ctl->entry_addr = X87O_CODE;

    struct x87o_req rq;
    while (fread(&rq, sizeof rq, 1, stdin) == 1) {
        if ((rq.cmd != X87O_CMD_RUN && rq.cmd != X87O_CMD_FLUSH) || rq.code_len > X87O_CODE_MAX) {
            fprintf(stderr, "x87_native32: bad request\n");
            return 2;
        }
        memcpy(code, rq.code, rq.code_len);
        uint8_t *p = code + rq.code_len; /* JMP [exit_addr] */
        uint32_t slot = X87O_CTL + (uint32_t)offsetof(struct native_ctl, exit_addr);
        p[0] = 0xFF;
        p[1] = 0x25;
        memcpy(p + 2, &slot, 4);
        memcpy(scratch, rq.mem, X87O_SCR_SIZE);
        memcpy(img_in, rq.img, X87O_IMG_SIZE);
        memset(img_out, 0, X87O_IMG_SIZE);
        ctl->eax = rq.eax;
        ctl->ebx = rq.ebx;
        ctl->eflags = (rq.eflags & 0x8D5) | 0x202;
        ctl->fault = 0;
        ctl->fault_eip = 0;

        x87_native_enter();

        struct x87o_res res;
        memset(&res, 0, sizeof res);
        res.eax = ctl->out_eax;
        res.eflags = ctl->out_eflags;
        res.fault = ctl->fault;
        res.fault_eip = ctl->fault_eip;
        memcpy(res.img, img_out, X87O_IMG_SIZE);
        memcpy(res.mem, scratch, X87O_SCR_SIZE);
        if (fwrite(&res, sizeof res, 1, stdout) != 1)
            return 2;
        if (rq.cmd == X87O_CMD_FLUSH)
            fflush(stdout);
    }
    fflush(stdout);
    return 0;
}

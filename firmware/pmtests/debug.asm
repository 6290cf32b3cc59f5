; debug.asm - the debug exception: single-step (TF), instruction breakpoints
; and RF, data and I/O breakpoints, the DR7 enables and LEN/RW encodings.
;
; SDM Vol. 3A chapter 17 "Debug, branch profile, TSC, and intel resource
; director technology features": 17.2 "Debug registers" (17.2.3 DR6,
; 17.2.4 DR7, 17.2.5 breakpoint field recognition: LEN and alignment),
; 17.3.1 "Debug exception (#DB)" (17.3.1.1 instruction breakpoints are
; faults, RF; 17.3.1.2 data and I/O breakpoints are traps; 17.3.1.4
; single-step), and 2.5 for CR4.DE.

%define ROM_NAME "debug"
%include "lib.inc"

DR6_B0  equ 1 << 0
DR6_B1  equ 1 << 1
DR6_B2  equ 1 << 2
DR6_B3  equ 1 << 3
DR6_BS  equ 1 << 14
DR6_BITS equ DR6_B0 | DR6_B1 | DR6_B2 | DR6_B3 | DR6_BS
CR4_DE  equ 1 << 3

RW_EXEC equ 0
RW_WRITE equ 1
RW_IO   equ 2
RW_RW   equ 3
LEN_1   equ 0
LEN_2   equ 1
LEN_4   equ 3
; DR7 value enabling breakpoint n (local enable Ln) with its RW and LEN fields
%define DR7_BP(n, rw, len) ((1 << (2 * (n))) | ((rw) << (16 + 4 * (n))) | ((len) << (18 + 4 * (n))))
DR7_GE  equ 1 << 9                      ; exact data breakpoints (recommended)

PORT_BP equ 0x3FF                       ; COM1 scratch register

main:
; ---- single-step (17.3.1.4) -------------------------------------------------------------
        CHECK_BEGIN "TF: #DB after each instruction, EIP of the next one, DR6.BS"
        EXPECT V_DB, NOERR, 0, .r
        mov dword [exc_action], ACT_IRET
        mov dword [exc_hook], hook_clear_dr6
        push dword FL_FIXED | FL_TF
        popfd                           ; sets TF: no trap after the POPF
.s1:    nop
.s2:    mov ebx, 1
.s3:    push dword FL_FIXED
.s4:    popfd                           ; TF=1 when it starts: traps after it
.s5:    call disarm
.r:     CHECK_EQ "events taken", [log_count], 4
        CHECK_EQ "1st #DB: after NOP", [exlog + 0 * ex_size + ex.eip], .s2
        CHECK_EQ "2nd #DB: after MOV", [exlog + 1 * ex_size + ex.eip], .s3
        CHECK_EQ "3rd #DB: after PUSH", [exlog + 2 * ex_size + ex.eip], .s4
        CHECK_EQ "4th #DB: after the POPF that cleared TF", [exlog + 3 * ex_size + ex.eip], .s5
        CHECK_MASK "1st #DB: DR6", [exlog + 0 * ex_size + ex.dr6], DR6_BS, DR6_BITS
        CHECK_MASK "4th #DB: DR6", [exlog + 3 * ex_size + ex.dr6], DR6_BS, DR6_BITS
        CHECK_MASK "pushed EFLAGS.TF", [exlog + 0 * ex_size + ex.efl], FL_TF, FL_TF
        CHECK_MASK "handler runs with TF=0", [exlog + 0 * ex_size + ex.hefl], 0, FL_TF
        CHECK_EQ "EBX after the stepped MOV", [exlog + 2 * ex_size + ex.regs + R_EBX], 1
        CHECK_END

; ---- instruction breakpoints and RF (17.3.1.1) -----------------------------------------
        CHECK_BEGIN "DR0 execute breakpoint: fault before the instruction, DR6.B0, RF resumes"
        mov eax, .bp
        mov dr0, eax
        mov eax, DR7_BP(0, RW_EXEC, LEN_1)
        mov dr7, eax
        EXPECT V_DB, NOERR, 0, .r
        mov dword [exc_action], ACT_IRET
        mov dword [exc_hook], hook_set_rf
        xor ebx, ebx
        mov ecx, 2
.loop:
.bp:    inc ebx                         ; breakpoint: hit on both passes
        loop .loop
        call disarm
.r:     xor eax, eax
        mov dr7, eax
        CHECK_EQ "events taken (one per pass)", [log_count], 2
        CHECK_EQ "1st #DB: EIP of the breakpoint (fault)", [exlog + ex.eip], .bp
        CHECK_EQ "1st #DB: EBX before the INC", [exlog + ex.regs + R_EBX], 0
        CHECK_MASK "1st #DB: DR6", [exlog + ex.dr6], DR6_B0, DR6_BITS
        CHECK_EQ "2nd #DB: EIP of the breakpoint", [exlog + ex_size + ex.eip], .bp
        CHECK_EQ "2nd #DB: EBX before the second INC", [exlog + ex_size + ex.regs + R_EBX], 1
        CHECK_EQ "EBX after the loop (RF let the INC run)", ebx, 2
        CHECK_END

        CHECK_BEGIN "DR7 enables: a breakpoint with L0=G0=0 never fires; G0 alone does"
        mov eax, .bp
        mov dr0, eax
        mov eax, DR7_BP(0, RW_EXEC, LEN_1) & ~3
        mov dr7, eax
        EXPECT V_DB, NOERR, .bp, .r
        mov dword [exc_action], ACT_IRET
        mov dword [exc_hook], hook_set_rf
        mov esi, 0
        nop
.again:
.bp:    nop
        cmp esi, 1
        je .done
        mov eax, (DR7_BP(0, RW_EXEC, LEN_1) & ~3) | 2    ; G0
        mov dr7, eax
        mov esi, 1
        jmp .again
.done:  call disarm
.r:     xor eax, eax
        mov dr7, eax
        CHECK_EQ "events taken (only with G0)", [log_count], 1
        CHECK_EQ "EIP", [exlog + ex.eip], .bp
        CHECK_END

; ---- data breakpoints (17.3.1.2, 17.2.5) -------------------------------------------------
        CHECK_BEGIN "DR1 write breakpoint (LEN 4): trap after the write, DR6.B1; reads ignored"
        mov eax, bp_data
        mov dr1, eax
        mov eax, DR7_BP(1, RW_WRITE, LEN_4) | DR7_GE
        mov dr7, eax
        EXPECT V_DB, NOERR, 0, .r
        mov dword [exc_action], ACT_IRET
        mov dword [exc_hook], hook_clear_dr6
        mov eax, [bp_data]              ; read: no trap
        mov eax, 0x5A5A5A5A
.w:     mov [bp_data], eax
.after: mov ecx, [bp_data]
        call disarm
.r:     xor eax, eax
        mov dr7, eax
        CHECK_EQ "events taken", [log_count], 1
        CHECK_EQ "EIP after the write (trap)", [exlog + ex.eip], .after
        CHECK_MASK "DR6", [exlog + ex.dr6], DR6_B1, DR6_B0 | DR6_B1 | DR6_B2 | DR6_B3
        CHECK_EQ "the write was done", [bp_data], 0x5A5A5A5A
        CHECK_END

        CHECK_BEGIN "DR3 read/write breakpoint (LEN 2 at +2): overlapping accesses trap, others not"
        mov eax, bp_data + 2
        mov dr3, eax
        mov eax, DR7_BP(3, RW_RW, LEN_2) | DR7_GE
        mov dr7, eax
        EXPECT V_DB, NOERR, 0, .r
        mov dword [exc_action], ACT_IRET
        mov dword [exc_hook], hook_clear_dr6
        mov al, [bp_data + 1]           ; no overlap
        mov al, [bp_data + 4]           ; no overlap
.a1:    mov al, [bp_data + 3]           ; overlap
.e1:    mov eax, [bp_data]              ; overlap (bytes 0-3)
.e2:    mov word [bp_data + 2], 7       ; write overlaps
.e3:    call disarm
.r:     xor eax, eax
        mov dr7, eax
        CHECK_EQ "events taken", [log_count], 3
        CHECK_EQ "1st: byte read of +3", [exlog + 0 * ex_size + ex.eip], .e1
        CHECK_EQ "2nd: dword read of +0", [exlog + 1 * ex_size + ex.eip], .e2
        CHECK_EQ "3rd: word write of +2", [exlog + 2 * ex_size + ex.eip], .e3
        CHECK_MASK "DR6", [exlog + ex.dr6], DR6_B3, DR6_B0 | DR6_B1 | DR6_B2 | DR6_B3
        CHECK_END

        ; (LEN 8 is left out: undefined before the NetBurst/Core processors)
        CHECK_BEGIN "DR0 LEN 4 / DR2 LEN 1 write breakpoints: which byte ranges they cover"
        mov eax, bp_data8 + 4
        mov dr0, eax
        mov eax, bp_data8 + 9
        mov dr2, eax
        mov eax, DR7_BP(0, RW_WRITE, LEN_4) | DR7_BP(2, RW_WRITE, LEN_1) | DR7_GE
        mov dr7, eax
        EXPECT V_DB, NOERR, 0, .r
        mov dword [exc_action], ACT_IRET
        mov dword [exc_hook], hook_clear_dr6
        mov byte [bp_data8 + 3], 1      ; neither
        mov byte [bp_data8 + 8], 1      ; neither
        mov byte [bp_data8 + 10], 1     ; neither
.a1:    mov byte [bp_data8 + 7], 1      ; DR0 (bytes 4-7)
.e1:    mov byte [bp_data8 + 9], 1      ; DR2
.e2:    call disarm
.r:     xor eax, eax
        mov dr7, eax
        CHECK_EQ "events taken", [log_count], 2
        CHECK_EQ "1st: byte +7 (LEN 4 at +4)", [exlog + 0 * ex_size + ex.eip], .e1
        CHECK_MASK "1st: DR6.B0", [exlog + 0 * ex_size + ex.dr6], DR6_B0, DR6_B0 | DR6_B2
        CHECK_EQ "2nd: byte +9 (LEN 1)", [exlog + 1 * ex_size + ex.eip], .e2
        CHECK_MASK "2nd: DR6.B2", [exlog + 1 * ex_size + ex.dr6], DR6_B2, DR6_B0 | DR6_B2
        CHECK_END

; ---- I/O breakpoints (CR4.DE, 17.2.4) ----------------------------------------------------
        CHECK_BEGIN "DR2 I/O breakpoint with CR4.DE: trap after OUT/IN to the port, DR6.B2"
        mov eax, cr4
        or eax, CR4_DE
        mov cr4, eax
        mov eax, PORT_BP
        mov dr2, eax
        mov eax, DR7_BP(2, RW_IO, LEN_1)
        mov dr7, eax
        EXPECT V_DB, NOERR, 0, .r
        mov dword [exc_action], ACT_IRET
        mov dword [exc_hook], hook_clear_dr6
        mov dx, PORT_BP - 1
        in al, dx                       ; another port: no trap
        mov dx, PORT_BP
        mov al, 0x42
        out dx, al
.e1:    in al, dx
.e2:    call disarm
.r:     xor eax, eax
        mov dr7, eax
        CHECK_EQ "events taken", [log_count], 2
        CHECK_EQ "1st: after the OUT", [exlog + 0 * ex_size + ex.eip], .e1
        CHECK_MASK "1st: DR6", [exlog + 0 * ex_size + ex.dr6], DR6_B2, DR6_B0 | DR6_B1 | DR6_B2 | DR6_B3
        CHECK_EQ "2nd: after the IN", [exlog + 1 * ex_size + ex.eip], .e2
        CHECK_END

        jmp finish

; hook_clear_dr6: DR6 is sticky; clear it after each logged #DB
hook_clear_dr6:
        xor eax, eax
        mov dr6, eax
        ret

; hook_set_rf: also set RF in the pushed EFLAGS so that IRET re-executes the
; breakpointed instruction without a new #DB (17.3.1.1)
hook_set_rf:
        or dword [esi + 8], FL_RF
        jmp hook_clear_dr6

rom_check_reset:
        xor eax, eax
        mov dr7, eax
        mov dr6, eax
        mov dr0, eax
        mov dr1, eax
        mov dr2, eax
        mov dr3, eax
        mov eax, cr4
        and eax, ~CR4_DE
        mov cr4, eax
        ret

section .data
        align 16
bp_data:        dd 0, 0
        align 16
bp_data8:       times 16 db 0

        ROM_END

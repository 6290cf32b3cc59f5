; v86.asm - virtual-8086 mode, the VME extensions and protected-mode
; virtual interrupts.
;
; SDM Vol. 3A chapter 20 "8086 emulation": 20.2.1 (entering V86 through
; IRET with VM=1), 20.2.5 (the V86 frame, data segments nulled on the way
; out), 20.2.7 (IOPL-sensitive instructions: CLI, STI, PUSHF, POPF, INT n,
; IRET), 20.3 (interrupt handling: table 20-2, the six methods), 20.3.3 (the
; interrupt redirection bitmap), 20.4 "Protected-mode virtual interrupts"
; (CR4.PVI); Vol. 3A 2.3 and 2.5 for VIF, VIP, CR4.VME and CR4.PVI.
;
; The V86 code lives in section .v86 and is copied to V86_BASE; it runs
; with CS = V86_SEG and DS = ES = FS = GS = SS = V86_DSEG.  It leaves V86 mode
; with HLT (always #GP(0) at CPL 3) or with INT RET_VEC when IOPL = 3.

%define ROM_NAME "v86"
%include "lib.inc"

V86_BASE        equ 0x2000              ; linear address of the V86 code
V86_SEG         equ V86_BASE >> 4
V86_DSEG        equ 0x0300              ; data and stack: linear 0x3000
V86_DATA        equ V86_DSEG << 4
V86_SP          equ 0x0F00
VEC_IDT         equ 0x41                ; delivered through the IDT (DPL 3 gate)
VEC_REDIR       equ 0x66                ; redirected to the V86 IVT with VME
CR4_VME         equ 1 << 0
CR4_PVI         equ 1 << 1
REDIR_MAP       equ tss_main + TSS_IOMAP - 32

; V86 data offsets (DS = V86_DSEG)
D_WORD          equ 0x100
D_CS            equ 0x102
D_FL1           equ 0x110
D_FL2           equ 0x112
D_FL3           equ 0x114
D_H_SP          equ 0x130
D_H_IP          equ 0x132
D_H_CS          equ 0x134
D_H_FL          equ 0x136

; V86 ip, eflags: IRET into V86 mode at ip (a .v86 label) with these EFLAGS
%macro V86 2
        push dword %2
        push dword %1
        jmp enter_v86
%endmacro

main:
        ; copy the V86 code below 1 MB
        mov esi, section..v86.start
        mov edi, V86_BASE
        mov ecx, v86_end
        cld
        rep movsb
        ; IVT entry for VEC_REDIR (real-mode style, at linear 0)
        mov word [VEC_REDIR * 4], v86_int66
        mov word [VEC_REDIR * 4 + 2], V86_SEG

; ---- entering and leaving V86 mode (SDM Vol. 3A 20.2) ----------------------------------
        CHECK_BEGIN "IRET with VM=1 enters V86; HLT gives #GP(0) with the V86 frame"
        EXPECT V_GP, 0, v86_basic.hlt, .r
        V86 v86_basic, FL_FIXED
.r:     CHECK_EQ "events taken", [log_count], 1
        CHECK_EQ "vector", [exlog + ex.vec], V_GP
        CHECK_EQ "error code", [exlog + ex.err], 0
        CHECK_EQ "pushed EIP (the HLT)", [exlog + ex.eip], v86_basic.hlt
        CHECK_EQ "pushed CS", [exlog + ex.cs], V86_SEG
        CHECK_MASK "pushed EFLAGS.VM", [exlog + ex.efl], FL_VM, FL_VM
        CHECK_EQ "pushed SS", [exlog + ex.ss], V86_DSEG
        CHECK_EQ "pushed ESP", [exlog + ex.esp], V86_SP
        CHECK_EQ "pushed ES", [exlog + ex.v86es], V86_DSEG
        CHECK_EQ "pushed DS", [exlog + ex.v86ds], V86_DSEG
        CHECK_EQ "pushed FS", [exlog + ex.v86fs], V86_DSEG
        CHECK_EQ "pushed GS", [exlog + ex.v86gs], V86_DSEG
        CHECK_EQ "handler's DS is null", [exlog + ex.ds], 0
        CHECK_EQ "handler's ES is null", [exlog + ex.es], 0
        CHECK_EQ "handler's FS is null", [exlog + ex.fs], 0
        CHECK_EQ "handler's GS is null", [exlog + ex.gs], 0
        CHECK_EQ "frame at TSS.ESP0 - 36", [exlog + ex.frame], tss0_stack_top - 36
        CHECK_EQW "V86 store went to DS*16 + offset", [V86_DATA + D_WORD], 0x1234
        CHECK_EQW "CS read in V86 mode", [V86_DATA + D_CS], V86_SEG
        CHECK_END

; ---- IOPL < 3: INT n and the IOPL-sensitive instructions fault (20.2.7) -----------------
        CHECK_BEGIN "IOPL 0: INT n in V86 mode is #GP(0) to the monitor"
        EXPECT V_GP, 0, v86_int, .r
        V86 v86_int, FL_FIXED
.r:     CHECK_EQ "vector", [exlog + ex.vec], V_GP
        CHECK_EQ "error code", [exlog + ex.err], 0
        CHECK_EQ "pushed EIP (the INT)", [exlog + ex.eip], v86_int
        CHECK_END

        CHECK_BEGIN "IOPL 0: CLI, STI, PUSHF, POPF in V86 mode are #GP(0)"
        EXPECT V_GP, 0, v86_cli, .r1
        V86 v86_cli, FL_FIXED
.r1:    CHECK_EQ "CLI: vector", [exlog + ex.vec], V_GP
        CHECK_EQ "CLI: pushed EIP", [exlog + ex.eip], v86_cli
        EXPECT V_GP, 0, v86_sti, .r2
        V86 v86_sti, FL_FIXED
.r2:    CHECK_EQ "STI: vector", [exlog + ex.vec], V_GP
        CHECK_EQ "STI: pushed EIP", [exlog + ex.eip], v86_sti
        EXPECT V_GP, 0, v86_pushf, .r3
        V86 v86_pushf, FL_FIXED
.r3:    CHECK_EQ "PUSHF: vector", [exlog + ex.vec], V_GP
        CHECK_EQ "PUSHF: pushed EIP", [exlog + ex.eip], v86_pushf
        CHECK_EQ "PUSHF: pushed ESP unchanged", [exlog + ex.esp], V86_SP
        EXPECT V_GP, 0, v86_popf, .r4
        V86 v86_popf, FL_FIXED
.r4:    CHECK_EQ "POPF: vector", [exlog + ex.vec], V_GP
        CHECK_EQ "POPF: pushed EIP", [exlog + ex.eip], v86_popf
        CHECK_END

; ---- IOPL = 3 (20.2.7, 20.3.1.1 table 20-2 method 1) ------------------------------------
        CHECK_BEGIN "IOPL 3: INT n goes through the IDT (no IVT), V86 frame pushed"
        IDT_GATE VEC_IDT, KCODE, isr_stubs + VEC_IDT * ISR_STUB_SIZE, GATE_INT32 | DPL3
        EXPECT VEC_IDT, NOERR, v86_int.after, .r
        V86 v86_int, FL_FIXED | FL_IOPL3
.r:     CHECK_EQ "vector", [exlog + ex.vec], VEC_IDT
        CHECK_EQ "pushed EIP (after the INT)", [exlog + ex.eip], v86_int.after
        CHECK_EQ "pushed CS", [exlog + ex.cs], V86_SEG
        CHECK_MASK "pushed EFLAGS.VM", [exlog + ex.efl], FL_VM, FL_VM
        CHECK_EQ "pushed DS", [exlog + ex.v86ds], V86_DSEG
        CHECK_END

        CHECK_BEGIN "IOPL 3: INT n through a DPL-0 gate is #GP(n*8+2)"
        IDT_GATE VEC_IDT, KCODE, isr_stubs + VEC_IDT * ISR_STUB_SIZE, GATE_INT32
        EXPECT V_GP, VEC_IDT * 8 + 2, v86_int, .r
        V86 v86_int, FL_FIXED | FL_IOPL3
.r:     CHECK_EQ "vector", [exlog + ex.vec], V_GP
        CHECK_EQ "error code", [exlog + ex.err], VEC_IDT * 8 + 2
        CHECK_EQ "pushed EIP", [exlog + ex.eip], v86_int
        CHECK_END

        CHECK_BEGIN "IOPL 3: CLI/STI/PUSHF/POPF work on IF; POPF cannot change IOPL"
        EXPECT_RET .r
        V86 v86_iopl3, FL_FIXED | FL_IOPL3 | FL_IF
.r:     VERIFY_RET
        CHECK_MASK "PUSHF after CLI: IF=0, IOPL=3", [V86_DATA + D_FL1], FL_IOPL3, FL_IF | FL_IOPL3
        CHECK_MASK "PUSHF after STI: IF=1", [V86_DATA + D_FL2], FL_IF, FL_IF
        CHECK_MASK "PUSHF after POPF of 0: IOPL still 3", [V86_DATA + D_FL3], FL_IOPL3, FL_IOPL3
        CHECK_MASK "EFLAGS at INT RET_VEC: IF=0, VM=1", [exlog + ex.efl], FL_VM, FL_VM | FL_IF
        CHECK_END

; ---- CR4.VME (20.3) ----------------------------------------------------------------------
        CHECK_BEGIN "VME, IOPL 0: CLI/STI change VIF, not IF; PUSHF shows VIF as IF"
        QEMU_SKIP "no VME"
        call vme_on
        EXPECT V_GP, 0, v86_vme.hlt, .r
        V86 v86_vme, FL_FIXED | FL_IF | FL_VIF
.r:     CHECK_EQ "exit through the HLT (no #GP on CLI/STI/PUSHF)", [exlog + ex.eip], v86_vme.hlt
        CHECK_MASK "PUSHF after CLI: IF image = VIF = 0", [V86_DATA + D_FL1], 0, FL_IF
        CHECK_MASK "PUSHF after STI: IF image = VIF = 1", [V86_DATA + D_FL2], FL_IF, FL_IF
        CHECK_MASK "EFLAGS at the HLT: VIF=1, IF=1 untouched", [exlog + ex.efl], FL_VIF | FL_IF, FL_VIF | FL_IF
        call vme_on
        EXPECT V_GP, 0, v86_vme.hlt, .r2
        V86 v86_vme.cli_only, FL_FIXED | FL_IF | FL_VIF
.r2:    CHECK_MASK "EFLAGS after CLI alone: VIF=0, IF=1", [exlog + ex.efl], FL_IF, FL_VIF | FL_IF
        CHECK_END

        CHECK_BEGIN "VME, IOPL 0: STI with VIP=1 is #GP(0)"
        call vme_on
        EXPECT V_GP, 0, v86_sti, .r
        V86 v86_sti, FL_FIXED | FL_VIP
.r:     CHECK_EQ "vector", [exlog + ex.vec], V_GP
        CHECK_EQ "pushed EIP (the STI)", [exlog + ex.eip], v86_sti
        CHECK_MASK "pushed EFLAGS: VIP=1, VIF=0", [exlog + ex.efl], FL_VIP, FL_VIP | FL_VIF
        CHECK_END

        CHECK_BEGIN "VME, IOPL 0: INT n with its redirection bit clear uses the V86 IVT"
        QEMU_SKIP "no VME"
        call vme_on
        and byte [REDIR_MAP + (VEC_REDIR >> 3)], ~(1 << (VEC_REDIR & 7))
        EXPECT V_GP, 0, v86_redir.hlt, .r
        V86 v86_redir, FL_FIXED | FL_VIF
.r:     CHECK_EQ "came back to the HLT after the INT", [exlog + ex.eip], v86_redir.hlt
        CHECK_EQW "IVT handler: pushed IP", [V86_DATA + D_H_IP], v86_redir.after
        CHECK_EQW "IVT handler: pushed CS", [V86_DATA + D_H_CS], V86_SEG
        CHECK_EQW "IVT handler: SP after the 3 pushes", [V86_DATA + D_H_SP], V86_SP - 6
        CHECK_MASK "IVT handler: FLAGS image IF = VIF (1)", [V86_DATA + D_H_FL], FL_IF, FL_IF
        CHECK_END

        CHECK_BEGIN "VME, IOPL 0: INT n with its redirection bit set is #GP(0)"
        call vme_on
        EXPECT V_GP, 0, v86_redir, .r
        V86 v86_redir, FL_FIXED
.r:     CHECK_EQ "vector", [exlog + ex.vec], V_GP
        CHECK_EQ "error code", [exlog + ex.err], 0
        CHECK_EQ "pushed EIP (the INT)", [exlog + ex.eip], v86_redir
        CHECK_END

        CHECK_BEGIN "VME, IOPL 3: redirection bit set -> IDT, clear -> V86 IVT"
        QEMU_SKIP "no VME"
        IDT_GATE VEC_IDT, KCODE, isr_stubs + VEC_IDT * ISR_STUB_SIZE, GATE_INT32 | DPL3
        call vme_on
        EXPECT VEC_IDT, NOERR, v86_int.after, .r1
        V86 v86_int, FL_FIXED | FL_IOPL3
.r1:    CHECK_EQ "bit set: vector through the IDT", [exlog + ex.vec], VEC_IDT
        call vme_on
        and byte [REDIR_MAP + (VEC_REDIR >> 3)], ~(1 << (VEC_REDIR & 7))
        mov word [V86_DATA + D_H_IP], 0xEEEE
        EXPECT V_GP, 0, v86_redir.hlt, .r2
        V86 v86_redir, FL_FIXED | FL_IOPL3
.r2:    CHECK_EQ "bit clear: came back to the HLT", [exlog + ex.eip], v86_redir.hlt
        CHECK_EQW "bit clear: IVT handler ran", [V86_DATA + D_H_IP], v86_redir.after
        CHECK_END

; ---- CR4.PVI (20.4) ----------------------------------------------------------------------
        CHECK_BEGIN "PVI, CPL 3, IOPL 0: CLI clears VIF, STI sets it, IF untouched"
        QEMU_SKIP "no PVI"
        mov eax, cr4
        or eax, CR4_PVI
        mov cr4, eax
        EXPECT_RET .r1
        RING3 .user1, FL_FIXED | FL_IF | FL_VIF
.user1: cli
        int RET_VEC
.r1:    VERIFY_RET
        CHECK_MASK "after CLI: VIF=0, IF=1", [exlog + ex.efl], FL_IF, FL_IF | FL_VIF
        EXPECT_RET .r2
        RING3 .user2, FL_FIXED | FL_IF
.user2: sti
        int RET_VEC
.r2:    VERIFY_RET
        CHECK_MASK "after STI: VIF=1, IF=1", [exlog + ex.efl], FL_IF | FL_VIF, FL_IF | FL_VIF
        CHECK_END

        CHECK_BEGIN "PVI, CPL 3, IOPL 0: STI with VIP=1 is #GP(0)"
        mov eax, cr4
        or eax, CR4_PVI
        mov cr4, eax
        EXPECT V_GP, 0, .f, .r
        RING3 .user, FL_FIXED | FL_IF | FL_VIP
.user:  call set_pattern
        SNAP
.f:     sti
        int RET_VEC
.r:     VERIFY
        CHECK_END

        CHECK_BEGIN "no PVI: CLI at CPL 3 with IOPL 0 is #GP(0)"
        EXPECT V_GP, 0, .f, .r
        RING3 .user, FL_FIXED | FL_IF | FL_VIF
.user:  call set_pattern
        SNAP
.f:     cli
        int RET_VEC
.r:     VERIFY
        CHECK_END

        jmp finish

; enter_v86: [esp] = V86 IP, [esp + 4] = EFLAGS (VM is added); IRET into
; V86 mode with CS = V86_SEG and every other segment V86_DSEG
enter_v86:
        pop eax
        pop ebx
        or ebx, FL_VM
        push dword V86_DSEG             ; GS
        push dword V86_DSEG             ; FS
        push dword V86_DSEG             ; DS
        push dword V86_DSEG             ; ES
        push dword V86_DSEG             ; SS
        push dword V86_SP               ; ESP
        push ebx                        ; EFLAGS
        push dword V86_SEG              ; CS
        push eax                        ; EIP
        iretd

; vme_on: CR4.VME=1 and a redirection bitmap with every bit set (no vector
; redirected); a check clears the bits it wants
vme_on:
        mov eax, cr4
        or eax, CR4_VME
        mov cr4, eax
        mov edi, REDIR_MAP
        mov ecx, 32
        mov al, 0xFF
        cld
        rep stosb
        ret

rom_check_reset:
        mov eax, cr4
        and eax, ~(CR4_VME | CR4_PVI)
        mov cr4, eax
        mov edi, REDIR_MAP
        mov ecx, 32
        xor eax, eax
        cld
        rep stosb
        mov edi, V86_DATA + 0x100
        mov ecx, 0x40
        mov al, 0xEE
        rep stosb
        ret

set_pattern:
        mov eax, 0xA0A0A0A0
        mov ecx, 0xC1C1C1C1
        mov edx, 0xD2D2D2D2
        mov ebx, 0xB3B3B3B3
        mov ebp, 0x5B5B5B5B
        mov esi, 0x51515151
        mov edi, 0xD1D1D1D1
        ret

; ---- the V86 code (16-bit, offsets from V86_BASE) ---------------------------------------
section .v86
        bits 16
v86_basic:
        mov word [D_WORD], 0x1234
        mov ax, cs
        mov [D_CS], ax
.hlt:   hlt

v86_int:
        int VEC_IDT
.after: hlt

v86_cli:
        cli
        hlt
v86_sti:
        sti
        hlt
v86_pushf:
        pushf
        hlt
v86_popf:
        popf
        hlt

v86_iopl3:
        cli
        pushf
        pop ax
        mov [D_FL1], ax
        sti
        pushf
        pop ax
        mov [D_FL2], ax
        push word 0                     ; IF=0, IOPL=0 requested
        popf
        pushf
        pop ax
        mov [D_FL3], ax
        int RET_VEC

v86_vme:
        cli
        pushf
        pop ax
        mov [D_FL1], ax
        sti
        pushf
        pop ax
        mov [D_FL2], ax
.hlt:   hlt
.cli_only:
        cli
        hlt

v86_redir:
        int VEC_REDIR
.after:
.hlt:   hlt

; IVT handler for VEC_REDIR: records its frame, returns with IRET
v86_int66:
        mov [D_H_SP], sp
        mov bp, sp
        mov ax, [bp]
        mov [D_H_IP], ax
        mov ax, [bp + 2]
        mov [D_H_CS], ax
        mov ax, [bp + 4]
        mov [D_H_FL], ax
        iret
v86_end:
        bits 32
section .text

        ROM_END

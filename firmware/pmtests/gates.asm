; gates.asm - privilege transitions: interrupt and trap gates from ring 3 with
; the TSS stack switch, IRET back to ring 3, call gates (32- and 16-bit, with
; parameter copying), far RET to an outer ring, conforming and non-conforming
; code segments, and the privilege checks on gates and segments.
;
; SDM Vol. 3A 5.8 "Privilege level checking when transferring program
; control between code segments" (5.8.1-5.8.6, figures 5-11 to 5-13),
; 6.12 "Exception and interrupt handling" (6.12.1, figure 6-4), and the
; CALL, RET, JMP and IRET pages of Vol. 2.

%define ROM_NAME "gates"
%include "lib.inc"

CG32            equ SPARE_SEL + 0x00    ; 32-bit call gate, DPL 3 -> KCODE, 2 dwords
CG16            equ SPARE_SEL + 0x08    ; 16-bit call gate, DPL 3 -> CODE16, 2 words
CODE16          equ SPARE_SEL + 0x10    ; 16-bit ring-0 code, base gate16_target
USTACK16        equ SPARE_SEL + 0x18    ; ring-3 16-bit stack segment, base small_stack
CONF0           equ SPARE_SEL + 0x20    ; conforming code, DPL 0
CG_DPL0         equ SPARE_SEL + 0x28    ; 32-bit call gate with DPL 0 -> KCODE
CG_NP           equ SPARE_SEL + 0x30    ; call gate, not present
CG_OUTER        equ SPARE_SEL + 0x38    ; call gate DPL 0 -> UCODE (an outer ring)
R1CODE          equ SPARE_SEL + 0x40    ; ring-1 code
R1DATA          equ SPARE_SEL + 0x48    ; ring-1 stack
CG_R1           equ SPARE_SEL + 0x50    ; call gate DPL 3 -> R1CODE
CONF3           equ SPARE_SEL + 0x58    ; conforming code, DPL 3
UCODE16         equ SPARE_SEL + 0x60    ; ring-3 16-bit code, base user16_code

V_INTG          equ 0x41                ; interrupt gate, DPL 3
V_TRAPG         equ 0x42                ; trap gate, DPL 3

main:
        GDT_GATE CG32, KCODE, gate32_target, GATE_CALL32 | DPL3, 2
        GDT_GATE CG16, CODE16, 0, GATE_CALL16 | DPL3, 2
        DESC CODE16, gate16_target, 0xFFFF, ACC_CODE0, GR_BYTE16
        DESC USTACK16, small_stack, 0xFFF, ACC_DATA3, GR_BYTE16
        DESC CONF0, 0, 0xFFFFF, ACC_CONF0, GR_4K32
        GDT_GATE CG_DPL0, KCODE, gate32_target, GATE_CALL32, 0
        GDT_GATE CG_NP, KCODE, gate32_target, (GATE_CALL32 | DPL3) & 0x7F, 0
        GDT_GATE CG_OUTER, UCODE, gate32_target, GATE_CALL32, 0
        DESC R1CODE, 0, 0xFFFFF, 0xBA, GR_4K32     ; P, DPL 1, code, readable
        DESC R1DATA, 0, 0xFFFFF, 0xB2, GR_4K32     ; P, DPL 1, data, writable
        GDT_GATE CG_R1, R1CODE, ring1_target, GATE_CALL32 | DPL3, 0
        DESC CONF3, 0, 0xFFFFF, ACC_CONF0 | DPL3, GR_4K32
        DESC UCODE16, user16_code, 0xFFFF, ACC_CODE3, GR_BYTE16
        mov dword [tss_main + 12], ring1_stack_top  ; ESP1
        mov dword [tss_main + 16], R1DATA | 1       ; SS1

; ---- interrupt and trap gates from ring 3 (SDM Vol. 3A 6.12.1) --------------------
        CHECK_BEGIN "interrupt gate from CPL 3: stack from TSS.SS0:ESP0, frame, IF cleared"
        IDT_GATE V_INTG, KCODE, isr_stubs + V_INTG * ISR_STUB_SIZE, GATE_INT32 | DPL3
        EXPECT V_INTG, NOERR, .next, .r
        RING3 .user, FL_FIXED | FL_IF | FL_CF
.user:  call set_pattern
        SNAP
        int V_INTG
.next:  int RET_VEC
.r:     VERIFY
        CHECK_EQ "pushed SS", [exlog + ex.ss], UDATA
        CHECK_EQ "frame at TSS.ESP0 - 20", [exlog + ex.frame], tss0_stack_top - 20
        CHECK_MASK "handler runs with IF=0", [exlog + ex.hefl], 0, FL_IF
        CHECK_MASK "pushed EFLAGS has IF=1", [exlog + ex.efl], FL_IF, FL_IF
        CHECK_END

        CHECK_BEGIN "trap gate from CPL 3: IF stays set, TF cleared"
        IDT_GATE V_TRAPG, KCODE, isr_stubs + V_TRAPG * ISR_STUB_SIZE, GATE_TRAP32 | DPL3
        EXPECT V_TRAPG, NOERR, .next, .r
        RING3 .user, FL_FIXED | FL_IF
.user:  call set_pattern
        SNAP
        int V_TRAPG
.next:  int RET_VEC
.r:     VERIFY
        CHECK_EQ "frame at TSS.ESP0 - 20", [exlog + ex.frame], tss0_stack_top - 20
        CHECK_MASK "handler runs with IF=1", [exlog + ex.hefl], FL_IF, FL_IF | FL_TF
        CHECK_END

        CHECK_BEGIN "IRET from ring 0 back to ring 3 after INT n"
        IDT_GATE V_INTG, KCODE, isr_stubs + V_INTG * ISR_STUB_SIZE, GATE_INT32 | DPL3
        EXPECT V_INTG, NOERR, .back, .r
        mov dword [exc_action], ACT_IRET
        RING3 .user
.user:  mov [ss:u_esp_before], esp
        int V_INTG
.back:  mov [ss:u_esp_after], esp
        mov dword [ss:u_cs], 0
        mov [ss:u_cs], cs
        mov dword [ss:u_ss], 0
        mov [ss:u_ss], ss
        int RET_VEC
.after_ret:
.r:     CHECK_EQ "events taken (INT n, then INT RET_VEC)", [log_count], 2
        CHECK_EQ "first event", [exlog + ex.vec], V_INTG
        CHECK_EQ "second event", [exlog + ex_size + ex.vec], RET_VEC
        CHECK_EQ "second event from after the INT RET_VEC", [exlog + ex_size + ex.eip], .after_ret
        CHECK_EQ "CS after IRET", [u_cs], UCODE
        CHECK_EQ "SS after IRET", [u_ss], UDATA
        CHECK_EQ "ESP after IRET", [u_esp_after], [u_esp_before]
        CHECK_END

        CHECK_BEGIN "IRET to ring 3 nulls DS/ES holding DPL-0 data, keeps DPL-3 FS"
        IDT_GATE V_INTG, KCODE, isr_stubs + V_INTG * ISR_STUB_SIZE, GATE_INT32 | DPL3
        EXPECT V_INTG, NOERR, .back, .r
        mov dword [exc_action], ACT_IRET
        mov dword [exc_hook], hook_kdata_ds_es
        RING3 .user
.user:  int V_INTG
.back:  call save_user_segs
        int RET_VEC
.r:     CHECK_EQ "DS after IRET", [u_ds], 0
        CHECK_EQ "ES after IRET", [u_es], 0
        CHECK_EQ "FS after IRET", [u_fs], UDATA
        CHECK_EQ "GS after IRET", [u_gs], UDATA
        CHECK_END

        CHECK_BEGIN "#GP(SS): IRET to ring 3 with a DPL-0 stack segment"
        EXPECT V_GP, KDATA, .f, .r
        push dword KDATA
        push dword ustack_top
        push dword FL_FIXED
        push dword UCODE
        push dword .user
.f:     iretd
.user:  FAIL "IRET went to ring 3"
        int RET_VEC
.r:     CHECK_EQ "vector", [exlog + ex.vec], V_GP
        CHECK_EQ "error code", [exlog + ex.err], KDATA
        CHECK_EQ "pushed EIP (the IRET)", [exlog + ex.eip], .f
        CHECK_EQ "pushed CS", [exlog + ex.cs], KCODE
        CHECK_END

; ---- call gates (SDM Vol. 3A 5.8.3-5.8.5) -----------------------------------------
        CHECK_BEGIN "32-bit call gate CPL 3 -> 0: stack switch, 2 parameters copied, RETF 8"
        mov dword [g_load_kdata], 0
        EXPECT_RET .r
        RING3 .user
.user:  mov [ss:u_esp_before], esp
        push dword 0x11111111           ; parameter 1
        push dword 0x22222222           ; parameter 2
        call CG32 | 3 : 0
.back:  mov [ss:u_esp_after], esp
        mov dword [ss:u_cs], 0
        mov [ss:u_cs], cs
        int RET_VEC
.r:     VERIFY_RET
        CHECK_EQ "target runs in CS", [g_cs], KCODE
        CHECK_EQ "target stack SS (TSS.SS0)", [g_ss], KDATA
        CHECK_EQ "target ESP = TSS.ESP0 - 24", [g_esp], tss0_stack_top - 24
        CHECK_EQ "pushed EIP", [g_frame + 0], .back
        CHECK_EQ "pushed CS", [g_frame + 4], UCODE
        CHECK_EQ "copied parameter 2", [g_frame + 8], 0x22222222
        CHECK_EQ "copied parameter 1", [g_frame + 12], 0x11111111
        mov eax, [u_esp_before]
        sub eax, 8
        CHECK_EQ "pushed ESP (caller's, after its pushes)", [g_frame + 16], eax
        CHECK_EQ "pushed SS", [g_frame + 20], UDATA
        CHECK_EQ "back in ring 3", [u_cs], UCODE
        CHECK_EQ "RETF 8 released the parameters", [u_esp_after], [u_esp_before]
        CHECK_END

        CHECK_BEGIN "far RET to ring 3 nulls DS/ES holding DPL-0 data"
        mov dword [g_load_kdata], 1
        EXPECT_RET .r
        RING3 .user
.user:  push dword 1
        push dword 2
        call CG32 | 3 : 0
        call save_user_segs
        int RET_VEC
.r:     VERIFY_RET
        CHECK_EQ "DS after RETF", [u_ds], 0
        CHECK_EQ "ES after RETF", [u_es], 0
        CHECK_EQ "FS after RETF", [u_fs], UDATA
        CHECK_END

        CHECK_BEGIN "16-bit call gate CPL 3 -> 0: 16-bit frame, 2 words copied, RETF 4"
        mov dword [r3_cs], UCODE16 | 3  ; a 286-style caller: 16-bit code and stack
        mov dword [r3_ss], USTACK16 | 3
        mov dword [r3_esp], 0x800
        EXPECT_RET .r
        RING3 0                         ; user16_code
.r:     VERIFY_RET
        CHECK_EQW "target runs in CS", [g16_cs], CODE16
        CHECK_EQ "target ESP = TSS.ESP0 - 12", [g16_esp], tss0_stack_top - 12
        CHECK_EQW "pushed IP", [g16_frame + 0], user16_code.back - user16_code
        CHECK_EQW "pushed CS", [g16_frame + 2], UCODE16 | 3
        CHECK_EQW "copied parameter 2", [g16_frame + 4], 0xBBBB
        CHECK_EQW "copied parameter 1", [g16_frame + 6], 0xAAAA
        CHECK_EQW "pushed SP", [g16_frame + 8], 0x800 - 4
        CHECK_EQW "pushed SS", [g16_frame + 10], USTACK16 | 3
        CHECK_EQW "back in ring 3", [u_cs], UCODE16 | 3
        ; only SP: ESP[31:16] keep the ring-0 value with a 16-bit SS (the
        ; hardware behaviour that Linux's espfix works around)
        CHECK_EQW "RETF 4 released the parameters (SP)", [u_esp_after], 0x800
        CHECK_END

        CHECK_BEGIN "call gate CPL 3 -> 1 takes its stack from TSS.SS1:ESP1"
        EXPECT_RET .r
        RING3 .user
.user:  call CG_R1 | 3 : 0
        mov dword [ss:u_cs], 0
        mov [ss:u_cs], cs
        int RET_VEC
.r:     VERIFY_RET
        CHECK_EQ "target runs in CS", [g_cs], R1CODE | 1
        CHECK_EQ "target SS (TSS.SS1)", [g_ss], R1DATA | 1
        CHECK_EQ "target ESP = TSS.ESP1 - 16", [g_esp], ring1_stack_top - 16
        CHECK_EQ "back in ring 3", [u_cs], UCODE
        CHECK_END

; ---- conforming and non-conforming code (SDM Vol. 3A 5.8.2) -------------------------
        CHECK_BEGIN "far CALL from CPL 3 to conforming DPL-0 code: CPL stays 3, no stack switch"
        EXPECT_RET .r
        RING3 .user
.user:  mov [ss:u_esp_before], esp
        call CONF0 | 3 : conf_target
        int RET_VEC
.r:     VERIFY_RET
        CHECK_EQ "CS in the conforming code (RPL = CPL 3)", [conf_cs], CONF0 | 3
        CHECK_EQ "SS unchanged", [conf_ss], UDATA
        mov eax, [u_esp_before]
        sub eax, 8
        CHECK_EQ "ESP: CS:EIP pushed on the ring-3 stack", [conf_esp], eax
        CHECK_END

        CHECK_BEGIN "#GP(sel): far CALL from CPL 3 to non-conforming DPL-0 code"
        EXPECT V_GP, KCODE, .f, .r
        RING3 .user
.user:  call set_pattern
        SNAP
.f:     call KCODE : conf_target
        int RET_VEC
.r:     VERIFY
        CHECK_END

        CHECK_BEGIN "#GP(sel): far JMP from CPL 0 to non-conforming DPL-3 code"
        EXPECT V_GP, UCODE & ~3, .f, .r
        call set_pattern
        SNAP
.f:     jmp UCODE : .f
        FAIL "no exception"
.r:     VERIFY
        CHECK_END

        CHECK_BEGIN "#GP(sel): far CALL from CPL 0 to conforming DPL-3 code"
        EXPECT V_GP, CONF3, .f, .r
        call set_pattern
        SNAP
.f:     call CONF3 : conf_target
        FAIL "no exception"
.r:     VERIFY
        CHECK_END

; ---- gate privilege checks (SDM Vol. 3A 5.8.4, 5.8.5, 6.12.1.1) -----------------------
        CHECK_BEGIN "#GP(gate): call gate with DPL 0 from CPL 3"
        EXPECT V_GP, CG_DPL0, .f, .r
        RING3 .user
.user:  call set_pattern
        SNAP
.f:     call CG_DPL0 | 3 : 0
        int RET_VEC
.r:     VERIFY
        CHECK_END

        CHECK_BEGIN "#NP(gate): call gate not present"
        EXPECT V_NP, CG_NP, .f, .r
        RING3 .user
.user:  call set_pattern
        SNAP
.f:     call CG_NP | 3 : 0
        int RET_VEC
.r:     VERIFY
        CHECK_END

        CHECK_BEGIN "#GP(target): call gate from CPL 0 to an outer-ring code segment"
        EXPECT V_GP, UCODE & ~3, .f, .r
        call set_pattern
        SNAP
.f:     call CG_OUTER : 0
        FAIL "no exception"
.r:     VERIFY
        CHECK_END

        CHECK_BEGIN "#GP(target): JMP through a call gate to more privileged code"
        EXPECT V_GP, KCODE, .f, .r
        RING3 .user
.user:  call set_pattern
        SNAP
.f:     jmp CG32 | 3 : 0
        int RET_VEC
.r:     VERIFY
        CHECK_END

        CHECK_BEGIN "#GP(vector*8+2): INT n from CPL 3 through DPL-0 interrupt and trap gates"
        IDT_GATE V_TRAPG, KCODE, isr_stubs + V_TRAPG * ISR_STUB_SIZE, GATE_TRAP32
        EXPECT V_GP, 0x40 * 8 + 2, .f1, .r1
        RING3 .user1
.user1: call set_pattern
        SNAP
.f1:    int 0x40
        int RET_VEC
.r1:    VERIFY
        EXPECT V_GP, V_TRAPG * 8 + 2, .f2, .r2
        RING3 .user2
.user2: call set_pattern
        SNAP
.f2:    int V_TRAPG
        int RET_VEC
.r2:    VERIFY
        CHECK_END

        CHECK_BEGIN "#GP(sel|EXT=0): interrupt gate pointing at a DPL-3 code segment"
        IDT_GATE V_INTG, UCODE, isr_stubs + V_INTG * ISR_STUB_SIZE, GATE_INT32 | DPL3
        EXPECT V_GP, UCODE & ~3, .f, .r
        call set_pattern
        SNAP
.f:     int V_INTG                      ; target DPL 3 > CPL 0
        FAIL "no exception"
.r:     VERIFY
        CHECK_END

        jmp finish

; ---- targets ------------------------------------------------------------------------

; gate32_target: ring 0 through CG32; records the frame, optionally loads
; DS/ES with the DPL-0 data segment, returns with RETF 8
gate32_target:
        mov [g_esp], esp
        mov dword [g_cs], 0
        mov [g_cs], cs
        mov dword [g_ss], 0
        mov [g_ss], ss
        push esi
        push edi
        push ecx
        lea esi, [esp + 12]
        mov edi, g_frame
        mov ecx, 6
.copy:  mov eax, [esi]
        mov [edi], eax
        add esi, 4
        add edi, 4
        loop .copy
        pop ecx
        pop edi
        pop esi
        cmp dword [g_load_kdata], 0
        je .ret
        mov ax, KDATA
        mov ds, ax
        mov es, ax
.ret:   retf 8

; ring1_target: ring 1 through CG_R1
ring1_target:
        mov [g_esp], esp
        mov dword [g_cs], 0
        mov [g_cs], cs
        mov dword [g_ss], 0
        mov [g_ss], ss
        retf

; conf_target: conforming code reached by a far CALL
conf_target:
        mov [ss:conf_esp], esp
        mov dword [ss:conf_cs], 0
        mov [ss:conf_cs], cs
        mov dword [ss:conf_ss], 0
        mov [ss:conf_ss], ss
        retf

; hook_kdata_ds_es: make the handler's IRET restore DPL-0 data into DS and ES
hook_kdata_ds_es:
        mov dword [ebp + 12], KDATA     ; saved DS
        mov dword [ebp + 8], KDATA      ; saved ES
        ret

; save_user_segs: ring 3, DS may be null: store through SS
save_user_segs:
        mov dword [ss:u_ds], 0
        mov [ss:u_ds], ds
        mov dword [ss:u_es], 0
        mov [ss:u_es], es
        mov dword [ss:u_fs], 0
        mov [ss:u_fs], fs
        mov dword [ss:u_gs], 0
        mov [ss:u_gs], gs
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

; rom_check_reset: poison what the targets and the ring-3 code record
rom_check_reset:
        mov edi, g_frame
        mov ecx, (records_end - g_frame) / 4
        mov eax, 0xEEEEEEEE
        cld
        rep stosd
        ret

; 16-bit code: CS bases are these labels, offsets count from them; data is
; reached with 32-bit addresses through the flat ring-3 DS
        bits 16
; gate16_target: ring 0 through the 16-bit call gate CG16
gate16_target:
        mov [dword g16_esp], esp
        mov [dword g16_cs], cs
        xor ebx, ebx
.copy:  mov ax, [esp + ebx]
        mov [dword g16_frame + ebx], ax
        add bx, 2
        cmp bx, 12
        jb .copy
        retf 4

; user16_code: ring 3, 16-bit, calls the 16-bit gate with two word parameters
user16_code:
        push word 0xAAAA                ; parameter 1
        push word 0xBBBB                ; parameter 2
        call CG16 | 3 : 0
.back:  mov [dword u_esp_after], esp
        mov [dword u_cs], cs
        int RET_VEC
        bits 32

section .data
        align 4
g_frame:        times 6 dd 0
g_esp:          dd 0
g_cs:           dd 0
g_ss:           dd 0
g_load_kdata:   dd 0
g16_frame:      times 6 dw 0
g16_esp:        dd 0
g16_cs:         dd 0
conf_esp:       dd 0
conf_cs:        dd 0
conf_ss:        dd 0
u_esp_before:   dd 0
u_esp_after:    dd 0
u_cs:           dd 0
u_ss:           dd 0
u_ds:           dd 0
u_es:           dd 0
u_fs:           dd 0
u_gs:           dd 0
records_end:

section .bss
        alignb 16
small_stack:    resb 4096
ring1_stack:    resb 4096
ring1_stack_top:

        ROM_END

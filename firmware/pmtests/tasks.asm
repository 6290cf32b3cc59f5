; tasks.asm - hardware task switches and the I/O permission bitmap.
;
; JMP and CALL to a TSS and through a task gate, IRET with NT=1 back to the
; previous task, the busy bit and back link, CR0.TS, a 16-bit (286) TSS, an
; exception delivered through a task gate, and ring-3 IN/OUT checked against
; the I/O permission bitmap of the current TSS.
;
; SDM Vol. 3A chapter 7 "Task management": 7.2 (TSS, TSS descriptor, task
; gate), 7.3 "Task switching" (table 7-1 checks), 7.4 "Task linking" (NT,
; back link, busy flag, table 7-2), 7.6 "16-bit task-state segment"; 6.11
; (task gates in the IDT); Vol. 1 19.5 "I/O permission bit map".

%define ROM_NAME "tasks"
%include "lib.inc"

TSS2            equ SPARE_SEL + 0x00    ; 32-bit TSS of task 2
TSS3            equ SPARE_SEL + 0x08    ; 32-bit TSS of the #GP task
TSS16           equ SPARE_SEL + 0x10    ; 16-bit TSS
TGATE2          equ SPARE_SEL + 0x18    ; task gate -> TSS2
CODE_T16        equ SPARE_SEL + 0x20    ; code segment of the 16-bit task (base task16_code)
SEL_BEYOND      equ GDT_ENTRIES * 8 + 0x40

TYPE_TSS32_AVAIL equ 0x89               ; descriptor access bytes
TYPE_TSS32_BUSY  equ 0x8B
TYPE_TSS16_AVAIL equ 0x81
TYPE_TSS16_BUSY  equ 0x83
CR0_TS          equ 1 << 3

; 32-bit TSS fields (SDM Vol. 3A figure 7-2)
T_LINK  equ 0
T_CR3   equ 28
T_EIP   equ 32
T_EFL   equ 36
T_EAX   equ 40
T_ECX   equ 44
T_ESP   equ 56
T_ES    equ 72
T_CS    equ 76
T_SS    equ 80
T_DS    equ 84
T_FS    equ 88
T_GS    equ 92
T_LDT   equ 96
T_IOMAP equ 102
; 16-bit TSS fields (SDM Vol. 3A figure 7-11)
T16_IP  equ 14
T16_FL  equ 16
T16_AX  equ 18
T16_SP  equ 26
T16_ES  equ 34
T16_CS  equ 36
T16_SS  equ 38
T16_DS  equ 40

PORT_OK         equ 0x3FF               ; COM1 scratch register: allowed in the bitmap
PORT_DENIED     equ 0x3FE               ; COM1 modem status: denied

main:
        call reset_tasks
        GDT_GATE TGATE2, TSS2, 0, GATE_TASK

; ---- JMP to a TSS (SDM Vol. 3A 7.3, 7.4 table 7-2) -------------------------------------
        CHECK_BEGIN "JMP to a TSS: new state loaded, old state saved, busy bits moved, no link"
        mov eax, task2_jmp
        call tss2_setup
        mov eax, 0x12345678             ; saved into the main TSS
        jmp TSS2 : 0
.back:  mov [m_eax], eax
        str ax
        movzx eax, ax
        mov [m_tr], eax
        pushfd
        pop dword [m_efl]
        mov eax, cr0
        mov [m_cr0], eax
        CHECK_EQ "task 2: TR", [t_tr], TSS2
        CHECK_EQ "task 2: EAX from its TSS", [t_eax], 0x2222AAAA
        CHECK_EQ "task 2: ECX from its TSS", [t_ecx], 0x2222CCCC
        CHECK_EQ "task 2: ESP from its TSS", [t_esp], task2_stack_top
        CHECK_MASK "task 2: EFLAGS.NT clear after JMP", [t_efl], 0, FL_NT
        CHECK_MASK "task 2: CR0.TS set by the switch", [t_cr0], CR0_TS, CR0_TS
        CHECK_EQ "task 2: its back link untouched", [t_link], 0xFFFF
        CHECK_EQW "task 2: old TSS descriptor available", [t_type_main], TYPE_TSS32_AVAIL
        CHECK_EQW "task 2: own TSS descriptor busy", [t_type_2], TYPE_TSS32_BUSY
        CHECK_EQ "main TSS: saved EIP after the JMP", [tss_main + T_EIP], .back
        CHECK_EQ "main TSS: saved EAX", [tss_main + T_EAX], 0x12345678
        CHECK_EQ "main task: EAX restored", [m_eax], 0x12345678
        CHECK_EQ "main task: TR again", [m_tr], TSS_SEL
        CHECK_EQW "TSS2 descriptor available again", [gdt + TSS2 + 5], TYPE_TSS32_AVAIL
        CHECK_EQ "TSS2: saved EIP after its JMP back", [tss2 + T_EIP], task2_jmp.back
        CHECK_END

; ---- CALL to a TSS and IRET with NT (SDM Vol. 3A 7.4) ----------------------------------
        CHECK_BEGIN "CALL to a TSS: NT=1, back link, old task stays busy; IRET returns"
        mov eax, task2_call
        call tss2_setup
        call TSS2 : 0
.back:  pushfd
        pop dword [m_efl]
        str ax
        movzx eax, ax
        mov [m_tr], eax
        CHECK_EQ "task 2: TR", [t_tr], TSS2
        CHECK_MASK "task 2: EFLAGS.NT set", [t_efl], FL_NT, FL_NT
        CHECK_EQ "task 2: back link = main TSS", [t_link], TSS_SEL
        CHECK_EQW "task 2: old TSS descriptor still busy", [t_type_main], TYPE_TSS32_BUSY
        CHECK_EQW "task 2: own TSS descriptor busy", [t_type_2], TYPE_TSS32_BUSY
        CHECK_EQ "main task: back after the CALL", [m_tr], TSS_SEL
        CHECK_MASK "main task: NT clear", [m_efl], 0, FL_NT
        CHECK_EQW "TSS2 descriptor available after IRET", [gdt + TSS2 + 5], TYPE_TSS32_AVAIL
        ; 7.3 step 8: IRET clears NT in the EFLAGS image saved for the old task
        CHECK_MASK "TSS2: NT clear in the EFLAGS it saved on IRET", [tss2 + T_EFL], 0, FL_NT
        CHECK_EQ "TSS2: saved EIP after its IRET", [tss2 + T_EIP], task2_call.back
        CHECK_END

        CHECK_BEGIN "CALL through a task gate in the GDT"
        mov eax, task2_call
        call tss2_setup
        call TGATE2 : 0
        str ax
        movzx eax, ax
        mov [m_tr], eax
        CHECK_EQ "task 2: TR", [t_tr], TSS2
        CHECK_EQ "task 2: back link = main TSS", [t_link], TSS_SEL
        CHECK_MASK "task 2: EFLAGS.NT set", [t_efl], FL_NT, FL_NT
        CHECK_EQ "main task: TR again", [m_tr], TSS_SEL
        CHECK_END

; ---- busy checks (SDM Vol. 3A 7.3 table 7-1) ---------------------------------------------
        CHECK_BEGIN "#GP(sel): CALL and JMP to the busy TSS of the current task"
        EXPECT V_GP, TSS_SEL, .f1, .r1
        call set_pattern
        SNAP
.f1:    call TSS_SEL : 0
        FAIL "no exception on CALL"
.r1:    VERIFY
        EXPECT V_GP, TSS_SEL, .f2, .r2
        call set_pattern
        SNAP
.f2:    jmp TSS_SEL : 0
        FAIL "no exception on JMP"
.r2:    VERIFY
        CHECK_END

        CHECK_BEGIN "#TS(link): IRET with NT=1 whose back link is not a busy TSS"
        mov eax, task2_call
        call tss2_setup                 ; TSS2 available, not busy
        mov dword [tss_main + T_LINK], TSS2
        EXPECT V_TS, TSS2, .f, .r
        call set_pattern
        push dword FL_FIXED | FL_NT
        popfd
        SNAP
.f:     iretd
        FAIL "no exception"
.r:     VERIFY
        str ax
        movzx eax, ax
        CHECK_EQ "TR unchanged", eax, TSS_SEL
        CHECK_END

; ---- a 16-bit TSS (SDM Vol. 3A 7.6) ----------------------------------------------------
        CHECK_BEGIN "CALL to a 16-bit TSS and IRET back"
        call tss16_setup
        call TSS16 : 0
        str ax
        movzx eax, ax
        mov [m_tr], eax
        CHECK_EQ "16-bit task: TR", [t_tr], TSS16
        CHECK_EQW "16-bit task: AX from its TSS", [t_eax], 0x1616
        CHECK_EQW "16-bit task: CS from its TSS", [t_cs], CODE_T16
        CHECK_EQW "16-bit task: DS from its TSS", [t_ds], KDATA
        CHECK_EQW "16-bit task: SP from its TSS", [t_esp], 0x7F0
        CHECK_EQ "16-bit task: back link", [t_link], TSS_SEL
        CHECK_MASK "16-bit task: NT set", [t_efl], FL_NT, FL_NT
        CHECK_EQW "16-bit task: own descriptor busy (type 3)", [t_type_2], TYPE_TSS16_BUSY
        CHECK_EQ "main task: TR again", [m_tr], TSS_SEL
        CHECK_EQW "TSS16 descriptor available after IRET", [gdt + TSS16 + 5], TYPE_TSS16_AVAIL
        CHECK_EQW "TSS16: saved IP after its IRET", [tss16 + T16_IP], task16_code.back - task16_code
        CHECK_EQW "TSS16: saved AX", [tss16 + T16_AX], 0x6161
        CHECK_END

; ---- an exception through a task gate (SDM Vol. 3A 6.11, 6.12.2) -------------------------
        CHECK_BEGIN "#GP through a task gate: new task, error code on its stack, EIP saved"
        call tss3_setup
        IDT_GATE V_GP, TSS3, 0, GATE_TASK
        mov dword [t_count], 0
        mov ax, SEL_BEYOND
gp_task_fault:
        mov ds, ax                      ; #GP(SEL_BEYOND) -> task switch to TSS3
gp_task_resume:
        mov ax, KDATA                   ; (the #GP task made us resume here)
        mov ds, ax
        str ax
        movzx eax, ax
        mov [m_tr], eax
        CHECK_EQ "#GP task ran", [t_count], 1
        CHECK_EQ "#GP task: TR", [t_tr], TSS3
        CHECK_EQ "#GP task: error code pushed on its stack", [t_err], SEL_BEYOND
        CHECK_EQ "#GP task: stack after the pop", [t_esp], task3_stack_top
        CHECK_EQ "#GP task: back link", [t_link], TSS_SEL
        CHECK_MASK "#GP task: NT set", [t_efl], FL_NT, FL_NT
        CHECK_EQ "main TSS: saved EIP is the faulting MOV", [t_saved_eip], gp_task_fault
        CHECK_EQ "main task: TR again", [m_tr], TSS_SEL
        CHECK_END

; ---- the I/O permission bitmap (SDM Vol. 1 19.5.2) -------------------------------------
        CHECK_BEGIN "I/O bitmap, CPL 3, IOPL 0: byte OUT/IN to an allowed port"
        and byte [tss_main + TSS_IOMAP + (PORT_OK >> 3)], ~(1 << (PORT_OK & 7))
        EXPECT_RET .r
        RING3 .user
.user:  mov dx, PORT_OK
        mov al, 0x5A
        out dx, al
        mov al, 0
        in al, dx
        movzx eax, al
        mov [u_val], eax
        int RET_VEC
.r:     VERIFY_RET
        CHECK_EQ "value read back from the scratch register", [u_val], 0x5A
        CHECK_END

        CHECK_BEGIN "#GP(0): denied port; word access straddling a denied bit"
        and byte [tss_main + TSS_IOMAP + (PORT_OK >> 3)], ~(1 << (PORT_OK & 7))
        EXPECT V_GP, 0, .f1, .r1
        RING3 .user1
.user1: call set_pattern
        mov edx, PORT_DENIED
        SNAP
.f1:    in al, dx
        int RET_VEC
.r1:    VERIFY
        EXPECT V_GP, 0, .f2, .r2
        RING3 .user2
.user2: call set_pattern
        mov edx, PORT_OK                ; bits for 0x3FF (clear) and 0x400 (set)
        SNAP
.f2:    in ax, dx
        int RET_VEC
.r2:    VERIFY
        EXPECT V_GP, 0, .f3, .r3
        RING3 .user3
.user3: call set_pattern
        mov edx, PORT_OK - 1            ; bits for 0x3FE (set) and 0x3FF (clear)
        SNAP
.f3:    out dx, ax
        int RET_VEC
.r3:    VERIFY
        CHECK_END

        CHECK_BEGIN "#GP(0): I/O bitmap base beyond the TSS limit denies every port"
        and byte [tss_main + TSS_IOMAP + (PORT_OK >> 3)], ~(1 << (PORT_OK & 7))
        mov word [tss_main + T_IOMAP], TSS_MAIN_SIZE + 16
        EXPECT V_GP, 0, .f, .r
        RING3 .user
.user:  call set_pattern
        mov edx, PORT_OK
        SNAP
.f:     in al, dx
        int RET_VEC
.r:     VERIFY
        CHECK_END

        CHECK_BEGIN "IOPL 3 at CPL 3: the bitmap is not consulted"
        EXPECT_RET .r
        RING3 .user, FL_FIXED | FL_IOPL3
.user:  mov dx, PORT_OK
        mov al, 0xA5
        out dx, al
        mov al, 0
        in al, dx
        movzx eax, al
        mov [u_val], eax
        mov dx, PORT_DENIED
        in al, dx
        int RET_VEC
.r:     VERIFY_RET
        CHECK_EQ "value read back", [u_val], 0xA5
        CHECK_END

        jmp finish

; ---- the other tasks ---------------------------------------------------------------------

; record_task: common part of every task's report
record_task:
        str ax
        movzx eax, ax
        mov [t_tr], eax
        pushfd
        pop dword [t_efl]
        mov eax, cr0
        mov [t_cr0], eax
        movzx eax, byte [gdt + TSS_SEL + 5]
        mov [t_type_main], eax
        ret

; task2_jmp: entered by JMP; reports, then JMPs back to the main task
task2_jmp:
        mov [t_eax], eax
        mov [t_ecx], ecx
        mov [t_esp], esp
        call record_task
        movzx eax, word [tss2 + T_LINK]
        mov [t_link], eax
        movzx eax, byte [gdt + TSS2 + 5]
        mov [t_type_2], eax
        jmp TSS_SEL : 0
.back:  hlt                             ; never resumed

; task2_call: entered by CALL or a task gate; reports, then IRET (NT=1)
task2_call:
        call record_task
        movzx eax, word [tss2 + T_LINK]
        mov [t_link], eax
        movzx eax, byte [gdt + TSS2 + 5]
        mov [t_type_2], eax
        iretd
.back:  hlt

; task3_gp: the #GP task: pops the error code, reports, makes the main
; task resume after the faulting instruction, IRET (NT=1)
task3_gp:
        pop dword [t_err]
        mov [t_esp], esp
        call record_task
        inc dword [t_count]
        movzx eax, word [tss3 + T_LINK]
        mov [t_link], eax
        mov eax, [tss_main + T_EIP]
        mov [t_saved_eip], eax
        mov dword [tss_main + T_EIP], gp_task_resume
        iretd
        hlt

; tss2_setup: EAX = entry point; a fresh task 2 (ring 0, flat, own stack)
tss2_setup:
        mov edi, tss2
        call tss32_fill
        mov dword [tss2 + T_EAX], 0x2222AAAA
        mov dword [tss2 + T_ECX], 0x2222CCCC
        mov dword [tss2 + T_ESP], task2_stack_top
        mov word [tss2 + T_LINK], 0xFFFF ; recognisable: JMP must not write it
        DESC TSS2, tss2, 103, TYPE_TSS32_AVAIL, 0
        ret

tss3_setup:
        mov eax, task3_gp
        mov edi, tss3
        call tss32_fill
        mov dword [tss3 + T_ESP], task3_stack_top
        DESC TSS3, tss3, 103, TYPE_TSS32_AVAIL, 0
        ret

; tss32_fill: EDI = TSS, EAX = EIP: ring 0 flat segments, IF=0, no LDT,
; no I/O bitmap
tss32_fill:
        push eax
        push edi
        push ecx
        xor eax, eax
        mov ecx, 104 / 4
        cld
        rep stosd
        pop ecx
        pop edi
        pop eax
        mov [edi + T_EIP], eax
        mov dword [edi + T_EFL], FL_FIXED
        mov eax, cr3
        mov [edi + T_CR3], eax
        mov dword [edi + T_CS], KCODE
        mov dword [edi + T_SS], KDATA
        mov dword [edi + T_DS], KDATA
        mov dword [edi + T_ES], KDATA
        mov dword [edi + T_FS], KDATA
        mov dword [edi + T_GS], KDATA
        mov word [edi + T_IOMAP], 104   ; beyond the limit: no bitmap
        ret

; tss16_setup: a 16-bit task running task16_code (through CODE_T16)
tss16_setup:
        mov edi, tss16
        xor eax, eax
        mov ecx, 44 / 2
        cld
        rep stosw
        mov word [tss16 + T16_IP], 0
        mov word [tss16 + T16_FL], FL_FIXED
        mov word [tss16 + T16_AX], 0x1616
        mov word [tss16 + T16_SP], 0x7F0
        mov word [tss16 + T16_CS], CODE_T16
        mov word [tss16 + T16_SS], KDATA16
        mov word [tss16 + T16_DS], KDATA
        mov word [tss16 + T16_ES], KDATA
        DESC TSS16, tss16, 43, TYPE_TSS16_AVAIL, 0
        DESC CODE_T16, task16_code, 0xFFFF, ACC_CODE0, GR_BYTE32
        ret

; reset_tasks: the main task current again, every other TSS available,
; NT and CR0.TS clear, the I/O bitmap denying everything
reset_tasks:
        DESC TSS_SEL, tss_main, TSS_MAIN_SIZE - 1, TYPE_TSS32_AVAIL, 0
        mov ax, TSS_SEL
        ltr ax
        mov word [tss_main + T_LINK], 0
        pushfd
        and dword [esp], ~FL_NT
        popfd
        clts
        mov edi, tss_main + TSS_IOMAP
        mov ecx, 8192
        mov al, 0xFF
        cld
        rep stosb
        mov word [tss_main + T_IOMAP], TSS_IOMAP
        mov edi, t_records
        mov ecx, (t_records_end - t_records) / 4
        mov eax, 0xEEEEEEEE
        rep stosd
        ret

rom_check_reset:
        jmp reset_tasks

set_pattern:
        mov eax, 0xA0A0A0A0
        mov ecx, 0xC1C1C1C1
        mov edx, 0xD2D2D2D2
        mov ebx, 0xB3B3B3B3
        mov ebp, 0x5B5B5B5B
        mov esi, 0x51515151
        mov edi, 0xD1D1D1D1
        ret

; task16_code: 32-bit code of the 16-bit task; CS base is this label and IP
; from the 16-bit TSS is 0
task16_code:
        mov [t_eax], eax
        mov [t_esp], esp
        mov dword [t_cs], 0
        mov [t_cs], cs
        mov dword [t_ds], 0
        mov [t_ds], ds
        call dword KCODE : record_task_far
        movzx eax, word [tss16 + T_LINK]
        mov [t_link], eax
        movzx eax, byte [gdt + TSS16 + 5]
        mov [t_type_2], eax
        mov ax, 0x6161
        iretd
.back:  hlt

; record_task_far: record_task for callers in other code segments
record_task_far:
        call record_task
        retf

section .data
        align 4
t_records:
t_tr:           dd 0
t_efl:          dd 0
t_cr0:          dd 0
t_eax:          dd 0
t_ecx:          dd 0
t_esp:          dd 0
t_cs:           dd 0
t_ds:           dd 0
t_link:         dd 0
t_type_main:    dd 0
t_type_2:       dd 0
t_err:          dd 0
t_saved_eip:    dd 0
t_count:        dd 0
m_eax:          dd 0
m_tr:           dd 0
m_efl:          dd 0
m_cr0:          dd 0
u_val:          dd 0
t_records_end:

section .bss
        alignb 128
tss2:           resb 128
tss3:           resb 128
tss16:          resb 64
        alignb 16
task2_stack:    resb 4096
task2_stack_top:
task3_stack:    resb 4096
task3_stack_top:

        ROM_END

; exceptions.asm - every exception vector 0-17 that ring-0 or ring-3 code can
; provoke, with the frame the processor pushes.
;
; For faults the pushed EIP is the faulting instruction and every register,
; EFLAGS and ESP are as they were before it; for traps the pushed EIP is the
; next instruction (SDM Vol. 3A 6.5 "Exception classifications", table 6-1,
; 6.13 "Error code", 6.15 "Exception and interrupt reference").
; Vectors not covered: 2 (NMI, external), 9 (coprocessor segment overrun,
; 386 only), 15 (reserved), 16 (#MF needs x87 arithmetic).

%define ROM_NAME "exceptions"
%include "lib.inc"

SEL_NP_DATA     equ SPARE_SEL + 0x00    ; data segment, P=0
SEL_RO_DATA     equ SPARE_SEL + 0x08    ; read-only data segment
SEL_SMALL_DATA  equ SPARE_SEL + 0x10    ; data, limit 0xFFF
SEL_SMALL_STACK equ SPARE_SEL + 0x18    ; DPL-3 stack segment, limit 0xFFF (use with RPL 3)
SEL_CONF_CODE   equ SPARE_SEL + 0x20    ; conforming ring-0 code segment
SEL_NP_STACK    equ SPARE_SEL + 0x28    ; writable data segment, P=0 (for MOV SS)
SEL_BEYOND      equ GDT_ENTRIES * 8 + 0x40 ; beyond the GDT limit

NP_PAGE         equ 0x300000            ; not present when paging is on
SUPER_PAGE      equ 0x304000            ; present, supervisor only

CR0_MP          equ 1 << 1
CR0_EM          equ 1 << 2
CR0_TS          equ 1 << 3
CR0_AM          equ 1 << 18
CR0_PG          equ 1 << 31

main:
        DESC SEL_NP_DATA, 0, 0xFFFFF, ACC_DATA0 & 0x7F, GR_4K32
        DESC SEL_RO_DATA, 0, 0xFFFFF, ACC_RODATA0, GR_4K32
        DESC SEL_SMALL_DATA, 0, 0xFFF, ACC_DATA0, GR_BYTE32
        DESC SEL_SMALL_STACK, small_stack, 0xFFF, ACC_DATA3, GR_BYTE32
        DESC SEL_CONF_CODE, 0, 0xFFFFF, ACC_CONF0, GR_4K32
        DESC SEL_NP_STACK, 0, 0xFFFFF, ACC_DATA0 & 0x7F, GR_4K32

; ---- #DE (SDM Vol. 3A 6.15, interrupt 0) -----------------------------------------
        CHECK_BEGIN "#DE: DIV by 0 at CPL 0 is a fault; registers, EFLAGS, ESP kept"
        EXPECT V_DE, NOERR, .f, .r
        call set_pattern
        xor ecx, ecx
        push dword FL_PATTERN
        popfd
        SNAP
.f:     div ecx
        FAIL "no exception"
.r:     VERIFY
        CHECK_END

        CHECK_BEGIN "#DE: IDIV overflow at CPL 3, pushed SS:ESP of ring 3"
        EXPECT V_DE, NOERR, .f, .r
        RING3 .user
.user:  call set_pattern
        mov edx, 0xFFFFFFFF             ; EDX:EAX = -2^31
        mov eax, 0x80000000
        mov ecx, -1                     ; quotient 2^31 does not fit
        SNAP
.f:     idiv ecx
        int RET_VEC
.r:     VERIFY
        CHECK_EQ "pushed CS is ring 3", [exlog + ex.cs], UCODE
        CHECK_EQ "pushed SS is ring 3", [exlog + ex.ss], UDATA
        CHECK_END

; ---- #DB through INT1 (ICEBP) and TF (interrupt 1) ------------------------------------
        CHECK_BEGIN "#DB: INT1 (0xF1) at CPL 0 is a trap"
        QEMU_SKIP "INT1 raises #UD"
        EXPECT V_DB, NOERR, .next, .r
        call set_pattern
        SNAP
        db 0xF1                         ; INT1 / ICEBP
.next:  FAIL "execution went on after INT1"
.r:     VERIFY
        CHECK_END

        CHECK_BEGIN "#DB: INT1 at CPL 3 ignores the gate's DPL 0"
        QEMU_SKIP "INT1 raises #UD"
        EXPECT V_DB, NOERR, .next, .r
        RING3 .user
.user:  call set_pattern
        SNAP
        db 0xF1
.next:  int RET_VEC
.r:     VERIFY
        CHECK_END

        CHECK_BEGIN "#DB: TF traps after the instruction that follows POPF"
        EXPECT V_DB, NOERR, .after, .r
        mov eax, 0x1234
        push dword FL_FIXED | FL_TF
        popfd                           ; sets TF: no trap after POPF itself
        mov ebx, eax                    ; traps after this one
.after: FAIL "no single-step trap"
.r:     CHECK_EQ "events taken", [log_count], 1
        CHECK_EQ "vector", [exlog + ex.vec], V_DB
        CHECK_EQ "pushed EIP", [exlog + ex.eip], .after
        CHECK_MASK "pushed EFLAGS.TF", [exlog + ex.efl], FL_TF, FL_TF
        CHECK_MASK "DR6.BS", [exlog + ex.dr6], 1 << 14, 1 << 14
        CHECK_EQ "EBX (the instruction completed)", [exlog + ex.regs + R_EBX], 0x1234
        CHECK_END

; ---- #BP (interrupt 3) -------------------------------------------------------------
        CHECK_BEGIN "#BP: INT3 at CPL 0 is a trap, no error code"
        EXPECT V_BP, NOERR, .next, .r
        call set_pattern
        push dword FL_PATTERN
        popfd
        SNAP
        int3
.next:  FAIL "execution went on after INT3"
.r:     VERIFY
        CHECK_END

        CHECK_BEGIN "#BP: INT3 at CPL 3 through a DPL-3 gate"
        EXPECT V_BP, NOERR, .next, .r
        RING3 .user
.user:  call set_pattern
        SNAP
        int3
.next:  int RET_VEC
.r:     VERIFY
        CHECK_END

        CHECK_BEGIN "#GP: INT3 at CPL 3 through a DPL-0 gate gives #GP(3*8+2)"
        IDT_GATE V_BP, KCODE, isr_stubs + V_BP * ISR_STUB_SIZE, GATE_INT32
        EXPECT V_GP, 3 * 8 + 2, .f, .r
        RING3 .user
.user:  call set_pattern
        SNAP
.f:     int3
        int RET_VEC
.r:     VERIFY
        CHECK_END

; ---- #OF (interrupt 4) -------------------------------------------------------------
        CHECK_BEGIN "#OF: INTO does nothing with OF=0 and traps with OF=1"
        EXPECT V_UD, NOERR, .ud, .r1
        push dword FL_FIXED
        popfd
        into                            ; OF=0: no exception
.ud:    ud2
.r1:    CHECK_EQ "INTO with OF=0: next event is the UD2 after it", [exlog + ex.eip], .ud
        EXPECT V_OF, NOERR, .next, .r2
        call set_pattern
        push dword FL_PATTERN           ; OF=1
        popfd
        SNAP
        into
.next:  FAIL "execution went on after INTO"
.r2:    VERIFY
        CHECK_END

        CHECK_BEGIN "#OF: INTO at CPL 3 through a DPL-3 gate"
        EXPECT V_OF, NOERR, .next, .r
        RING3 .user, FL_FIXED | FL_OF
.user:  call set_pattern
        SNAP
        into
.next:  int RET_VEC
.r:     VERIFY
        CHECK_END

; ---- #BR (interrupt 5) -------------------------------------------------------------
        CHECK_BEGIN "#BR: BOUND is a fault when out of range, silent in range"
        EXPECT V_BR, NOERR, .f, .r
        call set_pattern
        mov esi, bounds
        mov eax, 10                     ; in [10, 20]
        bound eax, [esi]
        mov eax, 20
        bound eax, [esi]
        mov eax, 21                     ; above the upper bound
        push dword FL_PATTERN
        popfd
        SNAP
.f:     bound eax, [esi]
        FAIL "no exception"
.r:     VERIFY
        CHECK_END

; ---- #UD (interrupt 6) -------------------------------------------------------------
        CHECK_BEGIN "#UD: UD2 is a fault"
        EXPECT V_UD, NOERR, .f, .r
        call set_pattern
        SNAP
.f:     ud2
        FAIL "no exception"
.r:     VERIFY
        CHECK_END

        CHECK_BEGIN "#UD: LOCK ADD with a register destination, EIP at the prefix"
        EXPECT V_UD, NOERR, .f, .r
        call set_pattern
        push dword FL_PATTERN
        popfd
        SNAP
.f:     db 0xF0, 0x01, 0xD8             ; lock add eax, ebx
        FAIL "no exception"
.r:     VERIFY
        CHECK_END

        CHECK_BEGIN "#UD: LOCK NOP and LOCK MOV (not lockable) at CPL 3"
        QEMU_SKIP "LOCK is accepted on NOP and MOV"
        EXPECT V_UD, NOERR, .f1, .r1
        RING3 .user1
.user1: call set_pattern
        SNAP
.f1:    db 0xF0, 0x90                   ; lock nop
        int RET_VEC
.r1:    VERIFY
        EXPECT V_UD, NOERR, .f2, .r2
        RING3 .user2
.user2: call set_pattern
        mov ebx, bounds
        SNAP
.f2:    db 0xF0, 0x89, 0x03             ; lock mov [ebx], eax
        int RET_VEC
.r2:    VERIFY
        CHECK_END

; ---- #NM (interrupt 7; SDM Vol. 3A 2.5 CR0.TS/EM/MP, table 2-2) -------------------
        CHECK_BEGIN "#NM: FNINIT with CR0.TS=1, WAIT with CR0.TS=MP=1"
        mov eax, cr0
        or eax, CR0_TS
        and eax, ~(CR0_EM | CR0_MP)
        mov cr0, eax
        EXPECT V_NM, NOERR, .f1, .r1
        call set_pattern
        SNAP
.f1:    fninit
        FAIL "no exception from FNINIT"
.r1:    VERIFY
        EXPECT V_UD, NOERR, .ud, .r2
        wait                            ; MP=0: WAIT ignores TS
.ud:    ud2
.r2:    CHECK_EQ "WAIT with TS=1, MP=0 does not fault (next event is UD2)", [exlog + ex.eip], .ud
        mov eax, cr0
        or eax, CR0_MP
        mov cr0, eax
        EXPECT V_NM, NOERR, .f3, .r3
        call set_pattern
        SNAP
.f3:    wait
        FAIL "no exception from WAIT"
.r3:    VERIFY
        CHECK_END

        CHECK_BEGIN "#NM: FNINIT with CR0.EM=1 (TS=0)"
        mov eax, cr0
        or eax, CR0_EM
        and eax, ~CR0_TS
        mov cr0, eax
        EXPECT V_NM, NOERR, .f, .r
        call set_pattern
        SNAP
.f:     fninit
        FAIL "no exception"
.r:     VERIFY
        CHECK_END

; ---- #DF (interrupt 8; SDM Vol. 3A 6.15 table 6-5) ----------------------------------
        CHECK_BEGIN "#DF: #GP whose gate is not present (#NP while delivering #GP)"
        and byte [idt + V_GP * 8 + 5], 0x7F
        EXPECT V_DF, 0, 0, .r
        mov ax, SEL_BEYOND
        mov ds, ax                      ; #GP(sel) -> #NP(13*8+2+1) -> #DF
        FAIL "no exception"
.r:     CHECK_EQ "events taken", [log_count], 1
        CHECK_EQ "vector", [exlog + ex.vec], V_DF
        CHECK_EQ "error code", [exlog + ex.err], 0
        CHECK_EQ "pushed CS", [exlog + ex.cs], KCODE
        CHECK_END

        CHECK_BEGIN "#DF: #DE whose gate is not present (contributory + contributory)"
        and byte [idt + V_DE * 8 + 5], 0x7F
        EXPECT V_DF, 0, 0, .r
        xor ecx, ecx
        div ecx
        FAIL "no exception"
.r:     CHECK_EQ "events taken", [log_count], 1
        CHECK_EQ "vector", [exlog + ex.vec], V_DF
        CHECK_EQ "error code", [exlog + ex.err], 0
        CHECK_END

        CHECK_BEGIN "#NP, not #DF: #UD (benign) whose gate is not present"
        and byte [idt + V_UD * 8 + 5], 0x7F
        EXPECT V_NP, V_UD * 8 + 2, .f, .r       ; IDT bit (6.13)
        mov dword [exp_err_mask], ~1            ; EXT: next check
        call set_pattern
        SNAP
.f:     ud2
        FAIL "no exception"
.r:     VERIFY
        CHECK_END

        CHECK_BEGIN "EXT=1 in the #NP error code when delivering #UD found the gate absent"
        QEMU_SKIP "EXT is never set"
        and byte [idt + V_UD * 8 + 5], 0x7F
        EXPECT V_NP, V_UD * 8 + 2 + 1, .f, .r   ; IDT bit, EXT bit (6.13)
        ud2
.f:     FAIL "no exception"
.r:     CHECK_EQ "error code", [exlog + ex.err], V_UD * 8 + 2 + 1
        CHECK_END

; ---- #TS (interrupt 10): a bad SS0 found on a ring-3 -> ring-0 stack switch ----------
; The #TS gate leads to a conforming segment, so its handler runs at CPL 3 on
; the ring-3 stack and needs no stack switch (SDM Vol. 3A 6.12.1).
        CHECK_BEGIN "#TS: INT n from CPL 3 with a code segment in TSS.SS0"
        IDT_GATE V_TS, SEL_CONF_CODE, ts_handler, GATE_INT32
        mov dword [tss_main + 8], KCODE ; SS0 not a writable data segment
        mov dword [ts_count], 0
        EXPECT_RET .r
        RING3 .user
.user:  call set_pattern
        SNAP
.f:     int RET_VEC                     ; #TS(0x08), then the handler's INT works
        FAIL "came back without #TS"
.r:     CHECK_EQ "INT RET_VEC came from the #TS handler", [exlog + ex.eip], ts_handler.back
        CHECK_EQ "#TS taken", [ts_count], 1
        CHECK_EQ "error code (selector, EXT=0 for INT n)", [ts_frame + 0], KCODE
        CHECK_EQ "pushed EIP (fault: the INT)", [ts_frame + 4], .f
        CHECK_EQ "pushed CS", [ts_frame + 8], UCODE
        CHECK_EQ "handler CS (conforming: RPL = CPL 3)", [ts_cs], SEL_CONF_CODE | 3
        CHECK_EQ "no stack switch: frame right below the ring-3 ESP", [ts_esp], [pre_esp]
        CHECK_END

        CHECK_BEGIN "#TS: #UD at CPL 3 with a code segment in TSS.SS0, EXT=1"
        QEMU_SKIP "EXT is never set"
        IDT_GATE V_TS, SEL_CONF_CODE, ts_handler, GATE_INT32
        mov dword [tss_main + 8], KCODE
        mov dword [ts_count], 0
        EXPECT_RET .r
        RING3 .user
.user:  call set_pattern
        SNAP
.f:     ud2
        FAIL "came back without #TS"
.r:     CHECK_EQ "#TS taken", [ts_count], 1
        CHECK_EQ "error code (selector, EXT=1)", [ts_frame + 0], KCODE | 1
        CHECK_EQ "pushed EIP", [ts_frame + 4], .f
        CHECK_END

; ---- #NP (interrupt 11) --------------------------------------------------------------
        CHECK_BEGIN "#NP: MOV DS with a not-present segment, error code = selector"
        EXPECT V_NP, SEL_NP_DATA, .f, .r
        call set_pattern
        mov eax, SEL_NP_DATA
        SNAP
.f:     mov ds, ax
        FAIL "no exception"
.r:     VERIFY
        CHECK_EQ "DS unchanged", [exlog + ex.ds], KDATA
        CHECK_END

        CHECK_BEGIN "#NP: INT 0x40 with a not-present gate, error = 0x40*8+2"
        and byte [idt + 0x40 * 8 + 5], 0x7F
        EXPECT V_NP, 0x40 * 8 + 2, .f, .r
        call set_pattern
        SNAP
.f:     int 0x40
        FAIL "no exception"
.r:     VERIFY
        CHECK_END

; ---- #SS (interrupt 12) --------------------------------------------------------------
        CHECK_BEGIN "#SS(0): CPL-3 access beyond the SS limit"
        QEMU_SKIP "no limit checks on data accesses"
        EXPECT V_SS, 0, .f, .r
        mov dword [r3_ss], SEL_SMALL_STACK | 3
        mov dword [r3_esp], 0x800
        RING3 .user
.user:  call set_pattern
        mov ebp, 0xFFE                  ; dword at 0xFFE..0x1001: past 0xFFF
        SNAP
.f:     mov eax, [ebp]
        int RET_VEC
.r:     VERIFY
        CHECK_EQ "pushed SS", [exlog + ex.ss], SEL_SMALL_STACK | 3
        CHECK_EQ "pushed ESP", [exlog + ex.esp], 0x800
        CHECK_END

        CHECK_BEGIN "#SS(sel): MOV SS with a not-present segment"
        EXPECT V_SS, SEL_NP_STACK, .f, .r
        call set_pattern
        mov eax, SEL_NP_STACK
        SNAP
.f:     mov ss, ax
        FAIL "no exception"
.r:     VERIFY
        CHECK_END

; ---- #GP (interrupt 13) --------------------------------------------------------------
        CHECK_BEGIN "#GP(sel): MOV DS with a selector beyond the GDT limit"
        EXPECT V_GP, SEL_BEYOND, .f, .r
        call set_pattern
        mov eax, SEL_BEYOND
        SNAP
.f:     mov ds, ax
        FAIL "no exception"
.r:     VERIFY
        CHECK_END

        CHECK_BEGIN "#GP(0): write through a read-only data segment"
        QEMU_SKIP "no write check on data segments"
        mov ax, SEL_RO_DATA
        mov es, ax
        EXPECT V_GP, 0, .f, .r
        call set_pattern
        mov ebx, bounds
        mov eax, [es:ebx]               ; reading is fine
        SNAP
.f:     mov [es:ebx], ecx
        FAIL "no exception"
.r:     VERIFY
        CHECK_EQ "memory unchanged", [bounds], 10
        CHECK_END

        CHECK_BEGIN "#GP(0): read beyond the DS limit"
        QEMU_SKIP "no limit checks on data accesses"
        EXPECT V_GP, 0, .f, .r
        call set_pattern
        mov ebx, 0xFFD                  ; dword at 0xFFD..0x1000
        mov eax, SEL_SMALL_DATA
        SNAP                            ; (EXPECT and SNAP write through DS)
        mov ds, ax
.f:     mov eax, [ebx]
        FAIL "no exception"
.r:     VERIFY
        CHECK_END

        CHECK_BEGIN "#GP(0): CLI, HLT and MOV from CR0 at CPL 3 (IOPL 0)"
        EXPECT V_GP, 0, .f1, .r1
        RING3 .user1
.user1: call set_pattern
        SNAP
.f1:    cli
        int RET_VEC
.r1:    VERIFY
        EXPECT V_GP, 0, .f2, .r2
        RING3 .user2
.user2: call set_pattern
        SNAP
.f2:    hlt
        int RET_VEC
.r2:    VERIFY
        EXPECT V_GP, 0, .f3, .r3
        RING3 .user3
.user3: call set_pattern
        SNAP
.f3:    mov eax, cr0
        int RET_VEC
.r3:    VERIFY
        CHECK_END

        CHECK_BEGIN "#GP(0x40*8+2): INT 0x40 at CPL 3 through a DPL-0 gate"
        EXPECT V_GP, 0x40 * 8 + 2, .f, .r
        RING3 .user
.user:  call set_pattern
        SNAP
.f:     int 0x40
        int RET_VEC
.r:     VERIFY
        CHECK_END

; ---- #PF (interrupt 14; SDM Vol. 3A 4.7) ---------------------------------------------
        CHECK_BEGIN "#PF: read and write of a not-present page at CPL 0, CR2"
        call paging_on
        EXPECT V_PF, 0, .f1, .r1        ; P=0, W/R=0, U/S=0
        call set_pattern
        mov esi, NP_PAGE + 0x123
        SNAP
.f1:    mov eax, [esi]
        FAIL "no exception on the read"
.r1:    VERIFY
        CHECK_EQ "CR2 after the read", [exlog + ex.cr2], NP_PAGE + 0x123
        EXPECT V_PF, 2, .f2, .r2        ; W/R=1
        call set_pattern
        mov edi, NP_PAGE + 0xFFE        ; a word that straddles into the next page
        SNAP
.f2:    mov [edi], ecx
        FAIL "no exception on the write"
.r2:    VERIFY
        CHECK_EQ "CR2 after the write", [exlog + ex.cr2], NP_PAGE + 0xFFE
        CHECK_END

        CHECK_BEGIN "#PF: CPL-3 read of a supervisor page, error code P|U"
        call paging_on
        EXPECT V_PF, 5, .f, .r
        RING3 .user
.user:  call set_pattern
        mov esi, SUPER_PAGE + 8
        SNAP
.f:     mov eax, [esi]
        int RET_VEC
.r:     VERIFY
        CHECK_EQ "CR2", [exlog + ex.cr2], SUPER_PAGE + 8
        CHECK_END

; ---- #AC (interrupt 17; SDM Vol. 3A 6.15, table 6-7) ---------------------------------
        CHECK_BEGIN "#AC(0): misaligned dword read at CPL 3 with CR0.AM and EFLAGS.AC"
        QEMU_SKIP "no alignment checking"
        mov eax, cr0
        or eax, CR0_AM
        mov cr0, eax
        EXPECT V_AC, 0, .f, .r
        RING3 .user, FL_FIXED | FL_AC
.user:  call set_pattern
        mov esi, bounds + 1
        mov eax, [bounds]               ; aligned: fine
        SNAP
.f:     mov eax, [esi]
        int RET_VEC
.r:     VERIFY
        CHECK_END

        CHECK_BEGIN "#AC: not raised at CPL 0, nor with AC=0, nor with CR0.AM=0"
        mov eax, cr0
        or eax, CR0_AM
        mov cr0, eax
        push dword FL_FIXED | FL_AC
        popfd
        EXPECT_RET .r1
        mov eax, [bounds + 1]           ; CPL 0: no check
        RING3 .user1, FL_FIXED          ; AC=0
.user1: mov eax, [bounds + 1]
        int RET_VEC
.r1:    CHECK_EQ "AC=0 at CPL 3: came back with INT RET_VEC", [exlog + ex.vec], RET_VEC
        mov eax, cr0
        and eax, ~CR0_AM
        mov cr0, eax
        EXPECT_RET .r2
        RING3 .user2, FL_FIXED | FL_AC  ; AM=0
.user2: mov eax, [bounds + 1]
        int RET_VEC
.r2:    CHECK_EQ "AM=0 at CPL 3: came back with INT RET_VEC", [exlog + ex.vec], RET_VEC
        CHECK_END

        jmp finish

; ---- helpers ---------------------------------------------------------------------------

; set_pattern: distinct values in every general register but ESP
set_pattern:
        mov eax, 0xA0A0A0A0
        mov ecx, 0xC1C1C1C1
        mov edx, 0xD2D2D2D2
        mov ebx, 0xB3B3B3B3
        mov ebp, 0x5B5B5B5B
        mov esi, 0x51515151
        mov edi, 0xD1D1D1D1
        ret

; ts_handler: #TS through a conforming segment: runs at CPL 3 on the ring-3
; stack with ring-3 DS.  Records the frame, repairs SS0, goes back to ring 0.
ts_handler:
        mov [ts_esp], esp
        pop dword [ts_frame + 0]        ; error code
        pop dword [ts_frame + 4]        ; EIP
        pop dword [ts_frame + 8]        ; CS
        and dword [ts_frame + 8], 0xFFFF
        pop dword [ts_frame + 12]       ; EFLAGS
        add dword [ts_esp], 16          ; ESP before the event
        mov dword [ts_cs], 0
        mov [ts_cs], cs
        inc dword [ts_count]
        mov dword [tss_main + 8], KDATA
        int RET_VEC
.back:

; paging_on: identity-map 0-4 MB with 4 KB pages (user, writable), except
; NP_PAGE and the page after it (not present) and SUPER_PAGE (supervisor)
paging_on:
        pushad
        mov edi, page_table
        mov eax, 0x007                  ; P | W | U
        mov ecx, 1024
.pte:   mov [edi], eax
        add eax, 0x1000
        add edi, 4
        loop .pte
        mov dword [page_table + (NP_PAGE >> 12) * 4], 0
        mov dword [page_table + (NP_PAGE >> 12) * 4 + 4], 0
        and dword [page_table + (SUPER_PAGE >> 12) * 4], ~4
        mov edi, page_dir
        xor eax, eax
        mov ecx, 1024
        rep stosd
        mov dword [page_dir], page_table + 0x007
        mov eax, page_dir
        mov cr3, eax
        mov eax, cr0
        or eax, CR0_PG
        mov cr0, eax
        jmp .flush
.flush: popad
        ret

; rom_check_reset: after every check: paging off, CR0.TS/EM/MP/AM clear,
; SS0 repaired
rom_check_reset:
        mov eax, cr0
        and eax, ~(CR0_PG | CR0_TS | CR0_EM | CR0_MP | CR0_AM)
        mov cr0, eax
        mov dword [tss_main + 8], KDATA
        ret

section .data
        align 4
bounds:         dd 10, 20               ; BOUND's pair; also a scratch dword
ts_frame:       dd 0, 0, 0, 0
ts_esp:         dd 0
ts_cs:          dd 0
ts_count:       dd 0

section .bss
        alignb 4096
page_dir:       resb 4096
page_table:     resb 4096
small_stack:    resb 4096

        ROM_END

; paging.asm - 32-bit paging: 4 KB and 4 MB (PSE) pages, #PF error codes and
; CR2, CR0.WP, the accessed and dirty bits, INVLPG, CR3 loads and global
; pages (CR4.PGE).
;
; SDM Vol. 3A chapter 4 "Paging": 4.3 "32-bit paging" (tables 4-4 to 4-6:
; PDE and PTE formats), 4.6 "Access rights" (CR0.WP), 4.7 "Page-fault
; exceptions" (figure 4-12: error code P, W/R, U/S), 4.8 "Accessed and dirty
; flags", 4.10 "Caching translation information" (4.10.4 INVLPG, MOV to CR3,
; global pages).
;
; Linear layout while paging is on: 0-4 MB identity (4 KB pages, user,
; writable: the ROM itself, its tables and the physical test pages),
; 8-12 MB through pt2 (the pages under test), 12-16 MB a 4 MB PSE page.

%define ROM_NAME "paging"
%include "lib.inc"

PG_P    equ 1 << 0
PG_W    equ 1 << 1
PG_U    equ 1 << 2
PG_A    equ 1 << 5
PG_D    equ 1 << 6
PG_PS   equ 1 << 7
PG_G    equ 1 << 8

CR0_WP  equ 1 << 16
CR0_PG  equ 1 << 31
CR4_PSE equ 1 << 4
CR4_PGE equ 1 << 7

PHYS1   equ 0x310000                    ; physical test pages (identity-mapped too)
PHYS2   equ 0x311000
LIN     equ 0x800000                    ; linear pages under test, through pt2
LIN2    equ 0x801000
LIN_NP  equ 0x802000                    ; PTE not present
LIN_PDE_NP equ 0x400000                 ; PDE 1 not present
LIN_4M  equ 0xC00000                    ; PDE 3: a 4 MB page onto physical 0

%macro PTE 2                            ; PTE linear, value: an entry of pt2
        mov dword [pt2 + (((%1) >> 12) & 0x3FF) * 4], %2
%endmacro

main:
        mov dword [PHYS1], 0x11111111
        mov dword [PHYS2], 0x22222222

; ---- translation (4.3) -------------------------------------------------------------------
        CHECK_BEGIN "4 KB page: a linear page reaches the physical page of its PTE"
        call paging_on
        PTE LIN, PHYS1 | PG_P | PG_W | PG_U
        PTE LIN2, PHYS2 | PG_P | PG_W | PG_U
        CHECK_EQ "read through LIN", [LIN], 0x11111111
        CHECK_EQ "read through LIN2", [LIN2], 0x22222222
        mov dword [LIN + 4], 0xCAFE0001
        CHECK_EQ "write through LIN lands at PHYS1", [PHYS1 + 4], 0xCAFE0001
        CHECK_END

        CHECK_BEGIN "4 MB page (CR4.PSE): PDE with PS maps 4 MB, A then D set in the PDE"
        mov eax, cr4
        or eax, CR4_PSE
        mov cr4, eax
        call paging_on
        mov dword [page_dir + (LIN_4M >> 22) * 4], 0 | PG_P | PG_W | PG_U | PG_PS
        mov eax, cr3
        mov cr3, eax
        CHECK_EQ "read through the 4 MB page", [LIN_4M + PHYS1], 0x11111111
        CHECK_MASK "PDE after a read: A=1, D=0", [page_dir + (LIN_4M >> 22) * 4], PG_A, PG_A | PG_D
        mov dword [LIN_4M + PHYS1 + 8], 0xCAFE0002
        CHECK_EQ "write through the 4 MB page lands at PHYS1", [PHYS1 + 8], 0xCAFE0002
        CHECK_MASK "PDE after a write: A=1, D=1", [page_dir + (LIN_4M >> 22) * 4], PG_A | PG_D, PG_A | PG_D
        CHECK_END

; ---- #PF error codes and CR2 (4.7) -------------------------------------------------------
        CHECK_BEGIN "#PF: not-present PTE, read and write at CPL 0: error 0 and 2, CR2"
        call paging_on
        EXPECT V_PF, 0, .f1, .r1
        call set_pattern
        mov esi, LIN_NP + 0x10
        SNAP
.f1:    mov eax, [esi]
        FAIL "no exception"
.r1:    VERIFY
        CHECK_EQ "CR2", [exlog + ex.cr2], LIN_NP + 0x10
        EXPECT V_PF, PG_W, .f2, .r2
        call set_pattern
        mov edi, LIN_NP + 0x20
        SNAP
.f2:    mov [edi], eax
        FAIL "no exception"
.r2:    VERIFY
        CHECK_EQ "CR2", [exlog + ex.cr2], LIN_NP + 0x20
        CHECK_END

        CHECK_BEGIN "#PF: not-present PDE at CPL 3: error U (4), CR2"
        call paging_on
        EXPECT V_PF, PG_U, .f, .r
        RING3 .user
.user:  call set_pattern
        mov esi, LIN_PDE_NP + 0x1234
        SNAP
.f:     mov eax, [esi]
        int RET_VEC
.r:     VERIFY
        CHECK_EQ "CR2", [exlog + ex.cr2], LIN_PDE_NP + 0x1234
        CHECK_END

        CHECK_BEGIN "#PF: CPL-3 write to a read-only user page: error P|W|U (7)"
        call paging_on
        PTE LIN, PHYS1 | PG_P | PG_U
        EXPECT V_PF, PG_P | PG_W | PG_U, .f, .r
        RING3 .user
.user:  call set_pattern
        mov esi, [LIN]                  ; reading is fine
        mov edi, LIN + 0xC
        SNAP
.f:     mov [edi], eax
        int RET_VEC
.r:     VERIFY
        CHECK_EQ "CR2", [exlog + ex.cr2], LIN + 0xC
        CHECK_EQ "memory unchanged", [PHYS1 + 0xC], 0
        CHECK_END

        CHECK_BEGIN "#PF: CPL-3 read of a supervisor page: error P|U (5)"
        call paging_on
        PTE LIN, PHYS1 | PG_P | PG_W
        EXPECT V_PF, PG_P | PG_U, .f, .r
        RING3 .user
.user:  call set_pattern
        mov esi, LIN + 0x30
        SNAP
.f:     mov eax, [esi]
        int RET_VEC
.r:     VERIFY
        CHECK_EQ "CR2", [exlog + ex.cr2], LIN + 0x30
        CHECK_END

        CHECK_BEGIN "#PF: supervisor PDE makes the whole 4 MB supervisor (U/S of both levels)"
        call paging_on
        PTE LIN, PHYS1 | PG_P | PG_W | PG_U
        and dword [page_dir + (LIN >> 22) * 4], ~PG_U
        EXPECT V_PF, PG_P | PG_U, .f, .r
        RING3 .user
.user:  call set_pattern
        mov esi, LIN
        SNAP
.f:     mov eax, [esi]
        int RET_VEC
.r:     VERIFY
        CHECK_END

        CHECK_BEGIN "CR0.WP: CPL-0 write to a read-only page: allowed with WP=0, #PF(3) with WP=1"
        call paging_on
        PTE LIN, PHYS1 | PG_P | PG_U
        mov dword [LIN + 0x40], 0xCAFE0003  ; WP=0: supervisor writes anything
        CHECK_EQ "WP=0: the write happened", [PHYS1 + 0x40], 0xCAFE0003
        mov eax, cr0
        or eax, CR0_WP
        mov cr0, eax
        EXPECT V_PF, PG_P | PG_W, .f, .r
        call set_pattern
        mov edi, LIN + 0x44
        SNAP
.f:     mov [edi], ecx
        FAIL "no exception"
.r:     VERIFY
        CHECK_EQ "CR2", [exlog + ex.cr2], LIN + 0x44
        CHECK_END

; ---- accessed and dirty flags (4.8) --------------------------------------------------------
        CHECK_BEGIN "A/D, 4 KB page: read sets PTE.A and PDE.A only; write sets PTE.D; PDE.D untouched"
        call paging_on
        PTE LIN, PHYS1 | PG_P | PG_W | PG_U
        mov eax, [LIN]
        CHECK_MASK "PTE after a read: A=1, D=0", [pt2], PG_A, PG_A | PG_D
        CHECK_MASK "PDE after a read: A=1, bit 6 still 0", [page_dir + (LIN >> 22) * 4], PG_A, PG_A | PG_D
        mov dword [LIN + 0x50], 1
        CHECK_MASK "PTE after a write: A=1, D=1", [pt2], PG_A | PG_D, PG_A | PG_D
        CHECK_MASK "PDE after a write: bit 6 still 0", [page_dir + (LIN >> 22) * 4], PG_A, PG_A | PG_D
        CHECK_END

        CHECK_BEGIN "A/D: a write as first access sets A and D; a faulting write does not set D"
        call paging_on
        PTE LIN, PHYS1 | PG_P | PG_W | PG_U
        PTE LIN2, PHYS2 | PG_P | PG_U   ; read-only for ring 3
        mov dword [LIN + 0x54], 2
        CHECK_MASK "PTE after a first write: A=1, D=1", [pt2], PG_A | PG_D, PG_A | PG_D
        EXPECT V_PF, PG_P | PG_W | PG_U, .f, .r
        RING3 .user
.user:  mov dword [LIN2], 3
.f:     int RET_VEC
.r:     CHECK_EQ "the write faulted", [exlog + ex.vec], V_PF
        CHECK_MASK "PTE of the page written in vain: D=0", [pt2 + 4], 0, PG_D
        CHECK_END

; ---- TLB maintenance (4.10.4) ---------------------------------------------------------------
        CHECK_BEGIN "INVLPG makes a changed PTE visible; so does a CR3 load"
        call paging_on
        PTE LIN, PHYS1 | PG_P | PG_W | PG_U
        mov eax, [LIN]                  ; now cached
        PTE LIN, PHYS2 | PG_P | PG_W | PG_U
        invlpg [LIN]
        CHECK_EQ "after INVLPG: PHYS2", [LIN], 0x22222222
        PTE LIN, PHYS1 | PG_P | PG_W | PG_U
        mov eax, cr3
        mov cr3, eax
        CHECK_EQ "after a CR3 load: PHYS1", [LIN], 0x11111111
        PTE LIN, 0
        invlpg [LIN]
        EXPECT V_PF, 0, .f, .r
        mov eax, [LIN]
.f:     FAIL "no #PF after the PTE was cleared and INVLPG"
.r:     CHECK_EQ "cleared PTE + INVLPG: #PF", [exlog + ex.vec], V_PF
        CHECK_END

        CHECK_BEGIN "PGE: a global translation survives a CR3 load; clearing CR4.PGE flushes it"
        QEMU_SKIP "flushes global pages on CR3 loads (the SDM allows it)"
        mov eax, cr4
        or eax, CR4_PGE
        mov cr4, eax
        call paging_on
        PTE LIN, PHYS1 | PG_P | PG_W | PG_U | PG_G
        PTE LIN2, PHYS1 | PG_P | PG_W | PG_U
        mov eax, [LIN]                  ; both cached
        mov eax, [LIN2]
        PTE LIN, PHYS2 | PG_P | PG_W | PG_U | PG_G
        PTE LIN2, PHYS2 | PG_P | PG_W | PG_U
        mov eax, cr3
        mov cr3, eax
        CHECK_EQ "global page after the CR3 load: still PHYS1", [LIN], 0x11111111
        CHECK_EQ "non-global page after the CR3 load: PHYS2", [LIN2], 0x22222222
        mov eax, cr4
        and eax, ~CR4_PGE
        mov cr4, eax
        CHECK_EQ "global page after clearing CR4.PGE: PHYS2", [LIN], 0x22222222
        CHECK_END

        CHECK_BEGIN "PGE: INVLPG flushes a global translation"
        mov eax, cr4
        or eax, CR4_PGE
        mov cr4, eax
        call paging_on
        PTE LIN, PHYS1 | PG_P | PG_W | PG_U | PG_G
        mov eax, [LIN]
        PTE LIN, PHYS2 | PG_P | PG_W | PG_U | PG_G
        invlpg [LIN]
        CHECK_EQ "after INVLPG: PHYS2", [LIN], 0x22222222
        CHECK_END

        jmp finish

; paging_on: fresh tables, CR3, CR0.PG (CR0.WP clear)
paging_on:
        pushad
        cld
        mov edi, page_dir
        xor eax, eax
        mov ecx, 1024 * 2               ; page_dir and pt2
        rep stosd
        mov edi, pt0
        mov eax, PG_P | PG_W | PG_U
        mov ecx, 1024
.pte:   stosd
        add eax, 0x1000
        loop .pte
        mov dword [page_dir + 0], pt0 + (PG_P | PG_W | PG_U)
        mov dword [page_dir + (LIN >> 22) * 4], pt2 + (PG_P | PG_W | PG_U)
        mov dword [PHYS1 + 4], 0
        mov dword [PHYS1 + 8], 0
        mov dword [PHYS1 + 0xC], 0
        mov dword [PHYS1 + 0x40], 0
        mov eax, page_dir
        mov cr3, eax
        mov eax, cr0
        or eax, CR0_PG
        and eax, ~CR0_WP
        mov cr0, eax
        jmp .on
.on:    popad
        ret

rom_check_reset:
        mov eax, cr0
        and eax, ~(CR0_PG | CR0_WP)
        mov cr0, eax
        mov eax, cr4
        and eax, ~(CR4_PSE | CR4_PGE)
        mov cr4, eax
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

section .bss
        alignb 4096
page_dir:       resb 4096               ; (page_dir and pt2 are cleared together)
pt2:            resb 4096
pt0:            resb 4096

        ROM_END

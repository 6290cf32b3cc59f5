; demo.asm - the demo guest: a 1.44 MB boot floppy (build/firmware/demo.img)
; that README's first command boots.  Screen 1 (text.inc) shows what the
; emulated PC reports, then screen 2 (gfx.inc) draws in mode 13h and echoes
; the keys typed, on the screen and on COM1 ("key: x").  It waits for keys
; and time with STI; HLT, never a busy poll.  COM1 tells a headless test
; where it is:
;   dynapc demo: text screen
;   dynapc demo: mode 13h (key)        or (timeout), after about 3 s
;   dynapc demo: Type something:       screen 2 drawn, reading keys
;   key: x / key: Enter / key: Backspace / key: Esc   (Esc: back to screen 1)
; Real mode, BIOS services, 8086 code (CPUID only where the CPU has it).

        org     0x7C00
%include "boot.inc"

; variables, in free conventional memory below the stack (0000:7C00)
        absolute 0x0600
cpu_class:      resb 1
cpu_stepping:   resb 1
cpu_model:      resb 1
                resb 1
cpu_family:     resw 1
cpu_features:   resd 1
cpu_features_ecx: resd 1
mem_base_kb:    resw 1
mem_total_mb:   resw 1
wait_start:     resw 1
tx_attr:        resb 1
                resb 1
echo_pos:       resw 1                  ; screen 2: row << 8 | column
mandel_cx:      resw 1
mandel_cy:      resw 1
mandel_px:      resw 1
mandel_n:       resw 1
cpu_vendor:     resb 16
cpu_brand:      resb 52
        section .text

main:
        xor     ax, ax
        mov     ds, ax
        mov     di, cpu_class           ; clear the variables
        mov     es, ax
        mov     cx, cpu_brand + 52 - cpu_class
        cld
        rep     stosb
        call    serial_init
        mov     si, msg_hello
        call    serial_puts
        call    sysinfo
.again: call    text_screen
        call    gfx_screen
        jmp     .again

%include "sysinfo.inc"
%include "text.inc"
%include "gfx.inc"
%include "serial.inc"

use_debugcon:   db 1

msg_hello:      db "dynapc demo: booted", 13, 10, 0
msg_text:       db "dynapc demo: text screen", 13, 10, 0
msg_by_key:     db "dynapc demo: mode 13h (key)", 13, 10, 0
msg_by_timeout: db "dynapc demo: mode 13h (timeout)", 13, 10, 0
msg_prompt:     db "dynapc demo: Type something:", 13, 10, 0
msg_key:        db "key: ", 0
msg_enter:      db "key: Enter", 13, 10, 0
msg_backspace:  db "key: Backspace", 13, 10, 0
msg_esc:        db "key: Esc", 13, 10, 0

str_bar_left:   db "dynapc demo", 0
str_bar_right:  db "a PC emulator with dynamic binary translation", 0
str_status:     db "Screen 2 echoes every key on COM1 too (-serial stdio)", 0
str_title:      db "d y n a p c   d e m o", 0
str_subtitle:   db "a guest written in nasm for this project, booted from a floppy", 0
labels:         db "Processor", 0, "CPU name", 0, "Features", 0, "Memory", 0
                db "BIOS date", 0, "RTC clock", 0, "Boot drive", 0, 0
str_colours:    db "Colours", 0
str_press:      db "Press any key for graphics (mode 13h) ... "
str_press_digit: db "  s", 0
str_hint:       db "There: type, Enter, Backspace; Esc comes back here", 0
str_none:       db "-", 0
str_family:     db ", family ", 0
str_model:      db ", model ", 0
str_stepping:   db ", stepping ", 0
str_kb_base:    db " KB base memory, ", 0
str_mb_total:   db " MB in all", 0
str_drive_a:    db "floppy A: (INT 13h drive ", 0
str_drive_other: db "INT 13h drive ", 0
str_prompt:     db "Type something:", 0

; frame pieces: left, middle, right (code page 437 box drawing)
box_top:        db 0xC9, 0xCD, 0xBB
box_side:       db 0xBA, ' ', 0xBA
box_bottom:     db 0xC8, 0xCD, 0xBC
box_rule:       db 0xC7, 0xC4, 0xB6

cpu_class_names:
        dw      str_8086, 0, str_286, str_386, str_486
str_8086:       db "8086 or 8088 (no CPUID)", 0
str_286:        db "80286 (no CPUID)", 0
str_386:        db "80386 (no CPUID)", 0
str_486:        db "80486 (no CPUID)", 0

; CPUID leaf 1 EDX bits worth showing (Intel SDM vol. 2A, table 3-11)
feature_names:
        db      0, "FPU", 0, 1, "VME", 0, 4, "TSC", 0, 6, "PAE", 0, 8, "CX8", 0
        db      9, "APIC", 0, 11, "SEP", 0, 15, "CMOV", 0, 23, "MMX", 0
        db      24, "FXSR", 0, 25, "SSE", 0, 26, "SSE2", 0, 0xFF

cga_colours:
        db      0, 0, 0,    0, 0, 42,   0, 42, 0,   0, 42, 42
        db      42, 0, 0,   42, 0, 42,  42, 21, 0,  42, 42, 42
        db      21, 21, 21, 21, 21, 63, 21, 63, 21, 21, 63, 63
        db      63, 21, 21, 63, 21, 63, 63, 63, 21, 63, 63, 63

        floppy_end

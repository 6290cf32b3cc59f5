; vgamodes.asm - a 1.44 MB boot floppy that shows one VGA mode after the
; other, each set through the VGA BIOS (INT 10h AH=00h, VBE AX=4F02h) and
; filled with a deterministic pattern, so that two emulators' screendumps
; can be compared pixel for pixel (tests/vga_qemu.py).
;
; For each mode in the table: set it, draw, write "READY mm\n" on COM1
; (mm = the mode number in hex, e.g. "READY 13", "READY 111"), then wait
; for a key (INT 16h AH=00h) and go on.  After the last mode: "DONE\n".
; A mode the BIOS refuses prints "FAIL mm\n" instead of READY and goes on.
;
; The patterns use every colour the mode has and change at every pixel
; (a rendering off by one pixel, plane, bank or line shows):
;   text 01h, 03h  character n = cell index, attribute (n * 7) & 7Fh (no blink)
;   0Dh, 0Eh, 10h, 12h, mode X  plane p byte i = (i * 13 + p * 37) ^ (i >> 7)
;   04h, 06h  byte i of both CGA banks = (i * 7 + (i >> 6)) & FFh
;   13h       pixel (x, y) = x + 3y + (x * y >> 5), low byte
;   VBE       byte o of bank k = (o ^ (o >> 7)) + 29k (low byte), through
;             the 64 KB window at A000h (VBE AX=4F05h)
; and three set up by programming the registers after a BIOS mode set
; (numbered A01h-A05h): mode X 320x240, 80x50 text (BIOS 8x8 font),
; mode 13h with start address, split screen and pel panning, VBE 111h with
; a 1024-pixel logical line shown from (8, 5), VBE 101h with the 8-bit DAC.
; 8086 code, except the VBE part (80186 shifts are not used either).

        cpu     8086
        org     0x7C00

SECTORS equ     16                      ; sectors after the boot sector

boot:   cli
        xor     ax, ax
        mov     ds, ax
        mov     es, ax
        mov     ss, ax
        mov     sp, 0x7C00
        sti
        mov     [boot_drive], dl
        ; the rest of the program: cylinder 0, head 0, sectors 2.. to 7E00h
        mov     si, 3                   ; tries
.read:  mov     ax, 0x0200 + SECTORS
        mov     bx, 0x7E00
        mov     cx, 0x0002
        xor     dh, dh
        mov     dl, [boot_drive]
        int     0x13
        jnc     main
        xor     ax, ax                  ; reset the drive and try again
        int     0x13
        dec     si
        jnz     .read
        mov     si, msg_diskfail
        call    serial_puts
.stop:  hlt
        jmp     .stop

; ---- COM1 ----

serial_putc:                            ; AL = byte
        push    dx
        push    ax
        mov     dx, 0x3FD
.wait:  in      al, dx
        test    al, 0x20                ; transmitter holding register empty
        jz      .wait
        pop     ax
        mov     dx, 0x3F8
        out     dx, al
        pop     dx
        ret

serial_puts:                            ; DS:SI = NUL-terminated string
        push    ax
.next:  lodsb
        test    al, al
        jz      .done
        call    serial_putc
        jmp     .next
.done:  pop     ax
        ret

serial_hex:                             ; AX = number: 2 hex digits, 3 from 100h
        push    ax
        push    bx
        push    cx
        mov     bx, ax
        mov     ch, 2                   ; CH = digits
        mov     cl, 8
        cmp     bx, 0x100
        jb      .align
        mov     ch, 3
        mov     cl, 4
.align: shl     bx, cl                  ; the first digit in the top nibble
.digit: mov     cl, 4
        rol     bx, cl
        mov     al, bl
        and     al, 0x0F
        add     al, '0'
        cmp     al, '9'
        jbe     .out
        add     al, 'A' - '9' - 1
.out:   call    serial_putc
        dec     ch
        jnz     .digit
        pop     cx
        pop     bx
        pop     ax
        ret

boot_drive: db  0
msg_diskfail: db "FAIL disk read", 10, 0

        times   510 - ($ - $$) db 0
        dw      0xAA55

; ---- sector 2 on ----

main:   ; COM1: 115200 8N1, so that the output is also readable on hardware
        mov     dx, 0x3FB
        mov     al, 0x80
        out     dx, al
        mov     dx, 0x3F8
        mov     al, 1
        out     dx, al
        inc     dx
        xor     al, al
        out     dx, al
        mov     dx, 0x3FB
        mov     al, 0x03
        out     dx, al

        mov     si, modes
.mode:  lodsw                           ; AX = mode number, 0 = end
        test    ax, ax
        jz      .done
        mov     [cur_mode], ax
        lodsw                           ; AX = drawing routine
        push    si
        call    ax                      ; CF = the BIOS refused the mode
        mov     si, msg_ready
        jnc     .told
        mov     si, msg_fail
.told:  call    serial_puts
        mov     ax, [cur_mode]
        call    serial_hex
        mov     al, 10
        call    serial_putc
        xor     ah, ah                  ; wait for a key
        int     0x16
        pop     si
        jmp     .mode
.done:  mov     si, msg_done
        call    serial_puts
.idle:  sti
        hlt
        jmp     .idle

modes:  dw      0x03, draw_text
        dw      0x01, draw_text
        dw      0x13, draw_13
        dw      0x12, draw_planar
        dw      0x10, draw_planar
        dw      0x0E, draw_planar
        dw      0x0D, draw_planar
        dw      0x04, draw_cga
        dw      0x06, draw_cga
        dw      0x101, draw_vbe
        dw      0x110, draw_vbe
        dw      0x111, draw_vbe
        dw      0x112, draw_vbe
        dw      0x142, draw_vbe
        dw      0xA01, draw_mode_x              ; not BIOS modes: programmed here
        dw      0xA02, draw_text_50
        dw      0xA03, draw_split_pan
        dw      0x102, draw_vbe_planar
        dw      0xA04, draw_vbe_virtual
        dw      0xA05, draw_vbe_dac8
        dw      0

msg_ready: db   "READY ", 0
msg_fail: db    "FAIL ", 0
msg_done: db    "DONE", 10, 0
cur_mode: dw    0

set_bios_mode:                          ; AL = mode; CF clear
        xor     ah, ah
        int     0x10
        clc
        ret

; text modes 03h and 01h: every character and 128 attributes, no cursor
draw_text:
        mov     al, [cur_mode]
        call    set_bios_mode
        mov     ax, 0x1003              ; attribute bit 7: blink (the default, kept)
        mov     bx, 0x0001
        int     0x10
        mov     ah, 0x01                ; cursor off (start line bit 5)
        mov     cx, 0x2000
        int     0x10
        call    fill_text
        clc
        ret

fill_text:                              ; 4000 cells (80x50, or two pages)
        mov     ax, 0xB800
        mov     es, ax
        xor     di, di
        xor     bx, bx                  ; BX = cell index
.cell:  mov     al, bl
        mul     byte [seven]
        and     al, 0x7F
        mov     ah, al
        mov     al, bl
        stosw
        inc     bx
        cmp     bx, 80 * 50
        jb      .cell
        ret
seven:  db      7

; A02h: 80x50 text - mode 03h with the BIOS's 8x8 font (AX=1112h: the
; maximum scan line becomes 7 and the font goes to plane 2)
draw_text_50:
        mov     al, 0x03
        call    set_bios_mode
        mov     ax, 0x1112
        xor     bl, bl
        int     0x10
        mov     ah, 0x01
        mov     cx, 0x2000
        int     0x10
        call    fill_text
        clc
        ret

; A01h: mode X, 320x240 unchained, from mode 13h as Abrash's Graphics
; Programming Black Book (chapter 47) programs it; the planar modes' pattern
; in 80 x 240 bytes of each plane
draw_mode_x:
        mov     al, 0x13
        call    set_bios_mode
        mov     dx, 0x3C4
        mov     ax, 0x0604              ; SR04: chain 4 off
        out     dx, ax
        mov     ax, 0x0100              ; synchronous reset for the clock change
        out     dx, ax
        mov     dx, 0x3C2
        mov     al, 0xE3                ; 25 MHz, 480-line sync polarities
        out     dx, al
        mov     dx, 0x3C4
        mov     ax, 0x0300
        out     dx, ax
        mov     dx, 0x3D4
        mov     ax, 0x2C11              ; CR11: unprotect CR00-CR07
        out     dx, ax
        mov     si, mode_x_crtc
.crtc:  lodsw
        test    ax, ax
        jz      .draw
        out     dx, ax
        jmp     .crtc
.draw:  mov     bp, 80 * 240            ; the planar modes' pattern
        call    fill_planes
        clc
        ret
mode_x_crtc:
        dw      0x0D06, 0x3E07, 0x4109, 0xEA10, 0xAC11, 0xDF12, 0x0014, 0xE715, 0x0616, 0xE317, 0

; A03h: mode 13h's pattern shown from start address 320 (doubleword
; units: 1280 bytes = memory line 4), split at scan line 199 (image line
; 100 shows memory from address 0), panned by one pixel above the split
; (AR13 = 2; AR10 bit 5 keeps the part below unpanned)
draw_split_pan:
        call    draw_13
        mov     dx, 0x3D4
        mov     ax, 0x010C              ; start address 0140h
        out     dx, ax
        mov     ax, 0x400D
        out     dx, ax
        mov     ax, 0xC718              ; line compare C7h = 199
        out     dx, ax
        mov     ax, 0x0F07              ; CR07 bit 4 (line compare bit 8) clear
        out     dx, ax
        mov     ax, 0x0109              ; CR09 bit 6 (line compare bit 9) clear, 2 scans per line
        out     dx, ax
        mov     dx, 0x3DA
        in      al, dx                  ; attribute flip-flop to index
        mov     dx, 0x3C0
        mov     al, 0x33                ; AR13 (palette address source on)
        out     dx, al
        mov     al, 0x02
        out     dx, al
        mov     al, 0x30                ; AR10
        out     dx, al
        mov     al, 0x61                ; graphics, 8-bit colour, split not panned
        out     dx, al
        clc
        ret

; mode 13h: pixel (x, y) = x + 3y + (x * y >> 5)
draw_13:
        mov     al, 0x13
        call    set_bios_mode
        mov     ax, 0xA000
        mov     es, ax
        xor     di, di
        xor     dx, dx                  ; DX = y
.row:   xor     bx, bx                  ; BX = x
.px:    mov     ax, bx
        push    dx
        mul     dx                      ; DX:AX = x * y (< 64000)
        mov     cl, 5
        shr     ax, cl
        pop     dx
        add     ax, bx
        add     ax, dx
        add     ax, dx
        add     ax, dx
        stosb
        inc     bx
        cmp     bx, 320
        jb      .px
        inc     dx
        cmp     dx, 200
        jb      .row
        clc
        ret

; 16-colour planar modes (0Dh, 12h): plane p byte i = (i * 13 + p * 37) ^ (i >> 7)
draw_planar:
        mov     al, [cur_mode]
        call    set_bios_mode
        mov     ax, 0xA000
        mov     es, ax
        mov     bp, 8000                ; bytes per plane: 0Dh 40 x 200
        cmp     byte [cur_mode], 0x0E
        jne     .not0e
        mov     bp, 16000               ; 0Eh: 80 x 200
.not0e: cmp     byte [cur_mode], 0x10
        jne     .not10
        mov     bp, 28000               ; 10h: 80 x 350
.not10: cmp     byte [cur_mode], 0x12
        jne     .planes
        mov     bp, 38400               ; 12h: 80 x 480
.planes:
        call    fill_planes
        clc
        ret

fill_planes:                            ; BP bytes in each plane at A000h
        mov     ax, 0xA000
        mov     es, ax
        xor     cx, cx                  ; CL = plane
.plane: mov     dx, 0x3C4               ; map mask: this plane only
        mov     al, 0x02
        out     dx, al
        inc     dx
        mov     al, 1
        shl     al, cl
        out     dx, al
        mov     al, 37
        mul     cl
        mov     si, ax                  ; SI = p * 37
        xor     di, di
.byte:  mov     ax, di
        mov     bx, 13
        mul     bx
        add     ax, si
        mov     bx, di
        push    cx
        mov     cl, 7
        shr     bx, cl
        pop     cx
        xor     ax, bx
        stosb
        cmp     di, bp
        jb      .byte
        inc     cl
        cmp     cl, 4
        jb      .plane
        mov     dx, 0x3C4               ; map mask back to all planes
        mov     al, 0x02
        out     dx, al
        inc     dx
        mov     al, 0x0F
        out     dx, al
        ret

; VBE 102h, 800x600 in 16 colours: planar like 12h, 100 bytes a line
draw_vbe_planar:
        call    set_vbe_mode
        jc      .out
        mov     bp, 60000
        call    fill_planes
        clc
.out:   ret

; A04h: VBE 111h (640x480x16) with a logical line of 1024 pixels (VBE
; AX=4F06h: DISPI virtual width) filled through 16 banks, shown from
; pixel (8, 5) (AX=4F07h: DISPI x/y offset)
draw_vbe_virtual:
        mov     word [cur_mode], 0x111
        call    set_vbe_mode
        jc      .out
        mov     ax, 0x4F06
        xor     bl, bl
        mov     cx, 1024
        int     0x10
        cmp     ax, 0x004F
        jne     .fail
        mov     bp, 32                  ; 32 banks: 2048 x 480 + the offsets
        call    draw_vbe.banks
        mov     ax, 0x4F07
        xor     bx, bx
        mov     cx, 8
        mov     dx, 5
        int     0x10
        cmp     ax, 0x004F
        jne     .fail
        clc
        jmp     .out
.fail:  stc
.out:   mov     word [cur_mode], 0xA04
        ret

; A05h: VBE 101h (640x480x8) with the 8-bit DAC (AX=4F08h), entry i =
; (i, 255 - i, 3i) through ports 3C8h/3C9h
draw_vbe_dac8:
        mov     word [cur_mode], 0x101
        call    draw_vbe
        mov     word [cur_mode], 0xA05
        jc      .out
        mov     ax, 0x4F08
        mov     bx, 0x0800              ; BL = 0: set, BH = 8 bits
        int     0x10
        cmp     ax, 0x004F
        jne     .fail
        cmp     bh, 8
        jne     .fail
        mov     dx, 0x3C8
        xor     al, al
        out     dx, al
        inc     dx
        xor     bx, bx
.entry: mov     al, bl
        out     dx, al
        not     al
        out     dx, al
        mov     al, bl
        add     al, bl
        add     al, bl
        out     dx, al
        inc     bl
        jnz     .entry
        clc
        ret
.fail:  stc
.out:   ret

; CGA modes 04h, 06h: byte i of each 8000-byte bank = (i * 7 + (i >> 6))
draw_cga:
        mov     al, [cur_mode]
        call    set_bios_mode
        mov     ax, 0xB800
        mov     es, ax
        xor     di, di
.bank:  xor     bx, bx                  ; BX = i within the bank
.byte:  mov     al, bl
        mul     byte [seven]
        mov     dx, bx
        mov     cl, 6
        shr     dx, cl
        add     al, dl
        add     al, bh                  ; the second bank differs: + i >> 8
        stosb
        inc     bx
        cmp     bx, 8000
        jb      .byte
        cmp     di, 0x2000
        jae     .done
        mov     di, 0x2000
        jmp     .bank
.done:  clc
        ret

; VBE mode [cur_mode] through AX=4F02h; CF set when the BIOS refuses it
set_vbe_mode:
        mov     ax, 0x4F02
        mov     bx, [cur_mode]
        int     0x10
        cmp     ax, 0x004F              ; equal: CF clear
        je      .ret
        stc
.ret:   ret

; VBE direct-colour modes through the 64 KB window at A000h:
; byte o of bank k = (o ^ (o >> 7)) + 29k
draw_vbe:
        call    set_vbe_mode
        jc      .ret
        mov     bp, 19                  ; 19 x 64 KB covers 640 x 480 x 4 bytes
        call    .banks
        clc
.ret:   ret
.banks: mov     ax, 0xA000              ; fill BP banks
        mov     es, ax
        mov     [bank_count], bp
        xor     bp, bp                  ; BP = bank
.bank:  mov     ax, 0x4F05              ; window A to bank BP
        xor     bx, bx
        mov     dx, bp
        int     0x10
        mov     ax, bp
        mov     bl, 29
        mul     bl
        mov     dl, al                  ; DL = 29k
        xor     di, di
.byte:  mov     ax, di
        mov     cl, 7
        shr     ax, cl
        xor     ax, di
        add     al, dl
        stosb
        test    di, di
        jnz     .byte
        inc     bp
        cmp     bp, [bank_count]
        jb      .bank
        ret
bank_count: dw  0

        times   512 * (SECTORS + 1) - ($ - $$) db 0
        times   1474560 - ($ - $$) db 0

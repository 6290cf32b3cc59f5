; anim13.asm - a busy mode 13h animation for measuring the cost of the
; display: a 1.44 MB boot floppy (build/firmware/anim13.img).  Every frame
; rewrites all 64000 pixels of a moving plasma (integer math, a parabolic
; sine table) without waiting for the vertical retrace and never halts.
; Every 100 frames it prints "frame N" on COM1 and on port E9h; after
; FRAMES frames (nasm -DFRAMES=N, default 2000) it prints "done" and writes
; 0 to isa-debug-exit (port F4h: the emulator exits with status 1), so the
; wall time to "done" measures emulation speed.  8086 code.

%ifndef FRAMES
%define FRAMES 2000
%endif

        org     0x7C00
%include "boot.inc"

; work areas in free conventional memory below the stack (0000:7C00)
        absolute 0x0600
sine:   resb    256                     ; sine(i * 2 pi / 256) as 0..255
colval: resb    320                     ; this frame's column terms
        section .text

main:
        xor     ax, ax
        mov     ds, ax
        call    serial_init
        mov     si, msg_start
        call    serial_puts
        mov     ax, FRAMES
        call    serial_putdec
        mov     si, msg_frames
        call    serial_puts
        call    make_sine
        mov     ax, 0x0013              ; mode 13h: 320x200, 256 colours
        int     0x10
        call    set_palette
        mov     ax, 0xA000
        mov     es, ax
        xor     bp, bp                  ; BP = frame number t

frame:  call    column_terms
        xor     di, di
        xor     dx, dx                  ; DH = row y
.row:   mov     bx, sine
        ; AH = (sine[y + t] + sine[3y - 2t]) / 2, the row term
        mov     cx, bp                  ; CL = t mod 256
        mov     al, dh
        add     al, cl
        xlat
        mov     ah, al
        mov     al, dh
        add     al, dh
        add     al, dh
        sub     al, cl
        sub     al, cl
        xlat
        shr     al, 1
        shr     ah, 1
        add     ah, al
        ; DL = y + 3t, the diagonal's phase at x = 0
        mov     dl, dh
        add     dl, cl
        add     dl, cl
        add     dl, cl
        mov     si, colval
        mov     cx, 320
.px:    mov     al, dl                  ; pixel = row + column + sine[x + y + 3t]
        xlat
        add     al, ah
        add     al, [si]
        inc     si
        inc     dl
        stosb
        loop    .px
        inc     dh
        cmp     dh, 200
        jb      .row

        inc     bp
        mov     ax, bp
        xor     dx, dx
        mov     cx, 100
        div     cx
        test    dx, dx
        jnz     .next
        mov     si, msg_frame
        call    serial_puts
        mov     ax, bp
        call    serial_putdec
        call    serial_newline
.next:  cmp     bp, FRAMES
        jb      frame

        mov     si, msg_done
        call    serial_puts
        mov     al, 0
        out     0xF4, al                ; isa-debug-exit: status (0 << 1) | 1
.halt:  cli                             ; no debug-exit device: stop here
        hlt
        jmp     .halt

; column_terms: colval[x] = (sine[x + 2t] + sine[2x - t]) / 2, t = BP
column_terms:
        mov     bx, sine
        mov     di, colval
        xor     cx, cx                  ; CX = x
.col:   mov     ax, cx
        add     ax, bp
        add     ax, bp
        xlat
        shr     al, 1
        mov     dl, al
        mov     ax, cx
        shl     ax, 1
        sub     ax, bp
        xlat
        shr     al, 1
        add     al, dl
        mov     [di], al
        inc     di
        inc     cx
        cmp     cx, 320
        jb      .col
        ret

; make_sine: sine[i] = 128 + p(128 - p) / 32 for i < 128 (p = i), and
; 128 - p(128 - p) / 32 for i >= 128 (p = i - 128), clamped to 0..255:
; a parabola through the sine's zeros and peaks
make_sine:
        xor     cx, cx
        mov     di, sine
.next:  mov     ax, cx
        and     ax, 127
        mov     bx, 128
        sub     bx, ax
        mul     bx                      ; AX = p(128 - p), at most 4096
        push    cx
        mov     cl, 5
        shr     ax, cl
        pop     cx
        test    cl, 128
        jnz     .neg
        add     ax, 128
        cmp     ax, 255
        jbe     .store
        mov     ax, 255
        jmp     .store
.neg:   mov     bx, 128
        sub     bx, ax
        mov     ax, bx
        jns     .store
        xor     ax, ax
.store: mov     [di], al
        inc     di
        inc     cx
        cmp     cx, 256
        jb      .next
        ret

; set_palette: colour i = (sine[i], sine[i + 85], sine[i + 170]) / 4
set_palette:
        mov     dx, 0x3C8
        xor     al, al
        out     dx, al
        inc     dx
        mov     bx, sine
        xor     cx, cx
.next:  mov     al, cl
        xlat
        shr     al, 1
        shr     al, 1
        out     dx, al
        mov     al, cl
        add     al, 85
        xlat
        shr     al, 1
        shr     al, 1
        out     dx, al
        mov     al, cl
        add     al, 170
        xlat
        shr     al, 1
        shr     al, 1
        out     dx, al
        inc     cx
        cmp     cx, 256
        jb      .next
        ret

%include "serial.inc"

use_debugcon:   db 1
msg_start:      db "anim13: mode 13h plasma, ", 0
msg_frames:     db " frames", 13, 10, 0
msg_frame:      db "frame ", 0
msg_done:       db "done", 13, 10, 0

        floppy_end

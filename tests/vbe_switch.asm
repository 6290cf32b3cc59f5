; vbe_switch.asm - a boot sector for tests/sdl_window.sh: switches Bochs VBE
; modes through the DISPI ports (1CEh index, 1CFh data) as fast as it can,
; forever, and writes 64 KB through the banked window after each switch.
; The modes include the largest (2560x1600x32), 1x1, 0x0 (nothing shown),
; XRES/YRES FFFFh and a virtual width and Y offset past the 16 MB of video
; memory: the window must follow or refuse each, never crash.
        cpu     386
        org     0x7C00

DISPI_XRES   equ 1
DISPI_YRES   equ 2
DISPI_BPP    equ 3
DISPI_ENABLE equ 4
DISPI_BANK   equ 5
DISPI_VIRT_W equ 6
DISPI_Y_OFF  equ 9

        cli
        xor     ax, ax
        mov     ds, ax
        mov     ss, ax
        mov     sp, 0x7C00
        mov     ax, 0xA000
        mov     es, ax
again:  mov     si, modes
next:   cmp     word [si], 0xDEAD
        je      again
        mov     bx, DISPI_ENABLE
        xor     ax, ax
        call    dispi
        mov     bx, DISPI_XRES
        mov     ax, [si]
        call    dispi
        mov     bx, DISPI_YRES
        mov     ax, [si + 2]
        call    dispi
        mov     bx, DISPI_BPP
        mov     ax, [si + 4]
        call    dispi
        mov     bx, DISPI_VIRT_W
        mov     ax, [si + 6]
        call    dispi
        mov     bx, DISPI_Y_OFF
        mov     ax, [si + 8]
        call    dispi
        mov     bx, DISPI_ENABLE
        mov     ax, 0x41                ; enabled, linear framebuffer
        call    dispi
        mov     bx, DISPI_BANK
        mov     ax, [count]
        and     ax, 0xFF
        call    dispi
        xor     di, di
        mov     ax, [count]
        mov     cx, 0x8000
        rep stosw
        inc     word [count]
        add     si, 10
        jmp     next

; DISPI register bx := ax
dispi:  push    ax
        mov     dx, 0x1CE
        mov     ax, bx
        out     dx, ax
        pop     ax
        inc     dx
        out     dx, ax
        ret

count:  dw      0
;               XRES    YRES  BPP  virtual width  Y offset
modes:  dw      2560,   1600, 32,  0,             0
        dw      320,    200,  8,   0,             0
        dw      2560,   1600, 32,  2560,          0
        dw      1,      1,    32,  0,             0
        dw      0xFFFF, 0xFFFF, 32, 0,            0
        dw      2560,   1600, 24,  0xFFFF,        0xFFFF
        dw      0,      0,    0,   0,             0
        dw      1024,   768,  15,  0,             3000
        dw      2560,   1600, 32,  0,             1600
        dw      8,      2,    4,   0,             0
        dw      640,    480,  16,  0,             0
        dw      0xDEAD

        times   510 - ($ - $$) db 0
        dw      0xAA55

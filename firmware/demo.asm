; demo.asm - dynapc's demo guest: a small Multiboot v1 kernel.
;
; A flat binary loaded at 1 MB through the Multiboot "a.out kludge" (header
; flags bit 16: the header gives the load addresses, no ELF needed).  Runs in
; 32-bit protected mode with its own flat GDT, prints a banner plus a few
; things it computes (CPUID, a prime count, the CMOS clock) to COM1 (polled)
; and to the debug console at port 0xE9, then writes 0 to the debug-exit port
; 0xF4: the emulator exits with status (0 << 1) | 1 = 1.
;
; build: nasm -f bin -o demo.bin demo.asm
; run:   dynapc -display none -serial stdio \
;            -device isa-debug-exit,iobase=0xf4,iosize=0x04 -no-reboot -kernel demo.bin

        bits 32
        org 0x100000

MB_MAGIC        equ 0x1BADB002
MB_FLAGS        equ 1 << 16             ; the address fields below are valid
MB_BOOT_MAGIC   equ 0x2BADB002          ; in EAX when a Multiboot loader jumps to us
MBI_MEM         equ 1 << 0              ; info flags: mem_lower/mem_upper valid
MBI_LOADER_NAME equ 1 << 9              ; info flags: boot_loader_name valid

COM1            equ 0x3F8
DEBUGCON        equ 0xE9
DEBUG_EXIT      equ 0xF4
CMOS_INDEX      equ 0x70
CMOS_DATA       equ 0x71

PRIME_LIMIT     equ 100000
PRIMES_BELOW    equ 9592                ; pi(100000), to check the CPU's answer

CODE_SEL        equ 0x08
DATA_SEL        equ 0x10

section .text

; ---- Multiboot header (must be in the first 8 KB, 4-byte aligned) -----------
mb_header:
        dd MB_MAGIC
        dd MB_FLAGS
        dd -(MB_MAGIC + MB_FLAGS)
        dd mb_header                    ; header_addr
        dd mb_header                    ; load_addr: the file starts here
        dd load_end                     ; load_end_addr
        dd bss_end                      ; bss_end_addr: the loader zeroes up to here
        dd entry                        ; entry_addr

; ---- entry: EAX = boot magic, EBX = Multiboot info; GDTR and ESP undefined --
entry:
        cli
        mov esp, stack_top
        mov [boot_magic], eax
        mov [boot_info], ebx
        lgdt [gdt_desc]
        jmp CODE_SEL:.reload_cs
.reload_cs:
        mov ax, DATA_SEL
        mov ds, ax
        mov es, ax
        mov fs, ax
        mov gs, ax
        mov ss, ax
        push dword 0                    ; EFLAGS: IF=0, DF=0
        popfd

        call serial_init
        mov esi, msg_banner
        call puts

        call show_boot_info
        call show_cpu
        call show_primes
        call show_rtc

        mov esi, msg_bye
        call puts
        jmp exit

; ---- what the loader told us -----------------------------------------------
show_boot_info:
        mov esi, msg_loader
        call puts
        cmp dword [boot_magic], MB_BOOT_MAGIC
        jne .not_multiboot
        mov ebx, [boot_info]
        test dword [ebx], MBI_LOADER_NAME
        jz .no_name
        mov esi, [ebx + 64]
        mov ecx, 60                     ; print at most this much of it
.name:  lodsb
        cmp al, ' '
        jb .name_done                   ; NUL or junk ends it
        cmp al, '~'
        ja .name_done
        call putc
        loop .name
.name_done:
        jmp .mem
.no_name:
        mov esi, msg_unnamed
        call puts
.mem:   mov esi, msg_memory
        call puts
        test dword [ebx], MBI_MEM
        jz .no_mem
        mov eax, [ebx + 4]
        call put_dec
        mov esi, msg_kb_low
        call puts
        mov eax, [ebx + 8]
        call put_dec
        mov esi, msg_kb_high
        call puts
        ret
.no_mem:
        mov esi, msg_unknown
        call puts
        ret
.not_multiboot:
        mov esi, msg_not_mb
        call puts
        mov eax, [boot_magic]
        call put_hex
        mov al, 10
        call putc
        ret

; ---- CPUID: vendor, family/model/stepping, brand string ---------------------
show_cpu:
        ; CPUID exists if EFLAGS.ID (bit 21) can be toggled
        pushfd
        pop eax
        mov ecx, eax
        xor eax, 1 << 21
        push eax
        popfd
        pushfd
        pop eax
        push ecx
        popfd
        xor eax, ecx
        test eax, 1 << 21
        jnz .has_cpuid
        mov esi, msg_no_cpuid
        call puts
        ret
.has_cpuid:
        xor eax, eax
        cpuid
        mov [cpu_vendor], ebx
        mov [cpu_vendor + 4], edx
        mov [cpu_vendor + 8], ecx
        mov esi, msg_vendor
        call puts
        mov esi, cpu_vendor
        call puts

        mov eax, 1
        cpuid
        mov ebx, eax
        mov esi, msg_family
        call puts
        ; family = base (bits 8-11) + extended (bits 20-27) when base is 0xF
        mov eax, ebx
        shr eax, 8
        and eax, 0xF
        mov edx, eax                    ; keep the base family for the model
        cmp eax, 0xF
        jne .family
        mov ecx, ebx
        shr ecx, 20
        and ecx, 0xFF
        add eax, ecx
.family:
        call put_dec
        mov al, '/'
        call putc
        ; model = base (bits 4-7) + extended (bits 16-19) << 4 for family 6/0xF
        mov eax, ebx
        shr eax, 4
        and eax, 0xF
        cmp edx, 6
        je .ext_model
        cmp edx, 0xF
        jne .model
.ext_model:
        mov ecx, ebx
        shr ecx, 12
        and ecx, 0xF0
        add eax, ecx
.model:
        call put_dec
        mov esi, msg_stepping
        call puts
        mov eax, ebx
        and eax, 0xF
        call put_dec

        mov eax, 0x80000000
        cpuid
        cmp eax, 0x80000004
        jb .done
        mov edi, cpu_brand
        mov esi, 0x80000002
.brand: mov eax, esi
        cpuid
        stosd
        mov eax, ebx
        stosd
        mov eax, ecx
        stosd
        mov eax, edx
        stosd
        inc esi
        cmp esi, 0x80000004
        jbe .brand
        mov esi, msg_brand
        call puts
        mov esi, cpu_brand
.skip:  cmp byte [esi], ' '             ; the string may be right-justified
        jne .print_brand
        inc esi
        jmp .skip
.print_brand:
        call puts
.done:  mov al, 10
        call putc
        ret

; ---- count primes below PRIME_LIMIT by trial division ------------------------
show_primes:
        mov esi, msg_primes
        call puts
        xor edi, edi                    ; primes found
        mov esi, 2                      ; candidate
.candidate:
        mov ecx, 2                      ; divisor
.divisor:
        mov eax, ecx
        mul ecx
        cmp eax, esi                    ; divisor squared beyond the candidate:
        ja .prime                       ; no factor found
        mov eax, esi
        xor edx, edx
        div ecx
        test edx, edx
        jz .next
        inc ecx
        jmp .divisor
.prime: inc edi
.next:  inc esi
        cmp esi, PRIME_LIMIT
        jb .candidate
        mov eax, edi
        call put_dec
        mov esi, msg_correct
        cmp edi, PRIMES_BELOW
        je .verdict
        mov esi, msg_wrong
.verdict:
        call puts
        ret

; ---- CMOS real-time clock (MC146818) -------------------------------------------
show_rtc:
        mov esi, msg_rtc
        call puts
        mov edi, rtc_now
        call rtc_read_all
        cmp byte [rtc_now], 0xFF        ; open bus: nothing answers at 0x70/0x71
        je .absent
        ; the registers can change between reads: read until two reads agree
        mov ebx, 5
.again: mov edi, rtc_check
        call rtc_read_all
        mov esi, rtc_now
        mov edi, rtc_check
        mov ecx, RTC_FIELDS
        repe cmpsb
        je .stable
        mov esi, rtc_check
        mov edi, rtc_now
        mov ecx, RTC_FIELDS
        rep movsb
        dec ebx
        jnz .again
.stable:
        mov al, 0x0B                    ; status B: bit 2 binary, bit 1 24-hour
        call cmos_read
        mov dl, al
        mov al, [rtc_now + RTC_HOUR]
        mov dh, al
        and dh, 0x80                    ; 12-hour mode: bit 7 of the hour is PM
        and al, 0x7F
        mov [rtc_now + RTC_HOUR], al
        test dl, 0x04
        jnz .binary
        mov esi, rtc_now
        mov ecx, RTC_FIELDS
.bcd:   mov al, [esi]
        call bcd_to_bin
        mov [esi], al
        inc esi
        loop .bcd
.binary:
        test dl, 0x02
        jnz .h24
        mov al, [rtc_now + RTC_HOUR]    ; 12 AM is 0:xx, 1 PM is 13:xx
        cmp al, 12
        jne .pm
        xor al, al
.pm:    test dh, dh
        jz .h12_done
        add al, 12
.h12_done:
        mov [rtc_now + RTC_HOUR], al
.h24:
        ; century register 0x32 is a convention (ACPI names it), not a given
        movzx eax, byte [rtc_now + RTC_CENTURY]
        cmp eax, 19
        jb .guess_century
        cmp eax, 99
        jbe .century
.guess_century:
        mov eax, 20
.century:
        imul eax, eax, 100
        movzx ecx, byte [rtc_now + RTC_YEAR]
        add eax, ecx
        call put_dec
        mov al, '-'
        call putc
        movzx eax, byte [rtc_now + RTC_MONTH]
        call put_dec2
        mov al, '-'
        call putc
        movzx eax, byte [rtc_now + RTC_DAY]
        call put_dec2
        mov al, ' '
        call putc
        movzx eax, byte [rtc_now + RTC_HOUR]
        call put_dec2
        mov al, ':'
        call putc
        movzx eax, byte [rtc_now + RTC_MIN]
        call put_dec2
        mov al, ':'
        call putc
        movzx eax, byte [rtc_now + RTC_SEC]
        call put_dec2
        mov esi, msg_rtc_src
        call puts
        ret
.absent:
        mov esi, msg_no_rtc
        call puts
        ret

; rtc_read_all: EDI = buffer of RTC_FIELDS bytes, filled in rtc_regs order
rtc_read_all:
        push ecx
        push esi
        mov ecx, 100000                 ; wait while an update is in progress
.uip:   mov al, 0x0A
        call cmos_read
        test al, 0x80
        jz .read
        loop .uip
.read:  mov esi, rtc_regs
        mov ecx, RTC_FIELDS
.field: lodsb
        call cmos_read
        stosb
        loop .field
        pop esi
        pop ecx
        ret

; cmos_read: AL = register (NMI stays enabled: bit 7 clear) -> AL = value
cmos_read:
        out CMOS_INDEX, al
        in al, CMOS_DATA
        ret

; bcd_to_bin: AL = two BCD digits -> AL = binary
bcd_to_bin:
        push ecx
        mov cl, al
        shr al, 4
        mov ch, 10
        mul ch
        and cl, 0x0F
        add al, cl
        pop ecx
        ret

; ---- exit ----------------------------------------------------------------------
exit:
        mov ecx, 100000                 ; let the UART drain: LSR bit 6 (TEMT)
        mov dx, COM1 + 5
.drain: in al, dx
        test al, 0x40
        jnz .out
        loop .drain
.out:   xor eax, eax
        out DEBUG_EXIT, al              ; QEMU-style isa-debug-exit: status 1
        mov esi, msg_no_exit            ; still here: no debug-exit device
        call puts
.halt:  cli
        hlt
        jmp .halt

; ---- console: COM1 (16550, polled) and port 0xE9 --------------------------------
serial_init:
        mov dx, COM1 + 1
        xor al, al                      ; no UART interrupts
        out dx, al
        mov dx, COM1 + 3
        mov al, 0x80                    ; DLAB: divisor follows
        out dx, al
        mov dx, COM1
        mov al, 1                       ; divisor 1: 115200 baud
        out dx, al
        inc dx
        xor al, al
        out dx, al
        mov dx, COM1 + 3
        mov al, 0x03                    ; 8N1, DLAB off
        out dx, al
        mov dx, COM1 + 2
        mov al, 0xC7                    ; FIFOs on and cleared
        out dx, al
        mov dx, COM1 + 4
        mov al, 0x03                    ; DTR, RTS
        out dx, al
        ret

; putc: AL = character; "\n" goes out as CR LF (terminals in raw mode)
putc:
        cmp al, 10
        jne put_byte
        mov al, 13
        call put_byte
        mov al, 10
        ; fall through
put_byte:
        push ecx
        push edx
        push eax
        mov ecx, 100000                 ; wait for THRE, but not forever
        mov dx, COM1 + 5
.wait:  in al, dx
        test al, 0x20
        jnz .ready
        loop .wait
.ready: pop eax
        mov dx, COM1
        out dx, al
        out DEBUGCON, al
        pop edx
        pop ecx
        ret

; puts: ESI = NUL-terminated string
puts:
        push eax
        push esi
.next:  lodsb
        test al, al
        jz .done
        call putc
        jmp .next
.done:  pop esi
        pop eax
        ret

; put_dec: EAX = unsigned number, printed in decimal
put_dec:
        pushad
        xor ecx, ecx
        mov ebx, 10
.divide:
        xor edx, edx
        div ebx
        push edx
        inc ecx
        test eax, eax
        jnz .divide
.digit: pop eax
        add al, '0'
        call putc
        loop .digit
        popad
        ret

; put_dec2: EAX = 0..99, printed as two digits
put_dec2:
        cmp eax, 10
        jae put_dec
        push eax
        mov al, '0'
        call putc
        pop eax
        jmp put_dec

; put_hex: EAX printed as 0x followed by 8 hex digits
put_hex:
        pushad
        mov ebx, eax
        mov al, '0'
        call putc
        mov al, 'x'
        call putc
        mov ecx, 8
.nibble:
        rol ebx, 4
        mov eax, ebx
        and eax, 0xF
        mov al, [hex_digits + eax]
        call putc
        loop .nibble
        popad
        ret

; ---- data ------------------------------------------------------------------------
        align 8
gdt:    dq 0
        dq 0x00CF9A000000FFFF           ; 0x08: code, base 0, 4 GB, 32-bit
        dq 0x00CF92000000FFFF           ; 0x10: data, base 0, 4 GB
gdt_end:
gdt_desc:
        dw gdt_end - gdt - 1
        dd gdt

; CMOS registers read, in this order (offsets into rtc_now / rtc_check)
rtc_regs:
        db 0x00, 0x02, 0x04, 0x07, 0x08, 0x09, 0x32
RTC_FIELDS  equ $ - rtc_regs
RTC_SEC     equ 0
RTC_MIN     equ 1
RTC_HOUR    equ 2
RTC_DAY     equ 3
RTC_MONTH   equ 4
RTC_YEAR    equ 5
RTC_CENTURY equ 6

hex_digits:
        db "0123456789abcdef"

msg_banner:
        db `\n`
        db `==================================================================\n`
        db `  dynapc demo guest\n`
        db `==================================================================\n`
        db `  dynapc is a full-system x86 PC emulator written in C. It runs\n`
        db `  guest code by dynamic binary translation: guest instructions are\n`
        db `  translated into host code blocks that are cached and chained.\n`
        db `\n`
        db `  This text comes from a small Multiboot kernel (firmware/demo.asm)\n`
        db `  running as the guest inside the emulator, in 32-bit protected\n`
        db `  mode. It writes to COM1 (port 0x3F8) and to port 0xE9.\n`
        db `\n`
        db `  Found out by the guest just now:\n`, 0
msg_loader:     db `    boot loader   : `, 0
msg_unnamed:    db `(no name given)`, 0
msg_memory:     db `\n    memory        : `, 0
msg_kb_low:     db ` KB low (below 640 KB), `, 0
msg_kb_high:    db ` KB above 1 MB\n`, 0
msg_unknown:    db `(not given)\n`, 0
msg_not_mb:     db `not Multiboot, EAX was `, 0
msg_no_cpuid:   db `    CPU           : no CPUID instruction\n`, 0
msg_vendor:     db `    CPU vendor    : `, 0
msg_family:     db `\n    family/model  : `, 0
msg_stepping:   db `, stepping `, 0
msg_brand:      db `\n    CPU name      : `, 0
msg_primes:     db `    prime count   : `, 0
msg_correct:    db ` primes below 100000 (trial division; correct)\n`, 0
msg_wrong:      db ` primes below 100000 (trial division; WRONG, expected 9592)\n`, 0
msg_rtc:        db `    CMOS clock    : `, 0
msg_rtc_src:    db ` (RTC via ports 0x70/0x71)\n`, 0
msg_no_rtc:     db `(no RTC: port 0x71 reads 0xFF)\n`, 0
msg_bye:
        db `\n  Done. Exiting through the debug-exit port 0xF4 (exit status 1).\n`, 0
msg_no_exit:
        db `  (no debug-exit device at port 0xF4: halting here)\n`, 0

cpu_vendor:     times 13 db 0           ; 12 characters and a NUL
cpu_brand:      times 49 db 0           ; 48 characters and a NUL

        align 4
boot_magic:     dd 0
boot_info:      dd 0
rtc_now:        times 8 db 0
rtc_check:      times 8 db 0
load_end:

section .bss
        alignb 16
stack:  resb 8192
stack_top:
bss_end:

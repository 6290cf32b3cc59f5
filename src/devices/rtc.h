/* rtc.h - Motorola MC146818A real-time clock and CMOS RAM.
 *
 * Ports: iobase = index register (bits 0-6 select one of 128 bytes; bit 7
 * is the PC's NMI mask, kept here and exposed with rtc_nmi_masked), and
 * iobase+1 = data.  Bytes 0-9 are the clock, 0x0A-0x0D registers A-D,
 * 0x0E-0x7F plain battery-backed RAM, except 0x32 (the IBM century byte),
 * which this RTC keeps as part of the clock so that years roll over from
 * 1999 to 2000.  The clock follows base_time + virtual time. */
#ifndef DYNAPC_RTC_H
#define DYNAPC_RTC_H

#include <stdbool.h>
#include <stdint.h>

#include "devices/bus.h"
#include "devices/irq.h"
#include "devices/timer.h"
#include "devices/vmstate.h"

#define RTC_NVRAM_SIZE 128
#define RTC_REG_A      0x0A
#define RTC_REG_B      0x0B
#define RTC_REG_C      0x0C
#define RTC_REG_D      0x0D
#define RTC_CENTURY    0x32

#define RTC_A_UIP    0x80
#define RTC_B_SET    0x80
#define RTC_B_PIE    0x40
#define RTC_B_AIE    0x20
#define RTC_B_UIE    0x10
#define RTC_B_SQWE   0x08
#define RTC_B_BINARY 0x04 /* DM: 1 = binary, 0 = BCD */
#define RTC_B_24H    0x02
#define RTC_B_DSE    0x01
#define RTC_C_IRQF   0x80
#define RTC_C_PF     0x40
#define RTC_C_AF     0x20
#define RTC_C_UF     0x10
#define RTC_D_VRT    0x80

struct rtc;

/* base_time: host UNIX time (UTC) at virtual time 0, e.g. time(NULL).
 * irq8 may be NULL (then no events are scheduled). */
struct rtc *rtc_new(struct bus *bus, uint16_t iobase, struct timerq *tq, const struct irq_line *irq8,
                    int64_t base_time);
void rtc_free(struct rtc *rtc);
/* The chip's RESET pin: clears PIE, AIE, UIE, SQWE and the flags of
 * register C; the clock, RAM, A and the rest of B are kept. */
void rtc_reset(struct rtc *rtc);
bool rtc_nmi_masked(const struct rtc *rtc);

/* Board access to the 128 bytes (memory size, disk types, boot order...).
 * Reads have no side effect (register C is not cleared); writes act as a
 * guest write through the data port would. */
uint8_t rtc_cmos_read(struct rtc *rtc, int index);
void rtc_cmos_write(struct rtc *rtc, int index, uint8_t value);

/* After the fields of rtc_vmstate were restored: re-drive irq8 and re-arm
 * the next interrupt event. */
void rtc_post_load(struct rtc *rtc);

extern const struct vmstate_desc rtc_vmstate;

#endif

/**
 * exFAT timestamps → Unix time, following Linux's exfat_get_entry_time(): the 32-bit
 * timestamp holds local date and time (2-second units), a 10 ms increment adds up to 1.99 s,
 * and a valid UTC offset (bit 7 set, signed 15-minute units) converts to UTC. Without a valid
 * offset the time is taken as UTC, as the kernel does with its default time_offset=0.
 */
import type { UnixTime } from '../fat/time.js';

export function exfatTimeToUnix(timestamp: number, centis: number, utcOffset: number): UnixTime {
  const time = timestamp & 0xffff;
  const date = timestamp >>> 16;
  let sec = mktime(1980 + (date >> 9), (date >> 5) & 0xf, date & 0x1f, time >> 11, (time >> 5) & 0x3f, (time & 0x1f) * 2);
  let nsec = 0;
  if (centis !== 0) {
    sec += Math.floor(centis / 100);
    nsec = (centis % 100) * 10_000_000;
  }
  if (utcOffset & 0x80) {
    const off = utcOffset & 0x7f;
    // 7-bit two's complement count of 15-minute intervals east of UTC.
    sec -= (off <= 0x3f ? off : off - 0x80) * 15 * 60;
  }
  return { sec, nsec };
}

/** The kernel's mktime64(): Gauss's algorithm, which also defines results for month 0 or day 0. */
function mktime(year: number, mon: number, day: number, hour: number, min: number, sec: number): number {
  mon -= 2;
  if (mon <= 0) {
    mon += 12;
    year -= 1;
  }
  const days =
    Math.floor(year / 4) - Math.floor(year / 100) + Math.floor(year / 400) + Math.floor((367 * mon) / 12) + day + year * 365 - 719499;
  return ((days * 24 + hour) * 60 + min) * 60 + sec;
}

/**
 * FAT timestamps → Unix time, with the exact arithmetic of Linux's fat_time_fat2unix() so odd
 * on-disk values (month 0 or 13-15, 62 seconds, year 2100) give the same result a kernel
 * mount shows. FAT stores local time without a zone; like the kernel with tz=UTC, we read it
 * as UTC.
 */

/** Days before the first of each month (index 1-12); 13-15 are clamped like the kernel does. */
const DAYS_BEFORE_MONTH = [0, 0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 334, 334, 334];
/** Days from 1970-01-01 to 1980-01-01. */
const DAYS_1970_TO_1980 = 3652;
/** 2100 - 1980: the one year in FAT's range that is divisible by 4 but not leap. */
const YEAR_2100 = 120;

export interface UnixTime {
  sec: number;
  nsec: number;
}

/**
 * @param time   FAT time word (2-second units in bits 0-4, minutes 5-10, hours 11-15)
 * @param date   FAT date word (day 0-4, month 5-8, years since 1980 in 9-15)
 * @param centis creation-time 10 ms units (0-199), 0 for write/access times
 */
export function fatTimeToUnix(time: number, date: number, centis = 0): UnixTime {
  const year = date >> 9;
  const month = Math.max(1, (date >> 5) & 0xf);
  const day = Math.max(1, date & 0x1f) - 1;
  let leapDays = Math.floor((year + 3) / 4);
  if (year > YEAR_2100) leapDays--;
  if ((year & 3) === 0 && year !== YEAR_2100 && month > 2) leapDays++;
  let sec = (time & 0x1f) * 2 + ((time >> 5) & 0x3f) * 60 + (time >> 11) * 3600;
  sec += (year * 365 + leapDays + DAYS_BEFORE_MONTH[month]! + day + DAYS_1970_TO_1980) * 86400;
  if (centis === 0) return { sec, nsec: 0 };
  return { sec: sec + Math.floor(centis / 100), nsec: (centis % 100) * 10_000_000 };
}

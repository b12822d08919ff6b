// One parser for every date and time that comes in (bodies, queries, forms, headers): RFC 3339 as the
// APIs write it, and only real calendar instants. JavaScript's Date.parse is looser (it takes February
// 30th as March 2nd and 24:00 as the next day) and stricter elsewhere (a leap second is NaN, which then
// threw a RangeError deep in the code: a 500). Microsoft's services (.NET DateTime) know no leap second
// and no year 0, so neither does this.
import type { Ajv } from 'ajv';

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|[+-](\d{2}):(\d{2}))$/;

const daysIn = (year: number, month: number) => new Date(Date.UTC(year, month, 0)).getUTCDate();
const isDay = (year: number, month: number, day: number) => year >= 1 && month >= 1 && month <= 12 && day >= 1 && day <= daysIn(year, month);

/** The instant `text` names (`2026-12-05T10:00:00Z`, or with an offset, and fractions of a second), or undefined if it names none. */
export function parseInstant(text: string): Date | undefined {
  const m = DATE_TIME.exec(text);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i])) as [number, number, number, number, number, number];
  if (!isDay(year, month, day) || hour > 23 || minute > 59 || second > 59) return undefined;
  if (m[9] !== undefined && (Number(m[9]) > 23 || Number(m[10]) > 59)) return undefined;
  const ms = Date.parse(text.toUpperCase());
  return Number.isNaN(ms) ? undefined : new Date(ms);
}

/** Whether `text` is a real calendar day written `YYYY-MM-DD`. */
export function isCalendarDate(text: string): boolean {
  const m = DATE.exec(text);
  return m !== null && isDay(Number(m[1]), Number(m[2]), Number(m[3]));
}

/** Makes `format: 'date-time'` and `format: 'date'` in this Ajv mean this parser's instants and days. */
export function useInstantFormats(ajv: Ajv): Ajv {
  ajv.addFormat('date-time', { type: 'string', validate: (text: string) => parseInstant(text) !== undefined });
  ajv.addFormat('date', { type: 'string', validate: isCalendarDate });
  return ajv;
}

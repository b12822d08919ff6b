// ISO 8601 durations (`P1M`, `PT10S`, `P1DT2H`), the unit of marketplace terms and of the simulator's clock.

const PATTERN = /^P(?!$)(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?=\d)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

export interface Duration {
  years: number;
  months: number;
  weeks: number;
  days: number;
  hours: number;
  minutes: number;
  seconds: number;
}

/** The duration of a term unit or another value known to be a duration (throws if it is not one). */
export function durationOf(text: string): Duration {
  const duration = parseDuration(text);
  if (!duration) throw new RangeError(`${text} is not an ISO 8601 duration`);
  return duration;
}

/** Parses an ISO 8601 duration; returns undefined when `text` is not one. */
export function parseDuration(text: string): Duration | undefined {
  const match = PATTERN.exec(text);
  if (!match) return undefined;
  const [years, months, weeks, days, hours, minutes, seconds] = match.slice(1).map((part) => Number(part ?? 0)) as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  return { years, months, weeks, days, hours, minutes, seconds };
}

/** Adds a duration in UTC, calendar-aware for years and months (Jan 31 + P1M = Feb 28/29, as billing does). */
export function addDuration(date: Date, duration: Duration): Date {
  const result = new Date(date.getTime());
  if (duration.years || duration.months) {
    const day = result.getUTCDate();
    result.setUTCDate(1);
    result.setUTCMonth(result.getUTCMonth() + duration.years * 12 + duration.months);
    const lastDay = new Date(Date.UTC(result.getUTCFullYear(), result.getUTCMonth() + 1, 0)).getUTCDate();
    result.setUTCDate(Math.min(day, lastDay));
  }
  const ms = ((((duration.weeks * 7 + duration.days) * 24 + duration.hours) * 60 + duration.minutes) * 60 + duration.seconds) * 1000;
  return new Date(result.getTime() + ms);
}

/** Length of a duration without calendar units, in milliseconds; undefined if it has years or months. */
export function fixedDurationMs(duration: Duration): number | undefined {
  if (duration.years || duration.months) return undefined;
  return addDuration(new Date(0), duration).getTime();
}

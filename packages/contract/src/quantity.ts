// Usage quantities kept exactly. The metering API takes a quantity as a JSON number (a `double` in
// Microsoft's spec, "greater than 0", decimals allowed, no stated precision or ceiling), and a double
// adds decimals inexactly (0.1 + 0.2) and drops units past 2^53 (1e16 + 1 + 1 is 1e16). So quantities are
// counted in whole millionths of a unit ("micros") and added as integers: six decimals, as many as any
// marketplace meters in, and at most 999,999,999.999999 in one hour of one dimension. That ceiling has 15
// significant digits, the most a double always carries exactly, so the number Microsoft parses from our
// JSON is the decimal we meant, and every sum of micros under it stays a safe integer.

const MICROS_PER_UNIT = 1_000_000;

/** Decimal places a quantity may have. */
export const QUANTITY_DECIMALS = 6;

/** The largest quantity one record, or one hour of one dimension, may reach, in micros. */
export const MAX_QUANTITY_MICROS = 999_999_999_999_999;

/** The same ceiling in units: 999999999.999999. */
export const MAX_QUANTITY = MAX_QUANTITY_MICROS / MICROS_PER_UNIT;

/**
 * The quantity as a whole number of micros, read from its decimal digits (never by multiplying a
 * double); undefined when it is not a finite number from 0 to MAX_QUANTITY with at most six decimals.
 */
export function toMicros(quantity: number): number | undefined {
  if (!Number.isFinite(quantity) || quantity < 0 || quantity > MAX_QUANTITY) return undefined;
  // JavaScript prints a number as the shortest decimal that reads back as the same double.
  const [mantissa = '', exponent = '0'] = String(quantity).split('e');
  const [whole = '', fraction = ''] = mantissa.split('.');
  const decimals = fraction.length - Number(exponent);
  if (decimals > QUANTITY_DECIMALS) return undefined;
  return Number(whole + fraction) * 10 ** (QUANTITY_DECIMALS - decimals);
}

/**
 * A quantity that came from elsewhere (the marketplace's answer, a plan's included units) in micros,
 * rounded to the nearest micro when it has more decimals; capped at the largest safe integer.
 */
export function nearestMicros(quantity: number): number {
  const exact = toMicros(quantity);
  if (exact !== undefined) return exact;
  if (!Number.isFinite(quantity) || quantity <= 0) return 0;
  return Math.min(Math.round(quantity * MICROS_PER_UNIT), Number.MAX_SAFE_INTEGER);
}

/** Micros as the number of units to send or show: the double nearest the exact decimal, which prints as that decimal. */
export function fromMicros(micros: number): number {
  return micros / MICROS_PER_UNIT;
}

/**
 * One strict check for every settings object (the stage configs, the model's and the optimiser's): each field has
 * a rule, and a value is refused with a sentence that names the config and the field. Strict on purpose: a
 * misspelt field is an error that suggests the nearest valid name (it would otherwise be ignored and the default
 * used), a numeric string such as "0.05" is refused (it would concatenate instead of adding), numbers must be
 * finite unless a rule allows Infinity, and a missing or null field is named.
 */

/** What a field must be, as the end of "…must be ___", or null when `v` passes. */
export type Rule = (v: unknown) => string | null;

/** One rule per field of T (TypeScript checks that none is forgotten). */
export type Rules<T> = { [K in keyof T]-?: Rule };

/** Shows a refused value; a string is marked as one, so that "0.05" is not read as the number. */
function show(v: unknown): string {
  if (typeof v === 'string') return `${JSON.stringify(v)} (a string)`;
  if (typeof v === 'number') return String(v);
  if (v === undefined) return 'nothing';
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

/** A finite number inside an interval written as in mathematics: '(0, 1)', '[0, 1]', '(0, ∞)', '[0, ∞)'. */
export function num(interval: string): Rule {
  const m = /^([[(])\s*(-∞|-?[0-9.e+-]+)\s*,\s*(∞|-?[0-9.e+-]+)\s*([\])])$/.exec(interval);
  if (!m) throw new Error(`num: cannot read the interval ${JSON.stringify(interval)}`);
  const lo = m[2] === '-∞' ? -Infinity : Number(m[2]);
  const hi = m[3] === '∞' ? Infinity : Number(m[3]);
  const [loOpen, hiOpen] = [m[1] === '(', m[4] === ')'];
  const what = `a number in ${interval}`;
  return (v) => {
    if (typeof v !== 'number' || !Number.isFinite(v)) return what;
    if (loOpen ? !(v > lo) : !(v >= lo)) return what;
    if (hiOpen ? !(v < hi) : !(v <= hi)) return what;
    return null;
  };
}

/** An integer from `min` to `max` (inclusive). */
export function int(min = -Infinity, max = Infinity): Rule {
  const what = min === -Infinity && max === Infinity ? 'an integer'
    : max === Infinity ? `an integer ≥ ${min}`
    : `an integer from ${min} to ${max}`;
  return (v) => (typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max ? null : what);
}

/** A positive integer (1, 2, …): counts, sizes, steps. */
export const posInt: Rule = (v) => (typeof v === 'number' && Number.isInteger(v) && v >= 1 ? null : 'a positive integer');

/** A positive integer, or Infinity for "all of them". */
export const countOrAll: Rule = (v) => (v === Infinity || posInt(v) === null ? null : 'a positive integer or Infinity (all)');

/** A number ≥ `min`, or Infinity for "no limit". */
export function atLeastOrInfinity(min: number): Rule {
  return (v) => (typeof v === 'number' && !Number.isNaN(v) && v >= min ? null : `a number ≥ ${min} (Infinity: no limit)`);
}

/** true or false. */
export const bool: Rule = (v) => (typeof v === 'boolean' ? null : 'true or false');

/** One of the listed strings. */
export function oneOf(values: readonly string[]): Rule {
  const what = `one of ${values.map((x) => `'${x}'`).join(', ')}`;
  return (v) => (typeof v === 'string' && values.includes(v) ? null : what);
}

/** `rule`, or null (null then means something: "off", "none"). */
export function orNull(rule: Rule): Rule {
  const nullable: Rule = (v) => (v === null ? null : rule(v) && `${rule(v)} or null`);
  return Object.assign(nullable, { acceptsNull: true });
}

/** Levenshtein distance (insertions, deletions, substitutions), case-insensitive. */
export function editDistance(a: string, b: string): number {
  const [s, t] = [a.toLowerCase(), b.toLowerCase()];
  let prev = Array.from({ length: t.length + 1 }, (_, j) => j);
  for (let i = 1; i <= s.length; i++) {
    const row = [i];
    for (let j = 1; j <= t.length; j++) row.push(Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (s[i - 1] === t[j - 1] ? 0 : 1)));
    prev = row;
  }
  return prev[t.length];
}

/** The valid name nearest to `name` (ties: the first listed). */
export function nearest(name: string, valid: readonly string[]): string {
  return valid.reduce((best, k) => (editDistance(name, k) < editDistance(name, best) ? k : best));
}

/**
 * Checks `value` field by field against `rules` and returns it unchanged; throws at the first problem, naming
 * `${configName}.${field}`: a field not in `rules` (with the nearest valid name), a missing or null one, or one
 * its rule refuses.
 */
export function checkConfig<T extends object>(configName: string, value: T, rules: Rules<T>): T {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error(`${configName} must be an object of settings, got ${show(value)}`);
  }
  const names = Object.keys(rules);
  for (const k of Object.keys(value)) {
    if (!names.includes(k)) {
      throw new Error(`${configName}.${k} is not a setting of ${configName}; did you mean ${nearest(k, names)}?`);
    }
  }
  const fields = value as Record<string, unknown>;
  for (const k of names) {
    const rule = (rules as Record<string, Rule>)[k];
    const v = fields[k];
    if (v === undefined) throw new Error(`${configName}.${k} is missing: ${configName} needs it (${rule(undefined)})`);
    if (v === null && !(rule as { acceptsNull?: boolean }).acceptsNull) {
      throw new Error(`${configName}.${k} is null: it must be ${rule(null)}`);
    }
    const what = rule(v);
    if (what !== null) throw new Error(`${configName}.${k} must be ${what}, got ${show(v)}`);
  }
  return value;
}

/** Throws "`what` must be a positive integer, got …" unless `v` is one (arguments of functions: counts, sizes). */
export function requirePosInt(what: string, v: unknown): void {
  if (posInt(v) !== null) throw new Error(`${what} must be a positive integer, got ${show(v)}`);
}

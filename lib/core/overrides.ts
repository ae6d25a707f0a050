import { nearest } from './validate';

/**
 * Settings changed without editing a notebook: `npm run stage -- 04 --set klCoef=0.02` passes the overrides to the
 * stage's kernel as JSON in RLHF_SET, and the stage's config cell applies them with withOverrides before its strict
 * check. An override of a field the config does not have is an error naming the nearest valid field.
 */

/** The environment variable that carries the overrides (a JSON object). */
export const OVERRIDES_ENV = 'RLHF_SET';

/**
 * One `key=value` argument: the value read as JSON when it is a number, true, false, null, an array or an object
 * (so `klTarget=null` and `seed=2` are typed), as a string otherwise (`adamForm=tf1`).
 */
export function parseSetting(arg: string): [string, unknown] {
  const eq = arg.indexOf('=');
  if (eq <= 0) throw new Error(`--set ${arg}: expected key=value, e.g. --set klCoef=0.02`);
  const key = arg.slice(0, eq).trim();
  const text = arg.slice(eq + 1).trim();
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) throw new Error(`--set ${arg}: "${key}" is not a setting name`);
  if (text === '') throw new Error(`--set ${arg}: no value after "="`);
  const looksJson = /^(-?\d|true$|false$|null$|\[|\{|")/.test(text);
  if (!looksJson) return [key, text];
  try {
    return [key, JSON.parse(text)];
  } catch {
    throw new Error(`--set ${arg}: "${text}" is neither a number, true/false/null, JSON, nor a plain word`);
  }
}

/** The overrides this process was given (RLHF_SET), or {} when none. */
export function settingOverrides(env: NodeJS.ProcessEnv = process.env): Record<string, unknown> {
  const raw = env[OVERRIDES_ENV];
  if (raw === undefined || raw.trim() === '') return {};
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch (err) {
    throw new Error(`${OVERRIDES_ENV} must be a JSON object of settings: ${(err as Error).message}`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error(`${OVERRIDES_ENV} must be a JSON object of settings, got ${raw}`);
  return v as Record<string, unknown>;
}

/**
 * `config` with the overrides applied (a new object; `config` is not changed). Every overridden field must be a
 * field of `config`; the values are checked by the stage's own strict validator afterwards.
 */
export function withOverrides<T extends object>(configName: string, config: T, overrides = settingOverrides()): T {
  const keys = Object.keys(config);
  for (const k of Object.keys(overrides)) {
    if (!keys.includes(k)) throw new Error(`--set ${k}: ${configName} has no setting "${k}"; did you mean ${nearest(k, keys)}?`);
  }
  return { ...config, ...overrides };
}

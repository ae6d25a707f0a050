/**
 * Builds data/facts.json, the quiz world's single source of truth: countries → capitals (npm countries-list,
 * MIT) and elements → chemical symbols (npm chemical-elements, MIT). The corpus, the demonstrations, the
 * prompts and the gold judge all read this file. Deterministic: the same packages give the same file.
 *
 *   npx tsx tools/data/build-facts.ts
 */
import * as path from 'path';
import { countries } from 'countries-list';
import { elements } from 'chemical-elements';
import { writeJsonAtomic } from '../../lib/core/atomic';
import { dataDir } from '../../lib/core/paths';
import type { Fact } from '../../lib/world/facts';

/** English names learners know, where the package uses another form. */
const COUNTRY_NAMES: Record<string, string> = { TR: 'Turkey', CZ: 'Czech Republic', CV: 'Cape Verde' };
/** Other accepted spellings of a capital (accents are normalised by the judge, so these are real variants). */
const CAPITAL_ALIASES: Record<string, string[]> = {
  US: ['Washington', 'Washington, D.C.'],
  MN: ['Ulaanbaatar'],
  UA: ['Kiev'],
  HK: ['Victoria'],
  KW: ['Kuwait'],
  GT: ['Guatemala'],
  MX: ['Mexico'],
  PA: ['Panama'],
  SM: ['San Marino'],
  PS: ['East Jerusalem'],
  IN: ['Delhi'],
};
/** Left out: capital named exactly like the country (nothing to recall), or a capital name shared with another entry. */
const SKIP_COUNTRIES = new Set(['DJ', 'GI', 'LU', 'MC', 'SG', 'VA', 'NF']);
/** Elements 1–100 (the superheavy ones are rarely asked). */
const MAX_ELEMENT = 100;

function build(): Fact[] {
  const facts: Fact[] = [];
  for (const [code, c] of Object.entries(countries)) {
    const info = c as { name: string; capital: string; partOf?: string };
    if (!info.capital || info.partOf || SKIP_COUNTRIES.has(code)) continue;
    facts.push({
      id: `capital:${code}`,
      kind: 'capital',
      subject: COUNTRY_NAMES[code] ?? info.name,
      answer: info.capital,
      aliases: CAPITAL_ALIASES[code] ?? [],
    });
  }
  for (const e of elements) {
    if (e.number > MAX_ELEMENT) continue;
    facts.push({ id: `symbol:${e.symbol}`, kind: 'symbol', subject: e.name.toLowerCase(), answer: e.symbol, aliases: [] });
  }
  facts.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return facts;
}

const facts = build();
writeJsonAtomic(path.join(dataDir, 'facts.json'), facts);
console.log(`data/facts.json: ${facts.filter((f) => f.kind === 'capital').length} capitals, ${facts.filter((f) => f.kind === 'symbol').length} symbols`);

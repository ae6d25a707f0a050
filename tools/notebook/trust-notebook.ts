import { spawnSync } from 'child_process';

/**
 * Signs an executed notebook with Jupyter's trust mechanism (nbformat's notary: an HMAC of the notebook under
 * the user's own secret, recorded in the user's signature database), so classic Jupyter on this machine, for
 * this user, runs its chart scripts when it is opened. Elsewhere the notebook opens untrusted and every chart
 * shows its "not trusted" placeholder (lib/plot.ts) instead of staying blank.
 *
 * It runs `python -m nbformat.sign` (the same app as `jupyter trust`, which Debian does not put on the PATH),
 * with JUPYTER_PYTHON (default /usr/bin/python3). Without Python or nbformat there is nothing to sign for.
 */

/** The outcome of {@link trustNotebook}. */
export type TrustResult =
  | { status: 'signed' }
  | { status: 'unavailable'; reason: string }
  | { status: 'failed'; reason: string };

/** Signs `file` in place; never throws. */
export function trustNotebook(file: string, python = process.env.JUPYTER_PYTHON ?? '/usr/bin/python3'): TrustResult {
  const r = spawnSync(python, ['-m', 'nbformat.sign', file], { encoding: 'utf8', timeout: 60000 });
  if (r.error) return { status: 'unavailable', reason: `${python}: ${r.error.message}` };
  const out = `${r.stderr ?? ''}${r.stdout ?? ''}`.trim();
  if (r.status === 0) return { status: 'signed' };
  if (/No module named nbformat/.test(out)) return { status: 'unavailable', reason: `${python} has no nbformat` };
  return { status: 'failed', reason: `${python} -m nbformat.sign ${file}: ${out.split('\n').pop() ?? `exit ${r.status}`}` };
}

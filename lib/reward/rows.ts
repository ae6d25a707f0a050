import { chatPrompt, chatReply } from '../model/chat';

/** Token rows of (question, reply) pairs for the reward model, right-padded, with where each reply starts. */

/**
 * Token row of one (question, reply): chatPrompt(question) then the reply. A text reply is encoded as
 * chatReply(text) followed by EOS (an empty text is EOS alone, as the model generates it); a token reply is
 * appended as it is.
 */
export function rewardRow(
  tokenizer: { encode(text: string): number[]; eosId: number },
  question: string,
  reply: string | readonly number[],
): number[] {
  const prompt = tokenizer.encode(chatPrompt(question));
  if (typeof reply !== 'string') return prompt.concat(reply as number[]);
  const body = reply.trim() === '' ? [] : tokenizer.encode(chatReply(reply));
  return prompt.concat(body, [tokenizer.eosId]);
}

/** Where the reply starts in rewardRow(tokenizer, question, ·): the length of the encoded chat prompt. */
export function replyStartOf(tokenizer: { encode(text: string): number[] }, question: string): number {
  return tokenizer.encode(chatPrompt(question)).length;
}

/** Right-padded rows and where each row's last real token is. */
export interface RewardRows {
  /** [B][T] token ids, right-padded with PAD. */
  tokens: number[][];
  /** [B] index of each row's last real token (where the reward is read). */
  lastIndex: number[];
  /** [B] index of each row's first reply token (after any cut), or −1 when not given ('lastTokenHead' needs none). */
  replyStart: number[];
}

/**
 * Pads token rows to the longest one with `padId`. Rows longer than `maxLength` (the model's context) keep their
 * LAST maxLength tokens: the reward is read at the end, and that is the part that must be seen. `replyStarts`
 * (where each row's reply begins) move with the cut; a reply start cut off becomes 1 (position 0 has no
 * log-probability).
 */
export function packRewardRows(rows: readonly (readonly number[])[], padId: number, maxLength = Infinity, replyStarts?: readonly number[]): RewardRows {
  if (rows.length === 0) throw new Error('packRewardRows: no rows');
  if (replyStarts && replyStarts.length !== rows.length) throw new Error(`packRewardRows: ${replyStarts.length} reply starts for ${rows.length} rows`);
  const dropped = rows.map((r) => Math.max(0, r.length - maxLength));
  const cut = rows.map((r, i) => {
    if (r.length === 0) throw new Error(`packRewardRows: row ${i} is empty`);
    return r.slice(dropped[i]);
  });
  const T = Math.max(...cut.map((r) => r.length));
  return {
    tokens: cut.map((r) => r.concat(new Array<number>(T - r.length).fill(padId))),
    lastIndex: cut.map((r) => r.length - 1),
    replyStart: cut.map((r, i) => {
      if (!replyStarts) return -1;
      const s = replyStarts[i];
      if (!(Number.isInteger(s) && s >= 1 && s <= rows[i].length)) throw new Error(`packRewardRows: reply start ${s} of row ${i} is not in 1..${rows[i].length}`);
      return Math.max(1, s - dropped[i]);
    }),
  };
}

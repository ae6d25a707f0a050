/**
 * The conversation format the assistant is fine-tuned on. A prompt is one user question; the assistant's reply
 * follows "Assistant:" after a space and ends with the EOS token. Pre-training text never uses this format, so
 * the base model knows the facts but not how to answer questions.
 */

/** The text the model sees before its reply: "User: What is the capital of Peru?\nAssistant:". */
export function chatPrompt(question: string): string {
  return `User: ${question.trim()}\nAssistant:`;
}

/** The reply text as it is appended to the prompt (a leading space, the way BPE sees words). */
export function chatReply(completion: string): string {
  return ` ${completion.trim()}`;
}

/** The marker of a new turn; a reply that contains it has run on into another turn (not well-formed). */
export const TURN_MARKERS = ['User:', 'Assistant:'] as const;

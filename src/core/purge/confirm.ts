// The typed confirmation that every destructive front end asks for: the count of keys, or the pattern.
// Lives in the core so the CLI prompt and the explorer's dialog accept exactly the same answers.

/** True only when the answer is the count (separators `,` `_` space `'` allowed) or `phrase`. */
export function answerConfirms(answer: string, count: number, phrase: string | undefined): boolean {
  const trimmed = answer.trim();
  if (phrase !== undefined && phrase !== '' && trimmed === phrase) return true;
  const digits = trimmed.replace(/[,_ ']/g, '');
  return /^\d+$/.test(digits) && Number(digits) === count;
}

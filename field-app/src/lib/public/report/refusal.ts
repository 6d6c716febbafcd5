/**
 * What a refused report is about, from the server's (English) words: the page says it in the
 * reader's language, and a resident who changes the report goes back to the field it names.
 */
export type Refusal = { kind: 'robot' | 'outside' | 'type' | 'answers' | 'other'; field: string };

export function refusalOf(serverWords: string): Refusal {
  if (/field meant to stay empty|proof of work/.test(serverWords)) return { kind: 'robot', field: 'report-title' };
  if (/outside the city/.test(serverWords)) return { kind: 'outside', field: 'report-address' };
  if (/^No service has the code/.test(serverWords)) return { kind: 'type', field: 'type-search' };
  const answer = /^attribute\[([^\]]+)\]/.exec(serverWords);
  if (answer) return { kind: 'answers', field: `attr-${answer[1]}` };
  return { kind: 'other', field: 'report-title' };
}

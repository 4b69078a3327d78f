/**
 * ZooKeeper's four-letter words on the client port: a connection whose first four bytes spell one
 * gets a text answer and is closed. Only whitelisted words answer (ZooKeeper's
 * `4lw.commands.whitelist`); any other four bytes are read as a packet length, as ZooKeeper does.
 */

export const FOUR_LETTER_WORDS = ['ruok', 'srvr', 'stat', 'mntr', 'cons', 'wchs', 'isro'] as const;
export type FourLetterWord = (typeof FOUR_LETTER_WORDS)[number];

/** What the member tells the words; every function is called only when its word is asked. */
export interface FourLetterSource {
  /** `srvr`'s lines (stat adds the connections). */
  srvr(): string;
  mntr(): string;
  /** One line per connection, as `cons` prints them. */
  cons(): string;
  wchs(): string;
  readOnly(): boolean;
}

/** The word in the first four bytes, if it is one this gateway answers and the whitelist allows. */
export function fourLetterWord(first4: Uint8Array, whitelist: ReadonlySet<string>): FourLetterWord | null {
  if (first4.byteLength < 4) return null;
  const word = String.fromCharCode(first4[0]!, first4[1]!, first4[2]!, first4[3]!);
  return (FOUR_LETTER_WORDS as readonly string[]).includes(word) && whitelist.has(word) ? (word as FourLetterWord) : null;
}

export function answerFourLetterWord(word: FourLetterWord, s: FourLetterSource): string {
  switch (word) {
    case 'ruok':
      return 'imok';
    case 'srvr':
      return s.srvr();
    case 'stat':
      return `${s.srvr()}Clients:\n${s.cons()}\n`;
    case 'mntr':
      return s.mntr();
    case 'cons':
      return `${s.cons()}\n`;
    case 'wchs':
      return s.wchs();
    case 'isro':
      return s.readOnly() ? 'ro' : 'rw';
  }
}

/** Parses `--zk-4lw` (comma list, or `*` for all): unknown words are an error. */
export function parseFourLetterWhitelist(raw: string): Set<string> {
  if (raw.trim() === '*') return new Set(FOUR_LETTER_WORDS);
  const words = raw.split(',').map((w) => w.trim()).filter((w) => w !== '');
  for (const w of words) if (!(FOUR_LETTER_WORDS as readonly string[]).includes(w)) throw new Error(`unknown four-letter word ${w} (known: ${FOUR_LETTER_WORDS.join(', ')})`);
  return new Set(words);
}

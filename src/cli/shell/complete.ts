/**
 * Tab completion for the interactive shell: command names where a command starts (multi's op names
 * after a `|`), znode paths (from the member, through getChildren) in a word that starts with `/`.
 * Returns readline's `[completions, the word being completed]`.
 */

export const MULTI_OPS: readonly string[] = ['create', 'set', 'delete', 'check'];

export async function completeLine(
  line: string,
  commandNames: readonly string[],
  children: (path: string) => Promise<readonly string[]>,
): Promise<[string[], string]> {
  // Only the statement being typed matters: after the last ; or |.
  const cut = Math.max(line.lastIndexOf(';'), line.lastIndexOf('|'));
  const statement = line.slice(cut + 1);
  const afterPipe = cut >= 0 && line[cut] === '|';
  const words = statement.trimStart().split(/\s+/);
  const word = /\s$/.test(statement) ? '' : (words[words.length - 1] ?? '');
  const isFirst = statement.trim() === '' || (words.length === 1 && word !== '');
  if (isFirst) {
    const names = afterPipe ? MULTI_OPS : commandNames;
    const hits = names.filter((n) => n.toLowerCase().startsWith(word.toLowerCase()));
    return [hits.length === 1 ? [`${hits[0]} `] : hits, word];
  }
  if (!word.startsWith('/')) return [[], word];
  const slash = word.lastIndexOf('/');
  const parent = slash === 0 ? '/' : word.slice(0, slash);
  const prefix = word.slice(slash + 1);
  let names: readonly string[];
  try {
    names = await children(parent);
  } catch {
    return [[], word];
  }
  const base = parent === '/' ? '' : parent;
  const hits = names
    .filter((n) => n.startsWith(prefix))
    .sort()
    .map((n) => `${base}/${n}`);
  return [hits, word];
}

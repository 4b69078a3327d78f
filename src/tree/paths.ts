import { ErrorCode, ZkError } from './errors.js';

export const ROOT_PATH = '/';
/** ZooKeeper's own subtree: readable, never writable by clients. */
export const RESERVED_PATH = '/zookeeper';

/**
 * Why `path` is not a valid znode path under ZooKeeper's rules, or undefined when it is.
 * With `sequential`, the path is a prefix that a 10-digit counter will complete, so it may end in "/"
 * (e.g. "/locks/" becomes "/locks/0000000003"); the completed path is validated again after.
 */
export function pathProblem(path: unknown, sequential = false): string | undefined {
  if (typeof path !== 'string') return 'path must be a string';
  if (path.length === 0) return 'path must not be empty';
  if (path.charCodeAt(0) !== 0x2f) return 'path must start with "/"';
  // A stand-in digit for the counter lets one scan check the completed shape.
  const p = sequential ? path + '0' : path;
  if (p.length === 1) return undefined;
  if (p.charCodeAt(p.length - 1) === 0x2f) return 'path must not end with "/"';
  let segmentStart = 1;
  for (let i = 1; i <= p.length; i++) {
    const c = i < p.length ? p.charCodeAt(i) : 0x2f;
    if (c === 0x2f) {
      const segment = p.slice(segmentStart, i);
      if (segment.length === 0) return `empty node name at index ${i}`;
      if (segment === '.' || segment === '..') return `relative segment "${segment}" at index ${segmentStart}`;
      segmentStart = i + 1;
      continue;
    }
    if (isDisallowedChar(c)) return `invalid character \\u${c.toString(16).padStart(4, '0')} at index ${i}`;
  }
  return undefined;
}

/**
 * The code units ZooKeeper rejects: NUL and C0 controls, DEL and C1 controls, the surrogates and the
 * private use area (so no characters outside the BMP), and U+FFF0..U+FFFF.
 */
function isDisallowedChar(c: number): boolean {
  return (
    c <= 0x1f ||
    (c >= 0x7f && c <= 0x9f) ||
    (c >= 0xd800 && c <= 0xf8ff) ||
    c >= 0xfff0
  );
}

export function isValidPath(path: unknown, sequential = false): path is string {
  return pathProblem(path, sequential) === undefined;
}

/** Throws BADARGUMENTS naming the path and the rule it breaks. */
export function validatePath(path: unknown, sequential = false): asserts path is string {
  const problem = pathProblem(path, sequential);
  if (problem !== undefined) {
    throw new ZkError(ErrorCode.BADARGUMENTS, typeof path === 'string' ? path : undefined, problem);
  }
}

/** "/zookeeper" or anything under it. */
export function isReservedPath(path: string): boolean {
  return path === RESERVED_PATH || path.startsWith(RESERVED_PATH + '/');
}

/** The parent of a valid non-root path ("/" for top-level nodes). */
export function parentPath(path: string): string {
  const slash = path.lastIndexOf('/');
  if (path === ROOT_PATH || slash < 0) throw new Error(`"${path}" has no parent`);
  return slash === 0 ? ROOT_PATH : path.slice(0, slash);
}

/** The last segment of a valid non-root path. */
export function baseName(path: string): string {
  if (path === ROOT_PATH) throw new Error('the root has no name');
  return path.slice(path.lastIndexOf('/') + 1);
}

export function childPath(parent: string, name: string): string {
  return parent === ROOT_PATH ? ROOT_PATH + name : `${parent}/${name}`;
}

/** The parent a sequential create lands in: "/locks/" and "/locks/lock-" both go under "/locks". */
export function sequentialParent(prefix: string): string {
  const slash = prefix.lastIndexOf('/');
  return slash <= 0 ? ROOT_PATH : prefix.slice(0, slash);
}

/**
 * ZooKeeper's sequence suffix: the parent's cversion as Java's "%010d" prints it (zero-padded to 10
 * characters, the sign counting as one once cversion has wrapped negative).
 */
export function formatSequence(cversion: number): string {
  if (cversion >= 0) return String(cversion).padStart(10, '0');
  return '-' + String(-cversion).padStart(9, '0');
}

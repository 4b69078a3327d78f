/**
 * ZooKeeper's client-side path rules (PathUtils.validatePath), checked before anything is sent so a
 * bad path fails fast with BADARGUMENTS. The member checks again: this is a courtesy, not the guard.
 */
import { ErrorCode, ZooKeeperError } from './errors.js';

export function pathProblem(path: string, isSequential = false): string | null {
  if (typeof path !== 'string' || path.length === 0) return 'path must not be empty';
  if (path[0] !== '/') return 'path must start with /';
  if (path.length === 1) return null;
  // A sequential create may end with "/": the member appends the counter ("/q/" → "/q/0000000001").
  if (path.endsWith('/') && !isSequential) return 'path must not end with /';
  const segments = path.slice(1).split('/');
  const last = segments.length - 1;
  for (let i = 0; i <= last; i++) {
    const seg = segments[i]!;
    if (seg === '' && !(isSequential && i === last)) return 'empty segment (//) in path';
    if (seg === '.' || seg === '..') return `relative segment "${seg}" in path`;
  }
  for (let i = 0; i < path.length; i++) {
    const c = path.charCodeAt(i);
    if (c === 0) return `null character at ${i}`;
    // ZooKeeper's ranges: control characters, surrogates and private use, specials.
    if (c <= 0x1f || (c >= 0x7f && c <= 0x9f) || (c >= 0xd800 && c <= 0xf8ff) || c >= 0xfff0) {
      return `invalid character \\u${c.toString(16).padStart(4, '0')} at ${i}`;
    }
  }
  return null;
}

export function validatePath(path: string, isSequential = false): void {
  const problem = pathProblem(path, isSequential);
  if (problem !== null) throw new ZooKeeperError(ErrorCode.BADARGUMENTS, { path, message: problem });
}

/** "/a/b" → "/a"; "/a" → "/". */
export function parentOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

/** "/a/b" → "b". */
export function basename(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

export function joinPath(parent: string, child: string): string {
  return parent === '/' ? `/${child}` : `${parent}/${child}`;
}

/** The path itself and every ancestor up to "/", nearest first ("/a/b" → "/a/b", "/a", "/"). */
export function selfAndAncestors(path: string): string[] {
  const out = [path];
  for (let p = path; p !== '/'; ) {
    p = parentOf(p);
    out.push(p);
  }
  return out;
}

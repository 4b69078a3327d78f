/**
 * How the checkers name ops, data and results in their explanations. A violation is read by a person
 * chasing a bug, so every op is shown the same way: id, session, what it asked, what it got, when.
 */
import type { MultiOp, MultiResult, Operation, OperationResult, Stat } from '../../protocol/client.js';
import { formatZxid } from '../../zab/zxid.js';
import { errName } from './errors.js';
import type { Effect, HistoryOp } from './types.js';

const decoder = new TextDecoder('utf-8', { fatal: true });

/** Short, printable form of bytes: a quoted string when it is readable text, else its size. */
export function fmtData(data: Uint8Array): string {
  if (data.length === 0) return '""';
  if (data.length <= 32) {
    try {
      const text = decoder.decode(data);
      if (/^[\x20-\x7e]*$/.test(text)) return JSON.stringify(text);
    } catch {
      // not UTF-8: fall through to the size
    }
  }
  return `<${data.length} bytes>`;
}

/** Virtual times may be fractional; two decimals keep them readable and still tell neighbours apart. */
export function fmtMs(ms: number): string {
  if (ms === -Infinity) return 'the beginning';
  if (ms === Infinity) return 'never';
  return `${Number(ms.toFixed(2))}ms`;
}

function fmtMultiOp(op: MultiOp): string {
  switch (op.op) {
    case 'create':
      return `create ${op.path}${op.mode === 'PERSISTENT' ? '' : ` (${op.mode})`} data=${fmtData(op.data)}`;
    case 'delete':
      return `delete ${op.path} v=${op.version}`;
    case 'setData':
      return `setData ${op.path} v=${op.version} data=${fmtData(op.data)}`;
    case 'check':
      return `check ${op.path} v=${op.version}`;
  }
}

export function fmtOperation(op: Operation): string {
  switch (op.op) {
    case 'create':
    case 'delete':
    case 'setData':
    case 'check':
      return fmtMultiOp(op);
    case 'multi':
      return `multi[${op.ops.map(fmtMultiOp).join('; ')}]`;
    case 'getData':
    case 'exists':
    case 'sync':
      return `${op.op} ${op.path}`;
    case 'getChildren':
      return `getChildren ${op.path}`;
    case 'getEphemerals':
      return `getEphemerals ${op.prefix}`;
    case 'addWatch':
      return `addWatch ${op.path} ${op.mode}`;
    case 'removeWatches':
    case 'checkWatches':
      return `${op.op} ${op.path} ${op.type}`;
    case 'getAllChildrenNumber':
      return `getAllChildrenNumber ${op.path}`;
    case 'closeSession':
      return 'closeSession';
  }
}

/** The stat fields a person usually needs to follow an explanation. */
export function fmtStat(s: Stat): string {
  return `version ${s.version}, mzxid ${formatZxid(s.mzxid)}, ${s.numChildren} children`;
}

function fmtSubResult(r: MultiResult): string {
  switch (r.op) {
    case 'create':
      return `created ${r.path}`;
    case 'setData':
      return `version ${r.stat.version}`;
    case 'error':
      return errName(r.err);
    default:
      return 'ok';
  }
}

export function fmtResult(r: OperationResult): string {
  switch (r.op) {
    case 'create':
      return `created ${r.path}`;
    case 'setData':
      return `version ${r.stat.version}`;
    case 'getData':
      return `data=${fmtData(r.data)} version ${r.stat.version}`;
    case 'exists':
      return r.stat ? `exists, version ${r.stat.version}` : 'does not exist';
    case 'getChildren':
      return `children [${r.children.join(', ')}]`;
    case 'getEphemerals':
      return `ephemerals [${r.paths.join(', ')}]`;
    case 'multi':
      return `[${r.results.map(fmtSubResult).join('; ')}]`;
    default:
      return '';
  }
}

/** "ok, version 2" · "BADVERSION" · "unknown (CONNECTIONLOSS)". */
export function fmtOutcome(h: HistoryOp): string {
  switch (h.outcome) {
    case 'ok': {
      const detail = h.result ? fmtResult(h.result) : '';
      return detail ? `ok, ${detail}` : 'ok';
    }
    case 'error':
      return h.err === undefined ? 'error' : errName(h.err);
    case 'unknown':
      return h.err !== undefined ? `unknown (${errName(h.err)})` : h.completeMs === null ? 'unknown (no answer)' : 'unknown';
  }
}

export function fmtWhen(h: HistoryOp): string {
  const done = h.completeMs === null ? 'never answered' : `answered ${fmtMs(h.completeMs)}`;
  return `sent ${fmtMs(h.invokeMs)}, ${done}`;
}

/** `#5 (session 3: setData /a v=1 data="x" → ok, version 2; sent 100ms, answered 130ms; zxid (1,7))` */
export function describeOp(h: HistoryOp): string {
  const stamp = h.zxid ? `; zxid ${formatZxid(h.zxid)}` : '';
  const ro = h.readOnly ? '; read-only' : '';
  return `#${h.id} (session ${h.session}: ${fmtOperation(h.op)} → ${fmtOutcome(h)}; ${fmtWhen(h)}${stamp}${ro})`;
}

export function fmtEffect(e: Effect): string {
  switch (e.kind) {
    case 'create':
      return `create ${e.path} data=${fmtData(e.data)}${e.ephemeralOwner ? ` owner ${e.ephemeralOwner}` : ''}`;
    case 'delete':
      return `delete ${e.path}`;
    case 'set':
      return `set ${e.path} data=${fmtData(e.data)}${e.version !== undefined ? ` → version ${e.version}` : ''}`;
  }
}

export function fmtEffects(effects: readonly Effect[]): string {
  return effects.length ? effects.map(fmtEffect).join('; ') : 'nothing';
}

/** Indents a block of lines under a heading line. */
export function indent(lines: readonly string[], by = '  '): string {
  return lines.map((l) => by + l).join('\n');
}

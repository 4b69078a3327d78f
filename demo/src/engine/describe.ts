/**
 * Words for what is on screen: zxids as (epoch, counter), a label per message, a one-line summary
 * per txn. Pure functions, shared by the classroom engine, the page and the tests.
 */
import { errorName as clientErrorName } from '../../../src/client/errors.js';
import type { ClientToMember, MemberToClient } from '../../../src/protocol/client.js';
import type { PeerMessage, ServerMessage, ServerTxn } from '../../../src/server/messages.js';
import type { ZabMessage } from '../../../src/zab/messages.js';
import type { Zxid } from '../../../src/zab/zxid.js';

/** Always (epoch, counter): the one form a student reads a zxid in. */
export function z(zxid: Zxid | null | undefined): string {
  return zxid ? `(${zxid.epoch}, ${zxid.counter})` : '—';
}

export function zxidKey(zxid: Zxid): string {
  return `${zxid.epoch}:${zxid.counter}`;
}

/** Which part of Zab a message belongs to: it picks the message's colour. */
export type MessageFamily = 'election' | 'discovery' | 'sync' | 'broadcast' | 'heartbeat' | 'server' | 'client';

const FAMILY: Record<ZabMessage['type'], MessageFamily> = {
  VOTE: 'election',
  FOLLOWERINFO: 'discovery',
  NEWEPOCH: 'discovery',
  ACKEPOCH: 'discovery',
  DIFF: 'sync',
  TRUNC: 'sync',
  SNAP: 'sync',
  NEWLEADER: 'sync',
  ACKNEWLEADER: 'sync',
  UPTODATE: 'sync',
  PROPOSAL: 'broadcast',
  ACK: 'broadcast',
  COMMIT: 'broadcast',
  PING: 'heartbeat',
};

export interface MessageLabel {
  /** The protocol name, as the issue and ZooKeeper's docs spell it. */
  readonly type: string;
  /** A short detail for the bubble: a zxid, an epoch, a path. */
  readonly detail: string;
  readonly family: MessageFamily;
  /** Heartbeats are drawn small and faint. */
  readonly quiet: boolean;
}

export function txnSummary(txn: unknown): string {
  const t = txn as ServerTxn | undefined;
  const body = t?.body;
  if (!body) return '?';
  if (t.sync) return t.xid === -2 ? 'no-op' : 'sync';
  switch (body.type) {
    case 'create':
      return `create ${body.path}${body.ephemeralOwner ? ' (ephemeral)' : ''}`;
    case 'delete':
      return `delete ${body.path}`;
    case 'setData':
      return `set ${body.path} v${body.version}`;
    case 'check':
      return `check ${body.path}`;
    case 'multi':
      return `multi ×${body.ops.length}`;
    case 'createSession':
      return `createSession ${sessionName(body.sessionId)}`;
    case 'closeSession':
      return `closeSession ${sessionName(body.sessionId)}`;
    case 'error':
      return `refused: ${errorName(body.code)}`;
  }
}

export function sessionName(id: number): string {
  return id < 0 ? `ro${-id}` : `0x${id.toString(16)}`;
}

/** The bubble of a peer message (a Zab message, or the server layer's FORWARD/TOUCH/...). */
export function labelPeerMessage(message: unknown): MessageLabel {
  const pm = message as PeerMessage;
  if (pm && pm.layer === 'server') return labelServerMessage(pm.message);
  const m = (pm && pm.layer === 'zab' ? pm.message : message) as ZabMessage;
  return labelZab(m);
}

export function labelZab(m: ZabMessage): MessageLabel {
  const family = FAMILY[m.type] ?? 'broadcast';
  const label = (type: string, detail: string): MessageLabel => ({ type, detail, family, quiet: m.type === 'PING' });
  switch (m.type) {
    case 'VOTE':
      return label('VOTE', `m${m.leader} e${m.epoch} ${z(m.zxid)}`);
    case 'FOLLOWERINFO':
      return label('FOLLOWERINFO', `last ${z(m.lastZxid)}`);
    case 'NEWEPOCH':
      return label('NEWEPOCH', `epoch ${m.epoch}`);
    case 'ACKEPOCH':
      return label('ACKEPOCH', `last ${z(m.lastZxid)}`);
    case 'DIFF':
      return label('DIFF', `after ${z(m.from)}`);
    case 'TRUNC':
      return label('TRUNC', `to ${z(m.to)}`);
    case 'SNAP':
      return label('SNAP', `at ${z(m.snapshot.zxid)}`);
    case 'NEWLEADER':
      return label('NEWLEADER', `e${m.epoch} ${z(m.zxid)}`);
    case 'ACKNEWLEADER':
      return label('ACK(NEWLEADER)', z(m.zxid));
    case 'UPTODATE':
      return label('UPTODATE', `commit ${z(m.committed)}`);
    case 'PROPOSAL':
      return label('PROPOSAL', `${z(m.zxid)} ${shorten(txnSummary(m.txn), 14)}`);
    case 'ACK':
      return label('ACK', z(m.zxid));
    case 'COMMIT':
      return label('COMMIT', z(m.zxid));
    case 'PING':
      return label('PING', '');
  }
}

export function labelServerMessage(m: ServerMessage): MessageLabel {
  const label = (type: string, detail: string, quiet = false): MessageLabel => ({ type, detail, family: 'server', quiet });
  switch (m.type) {
    case 'FORWARD': {
      const r = m.request;
      if (r.kind === 'write') {
        const w = r.request as { type?: string; op?: string; path?: string };
        return label('FORWARD', `${w.type ?? w.op ?? 'write'} ${w.path ?? ''}`.trim());
      }
      return label('FORWARD', r.kind);
    }
    case 'TOUCH':
      return label('TOUCH', m.sessions.map(sessionName).join(' '), true);
    case 'REVALIDATE':
      return label('REVALIDATE', sessionName(m.sessionId));
    case 'REVALIDATED':
      return label('REVALIDATED', `${sessionName(m.sessionId)} ${m.valid ? 'ok' : 'expired'}`);
    case 'EXPIRED':
      return label('EXPIRED', m.sessions.map(sessionName).join(' '));
  }
}

export function labelClientToMember(m: ClientToMember): MessageLabel {
  const label = (type: string, detail: string, quiet = false): MessageLabel => ({ type, detail, family: 'client', quiet });
  switch (m.type) {
    case 'connect':
      return label('connect', m.sessionId ? sessionName(m.sessionId) : 'new session');
    case 'request': {
      const op = m.operation;
      return label(op.op, 'path' in op ? op.path : '');
    }
    case 'setWatches':
      return label('setWatches', '');
    case 'ping':
      return label('ping', '', true);
  }
}

export function labelMemberToClient(m: MemberToClient): MessageLabel {
  const label = (type: string, detail: string, quiet = false): MessageLabel => ({ type, detail, family: 'client', quiet });
  switch (m.type) {
    case 'connected':
      return label(m.readOnly ? 'connected (read-only)' : 'connected', sessionName(m.sessionId));
    case 'connectRefused':
      return label('refused', errorName(m.err));
    case 'response':
      return label(m.err === 0 ? 'ok' : errorName(m.err), z(m.zxid));
    case 'watch':
      return label('WATCH', `${m.event} ${m.path}`);
    case 'pong':
      return label('pong', '', true);
    case 'disconnect':
      return label('disconnect', errorName(m.err));
  }
}

export function errorName(code: number): string {
  return clientErrorName(code);
}

/** Short hex of a digest for a card; the full one is in the consistency panel's tooltip. */
export function shortDigest(digest: string | undefined): string {
  return digest ? digest.slice(0, 8) : '—';
}

function shorten(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

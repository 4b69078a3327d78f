/**
 * One attempt to attach a session to one member: open a link, send `connect`, wait for `connected`
 * or `connectRefused`, bounded by a timeout. Reports exactly one outcome; on success the open link
 * is handed over (its later messages go to whoever takes it).
 */
import type { ConnectRequest, Connected, Connector, MemberToClient, Scheduler } from '../protocol/client.js';
import { Link } from './link.js';

export type HandshakeOutcome =
  | { readonly kind: 'connected'; readonly link: Link; readonly connected: Connected }
  | { readonly kind: 'refused'; readonly err: number; readonly reason: string }
  | { readonly kind: 'failed'; readonly reason: string };

export class Handshake {
  private link: Link | null = null;
  private timer: unknown = null;
  private done = false;
  private canBeReadOnly = false;

  constructor(
    private readonly scheduler: Scheduler,
    private readonly onOutcome: (outcome: HandshakeOutcome) => void,
  ) {}

  /** Outcomes are reported from here on, possibly before `start` returns (a synchronous connector). */
  start(connector: Connector, memberIndex: number, request: ConnectRequest, timeoutMs: number): void {
    this.canBeReadOnly = request.canBeReadOnly;
    this.link = Link.open(connector, memberIndex, {
      onMessage: (message) => this.onMessage(message),
      onClose: (reason) => this.finish({ kind: 'failed', reason: `member ${memberIndex} closed the connection: ${reason}` }),
    });
    if (this.link === null) {
      this.finish({ kind: 'failed', reason: `member ${memberIndex} unreachable` });
      return;
    }
    if (this.done) return;
    this.timer = this.scheduler.setTimeout(() => {
      this.timer = null;
      this.finish({ kind: 'failed', reason: `member ${memberIndex} did not answer connect within ${timeoutMs}ms` });
    }, timeoutMs);
    this.link.send(request);
  }

  /** Abandon the attempt: the link is closed and no outcome is reported. */
  cancel(): void {
    if (this.done) return;
    this.done = true;
    this.clearTimer();
    this.link?.close();
  }

  private onMessage(message: MemberToClient): void {
    if (this.done) return;
    if (message.type === 'connected' && this.link !== null) {
      if (!(message.timeoutMs > 0)) {
        this.finish({ kind: 'failed', reason: `member negotiated an invalid session timeout ${message.timeoutMs}` });
        return;
      }
      if (message.readOnly && !this.canBeReadOnly) {
        this.finish({ kind: 'failed', reason: 'member is read-only and we asked for a read-write one' });
        return;
      }
      this.done = true;
      this.clearTimer();
      this.onOutcome({ kind: 'connected', link: this.link, connected: message });
    } else if (message.type === 'connectRefused') {
      this.finish({ kind: 'refused', err: message.err, reason: message.reason });
    } else {
      this.finish({ kind: 'failed', reason: `protocol error: ${message.type} before connected` });
    }
  }

  private finish(outcome: HandshakeOutcome & { kind: 'refused' | 'failed' }): void {
    if (this.done) return;
    this.done = true;
    this.clearTimer();
    this.link?.close();
    this.onOutcome(outcome);
  }

  private clearTimer(): void {
    if (this.timer !== null) this.scheduler.clearTimeout(this.timer);
    this.timer = null;
  }
}

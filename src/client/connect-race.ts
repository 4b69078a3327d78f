/**
 * One round of finding a member: connect attempts to the members in the order given, started a short
 * stagger apart (or at once after a failure) rather than one after another's whole timeout, so a
 * member that does not answer at all (cut off by a partition: its connect hangs) costs a stagger,
 * not a connect timeout. The first member to attach the session wins and the other attempts are
 * closed. Reports exactly one outcome.
 *
 * Overlapping attempts are used only to resume a session the ensemble knows (`overlap`): each of them
 * names the same session, so at most one session exists whoever answers (a loser that attached it
 * too may have moved it; the session notices on its next request and reconnects). A new session's
 * attempts go one at a time, each with its whole timeout: two overlapping ones could create two
 * sessions.
 */
import type { ConnectRequest, Connected, Connector, Scheduler } from '../protocol/client.js';
import { ErrorCode, errorName } from './errors.js';
import { Handshake, type HandshakeOutcome } from './handshake.js';
import type { Link } from './link.js';

export type RaceOutcome =
  | { readonly kind: 'connected'; readonly link: Link; readonly connected: Connected }
  /** A member said the session has expired (only reported when `expireOnRefusal`). */
  | { readonly kind: 'expired'; readonly reason: string }
  /** Every member of the round failed; `reason` is the last failure. */
  | { readonly kind: 'failed'; readonly reason: string };

export interface RaceOptions {
  readonly connectTimeoutMs: number;
  /** Start the next member after this long without an outcome; only with `overlap`. */
  readonly staggerMs: number;
  readonly overlap: boolean;
  /** A SESSIONEXPIRED refusal ends the round as `expired` (the session was known to the ensemble). */
  readonly expireOnRefusal: boolean;
}

export interface RaceEvents {
  /** One member failed this attempt (so the member order can put it last). */
  memberFailed(memberIndex: number, reason: string): void;
  outcome(outcome: RaceOutcome): void;
}

export class ConnectRace {
  private readonly attempts = new Map<Handshake, number>();
  private nextCandidate = 0;
  private staggerTimer: unknown = null;
  private done = false;
  private lastReason = 'no member to try';

  constructor(
    private readonly scheduler: Scheduler,
    private readonly connector: Connector,
    private readonly candidates: readonly number[],
    private readonly request: ConnectRequest,
    private readonly options: RaceOptions,
    private readonly events: RaceEvents,
  ) {}

  /** Outcomes may be reported before this returns (a synchronous connector). */
  start(): void {
    this.launch();
  }

  /** Abandon the round: every attempt is closed and no outcome is reported. */
  cancel(): void {
    if (this.done) return;
    this.done = true;
    this.closeAll();
  }

  private launch(): void {
    this.clearStagger();
    if (this.done) return;
    if (this.nextCandidate >= this.candidates.length) {
      if (this.attempts.size === 0) this.finish({ kind: 'failed', reason: this.lastReason });
      return;
    }
    const memberIndex = this.candidates[this.nextCandidate++]!;
    const handshake = new Handshake(this.scheduler, (outcome) => this.onAttempt(handshake, memberIndex, outcome));
    this.attempts.set(handshake, memberIndex);
    handshake.start(this.connector, memberIndex, this.request, this.options.connectTimeoutMs);
    if (this.done || !this.attempts.has(handshake)) return; // it answered at once (and launched whatever came next)
    if (this.options.overlap && this.nextCandidate < this.candidates.length) {
      this.staggerTimer = this.scheduler.setTimeout(() => {
        this.staggerTimer = null;
        this.launch();
      }, this.options.staggerMs);
    }
  }

  private onAttempt(handshake: Handshake, memberIndex: number, outcome: HandshakeOutcome): void {
    this.attempts.delete(handshake);
    if (this.done) {
      if (outcome.kind === 'connected') outcome.link.close();
      return;
    }
    if (outcome.kind === 'connected') {
      this.finish(outcome);
      return;
    }
    if (outcome.kind === 'refused' && outcome.err === ErrorCode.SESSIONEXPIRED && this.options.expireOnRefusal) {
      this.finish({ kind: 'expired', reason: `member refused the session: ${outcome.reason}` });
      return;
    }
    this.lastReason = outcome.kind === 'refused' ? `refused (${errorName(outcome.err)}): ${outcome.reason}` : outcome.reason;
    this.events.memberFailed(memberIndex, this.lastReason);
    if (this.done) return;
    // The next member now: waiting out the stagger after a clear failure only loses time.
    this.launch();
  }

  private finish(outcome: RaceOutcome): void {
    this.done = true;
    this.closeAll();
    this.events.outcome(outcome);
  }

  private closeAll(): void {
    this.clearStagger();
    for (const handshake of this.attempts.keys()) handshake.cancel();
    this.attempts.clear();
  }

  private clearStagger(): void {
    if (this.staggerTimer !== null) this.scheduler.clearTimeout(this.staggerTimer);
    this.staggerTimer = null;
  }
}

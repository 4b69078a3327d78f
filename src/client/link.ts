/**
 * One connection to one member, wrapped so that a closed link is silent: after `close()` (ours) or
 * `onClose` (theirs) no message from it reaches the client, whatever the connector does later.
 * The listener can be swapped (handshake → session) without losing messages that arrive in between.
 */
import type { ClientToMember, Connector, MemberConnection, MemberToClient } from '../protocol/client.js';

export interface LinkListener {
  onMessage(message: MemberToClient): void;
  onClose(reason: string): void;
}

export class Link {
  private connection: MemberConnection | null = null;
  private closed = false;

  private constructor(
    readonly memberIndex: number,
    private listener: LinkListener,
  ) {}

  /** Null when the member cannot be reached (or the connector closed it at once). */
  static open(connector: Connector, memberIndex: number, listener: LinkListener): Link | null {
    const link = new Link(memberIndex, listener);
    let connection: MemberConnection | null;
    try {
      connection = connector(memberIndex, {
        onMessage: (message) => {
          if (!link.closed) link.listener.onMessage(message);
        },
        onClose: (reason) => {
          if (link.closed) return;
          link.closed = true;
          link.listener.onClose(reason);
        },
      });
    } catch {
      connection = null;
    }
    if (connection === null) {
      link.closed = true;
      return null;
    }
    link.connection = connection;
    if (link.closed) {
      connection.close();
      return null;
    }
    return link;
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  setListener(listener: LinkListener): void {
    this.listener = listener;
  }

  /** A send that throws counts as the member closing on us. */
  send(message: ClientToMember): void {
    if (this.closed || this.connection === null) return;
    try {
      this.connection.send(message);
    } catch (err) {
      this.closed = true;
      this.connection.close();
      this.listener.onClose(`send failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /** What we sent that has not left this process yet (0 when the connector cannot tell). */
  get unsentBytes(): number {
    try {
      return this.closed ? 0 : (this.connection?.unsentBytes?.() ?? 0);
    } catch {
      return 0;
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.connection?.close();
    } catch {
      // Already gone: nothing left to release.
    }
  }
}

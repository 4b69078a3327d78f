/** A member stand-in for gateway tests: records what the gateway sends and lets the test answer. */
import type { ClientToMember, ConnectionHandlers, MemberConnection, MemberToClient } from '../../../src/protocol/client.js';
import { GatewayConnection } from '../../../src/gateway/connection.js';

export class FakeMember {
  readonly sent: ClientToMember[] = [];
  handlers: ConnectionHandlers | null = null;
  closed = false;
  readonly out: Uint8Array[] = [];
  closeReason: string | null = null;
  malformed: string[] = [];
  readonly gateway: GatewayConnection;

  constructor() {
    this.gateway = new GatewayConnection({
      open: (h) => {
        this.handlers = h;
        const c: MemberConnection = { send: (m) => this.sent.push(m), close: () => (this.closed = true) };
        return c;
      },
      send: (b) => this.out.push(b),
      close: (r) => (this.closeReason = r),
      malformed: (r) => this.malformed.push(r),
    });
  }

  reply(m: MemberToClient): void {
    this.handlers!.onMessage(m);
  }
}

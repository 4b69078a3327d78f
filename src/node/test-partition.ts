/**
 * TEST ONLY: `peerkeeper node --test-partition` lets a test cut this member off the network, and heal
 * it, while it runs — as a partition would (packets dropped, no socket closed), not as a crash.
 * It is refused unless the environment also says PEERKEEPER_TEST_HOOKS=partition, and the member
 * says so loudly (`TEST HOOK`) when it is armed and at every cut and heal.
 *
 * The switch is SIGUSR2 (each one toggles; the log line says which way it went). Not an admin GET:
 * the client port's traffic is what the cut stops, and a control port would be one more thing to
 * allocate and secure. A signal is out of band, as the firewall rule of a real partition is.
 *
 * While cut:
 * - peers (WebRtcTransport.setPartitioned): every link holds its traffic both ways, its own pings and
 *   probes too, so the others see a silent member and drop it by their own timeouts (Zab's syncLimit,
 *   the link's idle timeout); signals through the signalling sources are dropped both ways, but the
 *   signalling connections stay joined, so no one learns of the cut from presence;
 * - clients (`gateClients`): frames are dropped both ways on every connection, new ones included (a
 *   connect gets no answer), and when the member closes a connection the close waits for the heal, as
 *   a FIN would. A client closing its own socket is still seen (harmless: the member only forgets the
 *   connection). Admin GETs still pass, so a test can read /status.
 */
import type { ConnectionHandlers, MemberConnection } from '../protocol/client.js';
import { testHookAllowed } from './test-corruption.js';

export const PARTITION_HOOK = 'partition';

export function partitionAllowed(env: NodeJS.ProcessEnv = process.env): boolean {
  return testHookAllowed(PARTITION_HOOK, env);
}

type Open = (handlers: ConnectionHandlers) => MemberConnection | null;

export class PartitionSwitch {
  private cut = false;
  private dropped = 0;
  /** Closes the member made while cut: delivered at the heal. */
  private closes: (() => void)[] = [];

  constructor(
    private readonly peers: { setPartitioned(cut: boolean): void },
    private readonly say: (line: string) => void,
  ) {}

  get isCut(): boolean {
    return this.cut;
  }

  toggle(): void {
    this.set(!this.cut);
  }

  set(cut: boolean): void {
    if (cut === this.cut) return;
    this.cut = cut;
    this.peers.setPartitioned(cut);
    if (cut) {
      this.dropped = 0;
      this.say('TEST HOOK: partitioned: all peer and client traffic stops (no socket closed); SIGUSR2 heals');
      return;
    }
    const closes = this.closes;
    this.closes = [];
    for (const close of closes) close();
    this.say(`TEST HOOK: healed: ${this.dropped} client frames were dropped, ${closes.length} client connections closed by the member meanwhile are closed now`);
  }

  /** Wraps the member's `open` for the client endpoint: frames cross only while not cut. */
  gateClients(open: Open): Open {
    return (handlers) => {
      const inner = open({
        onMessage: (message) => {
          if (this.cut) this.dropped++;
          else handlers.onMessage(message);
        },
        onClose: (reason) => {
          if (this.cut) this.closes.push(() => handlers.onClose(reason));
          else handlers.onClose(reason);
        },
      });
      if (inner === null) return null;
      return {
        send: (message) => {
          if (this.cut) this.dropped++;
          else inner.send(message);
        },
        close: () => inner.close(),
      };
    };
  }
}

/**
 * libwebrtc's UDP sockets (every WebRTC link of a Node member) keep the kernel's default receive
 * buffer, which on Linux is `net.core.rmem_default` (usually 208 KiB). A large message — a 1 MiB
 * PROPOSAL, a SNAP in parts — arrives as a burst that can overflow it on a busy machine; the kernel
 * drops datagrams (`RcvbufErrors` in /proc/net/snmp{,6}), SCTP waits for a retransmission timeout,
 * and the link goes silent long enough for a follower to drop out. Measured here: with the default
 * the 1 MiB integration test at tick 50 lost hundreds of datagrams a run and failed about one run in
 * five; with 4 MiB it lost none and passed 8 of 8. Nothing in the WebRTC API sets a socket's buffer,
 * so the member only says so at start.
 */
import { readFileSync } from 'node:fs';

export const ADVISED_RMEM_BYTES = 4 * 1024 * 1024;

/** `net.core.rmem_default`, or undefined where there is no such file (not Linux, no /proc). */
export function udpReceiveBufferDefault(read: (path: string) => string = (p) => readFileSync(p, 'utf8')): number | undefined {
  try {
    const n = Number.parseInt(read('/proc/sys/net/core/rmem_default').trim(), 10);
    return Number.isFinite(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

/**
 * UDP datagrams dropped for want of receive buffer space, host-wide (IPv4 from /proc/net/snmp, IPv6
 * from /proc/net/snmp6, summed), or undefined where neither file can be read.
 */
export function udpReceiveBufferErrors(read: (path: string) => string = (p) => readFileSync(p, 'utf8')): number | undefined {
  let total: number | undefined;
  const add = (n: number): void => {
    if (Number.isFinite(n)) total = (total ?? 0) + n;
  };
  try {
    // Two lines start with "Udp:": the field names, then their values.
    const [names, values] = read('/proc/net/snmp').split('\n').filter((l) => l.startsWith('Udp:')).map((l) => l.trim().split(/\s+/));
    const i = names?.indexOf('RcvbufErrors') ?? -1;
    if (i > 0 && values?.[i] !== undefined) add(Number(values[i]));
  } catch {
    // no IPv4 counters here
  }
  try {
    const line = read('/proc/net/snmp6').split('\n').find((l) => l.startsWith('Udp6RcvbufErrors'));
    if (line !== undefined) add(Number(line.trim().split(/\s+/)[1]));
  } catch {
    // no IPv6 counters here
  }
  return total;
}

/** The sentence a member logs at start when the default is below what large messages need. */
export function udpBufferAdvice(defaultBytes: number | undefined): string | undefined {
  if (defaultBytes === undefined || defaultBytes >= ADVISED_RMEM_BYTES) return undefined;
  return (
    `note: net.core.rmem_default is ${defaultBytes} bytes; WebRTC's UDP sockets take it, and a burst of ` +
    `a large message (1 MiB znodes, SNAPs of big trees) can overflow it and stall a link past syncLimit. ` +
    `For large data: sysctl -w net.core.rmem_default=${ADVISED_RMEM_BYTES} (README, "Big values").`
  );
}

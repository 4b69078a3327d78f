/**
 * Which way a link's data actually goes, read from the peer connection's stats (isomorphic, pure):
 * the selected ICE candidate pair and the type of each end — host (a local address), srflx (the
 * address a NAT showed a STUN server), relay (an allocation on a TURN server) or prflx. Logged once
 * when a link comes up, so an operator (and the TURN test) can see a link is relayed.
 */

export interface CandidateEnd {
  readonly type: string; // host | srflx | prflx | relay
  readonly protocol: string; // udp | tcp
  readonly address: string;
  readonly port: number;
}

export interface CandidatePath {
  readonly local: CandidateEnd;
  readonly remote: CandidateEnd;
}

type Report = Record<string, unknown>;

const text = (v: unknown): string => (typeof v === 'string' ? v : '');

function end(r: Report | undefined): CandidateEnd | undefined {
  if (r === undefined) return undefined;
  return {
    type: text(r.candidateType) || '?',
    protocol: text(r.protocol) || '?',
    address: text(r.address) || text(r.ip) || '?',
    port: typeof r.port === 'number' ? r.port : Number(r.port) || 0,
  };
}

/** The selected pair among `getStats()` reports (as a list), or undefined before one is selected. */
export function selectedCandidatePath(reports: readonly Report[]): CandidatePath | undefined {
  const byId = new Map<string, Report>();
  for (const r of reports) if (typeof r.id === 'string') byId.set(r.id, r);
  // The standard way: the transport names its selected pair. Older stacks flag the pair itself.
  const viaTransport = reports.find((r) => r.type === 'transport' && typeof r.selectedCandidatePairId === 'string');
  let pair = viaTransport ? byId.get(viaTransport.selectedCandidatePairId as string) : undefined;
  pair ??= reports.find((r) => r.type === 'candidate-pair' && r.selected === true);
  pair ??= reports.find((r) => r.type === 'candidate-pair' && r.nominated === true && r.state === 'succeeded');
  if (pair === undefined) return undefined;
  const local = end(byId.get(text(pair.localCandidateId)));
  const remote = end(byId.get(text(pair.remoteCandidateId)));
  return local && remote ? { local, remote } : undefined;
}

export function describeCandidatePath(p: CandidatePath): string {
  const side = (e: CandidateEnd): string => `${e.type} ${e.protocol} ${e.address}:${e.port}`;
  return `${side(p.local)} ↔ ${side(p.remote)}`;
}

/**
 * What a member's ZooKeeper-protocol port (gateway/, `--zk-port`) counted, as mntr pairs (the
 * `zk_gateway_*` keys) and Prometheus families (`peerkeeper_zk_port_*`). Kept apart from metrics.ts
 * like admission-metrics.ts: the pure member knows nothing of sockets; the Node host adds this
 * section to the snapshot it serves, on the ZooKeeper port's `mntr` and on HTTP `/mntr` and `/metrics`
 * alike. Pure.
 */

export interface ZkPortMetrics {
  /** Connections open now. */
  readonly connections: number;
  /** Connections accepted since the member started. */
  readonly connectionsTotal: number;
  /** Packets that did not decode (the connection was closed). */
  readonly malformedPackets: number;
  /** Packets longer than the request limit or with a negative length (the connection was closed). */
  readonly oversizedPackets: number;
  /** Four-letter words answered. */
  readonly fourLetterWords: number;
  /** Times a connection's reading was paused (backpressure). */
  readonly throttled: number;
  /** Connections refused: their IP had maxClientCnxns already. */
  readonly refusedPerIp: number;
}

export function zkPortMntrPairs(g: ZkPortMetrics | undefined): [string, string][] {
  if (!g) return [];
  return [
    ['zk_gateway_connections', String(g.connections)],
    ['zk_gateway_connections_total', String(g.connectionsTotal)],
    ['zk_gateway_malformed_packets', String(g.malformedPackets)],
    ['zk_gateway_oversized_packets', String(g.oversizedPackets)],
    ['zk_gateway_four_letter_words', String(g.fourLetterWords)],
    ['zk_gateway_throttled', String(g.throttled)],
    ['zk_gateway_refused_per_ip', String(g.refusedPerIp)],
  ];
}

/** Families in the shape prometheus.ts prints. */
export function zkPortFamilies(g: ZkPortMetrics | undefined) {
  if (!g) return [];
  const one = (value: number) => [{ value }];
  const counter = (name: string, help: string, value: number) => ({ name, help, type: 'counter' as const, samples: one(value) });
  const gauge = (name: string, help: string, value: number) => ({ name, help, type: 'gauge' as const, samples: one(value) });
  return [
    gauge('peerkeeper_zk_port_connections', "Connections open on the ZooKeeper-protocol port.", g.connections),
    counter('peerkeeper_zk_port_connections_total', "Connections accepted on the ZooKeeper-protocol port.", g.connectionsTotal),
    counter('peerkeeper_zk_port_malformed_packets_total', 'ZooKeeper-protocol packets that did not decode (connection closed).', g.malformedPackets),
    counter('peerkeeper_zk_port_oversized_packets_total', 'ZooKeeper-protocol packets over the request limit or with a negative length (connection closed).', g.oversizedPackets),
    counter('peerkeeper_zk_port_four_letter_words_total', 'Four-letter words answered on the ZooKeeper-protocol port.', g.fourLetterWords),
    counter('peerkeeper_zk_port_throttled_total', 'Times reading a ZooKeeper-protocol connection paused (backpressure).', g.throttled),
    counter('peerkeeper_zk_port_refused_per_ip_total', 'ZooKeeper-protocol connections refused: too many from one IP.', g.refusedPerIp),
  ];
}

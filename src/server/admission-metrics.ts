/**
 * What a member's client port refused and throttled (node/admission.ts counts it), with the limits in
 * force, as mntr pairs and Prometheus families. Kept apart from metrics.ts: the pure member knows
 * nothing of sockets; the Node host adds this section to the snapshot it serves. Pure.
 */

export interface AdmissionLimits {
  /** Open client connections from one IP address; 0 is unlimited (ZooKeeper's maxClientCnxns, 60). */
  readonly maxClientCnxns: number;
  /** Client requests read and not yet answered, the whole member (ZooKeeper's globalOutstandingLimit, 1000). */
  readonly globalOutstandingLimit: number;
  /** The largest client frame read; a larger one closes the connection (ZooKeeper's jute.maxbuffer). */
  readonly maxRequestBytes: number;
  /** Sessions attached to this member; a connect for a new one past it is refused (no ZooKeeper equivalent). */
  readonly maxSessions: number;
  /** Unsent reply bytes at which a connection's requests stop being read until its client reads. */
  readonly readPauseBytes: number;
  /** Unsent reply bytes at which a client that stopped reading is disconnected. */
  readonly maxBufferedBytes: number;
}

export interface AdmissionMetrics {
  readonly limits: AdmissionLimits;
  /** WebSocket upgrades refused with 403: a browser page from an origin not allowed. */
  readonly refusedOrigin: number;
  /** HTTP requests and upgrades refused with 403: addressed to a host name not allowed (DNS rebinding). */
  readonly refusedHost: number;
  /** Upgrades refused with 429: the client's IP already had maxClientCnxns connections. */
  readonly refusedPerIp: number;
  /** Connections closed (1009) for a frame over maxRequestBytes. */
  readonly refusedTooLarge: number;
  /** Connects for a new session refused at maxSessions. */
  readonly refusedSessions: number;
  /** Connections closed (1008) for holding maxBufferedBytes of unread replies. */
  readonly closedNotReading: number;
  /** Times a connection's reading was paused: at its share of, or the member's, outstanding limit. */
  readonly throttledOutstanding: number;
  /** Times a connection's reading was paused because its client was not reading replies. */
  readonly throttledSlowReader: number;
  /** Now: requests read and not yet answered; connections paused; sessions attached; unsent reply bytes. */
  readonly outstanding: number;
  readonly pausedConnections: number;
  readonly sessions: number;
  readonly bufferedBytes: number;
}

export function admissionMntrPairs(a: AdmissionMetrics | undefined): [string, string][] {
  if (!a) return [];
  const l = a.limits;
  return [
    ['zk_max_client_cnxns', String(l.maxClientCnxns)],
    ['zk_global_outstanding_limit', String(l.globalOutstandingLimit)],
    ['zk_max_request_bytes', String(l.maxRequestBytes)],
    ['zk_max_sessions', String(l.maxSessions)],
    ['zk_connections_refused_origin', String(a.refusedOrigin)],
    ['zk_requests_refused_host', String(a.refusedHost)],
    ['zk_connections_refused_per_ip', String(a.refusedPerIp)],
    ['zk_requests_refused_too_large', String(a.refusedTooLarge)],
    ['zk_sessions_refused', String(a.refusedSessions)],
    ['zk_connections_closed_not_reading', String(a.closedNotReading)],
    ['zk_throttled_outstanding', String(a.throttledOutstanding)],
    ['zk_throttled_slow_reader', String(a.throttledSlowReader)],
    ['zk_admitted_outstanding', String(a.outstanding)],
    ['zk_paused_connections', String(a.pausedConnections)],
    ['zk_local_sessions', String(a.sessions)],
    ['zk_client_buffered_bytes', String(a.bufferedBytes)],
  ];
}

/** Families in the shape prometheus.ts prints. */
export function admissionFamilies(a: AdmissionMetrics | undefined) {
  if (!a) return [];
  const one = (value: number) => [{ value }];
  const counter = (name: string, help: string, value: number) => ({ name, help, type: 'counter' as const, samples: one(value) });
  const gauge = (name: string, help: string, value: number) => ({ name, help, type: 'gauge' as const, samples: one(value) });
  const l = a.limits;
  return [
    gauge('peerkeeper_limit_max_client_cnxns', 'Limit: client connections per IP (0 = unlimited).', l.maxClientCnxns),
    gauge('peerkeeper_limit_global_outstanding', 'Limit: client requests read and not yet answered, whole member.', l.globalOutstandingLimit),
    gauge('peerkeeper_limit_max_request_bytes', 'Limit: the largest client frame read.', l.maxRequestBytes),
    gauge('peerkeeper_limit_max_sessions', 'Limit: sessions attached to this member.', l.maxSessions),
    counter('peerkeeper_connections_refused_origin_total', 'WebSocket upgrades refused (403): origin not allowed.', a.refusedOrigin),
    counter('peerkeeper_requests_refused_host_total', 'HTTP requests and upgrades refused (403): addressed to a host name not allowed.', a.refusedHost),
    counter('peerkeeper_connections_refused_per_ip_total', 'WebSocket upgrades refused (429): too many connections from one IP.', a.refusedPerIp),
    counter('peerkeeper_requests_refused_too_large_total', 'Connections closed (1009) for a frame over the request limit.', a.refusedTooLarge),
    counter('peerkeeper_sessions_refused_total', 'Connects for a new session refused at the session limit.', a.refusedSessions),
    counter('peerkeeper_connections_closed_not_reading_total', 'Connections closed (1008): too many unread reply bytes.', a.closedNotReading),
    counter('peerkeeper_throttled_outstanding_total', 'Times reading a connection paused at the outstanding limit (backpressure).', a.throttledOutstanding),
    counter('peerkeeper_throttled_slow_reader_total', 'Times reading a connection paused because its client was not reading replies.', a.throttledSlowReader),
    gauge('peerkeeper_admitted_outstanding', 'Client requests passed to the member and not yet answered.', a.outstanding),
    gauge('peerkeeper_paused_connections', 'Client connections whose reading is paused now.', a.pausedConnections),
    gauge('peerkeeper_local_sessions', 'Sessions attached to this member.', a.sessions),
    gauge('peerkeeper_client_buffered_bytes', 'Reply bytes queued for clients and not yet sent.', a.bufferedBytes),
  ];
}

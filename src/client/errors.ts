/**
 * ZooKeeper's error codes (KeeperException.Code, same numbers) and the error every client call
 * rejects with. Members put these numbers in `OperationResponse.err` and `ConnectRefused.err`.
 */
import type { MultiResult } from '../protocol/client.js';

export { ErrorCode, type ErrorCodeName } from '../protocol/errors.js';
import { ErrorCode, type ErrorCodeName } from '../protocol/errors.js';


const DESCRIPTIONS: Readonly<Record<number, string>> = {
  [ErrorCode.OK]: 'ok',
  [ErrorCode.SYSTEMERROR]: 'system error',
  [ErrorCode.RUNTIMEINCONSISTENCY]: 'a runtime inconsistency was found (another op of the multi failed)',
  [ErrorCode.DATAINCONSISTENCY]: 'a data inconsistency was found',
  [ErrorCode.CONNECTIONLOSS]: 'connection to the member lost; the operation may or may not have been applied',
  [ErrorCode.MARSHALLINGERROR]: 'error while marshalling or unmarshalling data',
  [ErrorCode.UNIMPLEMENTED]: 'operation is unimplemented',
  [ErrorCode.OPERATIONTIMEOUT]: 'operation timed out',
  [ErrorCode.BADARGUMENTS]: 'invalid arguments',
  [ErrorCode.UNKNOWNSESSION]: 'unknown session',
  [ErrorCode.NEWCONFIGNOQUORUM]: 'no quorum of new config is connected',
  [ErrorCode.RECONFIGINPROGRESS]: 'another reconfiguration is in progress',
  [ErrorCode.APIERROR]: 'API error',
  [ErrorCode.NONODE]: 'node does not exist',
  [ErrorCode.NOAUTH]: 'not authenticated',
  [ErrorCode.BADVERSION]: 'version does not match',
  [ErrorCode.NOCHILDRENFOREPHEMERALS]: 'ephemeral nodes may not have children',
  [ErrorCode.NODEEXISTS]: 'node already exists',
  [ErrorCode.NOTEMPTY]: 'node has children',
  [ErrorCode.SESSIONEXPIRED]: 'session expired',
  [ErrorCode.INVALIDCALLBACK]: 'invalid callback',
  [ErrorCode.INVALIDACL]: 'invalid ACL',
  [ErrorCode.AUTHFAILED]: 'authentication failed',
  [ErrorCode.SESSIONMOVED]: 'session moved to another member',
  [ErrorCode.NOTREADONLY]: 'member is read-only: writes are refused until it rejoins a quorum',
  [ErrorCode.EPHEMERALONLOCALSESSION]: 'ephemeral node on a local session',
  [ErrorCode.NOWATCHER]: 'no such watcher',
  [ErrorCode.REQUESTTIMEOUT]: 'request timed out',
  [ErrorCode.RECONFIGDISABLED]: 'reconfiguration is disabled',
  [ErrorCode.SESSIONCLOSEDREQUIRESASLAUTH]: 'session closed: SASL authentication required',
  [ErrorCode.QUOTAEXCEEDED]: 'quota exceeded',
  [ErrorCode.THROTTLEDOP]: 'operation throttled',
};

const NAMES: ReadonlyMap<number, ErrorCodeName> = new Map(
  (Object.entries(ErrorCode) as [ErrorCodeName, number][]).map(([name, code]) => [code, name]),
);

/** The symbolic name of a code (`NONODE`), or `UNKNOWN(<code>)` for a number we don't know. */
export function errorName(code: number): string {
  return NAMES.get(code) ?? `UNKNOWN(${code})`;
}

export function errorDescription(code: number): string {
  return DESCRIPTIONS[code] ?? 'unknown error';
}

export interface ZooKeeperErrorDetails {
  /** The path the failing call was about, when it had one. */
  readonly path?: string;
  /** The member's human detail, or the client's reason. */
  readonly message?: string;
  /** Per-op outcomes of a failed multi. */
  readonly results?: readonly MultiResult[];
}

export class ZooKeeperError extends Error {
  readonly code: number;
  readonly codeName: string;
  readonly path: string | undefined;
  readonly results: readonly MultiResult[] | undefined;

  constructor(code: number, details: ZooKeeperErrorDetails = {}) {
    const codeName = errorName(code);
    const where = details.path !== undefined ? ` for ${details.path}` : '';
    super(`${codeName}${where}: ${details.message ?? errorDescription(code)}`);
    this.name = 'ZooKeeperError';
    this.code = code;
    this.codeName = codeName;
    this.path = details.path;
    this.results = details.results;
  }

  /** True when `err` is a ZooKeeperError with `code` (handy in catch blocks). */
  static is(err: unknown, code: number): err is ZooKeeperError {
    return err instanceof ZooKeeperError && err.code === code;
  }
}

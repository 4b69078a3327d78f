/**
 * ZooKeeper's error codes, with the numeric values its wire protocol uses, so a ZooKeeper user (and a
 * ZooKeeper client library) reads the same numbers here.
 */
import { ErrorCode, type ErrorCodeName } from '../protocol/errors.js';

export { ErrorCode, type ErrorCodeName };

/** The names KeeperException prints ("KeeperErrorCode = NoNode for /a"). */
const DISPLAY_NAMES: Readonly<Partial<Record<ErrorCode, string>>> = {
  [ErrorCode.OK]: 'OK',
  [ErrorCode.SYSTEMERROR]: 'SystemError',
  [ErrorCode.RUNTIMEINCONSISTENCY]: 'RuntimeInconsistency',
  [ErrorCode.DATAINCONSISTENCY]: 'DataInconsistency',
  [ErrorCode.CONNECTIONLOSS]: 'ConnectionLoss',
  [ErrorCode.MARSHALLINGERROR]: 'MarshallingError',
  [ErrorCode.UNIMPLEMENTED]: 'Unimplemented',
  [ErrorCode.OPERATIONTIMEOUT]: 'OperationTimeout',
  [ErrorCode.BADARGUMENTS]: 'BadArguments',
  [ErrorCode.UNKNOWNSESSION]: 'UnknownSession',
  [ErrorCode.APIERROR]: 'APIError',
  [ErrorCode.NONODE]: 'NoNode',
  [ErrorCode.NOAUTH]: 'NoAuth',
  [ErrorCode.BADVERSION]: 'BadVersion',
  [ErrorCode.NOCHILDRENFOREPHEMERALS]: 'NoChildrenForEphemerals',
  [ErrorCode.NODEEXISTS]: 'NodeExists',
  [ErrorCode.NOTEMPTY]: 'Directory not empty',
  [ErrorCode.SESSIONEXPIRED]: 'Session expired',
  [ErrorCode.INVALIDACL]: 'InvalidACL',
  [ErrorCode.AUTHFAILED]: 'AuthFailed',
  [ErrorCode.SESSIONMOVED]: 'Session moved',
  [ErrorCode.NOTREADONLY]: 'Not a read-only call',
  [ErrorCode.NOWATCHER]: 'No such watcher',
  [ErrorCode.REQUESTTIMEOUT]: 'Request timeout',
  [ErrorCode.QUOTAEXCEEDED]: 'Quota has exceeded',
  [ErrorCode.THROTTLEDOP]: 'Op throttled due to high load',
};

const CODES = new Set<number>(Object.values(ErrorCode));

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'number' && CODES.has(value);
}

/** The constant's name (`NONODE`), for logs and tests. */
export function errorCodeName(code: ErrorCode): ErrorCodeName {
  for (const [name, value] of Object.entries(ErrorCode)) if (value === code) return name as ErrorCodeName;
  throw new Error(`unknown error code ${code}`);
}

export function errorDisplayName(code: ErrorCode): string {
  return DISPLAY_NAMES[code] ?? errorCodeName(code);
}

/**
 * A ZooKeeper error: `code` is what goes on the wire; the message names the path and the reason.
 * `results` is set for a failed multi (ZooKeeper's KeeperException.getResults): one code per op.
 */
export class ZkError extends Error {
  readonly code: ErrorCode;
  readonly path: string | undefined;
  /** The message without the code and path, to re-wrap (a multi's op error). */
  readonly reason: string | undefined;
  readonly results: readonly ErrorCode[] | undefined;

  constructor(code: ErrorCode, path: string | undefined, reason?: string, results?: readonly ErrorCode[]) {
    const where = path === undefined ? '' : ` for ${printable(path)}`;
    super(`KeeperErrorCode = ${DISPLAY_NAMES[code]}${where}${reason ? `: ${reason}` : ''}`);
    this.name = 'ZkError';
    this.code = code;
    this.path = path;
    this.reason = reason;
    this.results = results;
  }
}

/** Paths with control or unusual characters are quoted so the message shows what was sent. */
function printable(path: string): string {
  return /^[\x21-\x7e]*$/.test(path) ? path : JSON.stringify(path);
}

export function isZkError(value: unknown): value is ZkError {
  return value instanceof ZkError;
}

import type { ZabEvent } from './output.js';
import { formatZxid } from './zxid.js';

/**
 * A Zab event in words, for logs: `full` for a member process's log (every event, with the zxids
 * and reasons an operator needs), `brief` for a tab's short log (the role changes and syncs a
 * student follows; elections starting and rejected messages left out). Null: not worth a line.
 */
export function describeZabEvent(e: ZabEvent, detail: 'full' | 'brief'): string | null {
  const full = detail === 'full';
  switch (e.type) {
    case 'state':
      return `${e.role} ${e.phase}${e.leader !== null ? ` leader ${e.leader}` : ''} epoch ${e.epoch}`;
    case 'electionStarted':
      return full ? `election round ${e.round}: ${e.reason}` : null;
    case 'elected':
      return full ? `elected member ${e.leader} in round ${e.round}` : `elected member ${e.leader}`;
    case 'established':
      return full ? `leading epoch ${e.epoch} with quorum ${e.quorum.join(',')}, history up to ${formatZxid(e.history)}` : `leading epoch ${e.epoch} with ${e.quorum.join(',')}`;
    case 'syncSent':
      return full ? `${e.mode} to member ${e.peer} from ${formatZxid(e.point)} (${e.entries} txns)` : `${e.mode} to member ${e.peer} (${e.entries} txns)`;
    case 'truncated':
      return full ? `truncated the log to ${formatZxid(e.to)} (${e.dropped} txns dropped)` : `truncated the log to ${formatZxid(e.to)}`;
    case 'snapshotInstalled':
      return `installed the leader's snapshot at ${formatZxid(e.zxid)}`;
    case 'steppedDown':
      return `stepped down: ${e.reason}`;
    case 'followerLost':
      return `lost follower ${e.peer}: ${e.reason}`;
    case 'rejected':
      return full ? `rejected ${e.message} from member ${e.from}: ${e.reason}` : null;
  }
}

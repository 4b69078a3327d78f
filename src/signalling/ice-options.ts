/**
 * ICE settings from a Node command line (Node only: reads a file and the environment). Shared by
 * `peerkeeper node`, `ensemble`, `start` (for their members) and `signal` (what it hands out):
 *
 *   --ice-server stun:host:3478 --ice-server turn:host:3478?transport=udp   (repeatable, or a comma list)
 *   --ice-credentials FILE        the TURN username on the first line, the credential on the second
 *   $PEERKEEPER_TURN_USERNAME and $PEERKEEPER_TURN_CREDENTIAL   (when no file is given)
 *   --ice-transport-policy all|relay
 *
 * TURN credentials never go on the command line, where `ps` shows them to every user of the machine.
 */
import { readFileSync } from 'node:fs';
import { buildIceServers, isTurnUrl, parseIceCredentialsText, parseIceTransportPolicy, type IceConfig, type IceCredentials } from './ice.js';

export const TURN_USERNAME_ENV = 'PEERKEEPER_TURN_USERNAME';
export const TURN_CREDENTIAL_ENV = 'PEERKEEPER_TURN_CREDENTIAL';

export const iceUsage = `[--ice-server stun:host:port | turn:host:port?transport=udp (repeatable)]
                [--ice-credentials FILE | $${TURN_USERNAME_ENV} + $${TURN_CREDENTIAL_ENV}]   TURN username and credential
                [--ice-transport-policy all|relay]`;

export interface IceFlags {
  readonly servers: readonly string[];
  readonly credentialsFile?: string | undefined;
  readonly policy?: string | undefined;
}

/** The TURN credentials: from the file when given, else from the environment; undefined when neither. */
export function loadIceCredentials(file: string | undefined, env: NodeJS.ProcessEnv = process.env): IceCredentials | undefined {
  if (file !== undefined) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new Error(`--ice-credentials ${file}: ${(err as Error).message}`);
    }
    try {
      return parseIceCredentialsText(text);
    } catch (err) {
      throw new Error(`--ice-credentials ${file}: ${(err as Error).message}`);
    }
  }
  const username = env[TURN_USERNAME_ENV];
  const credential = env[TURN_CREDENTIAL_ENV];
  if (!username && !credential) return undefined;
  if (!username || !credential) throw new Error(`set both $${TURN_USERNAME_ENV} and $${TURN_CREDENTIAL_ENV}, or neither`);
  return { username, credential };
}

/**
 * The ICE configuration the flags ask for; undefined when they ask for nothing (the member then
 * takes what a signalling server hands out, else the WebRTC library's default). Throws with the reason.
 */
export function iceConfigFromFlags(flags: IceFlags, env: NodeJS.ProcessEnv = process.env): IceConfig | undefined {
  const policy = flags.policy === undefined ? undefined : parseIceTransportPolicy(flags.policy);
  if (flags.servers.length === 0 && policy === undefined) {
    if (flags.credentialsFile !== undefined) throw new Error('--ice-credentials without --ice-server: no TURN server to use them with');
    return undefined;
  }
  const needsCredentials = flags.servers.some(isTurnUrl);
  const credentials = needsCredentials ? loadIceCredentials(flags.credentialsFile, env) : undefined;
  const iceServers = flags.servers.length > 0 ? buildIceServers(flags.servers, credentials) : undefined;
  // Relay-only with servers but no TURN among them could never connect anything.
  if (policy === 'relay' && iceServers !== undefined && !iceServers.some((s) => isTurnUrl(s.urls))) {
    throw new Error('--ice-transport-policy relay needs a TURN server among the --ice-server URLs');
  }
  return { ...(iceServers ? { iceServers } : {}), ...(policy ? { iceTransportPolicy: policy } : {}) };
}

/** The same settings again as flags and environment for a child `peerkeeper node` (credentials in the environment). */
export function iceChildArgs(config: IceConfig | undefined): { args: string[]; env: Record<string, string> } {
  const args: string[] = [];
  const env: Record<string, string> = {};
  for (const s of config?.iceServers ?? []) {
    args.push('--ice-server', s.urls);
    if (s.username !== undefined && s.credential !== undefined) {
      env[TURN_USERNAME_ENV] = s.username;
      env[TURN_CREDENTIAL_ENV] = s.credential;
    }
  }
  if (config?.iceTransportPolicy) args.push('--ice-transport-policy', config.iceTransportPolicy);
  return { args, env };
}

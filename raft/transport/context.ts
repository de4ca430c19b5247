import type { NodeId } from '../core/index.ts';
import type { LogLimiter } from './log-limiter.ts';

export interface PeerAddress {
  host: string;
  port: number;
}

export function formatAddress(address: PeerAddress): string {
  return address.host.includes(':') ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
}

/** What inbound and outbound connections share with their transport. */
export interface LinkContext {
  self: NodeId;
  clusterId: string;
  secret: string;
  frameBytesMax: number;
  logger: LogLimiter;
  /** The prefix of every log line of this transport. */
  logPrefix: string;
}

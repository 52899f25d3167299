import { BlockList, isIP } from 'node:net';

/**
 * Where outbound requests (media, webhooks) may not go: CIDR ranges and host names, checked on
 * every request and redirect hop, the ranges against the addresses a name resolves to.
 */
export interface DenyList {
  /** The entries as configured (for messages and tests). */
  readonly entries: readonly string[];
  /** Is this host name (lowercase, as in a URL) denied by name? */
  hostDenied(hostname: string): boolean;
  /** Is this IP address (v4, v6 or v4-mapped v6) in a denied range? */
  addressDenied(address: string): boolean;
}

/** Ranges an exposed server should not reach: loopback, link-local (cloud metadata), private. */
export const PRIVATE_RANGES: readonly string[] = [
  '127.0.0.0/8',
  '::1/128',
  '169.254.0.0/16',
  'fe80::/10',
  '10.0.0.0/8',
  '172.16.0.0/12',
  '192.168.0.0/16',
  'fc00::/7',
  '0.0.0.0/8',
  '::/128',
];

/**
 * `OUTBOUND_DENY` when it is not set: nothing while the simulator runs (local webhooks are the
 * main development use), the private ranges when it is off (a server facing real traffic).
 */
export function defaultOutboundDeny(simOn: boolean): string {
  return simOn ? '' : PRIVATE_RANGES.join(',');
}

/**
 * Parses `OUTBOUND_DENY`: comma-separated CIDR ranges (`10.0.0.0/8`, `fc00::/7`), single
 * addresses, host names (`metadata.internal`, exact) and `*.suffix` (any name below it). Empty
 * denies nothing. Throws an Error naming the first entry it cannot read.
 */
export function parseDenyList(raw: string): DenyList {
  const entries = raw
    .split(',')
    .map((e) => e.trim().toLowerCase())
    .filter((e) => e !== '');
  const ranges = new BlockList();
  const names = new Set<string>();
  const suffixes: string[] = [];
  for (const entry of entries) {
    const [addr = '', prefix, extra] = entry.split('/');
    const family = isIP(addr.replace(/^\[|\]$/g, ''));
    if (family !== 0 && extra === undefined) {
      const bare = addr.replace(/^\[|\]$/g, '');
      const max = family === 4 ? 32 : 128;
      const bits = prefix === undefined ? max : Number(prefix);
      if (!/^\d+$/.test(prefix ?? String(max)) || bits > max) throw badEntry(entry);
      ranges.addSubnet(bare, bits, family === 4 ? 'ipv4' : 'ipv6');
    } else if (/^(\*\.)?[a-z0-9_-]+(\.[a-z0-9_-]+)*\.?$/.test(entry)) {
      const name = entry.replace(/\.$/, '');
      if (name.startsWith('*.')) suffixes.push(name.slice(1));
      else names.add(name);
    } else {
      throw badEntry(entry);
    }
  }
  return {
    entries,
    hostDenied(hostname) {
      const host = hostname.replace(/\.$/, '').toLowerCase();
      return names.has(host) || suffixes.some((s) => host.endsWith(s));
    },
    addressDenied(address) {
      const bare = address.replace(/^\[|\]$/g, '');
      const family = isIP(bare);
      if (family === 0) return false;
      return ranges.check(bare, family === 4 ? 'ipv4' : 'ipv6');
    },
  };
}

const badEntry = (entry: string): Error =>
  new Error(`'${entry}' is not a CIDR range (10.0.0.0/8, fc00::/7), an address or a host name`);

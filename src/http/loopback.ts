/**
 * Whether `host` (a listen address, or a client's address as the socket reports it) is reachable
 * from this machine only: 127.0.0.0/8, ::1, localhost, and IPv4-mapped 127.x addresses.
 */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^(::ffff:)?127\.\d+\.\d+\.\d+$/.test(h);
}

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAtRate } from '../../bench/bench.console.js';

// The console bench counts created messages right after its load: a create still in flight
// then (answered by the server after the count) was counted by the stream only.
const DELAY_MS = 200;
let received = 0;
let answered = 0;
const server = createServer((req: IncomingMessage, res: ServerResponse) => {
  received++;
  req.resume();
  req.on('end', () =>
    setTimeout(() => {
      answered++;
      if (!res.destroyed) res.writeHead(201).end('{}');
    }, DELAY_MS),
  );
});
let base = '';

beforeAll(async () => {
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((ok) => server.close(() => ok())));

describe('createAtRate (bench)', () => {
  it('returns only once every request it sent is answered: none left in flight', async () => {
    const ok = await createAtRate({ base }, 80, 1);
    const inFlight = received - answered;
    expect(inFlight).toBe(0);
    expect(ok).toBe(received);
  });
});

import { describe, expect, it } from 'vitest';
import {
  GateAborted,
  originOf,
  OutboundGate,
  type GateLimits,
} from '../../src/http/outbound.gate.js';

/** A task that runs until its `end()` is called. */
function task(log: string[], name: string) {
  let end!: () => void;
  const ended = new Promise<void>((r) => (end = r));
  return {
    run: async () => {
      log.push(name);
      await ended;
      return name;
    },
    end,
  };
}

const limits = (over: Partial<GateLimits> = {}): GateLimits => ({
  perOrigin: 2,
  perAccount: 3,
  total: 4,
  maxWaiting: 10,
  ...over,
});

const tick = () => new Promise((r) => setTimeout(r, 0));

describe('OutboundGate', () => {
  it('gives a hanging origin only its own slots: others start at once', async () => {
    const gate = new OutboundGate(limits({ perAccount: 10 }));
    const log: string[] = [];
    const slow = [1, 2, 3].map((i) => task(log, `slow${i}`));
    const slowRuns = slow.map(
      (t) => gate.run({ origins: ['http://slow'] }, t.run) ?? Promise.resolve('refused'),
    );
    const fast = task(log, 'fast');
    const fastRun = gate.run({ origins: ['http://fast'] }, fast.run);
    await tick();
    // Two slow ones run, the third waits for its origin; the fast one is not behind it.
    expect(log).toEqual(['slow1', 'slow2', 'fast']);
    expect(gate.queued).toBe(1);
    fast.end();
    expect(await fastRun).toBe('fast');
    slow[0]!.end();
    await tick();
    expect(log).toEqual(['slow1', 'slow2', 'fast', 'slow3']);
    slow[1]!.end();
    slow[2]!.end();
    expect(await Promise.all(slowRuns)).toEqual(['slow1', 'slow2', 'slow3']);
    expect(gate.inFlight).toBe(0);
  });

  it('bounds each account, and everything together', async () => {
    const gate = new OutboundGate(limits());
    const log: string[] = [];
    const a = [1, 2, 3, 4].map((i) => task(log, `a${i}`));
    // Four origins, one account: its three slots.
    a.forEach((t, i) => void gate.run({ origins: [`http://o${i}`], account: 'AC1' }, t.run));
    const b = [1, 2].map((i) => task(log, `b${i}`));
    b.forEach((t, i) => void gate.run({ origins: [`http://p${i}`], account: 'AC2' }, t.run));
    await tick();
    // AC1 has three running; AC2 gets the last of the four in all.
    expect(log).toEqual(['a1', 'a2', 'a3', 'b1']);
    b[0]!.end();
    await tick();
    // The oldest waiting task that fits: a4 cannot (AC1 is full), b2 can.
    expect(log).toEqual(['a1', 'a2', 'a3', 'b1', 'b2']);
    a[0]!.end();
    await tick();
    expect(log.at(-1)).toBe('a4');
  });

  it('counts every origin of a task once, and all of them', async () => {
    const gate = new OutboundGate(limits({ perOrigin: 1 }));
    const log: string[] = [];
    const both = task(log, 'both');
    void gate.run({ origins: ['http://x', 'http://y', 'http://x'] }, both.run);
    const y = task(log, 'y');
    void gate.run({ origins: ['http://y'] }, y.run);
    await tick();
    expect(log).toEqual(['both']);
    both.end();
    await tick();
    expect(log).toEqual(['both', 'y']);
  });

  it('declines past maxWaiting, and calls off waiting tasks when the signal aborts', async () => {
    const gate = new OutboundGate(limits({ perOrigin: 1, maxWaiting: 1 }));
    const log: string[] = [];
    const first = task(log, 'first');
    void gate.run({ origins: ['http://o'] }, first.run);
    const stop = new AbortController();
    const waiting = gate.run({ origins: ['http://o'] }, task(log, 'second').run, stop.signal);
    expect(waiting).toBeDefined();
    expect(gate.run({ origins: ['http://o'] }, task(log, 'third').run)).toBeUndefined();
    stop.abort();
    await expect(waiting).rejects.toBeInstanceOf(GateAborted);
    expect(gate.queued).toBe(0);
    first.end();
    await tick();
    expect(log).toEqual(['first']);
    expect(gate.inFlight).toBe(0);
  });

  it('frees the slot of a task that throws', async () => {
    const gate = new OutboundGate(limits({ perOrigin: 1 }));
    const failing = gate.run({ origins: ['http://o'] }, () => Promise.reject(new Error('boom')));
    await expect(failing).rejects.toThrow('boom');
    expect(await gate.run({ origins: ['http://o'] }, () => Promise.resolve('next'))).toBe('next');
  });

  it('keys by scheme, host and port', () => {
    expect(originOf('https://user:pw@Example.com/a?b#c')).toBe('https://example.com');
    expect(originOf('http://example.com:8080/x')).toBe('http://example.com:8080');
    expect(originOf('http://example.com:80/x')).toBe('http://example.com');
    expect(originOf('ftp://example.com/x')).toBeUndefined();
    expect(originOf('not a url')).toBeUndefined();
  });
});

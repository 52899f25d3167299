/**
 * SMPP submit throughput: Loft's SMPP carrier through one bind with window 10, against the same
 * in-process test SMSC a bare client saturates (raw submit_sm pipelined 10 deep, nothing else),
 * in the same run. Standalone: `npx tsx bench/bench.smpp.ts` (SMPP_BENCH_N messages, default
 * 20 000); `smppPhase` is the phase for bench/run.ts.
 */
import { smscCarrierConfig, textSubmission } from '../test/support/smsc/smpp.config.js';
import net from 'node:net';

import { systemClock } from '../src/clock.js';
import { createSmppCarrier } from '../src/delivery/smpp/smpp.carrier.js';
import { decodePdu, encodePdu } from '../src/delivery/smpp/smpp.codec.js';
import { PduFramer } from '../src/delivery/smpp/smpp.framer.js';
import { buildSubmits } from '../src/delivery/smpp/smpp.submit.js';
import { TestSmsc } from '../test/support/smsc/smsc.js';

const submission = textSubmission('Your code is 123456');

/** Messages per second a bare client gets: bind, then submit_sm kept `window` deep. */
async function bare(port: number, n: number, window: number): Promise<number> {
  const socket = net.connect({ host: '127.0.0.1', port });
  await new Promise((r) => socket.once('connect', r));
  socket.setNoDelay(true);
  const framer = new PduFramer();
  const [part] = buildSubmits(submission, { sourceTon: 1, sourceNpi: 1, longMessages: 'udh' }, 1);
  let seq = 1;
  let sent = 0;
  let done = 0;
  const start = performance.now();
  return new Promise((resolve) => {
    const send = (): void => {
      sent++;
      socket.write(
        encodePdu({
          command: 'submit_sm',
          status: 0,
          sequence: ++seq,
          fields: part!.fields,
          tlvs: [],
        }),
      );
    };
    socket.on('data', (chunk: Buffer) => {
      for (const frame of framer.push(chunk)) {
        const pdu = decodePdu(frame);
        if (pdu.command === 'bind_transceiver_resp') for (let i = 0; i < window; i++) send();
        if (pdu.command !== 'submit_sm_resp') continue;
        if (++done === n) {
          socket.destroy();
          return resolve((n * 1000) / (performance.now() - start));
        }
        if (sent < n) send();
      }
    });
    socket.write(
      encodePdu({
        command: 'bind_transceiver',
        status: 0,
        sequence: 1,
        fields: { systemId: 'bare', interfaceVersion: 0x34 },
        tlvs: [],
      }),
    );
  });
}

/** Messages per second through the carrier: `n` sends, all started at once. */
async function carrier(port: number, n: number, window: number): Promise<number> {
  const config = smscCarrierConfig(port, {
    name: 'bench',
    password: '',
    window,
    responseTimeoutMs: 10_000,
  });
  const c = createSmppCarrier(config, { clock: systemClock });
  c.start();
  while (!c.ready()) await new Promise((r) => setTimeout(r, 10));
  const start = performance.now();
  const results = await Promise.all(Array.from({ length: n }, () => c.send(submission)));
  const rate = (n * 1000) / (performance.now() - start);
  await c.close();
  if (!results.every((r) => r.ok)) throw new Error('a submit failed');
  return rate;
}

/** The phase: both rates and their ratio. */
export async function smppPhase(
  n = 20_000,
  window = 10,
): Promise<{ bare: number; carrier: number; ratio: number }> {
  const smsc = await TestSmsc.start();
  try {
    const bareRate = await bare(smsc.port, n, window);
    const carrierRate = await carrier(smsc.port, n, window);
    return { bare: bareRate, carrier: carrierRate, ratio: carrierRate / bareRate };
  } finally {
    await smsc.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await smppPhase(Number(process.env['SMPP_BENCH_N'] ?? 20_000));
  console.log(
    `SMPP submit, one bind, window 10: carrier ${r.carrier.toFixed(0)} msg/s, bare client ${r.bare.toFixed(0)} msg/s, ratio ${r.ratio.toFixed(2)}`,
  );
}

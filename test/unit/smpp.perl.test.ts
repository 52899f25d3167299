import { smscCarrierConfig, textSubmission } from '../support/smsc/smpp.config.js';
import { spawn, spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

import { describe, expect, it } from 'vitest';

import { systemClock } from '../../src/clock.js';
import { createSmppCarrier } from '../../src/delivery/smpp/smpp.carrier.js';
import { until } from '../support/until.js';
import type { PartReceipt } from '../../src/delivery/network.carrier.js';

const SCRIPT = fileURLToPath(new URL('../support/smsc/perl-smsc.pl', import.meta.url));

/**
 * Net::SMPP (Debian's libnet-smpp-perl) is the independent SMSC. CI installs it (.ci/run) and
 * must run this test; a developer machine without perl or the module skips it, saying why.
 */
const perlReady = spawnSync('perl', ['-MNet::SMPP', '-e', '1']).status === 0;
const skip = !perlReady && !process.env['CI'];

const submission = (body: string) => textSubmission(body);

describe('SMPP carrier against an SMSC not written here (Net::SMPP)', () => {
  it.skipIf(skip)(
    'binds, submits GSM-7 / UCS-2 / 3 parts, matches receipts, takes an MO, unbinds (skipped only without perl Net::SMPP outside CI)',
    async () => {
      const perl = spawn('perl', [SCRIPT], { stdio: ['ignore', 'pipe', 'inherit'] });
      const lines: string[] = [];
      createInterface({ input: perl.stdout }).on('line', (line) => lines.push(line));
      // 'close', not 'exit': the exit code once its output has been read to the end.
      const exited = new Promise<number | null>((resolve) => perl.on('close', resolve));
      try {
        const port = Number(
          (await until(() => lines.find((l) => l.startsWith('LISTENING ')))).split(' ')[1],
        );
        const receipts: PartReceipt[] = [];
        const inbound: Array<{ from: string; to: string; body: string }> = [];
        const carrier = createSmppCarrier(
          smscCarrierConfig(port, {
            name: 'perl',
            password: 'pw',
            window: 1,
            responseTimeoutMs: 5000,
          }),
          { clock: systemClock },
        );
        carrier.attach({
          receipt: (r) => Promise.resolve(void receipts.push(r)),
          inbound: (m) => Promise.resolve(void inbound.push(m)),
        });
        carrier.start();
        await until(() => (carrier.ready() ? true : undefined));

        const gsm = await carrier.send(submission('Hello from Loft €'));
        const ucs = await carrier.send(submission('Привет 😀'));
        const long = await carrier.send(submission('x'.repeat(400)));
        expect([gsm, ucs]).toEqual([
          { ok: true, parts: ['abc00'] },
          { ok: true, parts: ['abc01'] },
        ]);
        expect(long).toEqual({ ok: true, parts: ['abc02', 'abc03', 'abc04'] });

        // The SMSC logs each submit on its stdout, a channel apart from the socket the responses
        // came back on: the last line may still be on its way when send() resolves.
        const submits = await until(() => {
          const logged = lines.filter((l) => l.startsWith('SUBMIT '));
          return logged.length >= 5 ? logged : undefined;
        });
        expect(submits[0]).toBe(
          `SUBMIT dest=33612345678 ton=1 dc=0 esm=0 reg=1 sm=${Buffer.from('Hello from Loft ').toString('hex')}1b65`,
        );
        expect(submits[1]).toBe(
          `SUBMIT dest=33612345678 ton=1 dc=8 esm=0 reg=1 sm=${Buffer.from('Привет 😀', 'utf16le').swap16().toString('hex')}`,
        );
        expect(submits.slice(2).map((l) => / esm=(\d+) .* sm=(.{12})/.exec(l)?.slice(1))).toEqual([
          ['64', expect.stringMatching(/^050003..0301$/)],
          ['64', expect.stringMatching(/^050003..0302$/)],
          ['64', expect.stringMatching(/^050003..0303$/)],
        ]);

        await until(() => (receipts.length === 5 && inbound.length === 1 ? true : undefined));
        expect(receipts.map((r) => `${r.messageId} ${r.status}`).sort()).toEqual(
          ['abc00', 'abc01', 'abc02', 'abc03', 'abc04'].map((id) => `${id} delivered`),
        );
        expect(inbound).toEqual([
          { carrier: 'perl', from: '+447700900123', to: '+15550001111', body: 'Hello from Perl' },
        ]);
        await until(() =>
          lines.filter((l) => l === 'RESP deliver_sm status=0').length === 6 ? true : undefined,
        );

        await carrier.close(2000);
        expect(await exited).toBe(0);
        expect(lines).toContain('UNBOUND');
      } finally {
        perl.kill();
      }
    },
  );
});

// Preloaded (`--import`) into CLI processes that a test starts at the same instant: loads the
// CLI's modules first (so none is left to compile), says so on stderr, then waits until the
// file named by LOFT_TEST_BARRIER exists. Every process released together reaches the store
// within milliseconds of the others, whatever their start-up took.
import { existsSync } from 'node:fs';

await import('../../src/main.js');
await import('../../src/config.js');
const barrier = process.env['LOFT_TEST_BARRIER'];
if (barrier) {
  process.stderr.write('barrier: waiting\n');
  while (!existsSync(barrier)) await new Promise((resolve) => setTimeout(resolve, 2));
}

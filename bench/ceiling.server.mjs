// The HTTP ceiling: a bare node:http server that does what every create request must do at the
// least (read the form body, parse it with URLSearchParams, answer 201 with a JSON message of
// the same shape and size as Loft's create response) and nothing else: no routing framework,
// no auth, no validation, no storage. Run in its own process by bench/run.ts:
//   node bench/ceiling.server.mjs   → prints `listening on http://127.0.0.1:PORT`
/* global console */
import { createServer } from 'node:http';
import process from 'node:process';
import { created, requested } from './create-response.mjs';

const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => created(res, requested(req, chunks)));
});
server.keepAliveTimeout = 72_000;
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${server.address().port}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));

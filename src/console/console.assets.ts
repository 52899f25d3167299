import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { CONSOLE_CSS } from './console.css.js';

/** A file the console's pages load. */
export interface Asset {
  body: string;
  type: string;
  etag: string;
}

/** Names a page may ask for: the stylesheet and the script modules (no paths). */
const NAME = /^[a-z][a-z0-9-]{0,40}\.(js|css)$/;

const etagOf = (body: string): string =>
  `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;

/**
 * The console's stylesheet and browser scripts. The scripts are `src/console/client/*.ts`:
 * `npm run build` compiles them next to this module (`dist/console/client/*.js`); run from
 * source (tests, `npm run dev`), each module is compiled from its `.ts` on first request with
 * esbuild (a devDependency, present wherever the sources are). Kept in memory once read.
 */
export function consoleAssets(): { get(name: string): Promise<Asset | undefined> } {
  const cache = new Map<string, Promise<Asset | undefined>>();
  const dir = new URL('./client/', import.meta.url);

  const script = async (base: string): Promise<string | undefined> => {
    const compiled = await readFile(new URL(`${base}.js`, dir), 'utf8').catch(() => undefined);
    if (compiled !== undefined) return compiled;
    const source = await readFile(new URL(`${base}.ts`, dir), 'utf8').catch(() => undefined);
    if (source === undefined) return undefined;
    const { transform } = await import('esbuild');
    return (await transform(source, { loader: 'ts', format: 'esm', target: 'es2022' })).code;
  };

  const load = async (name: string): Promise<Asset | undefined> => {
    if (name === 'console.css') {
      return { body: CONSOLE_CSS, type: 'text/css; charset=utf-8', etag: etagOf(CONSOLE_CSS) };
    }
    if (!name.endsWith('.js')) return undefined;
    const body = await script(name.slice(0, -3));
    if (body === undefined) return undefined;
    return { body, type: 'text/javascript; charset=utf-8', etag: etagOf(body) };
  };

  return {
    get(name) {
      if (!NAME.test(name)) return Promise.resolve(undefined);
      let hit = cache.get(name);
      if (!hit) {
        hit = load(name);
        cache.set(name, hit);
        // Only files that exist stay cached: unknown names must not grow the map.
        void hit.then(
          (a) => a ?? cache.delete(name),
          () => cache.delete(name),
        );
      }
      return hit;
    },
  };
}

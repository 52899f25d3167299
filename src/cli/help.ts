import { readFileSync } from 'node:fs';
import { FLAGS } from '../config.js';

/** One flag's help line: `--name ARG`, then its meaning and the variable it mirrors. */
export interface FlagHelp {
  flag: string;
  arg: string;
  help: string;
  env?: string;
}

/** The configuration flags a command reads, as help lines. */
export const configFlags = (names: Array<keyof typeof FLAGS>): FlagHelp[] =>
  names.map((name) => ({ flag: name, ...FLAGS[name] }));

/** A command's help: usage, what it does, and each of its flags with its meaning and env var. */
export function commandHelp(usage: string, summary: string, flags: FlagHelp[]): string {
  const all = [...flags, { flag: 'help', arg: '', help: 'this text' }];
  const left = all.map((f) => `  --${f.flag}${f.arg ? ' ' + f.arg : ''}`);
  const width = Math.max(...left.map((l) => l.length)) + 2;
  return [
    `Usage: ${usage}`,
    '',
    summary,
    '',
    'Flags (NAME: the environment variable a flag mirrors):',
    ...all.map((f, i) => `${(left[i] ?? '').padEnd(width)}${f.env ? `${f.env}: ` : ''}${f.help}`),
  ].join('\n');
}

/** The package's version, from package.json (two levels up from src/cli and dist/cli alike). */
export function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

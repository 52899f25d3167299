import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import {
  DEFAULT_POOL_MAX,
  isPostgresUrl,
  parsePostgresUrl,
  redactUrl,
} from '../../src/store/postgres/postgres.url.js';

describe('PostgreSQL DATABASE_URL', () => {
  it('is recognised by scheme', () => {
    expect(isPostgresUrl('postgres://u@h/db')).toBe(true);
    expect(isPostgresUrl('postgresql://u@h/db')).toBe(true);
    expect(isPostgresUrl('sqlite:./x.db')).toBe(false);
    expect(isPostgresUrl('mysql://u@h/db')).toBe(false);
  });

  it('takes the pool size from ?max= and passes every other parameter to the driver', () => {
    expect(parsePostgresUrl('postgres://u:p@h:5433/db')).toEqual({
      connectionString: 'postgres://u:p@h:5433/db',
      max: DEFAULT_POOL_MAX,
      prepare: true,
    });
    expect(parsePostgresUrl('postgres://u@h/db?sslmode=require&max=25')).toEqual({
      connectionString: 'postgres://u@h/db?sslmode=require',
      max: 25,
      prepare: true,
    });
    for (const bad of ['0', '-1', 'x', '1.5', '5000']) {
      expect(() => parsePostgresUrl(`postgres://h/db?max=${bad}`)).toThrow(/max \(pool size\)/);
    }
  });

  it('turns named prepared statements off with ?prepare=off', () => {
    expect(parsePostgresUrl('postgres://u@h/db?prepare=off&sslmode=disable')).toEqual({
      connectionString: 'postgres://u@h/db?sslmode=disable',
      max: DEFAULT_POOL_MAX,
      prepare: false,
    });
    expect(parsePostgresUrl('postgres://u@h/db?prepare=on').prepare).toBe(true);
    expect(() => parsePostgresUrl('postgres://u@h/db?prepare=maybe')).toThrow(/prepare must be/);
  });

  it('is accepted by loadConfig; malformed ones fail fast', () => {
    const url = 'postgresql://loft:secret@127.0.0.1:5432/loft?max=4';
    expect(loadConfig([], { DATABASE_URL: url }).databaseUrl).toBe(url);
    expect(loadConfig(['--database-url', 'postgres://h/db'], {}).databaseUrl).toBe(
      'postgres://h/db',
    );
    expect(() => loadConfig([], { DATABASE_URL: 'postgres://h/db?max=none' })).toThrow(ConfigError);
    expect(() => loadConfig([], { DATABASE_URL: 'postgres://[bad' })).toThrow(/DATABASE_URL/);
    expect(() => loadConfig([], { DATABASE_URL: 'mysql://h/db' })).toThrow(/postgres:\/\//);
  });

  it('never prints a password', () => {
    expect(redactUrl('postgres://loft:s3cret@h/db')).toBe('postgres://loft:***@h/db');
    expect(redactUrl('postgres://loft@h/db')).toBe('postgres://loft@h/db');
    expect(redactUrl('sqlite:./data/loft.db')).toBe('sqlite:./data/loft.db');
  });
});

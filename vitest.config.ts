import { defineConfig } from 'vitest/config';

/**
 * Integration files that do not run against PostgreSQL, and why. Everything else under
 * test/integration runs twice: once per store.
 */
const SQLITE_ONLY = [
  // The CLI itself (flags, banner, exit codes, signals) over sqlite: URLs; the CLI on
  // PostgreSQL (`loft migrate`, `loft serve`) is postgres.cli.test.ts.
  'test/integration/cli.test.ts',
  'test/integration/cli.*.test.ts',
  // SQLite's start-up lease release (PostgreSQL never releases leases at start-up).
  'test/integration/sqlite.*.test.ts',
];

/** Only meaningful on PostgreSQL. */
const POSTGRES_ONLY = ['test/integration/postgres.*.test.ts'];

export default defineConfig({
  test: {
    testTimeout: 20_000,
    hookTimeout: 20_000,
    pool: 'forks',
    // Vitest's default is one worker per core minus one: a single worker on a 2-core machine,
    // where most files wait on sockets, child processes and PostgreSQL. One per core keeps
    // both busy (the two-store suite takes about 100 s instead of 200 s there).
    maxWorkers: 2,
    minWorkers: 1,
    // v8 coverage of src/ (`npm test -- --coverage`, as .ci/run does): a summary on the console
    // and coverage/coverage-summary.json. Child processes (the CLI tests) are not counted.
    coverage: {
      provider: 'v8',
      include: ['src/**/*.ts'],
      exclude: ['src/console/client/**'],
      reporter: ['text-summary', 'json-summary'],
    },
    projects: [
      {
        extends: true,
        test: {
          // Unit tests, the store conformance suite (which runs every engine itself) and the
          // integration suite on SQLite.
          name: 'sqlite',
          // The projects run one after the other: together, the two kill -9 crash tests and
          // two copies of everything else only fight over the two cores.
          sequence: { groupOrder: 0 },
          include: ['test/**/*.test.ts'],
          exclude: POSTGRES_ONLY,
          env: { LOFT_TEST_STORE: 'sqlite' },
        },
      },
      {
        extends: true,
        test: {
          // The integration suite on PostgreSQL: a fresh database per test server on the
          // server at TEST_DATABASE_URL (or 127.0.0.1:5432), else a fresh PGlite.
          name: 'postgres',
          sequence: { groupOrder: 1 },
          include: ['test/integration/**/*.test.ts'],
          exclude: SQLITE_ONLY,
          env: { LOFT_TEST_STORE: 'postgres' },
        },
      },
    ],
  },
});

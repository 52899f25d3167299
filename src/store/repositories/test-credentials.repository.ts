import type { TestCredentials } from '../records.js';

/** Test credentials, one pair per account. */
export interface TestCredentialsRepository {
  /** The account's test credentials, once generated. */
  get(accountSid: string): Promise<TestCredentials | undefined>;
  /** The test credentials whose test Account SID is `testSid`. */
  findByTestSid(testSid: string): Promise<TestCredentials | undefined>;
  /** Stores `c` unless its account has test credentials already; returns the ones stored. */
  ensure(c: TestCredentials): Promise<TestCredentials>;
}

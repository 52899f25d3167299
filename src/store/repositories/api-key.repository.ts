import type { ApiKey } from '../records.js';

/** API keys (`SK…`). */
export interface ApiKeyRepository {
  insert(key: ApiKey): Promise<void>;
  get(sid: string): Promise<ApiKey | undefined>;
  list(accountSid: string, page: { limit: number; offset: number }): Promise<ApiKey[]>;
  update(sid: string, friendlyName: string, now: number): Promise<ApiKey | undefined>;
  delete(sid: string): Promise<boolean>;
}

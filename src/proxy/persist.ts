/**
 * Request records in the store. The store contract grows appendRequest/listRequests; until a
 * store provides them, records live only in memory for the session.
 */
import type { Store } from '../store/types';
import type { RequestRecord } from './record';

interface RequestLog {
  appendRequest(record: RequestRecord): void;
  listRequests(options: { sinceMs?: number; limit?: number }): RequestRecord[];
}

function requestLog(store: Store): RequestLog | null {
  const s = store as Partial<RequestLog>;
  return typeof s.appendRequest === 'function' && typeof s.listRequests === 'function' ? (s as RequestLog) : null;
}

export function persistRecord(store: Store, record: RequestRecord, log: (line: string) => void): void {
  const l = requestLog(store);
  if (!l) return;
  try {
    l.appendRequest(record);
  } catch (e) {
    log(`could not store request record: ${(e as Error).message}`);
  }
}

/** Records persisted by earlier runs (the last 30 days), to seed /stats. */
export function loadPersisted(store: Store): RequestRecord[] {
  const l = requestLog(store);
  if (!l) return [];
  try {
    return l.listRequests({ sinceMs: Date.now() - 30 * 86_400_000, limit: 100_000 }).filter((r) => r && typeof r === 'object' && 'outputs' in r);
  } catch {
    return [];
  }
}

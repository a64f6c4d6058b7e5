import { describeError, httpStatusText, isAbort, isRecord, readJson } from './http.ts';

/** The gateway's public status: readiness's verdict alone (the actuator itself is on the management port). */
export const HEALTH_PATH = '/healthz';

/** What the status card shows. */
export type HealthState = 'UP' | 'DOWN' | 'UNREACHABLE';

export interface Health {
  state: HealthState;
  /** The actuator's own status word (e.g. "OUT_OF_SERVICE"), an HTTP status, or a network error. */
  detail: string;
}

/**
 * Interprets a Spring Boot actuator health response. The actuator answers 200 `{"status":"UP"}`
 * when healthy and 503 `{"status":"DOWN"}` (or OUT_OF_SERVICE, …) when not; anything without
 * a status word did not come from the gateway (a proxy error page, say), so it is unreachable.
 */
export function parseHealth(httpStatus: number, body: unknown): Health {
  const status = isRecord(body) ? body.status : undefined;
  if (typeof status === 'string' && status !== '') {
    return { state: status.toUpperCase() === 'UP' ? 'UP' : 'DOWN', detail: status };
  }
  if (httpStatus === 503) return { state: 'DOWN', detail: 'HTTP 503' };
  return { state: 'UNREACHABLE', detail: `HTTP ${httpStatus}` };
}

/**
 * GET /healthz on the page's own origin. Never rejects, except when `signal` aborts:
 * a network failure comes back as UNREACHABLE.
 */
export async function fetchHealth(signal?: AbortSignal): Promise<Health> {
  let response: Response;
  try {
    response = await fetch(HEALTH_PATH, {
      headers: { Accept: 'application/json' },
      cache: 'no-store',
      ...(signal ? { signal } : {}),
    });
  } catch (error) {
    if (isAbort(error)) throw error;
    return { state: 'UNREACHABLE', detail: describeError(error) };
  }
  const health = parseHealth(response.status, await readJson(response));
  if (health.state === 'UNREACHABLE') health.detail = httpStatusText(response);
  return health;
}

/** Small helpers shared by the API functions. */

/** An API call that failed; `message` is fit to show to the user. */
export class ApiError extends Error {
  /** HTTP status of the failed response, or undefined when no response came back. */
  readonly status: number | undefined;

  constructor(message: string, status?: number) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** True when `error` comes from an aborted fetch (the caller cancelled it). */
export function isAbort(error: unknown): boolean {
  return isRecord(error) && error.name === 'AbortError';
}

/** The response body parsed as JSON, or undefined when it is empty or not JSON. */
export async function readJson(response: Response): Promise<unknown> {
  try {
    return (await response.json()) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * The human-readable message of an error body: OpenAI's `{"error":{"message":…}}`
 * (what the gateway sends), else an RFC 9457 problem `detail`; undefined if neither.
 */
export function errorBodyMessage(body: unknown): string | undefined {
  if (!isRecord(body)) return undefined;
  const { error, detail } = body;
  if (isRecord(error) && typeof error.message === 'string' && error.message.trim() !== '') {
    return error.message;
  }
  if (typeof detail === 'string' && detail.trim() !== '') return detail;
  return undefined;
}

/** "HTTP 404 Not Found", or "HTTP 404" when the status text is empty (HTTP/2). */
export function httpStatusText(response: Pick<Response, 'status' | 'statusText'>): string {
  return `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`;
}

export function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

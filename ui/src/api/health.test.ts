import { describe, expect, it, vi } from 'vitest';
import { HEALTH_PATH, fetchHealth, parseHealth } from './health.ts';

function jsonResponse(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json' },
  });
}

describe('fetchHealth', () => {
  it('reports UP from a 200 {"status":"UP"} and asks the same origin', async () => {
    const fetchMock = vi.fn(async () => jsonResponse({ status: 'UP' }));
    vi.stubGlobal('fetch', fetchMock);

    await expect(fetchHealth()).resolves.toEqual({ state: 'UP', detail: 'UP' });
    expect(fetchMock).toHaveBeenCalledOnce();
    expect(fetchMock.mock.calls[0]).toEqual([HEALTH_PATH, expect.any(Object)]);
    expect(HEALTH_PATH).toBe('/healthz');
  });

  it('reports DOWN from a 503 {"status":"DOWN"}', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => jsonResponse({ status: 'DOWN' }, 503)));

    await expect(fetchHealth()).resolves.toEqual({ state: 'DOWN', detail: 'DOWN' });
  });

  it('reports other actuator statuses as DOWN, keeping the word', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => jsonResponse({ status: 'OUT_OF_SERVICE' }, 503)));

    await expect(fetchHealth()).resolves.toEqual({ state: 'DOWN', detail: 'OUT_OF_SERVICE' });
  });

  it('reports UNREACHABLE when fetch itself fails', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => {
        throw new TypeError('Failed to fetch');
      }),
    );

    await expect(fetchHealth()).resolves.toEqual({
      state: 'UNREACHABLE',
      detail: 'Failed to fetch',
    });
  });

  it('reports UNREACHABLE for a non-actuator answer such as a proxy error page', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => new Response('<h1>Bad Gateway</h1>', { status: 502, statusText: 'Bad Gateway' })),
    );

    await expect(fetchHealth()).resolves.toEqual({
      state: 'UNREACHABLE',
      detail: 'HTTP 502 Bad Gateway',
    });
  });

  it('rethrows an abort instead of calling it UNREACHABLE', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => {
        throw new DOMException('The operation was aborted.', 'AbortError');
      }),
    );

    await expect(fetchHealth(AbortSignal.abort())).rejects.toMatchObject({ name: 'AbortError' });
  });
});

describe('parseHealth', () => {
  it('treats a bodiless 503 as DOWN', () => {
    expect(parseHealth(503, undefined)).toEqual({ state: 'DOWN', detail: 'HTTP 503' });
  });

  it('treats a 200 without a status word as UNREACHABLE', () => {
    expect(parseHealth(200, { hello: 'world' })).toEqual({ state: 'UNREACHABLE', detail: 'HTTP 200' });
  });
});

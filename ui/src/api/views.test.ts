import { describe, expect, it, vi } from 'vitest';
import { chartRows, ledger, requestHistory, requestsCsvPath, usageBreakdown, usageSummary, type Series, type UsageMetrics } from './views.ts';

function json(body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status: 200, headers: { 'Content-Type': 'application/json', ...headers } });
}

const metrics = (over: Partial<UsageMetrics> = {}): UsageMetrics => ({
  requests: 1,
  succeeded: 1,
  failed: 0,
  rejected: 0,
  inputTokens: 2,
  outputTokens: 12,
  cachedTokens: 0,
  credits: 0.000125,
  refunded: 0,
  latencyMillis: { count: 1, avg: 40, p50: 40, p95: 40 },
  ttfbMillis: { count: 0, avg: null, p50: null, p95: null },
  ...over,
});

describe('views client', () => {
  it('asks the summary with the period and time zone, through the gateway', async () => {
    const fetchMock = vi.fn(async (_url: string) => json({ current: metrics() }));
    vi.stubGlobal('fetch', fetchMock);
    await usageSummary('tg-a', 'acme co', { from: '2026-11-01', tz: 'Europe/Berlin' });
    expect(fetchMock.mock.calls[0]![0]).toBe('/api/views/accounts/acme%20co/usage/summary?from=2026-11-01&tz=Europe%2FBerlin');
  });

  it('reads the next page cursor of the call history from X-Next-Cursor', async () => {
    const fetchMock = vi.fn(async (_url: string) => json([{ requestId: 'r2' }, { requestId: 'r1' }], { 'X-Next-Cursor': 'abc' }));
    vi.stubGlobal('fetch', fetchMock);
    const page = await requestHistory('tg-a', 'acme', { status: 'succeeded', limit: 2 });
    expect(page.rows.map((r) => r.requestId)).toEqual(['r2', 'r1']);
    expect(page.next).toBe('abc');
    expect(fetchMock.mock.calls[0]![0]).toBe('/api/views/accounts/acme/requests?status=succeeded&limit=2');
  });

  it('has no next cursor on the last page', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => json([])));
    await expect(ledger('tg-a', 'acme', { cursor: 'abc' })).resolves.toEqual({ rows: [], next: null });
  });

  it('asks the breakdown by app, and narrows usage and history to one app', async () => {
    const fetchMock = vi.fn(async (_url: string) => json([]));
    vi.stubGlobal('fetch', fetchMock);
    await usageBreakdown('tg-a', 'acme', { by: 'app', from: '2026-11-01' });
    await requestHistory('tg-a', 'acme', { app: 'none' });
    expect(fetchMock.mock.calls[0]![0]).toBe('/api/views/accounts/acme/usage/breakdown?by=app&from=2026-11-01');
    expect(fetchMock.mock.calls[1]![0]).toBe('/api/views/accounts/acme/requests?app=none');
    expect(requestsCsvPath('acme', { app: 'app-w' })).toBe('/api/views/accounts/acme/requests.csv?app=app-w');
  });

  it('builds the CSV export path with the same filters', () => {
    expect(requestsCsvPath('acme', { model: 'mock/gpt-4o', minDurationMs: 100 })).toBe(
      '/api/views/accounts/acme/requests.csv?model=mock%2Fgpt-4o&minDurationMs=100',
    );
  });
});

describe('chartRows', () => {
  it('merges grouped buckets per start, sums counts, keeps the worst percentiles, and sorts by time', () => {
    const series: Series = {
      accountId: 'acme',
      granularity: 'hour',
      timeZone: 'UTC',
      groupBy: 'model',
      from: '2026-11-01T00:00:00Z',
      to: '2026-11-01T03:00:00Z',
      buckets: [
        { start: '2026-11-01T02:00:00Z', group: 'a', metrics: metrics({ requests: 3, credits: 0.5 }) },
        { start: '2026-11-01T01:00:00Z', group: 'a', metrics: metrics({ latencyMillis: { count: 1, avg: 10, p50: 10, p95: 90 } }) },
        { start: '2026-11-01T01:00:00Z', group: 'b', metrics: metrics({ latencyMillis: { count: 1, avg: 50, p50: 50, p95: 60 } }) },
      ],
    };
    const rows = chartRows(series, 'en-GB');
    expect(rows.map((r) => [r.label, r.requests, r.credits, r.latencyP50, r.latencyP95, r.ttfbP95])).toEqual([
      ['00:00', 0, 0, null, null, null],
      ['01:00', 2, 0.00025, 50, 90, null],
      ['02:00', 3, 0.5, 40, 40, null],
    ]);
  });
});

describe('chartRows gap filling', () => {
  it('gives every day of the period a row, once, across a daylight-saving change', () => {
    const series: Series = {
      accountId: 'acme',
      granularity: 'day',
      timeZone: 'Europe/Berlin',
      groupBy: 'none',
      from: '2026-10-23T22:00:00Z',
      to: '2026-10-27T23:00:00Z',
      buckets: [{ start: '2026-10-25T23:00:00Z', group: null, metrics: metrics({ requests: 4 }) }],
    };
    const rows = chartRows(series, 'en-GB');
    expect(rows.map((r) => [r.label, r.requests])).toEqual([
      ['24 Oct', 0],
      ['25 Oct', 0],
      ['26 Oct', 4],
      ['27 Oct', 0],
    ]);
  });
});

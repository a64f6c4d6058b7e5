// @vitest-environment jsdom
import { act } from 'react';
import { describe, expect, it, vi } from 'vitest';
import type { UsageMetrics } from '../api/views.ts';
import { SessionProvider, useSession } from '../session.tsx';
import { flush, pageStage } from '../testing/pageStage.ts';
import UsagePage from './Usage.tsx';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

const metrics = (requests: number, credits: number): UsageMetrics => ({
  requests,
  succeeded: requests,
  failed: 0,
  rejected: 0,
  inputTokens: 10 * requests,
  outputTokens: 5 * requests,
  cachedTokens: 0,
  credits,
  refunded: 0,
  latencyMillis: { count: requests, avg: 40, p50: 40, p95: 40 },
  ttfbMillis: { count: 0, avg: null, p50: null, p95: null },
});

function json(body: unknown): Response {
  return new Response(JSON.stringify(body), { status: 200, headers: { 'Content-Type': 'application/json' } });
}

/** The gateway as a user of account acme sees it: one app, usage of that app and of none, one call. */
const fetchMock = vi.fn(async (url: string, _init?: RequestInit) => {
  const path = url.split('?')[0];
  if (url === '/api/me') return json({ keyId: 'k1', accountId: 'acme', role: 'user', scopes: ['chat'] });
  if (url === '/api/keys') return json([]);
  if (url === '/api/apps') return json([{ id: 'app-w', accountId: 'acme', name: 'Writer', state: 'active' }]);
  if (path === '/api/views/accounts/acme/usage/summary')
    return json({ current: metrics(3, 0.5), previous: metrics(0, 0), change: {}, topModels: [] });
  if (path === '/api/views/accounts/acme/usage/series') return json({ buckets: [] });
  if (path === '/api/views/accounts/acme/usage/breakdown') {
    return url.includes('by=app')
      ? json([{ value: 'app-w', metrics: metrics(2, 0.4) }, { value: null, metrics: metrics(1, 0.1) }])
      : json([]);
  }
  if (path === '/api/views/accounts/acme/requests') {
    return json([{ requestId: 'req-1', provider: 'mock', model: 'gpt-4o', status: 'succeeded', attempts: 1,
      acceptedAt: '2026-12-02T08:00:00Z', appId: 'app-w' }]);
  }
  throw new Error(`unexpected call ${url}`);
});

function SignedInUsage() {
  return useSession().me ? <UsagePage /> : null;
}

const stage = pageStage(fetchMock, 'tg-user-key');

function type(element: HTMLInputElement, value: string) {
  Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')!.set!.call(element, value);
  element.dispatchEvent(new Event('input', { bubbles: true }));
}

const calls = (path: string) => fetchMock.mock.calls.map(([url]) => url).filter((url) => url.startsWith(path));

describe('Usage: the app breakdown', () => {
  it('shows usage per app by the apps names, and requests of no app as such', async () => {
    stage.render(<SessionProvider><SignedInUsage /></SessionProvider>);
    await flush();
    await flush();
    await flush();

    expect(calls('/api/views/accounts/acme/usage/breakdown').some((url) => url.includes('by=app'))).toBe(true);
    const table = [...stage.container.querySelectorAll('table')].find((t) => t.querySelector('caption')?.textContent === 'Usage per app');
    expect(table).toBeDefined();
    const rows = [...table!.querySelectorAll('tbody tr')].map((r) => [...r.querySelectorAll('td')].map((d) => d.textContent));
    expect(rows[0]![0]).toBe('Writer');
    expect(rows[0]![1]).toBe('2');
    expect(rows[1]![0]).toBe('No app');
  });

  it('shows each calls app and filters the call history by app', async () => {
    stage.render(<SessionProvider><SignedInUsage /></SessionProvider>);
    await flush();
    await flush();
    await flush();
    expect(stage.container.querySelector('[data-testid="history-rows"]')?.textContent).toContain('app-w');

    const label = [...stage.container.querySelectorAll('label')].find((l) => l.textContent === 'App id')!;
    act(() => type(document.getElementById(label.htmlFor) as HTMLInputElement, 'app-w'));
    act(() => [...stage.container.querySelectorAll('button')].find((b) => b.textContent === 'Apply filters')!.click());
    await flush();

    expect(calls('/api/views/accounts/acme/requests').some((url) => url.includes('app=app-w'))).toBe(true);
  });
});

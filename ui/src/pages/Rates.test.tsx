// @vitest-environment jsdom
import { act } from 'react';
import { describe, expect, it, vi } from 'vitest';
import { SessionProvider, useSession } from '../session.tsx';
import { flush, pageStage } from '../testing/pageStage.ts';
import RatesPage from './Rates.tsx';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

const PRICE_LIST = '{"gpt-4o": {"litellm_provider": "openai", "mode": "chat", "input_cost_per_token": 2.5e-06, "output_cost_per_token": 1e-05}}';

function report(dryRun: boolean) {
  return {
    provider: 'oa',
    litellmProvider: 'openai',
    markup: 1.2,
    dryRun,
    effectiveFrom: '2026-12-02T05:00:00Z',
    summary: { added: 0, changed: 1, unchanged: 1, skipped: 1 },
    changes: [
      {
        model: 'gpt-4o',
        key: 'gpt-4o',
        mode: 'chat',
        change: 'changed',
        before: { inputPerMillion: 2.5, outputPerMillion: 10, cachedInputPerMillion: 1.25, perImage: 0, embeddingPerMillion: 0 },
        after: { inputPerMillion: 3, outputPerMillion: 12, cachedInputPerMillion: 1.5, perImage: 0, embeddingPerMillion: 0 },
      },
      {
        model: 'o3',
        key: 'o3',
        mode: 'chat',
        change: 'unchanged',
        before: { inputPerMillion: 2.4, outputPerMillion: 9.6, cachedInputPerMillion: 0.6, perImage: 0, embeddingPerMillion: 0 },
        after: { inputPerMillion: 2.4, outputPerMillion: 9.6, cachedInputPerMillion: 0.6, perImage: 0, embeddingPerMillion: 0 },
      },
    ],
    skipped: [{ key: 'gpt-3.5-turbo-instruct', reason: "mode 'completion' is not served" }],
  };
}

function json(body: unknown): Response {
  return new Response(JSON.stringify(body), { status: 200, headers: { 'Content-Type': 'application/json' } });
}

/** The gateway as the page sees it: an admin, one provider, no rates yet, and the import endpoint. */
const fetchMock = vi.fn(async (url: string, _init?: RequestInit) => {
  if (url === '/api/me') return json({ keyId: 'k1', accountId: null, role: 'admin', scopes: [] });
  if (url === '/admin/rates') return json([]);
  if (url === '/admin/providers') return json([{ name: 'oa', wireFormat: 'openai', baseUrl: 'https://api.openai.com/v1', enabled: true, credentials: [] }]);
  if (url.startsWith('/admin/rates/import')) return json(report(url.includes('dryRun=true')));
  throw new Error(`unexpected call ${url}`);
});

function SignedInRates() {
  return useSession().me ? <RatesPage /> : null;
}

const stage = pageStage(fetchMock, 'tg-admin-key');

/** Types into a React-controlled field the way a browser does. */
function type(element: HTMLInputElement | HTMLTextAreaElement, value: string) {
  const prototype = element instanceof HTMLTextAreaElement ? HTMLTextAreaElement.prototype : HTMLInputElement.prototype;
  Object.getOwnPropertyDescriptor(prototype, 'value')!.set!.call(element, value);
  element.dispatchEvent(new Event('input', { bubbles: true }));
}

function button(text: string): HTMLButtonElement {
  const found = [...stage.container.querySelectorAll('button')].find((b) => b.textContent?.startsWith(text));
  if (!found) throw new Error(`no button '${text}' in ${stage.container.innerHTML}`);
  return found;
}

const importCalls = () => fetchMock.mock.calls.filter(([url]) => url.startsWith('/admin/rates/import'));

describe('Models and rates: price list import', () => {
  it('previews the diff of a pasted list as a dry run, then applies the same request', async () => {
    stage.render(<SessionProvider><SignedInRates /></SessionProvider>);
    await flush();
    await flush();

    const textarea = stage.container.querySelector('textarea')!;
    const markup = [...stage.container.querySelectorAll('label')].find((l) => l.textContent?.startsWith('Markup'))!;
    act(() => type(textarea, PRICE_LIST));
    act(() => type(document.getElementById(markup.htmlFor) as HTMLInputElement, '1.2'));
    act(() => button('Preview changes').click());
    await flush();

    expect(importCalls()).toHaveLength(1);
    const [previewUrl, previewInit] = importCalls()[0]!;
    expect(previewUrl).toBe('/admin/rates/import?provider=oa&markup=1.2&dryRun=true');
    expect(previewInit?.body).toBe(PRICE_LIST);
    const rows = [...stage.container.querySelectorAll('[data-testid="import-rows"] tr')];
    expect(rows.map((r) => `${r.getAttribute('data-model')}:${r.getAttribute('data-change')}`)).toEqual([
      'gpt-4o:changed',
      'o3:unchanged',
    ]);
    // A changed price shows the old one struck through beside the new one.
    expect(rows[0]!.querySelector('del')?.textContent).toBe('2.50');
    expect(stage.container.textContent).toContain('1 skipped');

    act(() => button('Apply 1 change').click());
    await flush();
    await flush();

    expect(importCalls()).toHaveLength(2);
    const [applyUrl, applyInit] = importCalls()[1]!;
    expect(applyUrl).toBe('/admin/rates/import?provider=oa&markup=1.2&dryRun=false');
    expect(applyInit?.body).toBe(PRICE_LIST);
    expect(stage.container.querySelector('[role="status"]')?.textContent).toContain('1 changed');
  });

  it('asks for a new preview when the list or the markup changes after one', async () => {
    stage.render(<SessionProvider><SignedInRates /></SessionProvider>);
    await flush();
    await flush();
    act(() => type(stage.container.querySelector('textarea')!, PRICE_LIST));
    act(() => button('Preview changes').click());
    await flush();
    expect(button('Apply 1 change').disabled).toBe(false);

    act(() => type(stage.container.querySelector('textarea')!, PRICE_LIST.replace('2.5e-06', '3e-06')));

    expect(stage.container.querySelector('[data-testid="import-rows"]')).toBeNull();
    expect(() => button('Apply 1 change')).toThrow();
  });
});

describe('Models and rates: audio prices', () => {
  const whisper = {
    provider: 'oa',
    model: 'whisper-1',
    inputPerMillion: 0,
    outputPerMillion: 0,
    cachedInputPerMillion: 0,
    perImage: 0,
    embeddingPerMillion: 0,
    perAudioSecond: 0.0001,
    perSpeechCharacter: 0,
    effectiveFrom: '2026-12-01T00:00:00Z',
  };
  const puts: [string, unknown][] = [];
  const withRates = vi.fn(async (url: string, init?: RequestInit) => {
    if (url === '/api/me') return json({ keyId: 'k1', accountId: null, role: 'admin', scopes: [] });
    if (url === '/admin/rates') return json([whisper]);
    if (url === '/admin/providers') return json([]);
    if (url === '/admin/rates/oa/whisper-1' && init?.method === 'PUT') {
      puts.push([url, JSON.parse(String(init.body))]);
      return json(whisper);
    }
    throw new Error(`unexpected call ${url}`);
  });

  it('shows the per-second price, and an edit sends it back instead of dropping it', async () => {
    vi.stubGlobal('fetch', withRates);
    stage.render(<SessionProvider><SignedInRates /></SessionProvider>);
    await flush();
    await flush();

    const row = stage.container.querySelector('[data-testid="rate-rows"] tr[data-model="oa/whisper-1"]')!;
    expect(row.textContent).toContain('0.0001');
    act(() => button('Edit').click());
    const perSecond = stage.container.querySelector<HTMLInputElement>('input[aria-label="Per audio second price of oa/whisper-1"]')!;
    expect(perSecond.value).toBe('0.0001');
    act(() => type(perSecond, '0.00012'));
    act(() => button('Save').click());
    await flush();

    expect(puts).toHaveLength(1);
    expect(puts[0]![1]).toMatchObject({ perAudioSecond: 0.00012, perSpeechCharacter: 0 });
  });
});

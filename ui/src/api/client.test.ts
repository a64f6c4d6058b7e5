import { describe, expect, it, vi } from 'vitest';
import {
  apiFetch,
  createKey,
  groupByProvider,
  keysBase,
  listPricedModels,
  listPublicPrices,
  query,
  revokeKey,
  rotateKey,
  scaleRate,
  importPriceList,
  setRate,
  type Me,
  type RateView,
} from './client.ts';

function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json', ...headers } });
}

const USER: Me = { keyId: 'k1', accountId: 'acme', role: 'user', scopes: ['chat', 'embeddings', 'images'] };
const ADMIN: Me = { keyId: 'k0', accountId: null, role: 'admin', scopes: ['chat', 'admin'] };

describe('apiFetch', () => {
  it('sends the key as Bearer, JSON bodies with their content type, and returns data and headers', async () => {
    const fetchMock = vi.fn(async (_url: string, _init?: RequestInit) => json({ ok: true }, 201, { 'x-request-id': 'r1' }));
    vi.stubGlobal('fetch', fetchMock);

    const result = await apiFetch<{ ok: boolean }>(' tg-abc ', '/api/keys', { method: 'POST', body: { name: 'x' } });

    expect(result.data).toEqual({ ok: true });
    expect(result.status).toBe(201);
    expect(result.headers.get('x-request-id')).toBe('r1');
    const [, init] = fetchMock.mock.calls[0]!;
    const headers = new Headers(init?.headers);
    expect(headers.get('Authorization')).toBe('Bearer tg-abc');
    expect(headers.get('Content-Type')).toBe('application/json');
    expect(init?.method).toBe('POST');
    expect(init?.body).toBe('{"name":"x"}');
  });

  it('rejects with the OpenAI-shaped error message, or a problem detail', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => json({ error: { message: 'This endpoint needs an admin.' } }, 403)));
    await expect(apiFetch('tg-a', '/admin/rates')).rejects.toMatchObject({ message: 'This endpoint needs an admin.', status: 403 });

    vi.stubGlobal('fetch', vi.fn(async () => json({ title: 'Not Found', status: 404, detail: "no account 'x' in the views" }, 404)));
    await expect(apiFetch('tg-a', '/api/views/accounts/x/balance')).rejects.toMatchObject({
      message: "no account 'x' in the views",
      status: 404,
    });
  });

  it('accepts a 204 without a body', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => new Response(null, { status: 204 })));
    await expect(apiFetch('tg-a', '/x', { method: 'DELETE' })).resolves.toMatchObject({ status: 204, data: undefined });
  });
});

describe('query', () => {
  it('keeps only defined, non-empty values', () => {
    expect(query({ a: 'x y', b: undefined, c: '', d: 0, e: null })).toBe('?a=x+y&d=0');
    expect(query({})).toBe('');
  });
});

describe('keys', () => {
  it('uses /api/keys for an account and /admin/keys for an admin without one', () => {
    expect(keysBase(USER)).toBe('/api/keys');
    expect(keysBase(ADMIN)).toBe('/admin/keys');
    expect(keysBase({ ...ADMIN, accountId: 'ops' })).toBe('/api/keys');
  });

  it('creates, rotates and revokes through the right paths and methods', async () => {
    const fetchMock = vi.fn(async (_url: string, _init?: RequestInit) => json({ id: 'k2', key: 'tg-secret' }, 201));
    vi.stubGlobal('fetch', fetchMock);

    await createKey('tg-a', USER, { name: 'ci', scopes: ['chat'] });
    await rotateKey('tg-a', USER, 'k/2', 60);
    await revokeKey('tg-a', USER, 'k2');

    expect(fetchMock.mock.calls.map(([url, init]) => [init?.method, url, init?.body])).toEqual([
      ['POST', '/api/keys', '{"name":"ci","scopes":["chat"]}'],
      ['POST', '/api/keys/k%2F2/rotate', '{"graceSeconds":60}'],
      ['DELETE', '/api/keys/k2', undefined],
    ]);
  });
});

describe('models', () => {
  it('lists priced models and groups them by provider', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async () =>
        json({
          object: 'list',
          data: [
            { id: 'mock/gpt-4o', owned_by: 'mock', pricing: { input: 2.5, output: 10 } },
            { id: 'anthropic/claude', owned_by: 'anthropic', pricing: { input: 3, output: 15 } },
            { id: 'mock/a-model', owned_by: 'mock', pricing: null },
          ],
        }),
      ),
    );
    const models = await listPricedModels('tg-a');
    expect(groupByProvider(models).map(([p, list]) => [p, list.map((m) => m.id)])).toEqual([
      ['anthropic', ['anthropic/claude']],
      ['mock', ['mock/a-model', 'mock/gpt-4o']],
    ]);
  });
});

describe('listPublicPrices', () => {
  it('reads the public price list without a key and names each model by its provider', async () => {
    const fetchMock = vi.fn(async (_url: string, _init?: RequestInit) =>
      json([
        { id: 'mock/gpt-4o', provider: 'mock', model: 'gpt-4o', pricing: { input: 2.5, output: 10, cachedInput: 1.25 } },
        { provider: 'broken' },
      ]),
    );
    vi.stubGlobal('fetch', fetchMock);

    const models = await listPublicPrices();

    expect(fetchMock.mock.calls[0]![0]).toBe('/api/pricing');
    expect((fetchMock.mock.calls[0]![1]!.headers as Record<string, string>).Authorization).toBeUndefined();
    expect(models).toEqual([
      { id: 'mock/gpt-4o', owned_by: 'mock', pricing: { input: 2.5, output: 10, cachedInput: 1.25 } },
    ]);
  });

  it('rejects an answer that is not a list', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => json({ data: [] })));

    await expect(listPublicPrices()).rejects.toThrow('/api/pricing');
  });
});

describe('rates', () => {
  const rate: RateView = {
    provider: 'mock',
    model: 'gpt-4o',
    inputPerMillion: 2.5,
    outputPerMillion: 10,
    cachedInputPerMillion: 1.25,
    perImage: null,
    embeddingPerMillion: 0.1,
    effectiveFrom: '2026-11-01T00:00:00Z',
  };

  it('scales every price for a bulk margin change, keeping 6 decimals and absent prices absent', () => {
    expect(scaleRate(rate, 1.1)).toEqual({
      inputPerMillion: 2.75,
      outputPerMillion: 11,
      cachedInputPerMillion: 1.375,
      perImage: null,
      embeddingPerMillion: 0.11,
      perAudioSecond: null,
      perSpeechCharacter: null,
    });
    expect(scaleRate({ ...rate, perAudioSecond: 0.0001, perSpeechCharacter: 0.000015 }, 1.2)).toMatchObject({
      perAudioSecond: 0.00012,
      perSpeechCharacter: 0.000018,
    });
    expect(scaleRate({ ...rate, inputPerMillion: 0.0000015 }, 1.5).inputPerMillion).toBe(0.000002);
  });

  it('POSTs a price list as it is to /admin/rates/import, with the options in the query', async () => {
    const report = { provider: 'openai', dryRun: true, summary: { added: 1, changed: 0, unchanged: 0, skipped: 0 }, changes: [], skipped: [] };
    const fetchMock = vi.fn(async (_url: string, _init?: RequestInit) => json(report));
    vi.stubGlobal('fetch', fetchMock);
    const priceList = '{"gpt-4o": {"litellm_provider": "openai", "input_cost_per_token": 2.5e-06}}';
    const result = await importPriceList('tg-admin', { provider: 'my openai', markup: '1.2', dryRun: true }, priceList);
    const [url, init] = fetchMock.mock.calls[0]!;
    expect(url).toBe('/admin/rates/import?provider=my+openai&markup=1.2&dryRun=true');
    expect(init?.method).toBe('POST');
    // Sent untouched: re-encoding through JSON.parse would turn 2.5e-06 into a double.
    expect(init?.body).toBe(priceList);
    expect((init?.headers as Record<string, string>)['Content-Type']).toBe('application/json');
    expect(result.data).toEqual(report);
  });

  it('PUTs a rate to /admin/rates/{provider}/{model}', async () => {
    const fetchMock = vi.fn(async (_url: string, _init?: RequestInit) => json(rate));
    vi.stubGlobal('fetch', fetchMock);
    await setRate('tg-admin', 'mock', 'gpt-4o', scaleRate(rate, 1));
    const [url, init] = fetchMock.mock.calls[0]!;
    expect(url).toBe('/admin/rates/mock/gpt-4o');
    expect(init?.method).toBe('PUT');
    expect(JSON.parse(String(init?.body))).toMatchObject({ inputPerMillion: 2.5, outputPerMillion: 10 });
  });
});

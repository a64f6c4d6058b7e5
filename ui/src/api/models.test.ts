import { describe, expect, it, vi } from 'vitest';
import { ApiError } from './http.ts';
import { MODELS_PATH, fetchModels, parseModelIds } from './models.ts';

function jsonResponse(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json' },
  });
}

const LIST = {
  object: 'list',
  data: [
    { id: 'gpt-4o-mini', object: 'model', owned_by: 'openai' },
    { id: 'claude-sonnet-4', object: 'model', owned_by: 'anthropic' },
  ],
};

describe('fetchModels', () => {
  it('sends the key as a Bearer token to /v1/models and lists the ids in order', async () => {
    const fetchMock = vi.fn(async (_url: string, _init?: RequestInit) => jsonResponse(LIST));
    vi.stubGlobal('fetch', fetchMock);

    await expect(fetchModels('  tg_live_abc  ')).resolves.toEqual(['gpt-4o-mini', 'claude-sonnet-4']);

    expect(fetchMock).toHaveBeenCalledOnce();
    const [url, init] = fetchMock.mock.calls[0]!;
    expect(url).toBe(MODELS_PATH);
    expect(MODELS_PATH).toBe('/v1/models');
    expect(new Headers(init?.headers).get('Authorization')).toBe('Bearer tg_live_abc');
  });

  it('rejects with the message of an OpenAI-shaped error body', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async () =>
        jsonResponse(
          {
            error: {
              message: 'Invalid API key.',
              type: 'invalid_request_error',
              code: 'invalid_api_key',
            },
          },
          401,
        ),
      ),
    );

    const failure = fetchModels('tg_wrong');
    await expect(failure).rejects.toBeInstanceOf(ApiError);
    await expect(failure).rejects.toMatchObject({ message: 'Invalid API key.', status: 401 });
  });

  it('falls back to the HTTP status when the error body is not OpenAI-shaped', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => new Response('oops', { status: 500, statusText: 'Internal Server Error' })),
    );

    await expect(fetchModels('tg_key')).rejects.toMatchObject({
      message: 'HTTP 500 Internal Server Error',
      status: 500,
    });
  });

  it('rejects with a readable message when the gateway cannot be reached', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => {
        throw new TypeError('Failed to fetch');
      }),
    );

    await expect(fetchModels('tg_key')).rejects.toMatchObject({
      name: 'ApiError',
      message: 'Could not reach the gateway: Failed to fetch',
      status: undefined,
    });
  });

  it('does not call the gateway without a key', async () => {
    const fetchMock = vi.fn(async () => jsonResponse(LIST));
    vi.stubGlobal('fetch', fetchMock);

    await expect(fetchModels('   ')).rejects.toThrow('Enter a Tollgate API key first.');
    expect(fetchMock).not.toHaveBeenCalled();
  });

  it('rejects a 200 whose body has no data list', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => jsonResponse({ object: 'list' })));

    await expect(fetchModels('tg_key')).rejects.toThrow(/no "data" list/);
  });
});

describe('parseModelIds', () => {
  it('skips entries without a string id', () => {
    expect(parseModelIds({ data: [{ id: 'a' }, { id: 7 }, null, 'b', { id: 'c' }] })).toEqual(['a', 'c']);
  });

  it('returns an empty list for an empty data array', () => {
    expect(parseModelIds({ object: 'list', data: [] })).toEqual([]);
  });
});

// @vitest-environment jsdom
import { act } from 'react';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { SessionProvider, useSession } from '../session.tsx';
import { flush, pageStage } from '../testing/pageStage.ts';
import PlaygroundPage from './Playground.tsx';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

function json(body: unknown): Response {
  return new Response(JSON.stringify(body), { status: 200, headers: { 'Content-Type': 'application/json' } });
}

/** A Responses API stream as the gateway sends it: typed events, the cost in response.completed's usage. */
function responseStream(id: string, words: string[], cost: number): Response {
  const events = [
    { type: 'response.created', sequence_number: 0, response: { id, status: 'in_progress' } },
    ...words.map((delta, i) => ({ type: 'response.output_text.delta', sequence_number: i + 1, item_id: 'msg_1', output_index: 0, content_index: 0, delta })),
    {
      type: 'response.completed',
      sequence_number: words.length + 1,
      response: { id, status: 'completed', usage: { input_tokens: 12, output_tokens: words.length, total_tokens: 12 + words.length, cost } },
    },
  ];
  const body = events.map((e) => `event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`).join('');
  return new Response(body, { status: 200, headers: { 'Content-Type': 'text/event-stream', 'x-request-id': `req_${id}` } });
}

const responsesCalls: unknown[] = [];

const fetchMock = vi.fn(async (url: string, init?: RequestInit) => {
  if (url === '/api/me') return json({ keyId: 'k1', accountId: 'acct-1', role: 'user', scopes: ['chat'] });
  if (url === '/v1/models') return json({ object: 'list', data: [{ id: 'mock/gpt-4o', owned_by: 'mock', pricing: { input: 2.5, output: 10 } }] });
  if (url === '/v1/responses') {
    const body = JSON.parse(String(init?.body));
    responsesCalls.push(body);
    return responsesCalls.length === 1 ? responseStream('resp_1', ['Hello', ' there'], 0.000148) : responseStream('resp_2', ['Again'], 0.000052);
  }
  throw new Error(`unexpected call ${url}`);
});

function SignedInPlayground() {
  return useSession().me ? <PlaygroundPage /> : null;
}

const stage = pageStage(fetchMock, 'tg-user-key');

beforeEach(() => {
  responsesCalls.length = 0;
});

function type(element: HTMLTextAreaElement, value: string) {
  Object.getOwnPropertyDescriptor(HTMLTextAreaElement.prototype, 'value')!.set!.call(element, value);
  element.dispatchEvent(new Event('input', { bubbles: true }));
}

async function send(text: string) {
  const input = stage.container.querySelector<HTMLTextAreaElement>('form.composer textarea')!;
  act(() => type(input, text));
  act(() => stage.container.querySelector<HTMLButtonElement>('form.composer button[type="submit"]')!.click());
  for (let i = 0; i < 6; i++) await flush();
}

describe('Playground: Responses mode', () => {
  it('streams a reply, shows what it was billed, and continues from the stored response', async () => {
    stage.render(<SessionProvider><SignedInPlayground /></SessionProvider>);
    await flush();
    await flush();
    act(() => stage.container.querySelector<HTMLButtonElement>('#tab-responses')!.click());

    await send('Hi');

    const transcript = stage.container.querySelector('[data-testid="responses-transcript"]')!;
    expect(transcript.textContent).toContain('Hello there');
    const meta = [...stage.container.querySelectorAll('[data-testid="response-meta"]')].map((m) => m.textContent);
    expect(meta[0]).toContain('12 in · 2 out tokens');
    expect(meta[0]).toContain('0.000148 credits billed');
    expect(responsesCalls[0]).toMatchObject({ model: 'mock/gpt-4o', input: 'Hi', stream: true, store: true });
    expect(responsesCalls[0]).not.toHaveProperty('previous_response_id');

    await send('And again?');

    expect(responsesCalls[1]).toMatchObject({ input: 'And again?', previous_response_id: 'resp_1' });
    const second = [...stage.container.querySelectorAll('[data-testid="response-meta"]')].map((m) => m.textContent)[1];
    expect(second).toContain('0.000052 credits billed');
  });
});

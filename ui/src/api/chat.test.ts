import { describe, expect, it, vi } from 'vitest';
import { SseParser, estimateCredits, streamChat } from './chat.ts';
import { ApiError } from './http.ts';

/** A fetch Response whose body arrives in the given text chunks, like a real SSE stream. */
function sseResponse(chunks: string[], headers: Record<string, string> = {}): Response {
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
      controller.close();
    },
  });
  return new Response(body, { status: 200, headers: { 'Content-Type': 'text/event-stream', ...headers } });
}

const chunk = (content: string) =>
  `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', choices: [{ index: 0, delta: { content } }] })}\n\n`;

describe('SseParser', () => {
  it('yields each event once its blank line arrives, across chunk borders', () => {
    const parser = new SseParser();
    expect(parser.push('data: {"a"')).toEqual([]);
    expect(parser.push(':1}\n')).toEqual([]);
    expect(parser.push('\ndata: second\n\n')).toEqual(['{"a":1}', 'second']);
  });

  it('handles CRLF and CR line ends, a CRLF split between chunks, comments and other fields', () => {
    const parser = new SseParser();
    expect(parser.push(': keep-alive\r\nevent: message\r\nid: 7\r\ndata: one\r')).toEqual([]);
    expect(parser.push('\n\r\ndata: two\r\rdata:three\n\n')).toEqual(['one', 'two', 'three']);
  });

  it('joins multi-line data with newlines and flushes an unterminated event at the end', () => {
    const parser = new SseParser();
    expect(parser.push('data: line 1\ndata: line 2\n\ndata: last')).toEqual(['line 1\nline 2']);
    expect(parser.end()).toEqual(['last']);
  });
});

describe('streamChat', () => {
  it('streams deltas as they arrive and returns text, usage and the request id', async () => {
    const usage = { prompt_tokens: 4, completion_tokens: 3, total_tokens: 7, cost: 0.000053 };
    const fetchMock = vi.fn(async (_url: string, _init?: RequestInit) =>
      sseResponse(
        [
          chunk('Hello'),
          chunk(', wor'),
          // a chunk split in the middle of a multi-byte character and a JSON string
          'data: {"choices":[{"index":0,"delta":{"content":"ld \u00e9',
          '\u00e9"},"finish_reason":"stop"}]}\n\n',
          `data: ${JSON.stringify({ choices: [], usage })}\n\n`,
          'data: [DONE]\n\n',
        ],
        { 'x-request-id': 'req-42', 'x-tollgate-max-tokens': '512' },
      ),
    );
    vi.stubGlobal('fetch', fetchMock);
    const deltas: string[] = [];

    const result = await streamChat('tg-key', { model: 'mock/gpt-4o', messages: [{ role: 'user', content: 'hi' }] }, (d) =>
      deltas.push(d),
    );

    expect(deltas).toEqual(['Hello', ', wor', 'ld éé']);
    expect(result).toEqual({
      content: 'Hello, world éé',
      usage,
      requestId: 'req-42',
      maxTokens: '512',
      finishReason: 'stop',
    });
    const [url, init] = fetchMock.mock.calls[0]!;
    expect(url).toBe('/v1/chat/completions');
    expect(new Headers(init?.headers).get('Authorization')).toBe('Bearer tg-key');
    expect(JSON.parse(String(init?.body))).toEqual({
      model: 'mock/gpt-4o',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
      stream_options: { include_usage: true },
    });
  });

  it('rejects with the gateway message when the request is refused before streaming', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(
        async () =>
          new Response(JSON.stringify({ error: { message: 'Insufficient credits.', type: 'insufficient_quota' } }), {
            status: 402,
          }),
      ),
    );
    const failure = streamChat('tg-key', { model: 'm', messages: [] }, () => {});
    await expect(failure).rejects.toBeInstanceOf(ApiError);
    await expect(failure).rejects.toMatchObject({ message: 'Insufficient credits.', status: 402 });
  });

  it('rejects on an error event in the middle of the stream, after the text before it', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => sseResponse([chunk('partial'), `data: ${JSON.stringify({ error: { message: 'upstream failed' } })}\n\n`])),
    );
    const deltas: string[] = [];
    await expect(streamChat('tg-key', { model: 'm', messages: [] }, (d) => deltas.push(d))).rejects.toThrow('upstream failed');
    expect(deltas).toEqual(['partial']);
  });

  it('ends at EOF without [DONE] and skips lines that are not JSON', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => sseResponse(['data: not json\n\n', chunk('ok')])));
    const result = await streamChat('tg-key', { model: 'm', messages: [] }, () => {});
    expect(result.content).toBe('ok');
    expect(result.usage).toBeNull();
  });
});

describe('estimateCredits', () => {
  it('prices tokens per million at the listed rates', () => {
    expect(estimateCredits({ prompt_tokens: 4, completion_tokens: 12 }, { input: '2.5', output: 10 })).toBe(0.00013);
  });

  it('is null without a price', () => {
    expect(estimateCredits({ prompt_tokens: 1, completion_tokens: 1 }, null)).toBeNull();
  });
});

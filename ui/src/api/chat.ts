import { apiFetch } from './client.ts';
import { ApiError, describeError, errorBodyMessage, httpStatusText, isAbort, isRecord, readJson } from './http.ts';

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  /** What the gateway charged for the call, in credits: the ledger's debit, sent with the closing usage. */
  cost?: number;
}

export interface ChatResult {
  content: string;
  usage: Usage | null;
  /** x-request-id: the id the call history and the ledger know this call by. */
  requestId: string | null;
  /** x-tollgate-max-tokens: the ceiling the gateway set (or kept) for this reply. */
  maxTokens: string | null;
  finishReason: string | null;
}

/**
 * Splits a Server-Sent Events text stream into events. Feed it chunks as they arrive; it returns the
 * `data` of every event completed so far (multi-line data joined with "\n") and keeps the rest.
 * Comments (":") and other fields are ignored; lines end in \n, \r\n or \r.
 */
export class SseParser {
  private buffer = '';
  private data: string[] = [];

  push(chunk: string): string[] {
    this.buffer += chunk;
    const events: string[] = [];
    // A trailing "\r" may be half of a "\r\n": keep it until the next chunk.
    let match: RegExpExecArray | null;
    const lineEnd = /\r\n|\n|\r(?!$)/g;
    let consumed = 0;
    while ((match = lineEnd.exec(this.buffer)) !== null) {
      const line = this.buffer.slice(consumed, match.index);
      consumed = match.index + match[0].length;
      this.line(line, events);
    }
    this.buffer = this.buffer.slice(consumed);
    return events;
  }

  /** The event left when the stream ends without a final blank line. */
  end(): string[] {
    const events: string[] = [];
    if (this.buffer !== '') this.line(this.buffer.replace(/\r$/, ''), events);
    this.buffer = '';
    this.line('', events);
    return events;
  }

  private line(line: string, events: string[]) {
    if (line === '') {
      if (this.data.length > 0) events.push(this.data.join('\n'));
      this.data = [];
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') this.data.push(value);
  }
}

/** Reads a byte stream of SSE and yields each event's data, decoding UTF-8 across chunk borders. */
export async function* sseEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const parser = new SseParser();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      yield* parser.push(decoder.decode(value, { stream: true }));
    }
    yield* parser.push(decoder.decode());
    yield* parser.end();
  } finally {
    reader.releaseLock();
  }
}

/**
 * POSTs a streaming request and resolves with the response once its event stream has begun. A gateway
 * that cannot be reached, or that refuses the request, rejects with its message.
 */
async function openEventStream(
  key: string,
  path: string,
  body: unknown,
  signal?: AbortSignal,
): Promise<Response & { body: ReadableStream<Uint8Array> }> {
  let response: Response;
  try {
    response = await fetch(path, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${key}`,
        'Content-Type': 'application/json',
        Accept: 'text/event-stream',
      },
      body: JSON.stringify(body),
      ...(signal ? { signal } : {}),
    });
  } catch (error) {
    if (isAbort(error)) throw error;
    throw new ApiError(`Could not reach the gateway: ${describeError(error)}`);
  }
  if (!response.ok || !response.body) {
    const answer = await readJson(response);
    throw new ApiError(errorBodyMessage(answer) ?? httpStatusText(response), response.status);
  }
  return response as Response & { body: ReadableStream<Uint8Array> };
}

/**
 * POST /v1/chat/completions with stream:true and include_usage, calling onDelta with each piece of
 * text as it arrives. Resolves when the stream ends ([DONE] or EOF) with the whole text and the usage.
 * An error before the stream starts rejects with the gateway's message; an error event mid-stream too.
 */
export async function streamChat(
  key: string,
  request: { model: string; messages: ChatMessage[]; max_tokens?: number; temperature?: number },
  onDelta: (text: string) => void,
  signal?: AbortSignal,
): Promise<ChatResult> {
  const response = await openEventStream(key, '/v1/chat/completions',
    { ...request, stream: true, stream_options: { include_usage: true } }, signal);
  const result: ChatResult = {
    content: '',
    usage: null,
    requestId: response.headers.get('x-request-id'),
    maxTokens: response.headers.get('x-tollgate-max-tokens'),
    finishReason: null,
  };
  for await (const data of sseEvents(response.body)) {
    if (data.trim() === '[DONE]') break;
    let chunk: unknown;
    try {
      chunk = JSON.parse(data);
    } catch {
      continue;
    }
    if (!isRecord(chunk)) continue;
    const message = errorBodyMessage(chunk);
    if (message !== undefined && isRecord(chunk.error)) throw new ApiError(message, response.status);
    if (isRecord(chunk.usage)) result.usage = chunk.usage as unknown as Usage;
    if (Array.isArray(chunk.choices)) {
      for (const choice of chunk.choices as unknown[]) {
        if (!isRecord(choice)) continue;
        const delta = isRecord(choice.delta) ? choice.delta : undefined;
        if (delta && typeof delta.content === 'string' && delta.content !== '') {
          result.content += delta.content;
          onDelta(delta.content);
        }
        if (typeof choice.finish_reason === 'string') result.finishReason = choice.finish_reason;
      }
    }
  }
  return result;
}

/** The Responses API's usage: its own field names, and the cost the gateway adds. */
export interface ResponsesUsage {
  input_tokens: number;
  output_tokens: number;
  total_tokens: number;
  /** What the gateway charged for the call, in credits: the ledger's debit. */
  cost?: number;
}

export interface ResponsesResult {
  /** The response's id (resp_…), to continue the conversation with previous_response_id. */
  id: string | null;
  content: string;
  usage: ResponsesUsage | null;
  requestId: string | null;
  status: string | null;
}

/**
 * POST /v1/responses with stream:true, calling onDelta with each response.output_text.delta. The response
 * is stored (store:true) so that the next turn sends only its own input with previous_response_id, as the
 * Responses API is meant to be used. Resolves at response.completed (or .incomplete) with the usage and cost;
 * a response.failed or error event rejects with its message.
 */
export async function streamResponse(
  key: string,
  request: { model: string; input: string; instructions?: string; previous_response_id?: string },
  onDelta: (text: string) => void,
  signal?: AbortSignal,
): Promise<ResponsesResult> {
  const response = await openEventStream(key, '/v1/responses', { ...request, stream: true, store: true }, signal);
  const result: ResponsesResult = { id: null, content: '', usage: null, requestId: response.headers.get('x-request-id'), status: null };
  for await (const data of sseEvents(response.body)) {
    let event: unknown;
    try {
      event = JSON.parse(data);
    } catch {
      continue;
    }
    if (!isRecord(event)) continue;
    const type = typeof event.type === 'string' ? event.type : '';
    const body = isRecord(event.response) ? event.response : undefined;
    if (body && typeof body.id === 'string') result.id = body.id;
    if (type === 'response.output_text.delta' && typeof event.delta === 'string') {
      result.content += event.delta;
      onDelta(event.delta);
    } else if (type === 'response.completed' || type === 'response.incomplete') {
      if (body && isRecord(body.usage)) result.usage = body.usage as unknown as ResponsesUsage;
      result.status = body && typeof body.status === 'string' ? body.status : null;
    } else if (type === 'response.failed' || type === 'error') {
      const error = body && isRecord(body.error) ? body.error : event;
      const message = isRecord(error) && typeof error.message === 'string' ? error.message : 'The response failed.';
      throw new ApiError(message, response.status);
    }
  }
  return result;
}

/** What a reply cost in credits at the listed prices (credits per million tokens). */
export function estimateCredits(
  usage: Pick<Usage, 'prompt_tokens' | 'completion_tokens'>,
  pricing: { input: number | string; output: number | string } | null | undefined,
): number | null {
  if (!pricing) return null;
  const credits = (usage.prompt_tokens * Number(pricing.input) + usage.completion_tokens * Number(pricing.output)) / 1e6;
  return Math.round(credits * 1e6) / 1e6;
}

export interface EmbeddingResult {
  dimensions: number;
  preview: number[];
  usage: { prompt_tokens: number; total_tokens: number } | null;
  requestId: string | null;
}

export async function createEmbedding(key: string, model: string, input: string): Promise<EmbeddingResult> {
  const result = await apiFetch<{ data?: { embedding?: number[] }[]; usage?: EmbeddingResult['usage'] }>(
    key,
    '/v1/embeddings',
    { method: 'POST', body: { model, input } },
  );
  const vector = result.data?.data?.[0]?.embedding ?? [];
  return {
    dimensions: vector.length,
    preview: vector.slice(0, 8),
    usage: result.data?.usage ?? null,
    requestId: result.headers.get('x-request-id'),
  };
}

export interface ImageResult {
  images: { url?: string; b64_json?: string; revised_prompt?: string }[];
  requestId: string | null;
}

export async function generateImage(key: string, model: string, prompt: string, size: string): Promise<ImageResult> {
  const result = await apiFetch<{ data?: ImageResult['images'] }>(key, '/v1/images/generations', {
    method: 'POST',
    body: { model, prompt, n: 1, size },
  });
  return { images: result.data?.data ?? [], requestId: result.headers.get('x-request-id') };
}

import { useEffect, useId, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import { createEmbedding, estimateCredits, generateImage, streamChat, streamResponse, type ChatMessage, type EmbeddingResult, type ImageResult, type ResponsesUsage, type Usage } from '../api/chat.ts';
import { groupByProvider, listPricedModels, type PricedModel } from '../api/client.ts';
import { formatCredits, formatInt } from '../api/format.ts';
import { useAsync } from '../api/useAsync.ts';
import { requestHistory } from '../api/views.ts';
import { Markdown } from '../components/Markdown.tsx';
import { ErrorNote, Loading, PageHeader, Section } from '../components/ui.tsx';
import { useSignedIn } from '../session.tsx';

type Tab = 'chat' | 'responses' | 'images' | 'embeddings';
const TABS: [Tab, string][] = [
  ['chat', 'Chat'],
  ['responses', 'Responses'],
  ['images', 'Images'],
  ['embeddings', 'Embeddings'],
];

export default function PlaygroundPage() {
  const { key } = useSignedIn();
  const models = useAsync((s) => listPricedModels(key, s), [key]);
  const [tab, setTab] = useState<Tab>('chat');
  const [model, setModel] = useState('');
  const tabRefs = useRef<Record<string, HTMLButtonElement | null>>({});
  const modelId = useId();

  useEffect(() => {
    if (!model && models.data && models.data.length > 0) setModel(models.data[0]!.id);
  }, [models.data, model]);

  function onTabKey(event: KeyboardEvent<HTMLDivElement>) {
    const index = TABS.findIndex(([t]) => t === tab);
    const step = event.key === 'ArrowRight' ? 1 : event.key === 'ArrowLeft' ? -1 : 0;
    if (step === 0) return;
    event.preventDefault();
    const next = TABS[(index + step + TABS.length) % TABS.length]![0];
    setTab(next);
    tabRefs.current[next]?.focus();
  }

  const pricing = models.data?.find((m) => m.id === model)?.pricing ?? null;
  return (
    <>
      <PageHeader title="Playground">
        <div className="inline-field">
          <label htmlFor={modelId}>Model</label>
          <select id={modelId} value={model} onChange={(e) => setModel(e.target.value)} disabled={!models.data}>
            {!models.data && <option>Loading…</option>}
            {groupByProvider(models.data ?? []).map(([provider, list]) => (
              <optgroup key={provider} label={provider}>
                {list.map((m: PricedModel) => (
                  <option key={m.id} value={m.id}>
                    {m.id}
                  </option>
                ))}
              </optgroup>
            ))}
          </select>
        </div>
      </PageHeader>
      <ErrorNote error={models.error} />
      {pricing && (
        <p className="muted small">
          {formatCredits(pricing.input)} credits per million input tokens, {formatCredits(pricing.output)} per million output tokens.
        </p>
      )}
      <div role="tablist" aria-label="Playground mode" className="tabs" onKeyDown={onTabKey}>
        {TABS.map(([t, label]) => (
          <button
            key={t}
            ref={(el) => {
              tabRefs.current[t] = el;
            }}
            type="button"
            role="tab"
            id={`tab-${t}`}
            aria-selected={tab === t}
            aria-controls={`panel-${t}`}
            tabIndex={tab === t ? 0 : -1}
            onClick={() => setTab(t)}
          >
            {label}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`panel-${tab}`} aria-labelledby={`tab-${tab}`}>
        {!model ? (
          <Loading what="Loading models" />
        ) : tab === 'chat' ? (
          <Chat model={model} pricing={pricing} />
        ) : tab === 'responses' ? (
          <Responses model={model} pricing={pricing} />
        ) : tab === 'images' ? (
          <Images model={model} />
        ) : (
          <Embeddings model={model} />
        )}
      </div>
    </>
  );
}

interface Turn {
  message: ChatMessage;
  model?: string;
  usage?: Usage | null;
  credits?: number | null;
  billed?: number | null;
  requestId?: string | null;
  streaming?: boolean;
  error?: string;
}

function Chat({ model, pricing }: { model: string; pricing: PricedModel['pricing'] }) {
  const { key, accountId } = useSignedIn();
  const { turns, setTurns, draft, setDraft, busy, update, stream, stop } = useStreamedTurns<Turn>();
  const [system, setSystem] = useState('');
  const ids = { prompt: useId(), system: useId() };

  async function send(event?: FormEvent) {
    event?.preventDefault();
    const text = draft.trim();
    if (text === '' || busy) return;
    const history = [...turns.filter((t) => !t.error).map((t) => t.message), { role: 'user' as const, content: text }];
    const messages: ChatMessage[] = system.trim() ? [{ role: 'system', content: system.trim() }, ...history] : history;
    await stream([{ message: { role: 'user', content: text } }, { message: { role: 'assistant', content: '' }, model, streaming: true }], async (index, signal) => {
      const result = await streamChat(
        key,
        { model, messages },
        (delta) => update(index, (t) => ({ ...t, message: { ...t.message, content: t.message.content + delta } })),
        signal,
      );
      const charged = typeof result.usage?.cost === 'number' ? result.usage.cost : undefined;
      update(index, (t) => ({
        ...t,
        streaming: false,
        usage: result.usage,
        requestId: result.requestId,
        credits: result.usage ? estimateCredits(result.usage, pricing) : null,
        billed: charged ?? null,
      }));
      // A gateway that did not say what the reply cost: the ledger's number, from the call history.
      if (charged === undefined && result.requestId && accountId) void findBilled(index, result.requestId, accountId);
    });
  }

  /** The ledger's own number for this reply, from the call history, once the views have it. */
  async function findBilled(index: number, requestId: string, accountId: string) {
    for (let attempt = 0; attempt < 15; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      try {
        const page = await requestHistory(key, accountId, { limit: 20 });
        const row = page.rows.find((r) => r.requestId === requestId);
        if (row && row.status !== 'accepted' && row.credits !== null) {
          update(index, (t) => ({ ...t, billed: Number(row.credits) }));
          return;
        }
      } catch {
        return;
      }
    }
  }

  return (
    <Section title="Chat" actions={turns.length > 0 ? <button type="button" className="secondary" onClick={() => setTurns([])} disabled={busy}>Clear</button> : undefined}>
      <details>
        <summary>System prompt</summary>
        <label htmlFor={ids.system} className="visually-hidden">
          System prompt
        </label>
        <textarea id={ids.system} rows={2} value={system} onChange={(e) => setSystem(e.target.value)} placeholder="You are a helpful assistant." />
      </details>
      <ol className="transcript" aria-live="polite" aria-busy={busy} data-testid="transcript">
        {turns.map((turn, i) => (
          <li key={i} className={`turn turn-${turn.message.role}`} data-streaming={turn.streaming ? 'true' : undefined}>
            <span className="turn-role">{turn.message.role === 'user' ? 'You' : (turn.model ?? 'Assistant')}</span>
            {turn.message.role === 'assistant' ? <Markdown text={turn.message.content || (turn.streaming ? '…' : '')} /> : <p className="pre">{turn.message.content}</p>}
            {turn.error && (
              <p className="error" role="alert">
                {turn.error}
              </p>
            )}
            {turn.message.role === 'assistant' && !turn.streaming && turn.usage && (
              <p className="turn-meta small" data-testid="reply-meta">
                {formatInt(turn.usage.prompt_tokens)} in · {formatInt(turn.usage.completion_tokens)} out tokens ·{' '}
                {turn.billed !== undefined && turn.billed !== null
                  ? `${formatCredits(turn.billed)} credits billed`
                  : `≈ ${formatCredits(turn.credits)} credits`}
                {turn.requestId ? <span className="muted"> · {turn.requestId}</span> : null}
              </p>
            )}
          </li>
        ))}
      </ol>
      <Composer
        id={ids.prompt}
        label="Message"
        placeholder="Ask something… (Enter sends, Shift+Enter for a new line)"
        draft={draft}
        onDraft={setDraft}
        busy={busy}
        onSend={send}
        onStop={stop}
      />
    </Section>
  );
}

interface ResponseTurn {
  role: 'user' | 'assistant';
  text: string;
  model?: string;
  /** The stored response's id: the next turn continues from it. */
  responseId?: string | null;
  usage?: ResponsesUsage | null;
  requestId?: string | null;
  streaming?: boolean;
  error?: string;
}

/**
 * OpenAI's Responses API: each turn sends only its own input and continues the stored conversation with
 * previous_response_id; every reply shows what it was billed, from its usage.cost.
 */
function Responses({ model, pricing }: { model: string; pricing: PricedModel['pricing'] }) {
  const { key } = useSignedIn();
  const { turns, setTurns, draft, setDraft, busy, update, stream, stop } = useStreamedTurns<ResponseTurn>();
  const [instructions, setInstructions] = useState('');
  const ids = { prompt: useId(), instructions: useId() };

  async function send(event?: FormEvent) {
    event?.preventDefault();
    const text = draft.trim();
    if (text === '' || busy) return;
    const previous = [...turns].reverse().find((t) => t.role === 'assistant' && !t.error && t.responseId)?.responseId;
    await stream([{ role: 'user', text }, { role: 'assistant', text: '', model, streaming: true }], async (index, signal) => {
      const result = await streamResponse(
        key,
        {
          model,
          input: text,
          ...(instructions.trim() ? { instructions: instructions.trim() } : {}),
          ...(previous ? { previous_response_id: previous } : {}),
        },
        (delta) => update(index, (t) => ({ ...t, text: t.text + delta })),
        signal,
      );
      update(index, (t) => ({ ...t, streaming: false, responseId: result.id, usage: result.usage, requestId: result.requestId }));
    });
  }

  return (
    <Section title="Responses" actions={turns.length > 0 ? <button type="button" className="secondary" onClick={() => setTurns([])} disabled={busy}>New conversation</button> : undefined}>
      <details>
        <summary>Instructions</summary>
        <label htmlFor={ids.instructions} className="visually-hidden">
          Instructions
        </label>
        <textarea id={ids.instructions} rows={2} value={instructions} onChange={(e) => setInstructions(e.target.value)} placeholder="You are a helpful assistant." />
      </details>
      <ol className="transcript" aria-live="polite" aria-busy={busy} data-testid="responses-transcript">
        {turns.map((turn, i) => (
          <li key={i} className={`turn turn-${turn.role}`} data-streaming={turn.streaming ? 'true' : undefined}>
            <span className="turn-role">{turn.role === 'user' ? 'You' : (turn.model ?? 'Assistant')}</span>
            {turn.role === 'assistant' ? <Markdown text={turn.text || (turn.streaming ? '…' : '')} /> : <p className="pre">{turn.text}</p>}
            {turn.error && (
              <p className="error" role="alert">
                {turn.error}
              </p>
            )}
            {turn.role === 'assistant' && !turn.streaming && turn.usage && (
              <p className="turn-meta small" data-testid="response-meta">
                {formatInt(turn.usage.input_tokens)} in · {formatInt(turn.usage.output_tokens)} out tokens ·{' '}
                {typeof turn.usage.cost === 'number'
                  ? `${formatCredits(turn.usage.cost)} credits billed`
                  : `≈ ${formatCredits(estimateCredits({ prompt_tokens: turn.usage.input_tokens, completion_tokens: turn.usage.output_tokens }, pricing))} credits`}
                {turn.responseId ? <span className="muted"> · {turn.responseId}</span> : null}
              </p>
            )}
          </li>
        ))}
      </ol>
      <Composer
        id={ids.prompt}
        label="Input"
        placeholder="Ask something… (Enter sends; the conversation continues from the last response)"
        draft={draft}
        onDraft={setDraft}
        busy={busy}
        onSend={send}
        onStop={stop}
      />
    </Section>
  );
}

/**
 * A streaming tab's transcript: its turns, the draft, and one stream at a time. `stream` adds the user's turn
 * and the reply's, runs the work with the reply's index and a signal Stop aborts, and marks the reply failed or
 * stopped when the work throws.
 */
function useStreamedTurns<T extends { streaming?: boolean; error?: string }>() {
  const [turns, setTurns] = useState<T[]>([]);
  const [draft, setDraft] = useState('');
  const [busy, setBusy] = useState(false);
  const abort = useRef<AbortController | null>(null);

  useEffect(() => () => abort.current?.abort(), []);

  function update(index: number, change: (turn: T) => T) {
    setTurns((list) => list.map((t, i) => (i === index ? change(t) : t)));
  }

  async function stream(added: [T, T], work: (index: number, signal: AbortSignal) => Promise<void>) {
    const index = turns.length + 1;
    setTurns([...turns, ...added]);
    setDraft('');
    setBusy(true);
    const controller = new AbortController();
    abort.current = controller;
    try {
      await work(index, controller.signal);
    } catch (failure) {
      const aborted = failure instanceof Error && failure.name === 'AbortError';
      update(index, (t) => ({ ...t, streaming: false, error: aborted ? 'Stopped.' : failure instanceof Error ? failure.message : String(failure) }));
    } finally {
      setBusy(false);
      abort.current = null;
    }
  }

  return { turns, setTurns, draft, setDraft, busy, update, stream, stop: () => abort.current?.abort() };
}

/** The message box of a streaming tab: Enter sends, Shift+Enter starts a new line, Stop aborts the stream. */
function Composer(props: {
  id: string;
  label: string;
  placeholder: string;
  draft: string;
  onDraft: (draft: string) => void;
  busy: boolean;
  onSend: (event?: FormEvent) => Promise<void>;
  onStop: () => void;
}) {
  const { id, label, placeholder, draft, onDraft, busy, onSend, onStop } = props;
  return (
    <form onSubmit={onSend} className="composer">
      <label htmlFor={id}>{label}</label>
      <textarea
        id={id}
        rows={3}
        value={draft}
        onChange={(e) => onDraft(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && !e.shiftKey) {
            e.preventDefault();
            void onSend();
          }
        }}
        placeholder={placeholder}
      />
      <div className="actions">
        <button type="submit" disabled={busy || draft.trim() === ''}>
          {busy ? 'Streaming…' : 'Send'}
        </button>
        {busy && (
          <button type="button" className="secondary" onClick={onStop}>
            Stop
          </button>
        )}
      </div>
    </form>
  );
}

function Images({ model }: { model: string }) {
  const { key } = useSignedIn();
  const [prompt, setPrompt] = useState('');
  const [size, setSize] = useState('1024x1024');
  const [result, setResult] = useState<ImageResult>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const ids = { prompt: useId(), size: useId() };
  async function onSubmit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      setResult(await generateImage(key, model, prompt, size));
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : String(failure));
    } finally {
      setBusy(false);
    }
  }
  return (
    <Section title="Image generation">
      <form onSubmit={onSubmit} className="stack">
        <label htmlFor={ids.prompt}>Prompt</label>
        <textarea id={ids.prompt} rows={2} required value={prompt} onChange={(e) => setPrompt(e.target.value)} />
        <div className="inline-field">
          <label htmlFor={ids.size}>Size</label>
          <select id={ids.size} value={size} onChange={(e) => setSize(e.target.value)}>
            <option>256x256</option>
            <option>512x512</option>
            <option>1024x1024</option>
          </select>
        </div>
        <div>
          <button type="submit" disabled={busy}>
            {busy ? 'Generating…' : 'Generate'}
          </button>
        </div>
      </form>
      <ErrorNote error={error} />
      {result && (
        <div className="images">
          {result.images.map((img, i) => {
            const src = img.url ?? (img.b64_json ? `data:image/png;base64,${img.b64_json}` : undefined);
            return src ? <img key={i} src={src} alt={img.revised_prompt ?? prompt} /> : null;
          })}
          {result.requestId && <p className="muted small">Request {result.requestId}</p>}
        </div>
      )}
    </Section>
  );
}

function Embeddings({ model }: { model: string }) {
  const { key } = useSignedIn();
  const [input, setInput] = useState('');
  const [result, setResult] = useState<EmbeddingResult>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const inputId = useId();
  async function onSubmit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      setResult(await createEmbedding(key, model, input));
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : String(failure));
    } finally {
      setBusy(false);
    }
  }
  return (
    <Section title="Embeddings">
      <form onSubmit={onSubmit} className="stack">
        <label htmlFor={inputId}>Text to embed</label>
        <textarea id={inputId} rows={3} required value={input} onChange={(e) => setInput(e.target.value)} />
        <div>
          <button type="submit" disabled={busy}>
            {busy ? 'Embedding…' : 'Embed'}
          </button>
        </div>
      </form>
      <ErrorNote error={error} />
      {result && (
        <dl className="kv">
          <dt>Dimensions</dt>
          <dd>{formatInt(result.dimensions)}</dd>
          <dt>First values</dt>
          <dd>
            <code>[{result.preview.map((v) => v.toFixed(4)).join(', ')}{result.dimensions > result.preview.length ? ', …' : ''}]</code>
          </dd>
          <dt>Tokens</dt>
          <dd>{formatInt(result.usage?.prompt_tokens)}</dd>
          {result.requestId && (
            <>
              <dt>Request</dt>
              <dd>
                <code>{result.requestId}</code>
              </dd>
            </>
          )}
        </dl>
      )}
    </Section>
  );
}

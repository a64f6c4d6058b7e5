import { useEffect, useId, useState, type FormEvent } from 'react';
import { clearApiKey, loadApiKey, saveApiKey } from './api/apiKeyStore.ts';
import type { HealthState } from './api/health.ts';
import { useHealth, useModels } from './api/hooks.ts';

export function App() {
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="site-header">
        <div className="container">
          <p className="brand" aria-hidden="true">
            <span className="brand-mark">T</span>
          </p>
          <h1>Tollgate</h1>
          <p className="tagline">AI gateway</p>
        </div>
      </header>
      <main id="main" className="container">
        <section className="intro" aria-labelledby="about-heading">
          <h2 id="about-heading">What Tollgate is</h2>
          <p>
            Tollgate is an AI gateway: a single <strong>OpenAI-compatible API</strong> in front of
            many LLM providers. Point any OpenAI client at it with a Tollgate API key, pick a model,
            and every request is metered and <strong>billed in credits</strong>.
          </p>
        </section>
        <div className="cards">
          <StatusCard />
          <ModelsCard />
        </div>
      </main>
      <footer className="site-footer">
        <div className="container">
          <p>
            Endpoints: <code>/v1/chat/completions</code>, <code>/v1/models</code>,{' '}
            <code>/actuator/health</code>
          </p>
        </div>
      </footer>
    </>
  );
}

const STATE_LABEL: Record<HealthState, string> = {
  UP: 'UP',
  DOWN: 'DOWN',
  UNREACHABLE: 'Unreachable',
};

function StatusCard() {
  const { health, checking, checkedAt, refresh } = useHealth();
  const state = health?.state;

  return (
    <section className="card" aria-labelledby="status-heading" aria-busy={checking}>
      <h2 id="status-heading">Gateway status</h2>
      <p className="status-line" role="status">
        <span className={`badge badge-${state?.toLowerCase() ?? 'pending'}`}>
          <span className="dot" aria-hidden="true" />
          {state ? STATE_LABEL[state] : 'Checking…'}
        </span>
        {health && health.detail !== health.state && (
          <span className="muted"> ({health.detail})</span>
        )}
      </p>
      <p className="muted small">
        {checkedAt ? (
          <>
            Last checked <time dateTime={checkedAt.toISOString()}>{checkedAt.toLocaleTimeString()}</time>{' '}
            from <code>/actuator/health</code>
          </>
        ) : (
          <>
            Asking <code>/actuator/health</code>…
          </>
        )}
      </p>
      <button type="button" onClick={refresh} disabled={checking}>
        {checking ? 'Checking…' : 'Check again'}
      </button>
    </section>
  );
}

function ModelsCard() {
  const [apiKey, setApiKey] = useState(() => loadApiKey());
  const { state, load, reset } = useModels();
  const inputId = useId();
  const hintId = useId();

  // A key kept from earlier in this tab: list its models right away.
  useEffect(() => {
    const stored = loadApiKey();
    if (stored) load(stored);
  }, [load]);

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    saveApiKey(apiKey);
    load(apiKey);
  }

  function onForget() {
    clearApiKey();
    setApiKey('');
    reset();
  }

  return (
    <section className="card" aria-labelledby="models-heading">
      <h2 id="models-heading">Models</h2>
      <form onSubmit={onSubmit} className="key-form">
        <label htmlFor={inputId}>Tollgate API key</label>
        <input
          id={inputId}
          type="password"
          value={apiKey}
          onChange={(event) => setApiKey(event.target.value)}
          placeholder="Paste your API key"
          autoComplete="off"
          spellCheck={false}
          required
          aria-describedby={hintId}
        />
        <p id={hintId} className="muted small">
          Kept only in this tab&apos;s session storage and sent only to this gateway.
        </p>
        <div className="actions">
          <button type="submit" disabled={state.status === 'loading'}>
            {state.status === 'loading' ? 'Loading…' : 'List models'}
          </button>
          <button type="button" className="secondary" onClick={onForget} disabled={apiKey === ''}>
            Forget key
          </button>
        </div>
      </form>
      <div aria-live="polite">
        {state.status === 'error' && (
          <p className="error" role="alert">
            {state.message}
          </p>
        )}
        {state.status === 'loaded' &&
          (state.ids.length === 0 ? (
            <p className="muted">This key can use no models yet.</p>
          ) : (
            <>
              <p className="muted small">
                {state.ids.length} model{state.ids.length === 1 ? '' : 's'} available:
              </p>
              <ul className="model-list">
                {state.ids.map((id) => (
                  <li key={id}>
                    <code>{id}</code>
                  </li>
                ))}
              </ul>
            </>
          ))}
      </div>
    </section>
  );
}

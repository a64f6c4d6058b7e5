import { useId, useState, type FormEvent } from 'react';
import { createKey, listKeys, revokeKey, rotateKey, type IssuedKey } from '../api/client.ts';
import { formatDateTime } from '../api/format.ts';
import { useAsync } from '../api/useAsync.ts';
import { Empty, ErrorNote, Loading, PageHeader, Section, Table } from '../components/ui.tsx';
import { useSignedIn } from '../session.tsx';

const SCOPES = ['chat', 'embeddings', 'images'];

export default function KeysPage() {
  const { key, me } = useSignedIn();
  const keys = useAsync((s) => listKeys(key, me, s).then((r) => r.data), [key, me]);
  const [issued, setIssued] = useState<IssuedKey>();
  const [error, setError] = useState<string>();
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<string[]>(SCOPES.filter((s) => me.scopes.includes(s)));
  const [expires, setExpires] = useState('');
  const [accountFor, setAccountFor] = useState('');
  const ids = { name: useId(), expires: useId(), account: useId() };
  const adminWithoutAccount = me.role === 'admin' && !me.accountId;

  async function act(action: () => Promise<unknown>) {
    setError(undefined);
    try {
      await action();
      keys.reload();
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : String(failure));
    }
  }

  function onCreate(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    void act(async () => {
      // An admin key without an account id issues another admin key (with the admin role's scopes).
      const adminKey = adminWithoutAccount && accountFor.trim() === '';
      const { data } = await createKey(key, me, {
        name: name.trim(),
        ...(adminKey ? { role: 'admin' as const } : { scopes }),
        ...(expires ? { expiresAt: new Date(expires).toISOString() } : {}),
        ...(adminWithoutAccount && !adminKey ? { accountId: accountFor.trim() } : {}),
      });
      setIssued(data);
      setName('');
    });
  }

  return (
    <>
      <PageHeader title="API keys" />
      <ErrorNote error={error} />
      {issued && <SecretOnce issued={issued} onDone={() => setIssued(undefined)} />}
      <Section title="Create a key">
        <form className="filters" onSubmit={onCreate} aria-label="Create a key">
          <div className="field">
            <label htmlFor={ids.name}>Name</label>
            <input id={ids.name} required maxLength={200} value={name} onChange={(e) => setName(e.target.value)} placeholder="my-app" />
          </div>
          {adminWithoutAccount && (
            <div className="field">
              <label htmlFor={ids.account}>Account id</label>
              <input id={ids.account} value={accountFor} onChange={(e) => setAccountFor(e.target.value)} placeholder="empty: a new admin key" />
            </div>
          )}
          <fieldset className="field">
            <legend>Scopes</legend>
            {SCOPES.map((scope) => (
              <label key={scope} className="check-label">
                <input
                  type="checkbox"
                  checked={scopes.includes(scope)}
                  disabled={!me.scopes.includes(scope)}
                  onChange={(e) => setScopes(e.target.checked ? [...scopes, scope] : scopes.filter((s) => s !== scope))}
                />{' '}
                {scope}
              </label>
            ))}
          </fieldset>
          <div className="field">
            <label htmlFor={ids.expires}>Expires (optional)</label>
            <input id={ids.expires} type="datetime-local" value={expires} onChange={(e) => setExpires(e.target.value)} />
          </div>
          <div className="field field-button">
            <button type="submit">Create key</button>
          </div>
        </form>
      </Section>
      <Section title="Keys">
        <ErrorNote error={keys.error} />
        {!keys.data ? (
          <Loading />
        ) : keys.data.length === 0 ? (
          <Empty>No keys yet.</Empty>
        ) : (
          <Table caption="API keys">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Key</th>
                <th scope="col">State</th>
                <th scope="col">Scopes</th>
                <th scope="col">Created</th>
                <th scope="col">Last used</th>
                <th scope="col">Expires</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody data-testid="key-rows">
              {keys.data.map((k) => {
                const live = !k.revokedAt || new Date(k.revokedAt) > new Date();
                const self = k.id === me.keyId;
                return (
                  <tr key={k.id} data-key-name={k.name}>
                    <th scope="row">
                      {k.name}
                      {self ? <span className="tag">this session</span> : null}
                    </th>
                    <td>
                      <code>{k.prefix}…</code>
                    </td>
                    <td>
                      <span className={`status status-${k.state}`}>{k.state}</span>
                    </td>
                    <td className="small">{k.scopes.join(', ')}</td>
                    <td className="small">{formatDateTime(k.createdAt)}</td>
                    <td className="small">{formatDateTime(k.lastUsedAt)}</td>
                    <td className="small">{k.revokedAt ? `revoked ${formatDateTime(k.revokedAt)}` : formatDateTime(k.expiresAt)}</td>
                    <td className="actions-cell">
                      {live && k.state !== 'revoked' && (
                        <>
                          {k.state === 'active' && (
                          <button
                            type="button"
                            className="secondary"
                            aria-label={`Rotate key ${k.name}`}
                            onClick={() =>
                              void act(async () => {
                                setIssued((await rotateKey(key, me, k.id)).data);
                              })
                            }
                          >
                            Rotate
                          </button>
                          )}
                          <button
                            type="button"
                            className="danger"
                            aria-label={`Revoke key ${k.name}`}
                            disabled={self}
                            title={self ? 'This is the key you signed in with' : undefined}
                            onClick={() => {
                              if (window.confirm(`Revoke the key "${k.name}"? Calls with it stop working at once.`)) {
                                void act(() => revokeKey(key, me, k.id));
                              }
                            }}
                          >
                            Revoke
                          </button>
                        </>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </Table>
        )}
      </Section>
    </>
  );
}

function SecretOnce({ issued, onDone }: { issued: IssuedKey; onDone: () => void }) {
  const [copied, setCopied] = useState(false);
  return (
    <section className="card secret" role="alert" aria-labelledby="secret-heading">
      <h2 id="secret-heading">{issued.replaces ? 'Key rotated: copy the new secret now' : 'Key created: copy the secret now'}</h2>
      <p>This is the only time the secret is shown. Store it somewhere safe.</p>
      <p>
        <code className="secret-value" data-testid="new-key-secret">
          {issued.key}
        </code>
      </p>
      {issued.previousKeyEndsAt && (
        <p className="muted small">The old key keeps working until {formatDateTime(issued.previousKeyEndsAt)}.</p>
      )}
      <div className="actions">
        <button
          type="button"
          onClick={() => {
            void navigator.clipboard?.writeText(issued.key).then(() => setCopied(true));
          }}
        >
          {copied ? 'Copied' : 'Copy'}
        </button>
        <button type="button" className="secondary" onClick={onDone}>
          I have stored it
        </button>
      </div>
    </section>
  );
}

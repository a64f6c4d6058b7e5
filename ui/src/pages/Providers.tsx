import { useId, useState, type FormEvent } from 'react';
import {
  addCredential,
  listProviders,
  registerProvider,
  testCredential,
  updateCredential,
  type CredentialView,
  type ProviderView,
} from '../api/client.ts';
import { formatDateTime } from '../api/format.ts';
import { useAsync } from '../api/useAsync.ts';
import { Empty, ErrorNote, Loading, PageHeader, Section, Table } from '../components/ui.tsx';
import { useSignedIn } from '../session.tsx';

export default function ProvidersPage() {
  const { key } = useSignedIn();
  const providers = useAsync((s) => listProviders(key, s).then((r) => r.data), [key]);
  const [error, setError] = useState<string>();
  const [notice, setNotice] = useState<string>();
  const [filter, setFilter] = useState('');
  const filterId = useId();
  const shown = (providers.data ?? []).filter((p) => p.name.toLowerCase().includes(filter.trim().toLowerCase()));

  async function act(action: () => Promise<string | void>) {
    setError(undefined);
    setNotice(undefined);
    try {
      const message = await action();
      if (message) setNotice(message);
      providers.reload();
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : String(failure));
    }
  }

  return (
    <>
      <PageHeader title="Providers and credentials">
        <div className="inline-field">
          <label htmlFor={filterId}>Find a provider</label>
          <input id={filterId} type="search" value={filter} onChange={(e) => setFilter(e.target.value)} placeholder="name" />
        </div>
      </PageHeader>
      <ErrorNote error={error ?? providers.error} />
      {notice && (
        <p className="notice" role="status">
          {notice}
        </p>
      )}
      <AddProvider act={act} />
      {!providers.data ? (
        <Loading />
      ) : shown.length === 0 ? (
        <Empty>{providers.data.length === 0 ? 'No provider registered yet.' : 'No provider matches.'}</Empty>
      ) : (
        <>
          <p className="muted small" aria-live="polite">
            {shown.length} of {providers.data.length} providers
          </p>
          {shown.map((p) => (
            <ProviderCard key={p.name} provider={p} act={act} />
          ))}
        </>
      )}
    </>
  );
}

type Act = (action: () => Promise<string | void>) => Promise<void>;

/** An AWS credential as the form holds it; the gateway stores it as one string. */
export type AwsCredential = { region: string; accessKeyId: string; secretAccessKey: string; sessionToken: string };
const NO_AWS_CREDENTIAL: AwsCredential = { region: '', accessKeyId: '', secretAccessKey: '', sessionToken: '' };

/** Bedrock's credential string, REGION:ACCESS_KEY_ID:SECRET_ACCESS_KEY[:SESSION_TOKEN]; empty when no key id is given. */
export function bedrockApiKey(aws: AwsCredential): string {
  const parts = [aws.region, aws.accessKeyId, aws.secretAccessKey].map((p) => p.trim());
  if (!parts[1]) return '';
  const token = aws.sessionToken.trim();
  return (token ? [...parts, token] : parts).join(':');
}

/** Region, access key id, secret and optional session token in place of an API key, for Bedrock providers. */
function AwsCredentialFields({ value, onChange, required }: { value: AwsCredential; onChange: (aws: AwsCredential) => void; required: boolean }) {
  const ids = { region: useId(), keyId: useId(), secret: useId(), token: useId() };
  const field = (name: keyof AwsCredential) => (e: { target: { value: string } }) => onChange({ ...value, [name]: e.target.value });
  return (
    <>
      <div className="field">
        <label htmlFor={ids.region}>AWS region</label>
        <input id={ids.region} required={required} pattern="[a-z]{2}(-[a-z]+)+-[0-9]" placeholder="us-east-1" value={value.region} onChange={field('region')} />
      </div>
      <div className="field">
        <label htmlFor={ids.keyId}>Access key id</label>
        <input id={ids.keyId} required={required} autoComplete="off" value={value.accessKeyId} onChange={field('accessKeyId')} />
      </div>
      <div className="field">
        <label htmlFor={ids.secret}>Secret access key</label>
        <input id={ids.secret} type="password" required={required} autoComplete="off" value={value.secretAccessKey} onChange={field('secretAccessKey')} />
      </div>
      <div className="field">
        <label htmlFor={ids.token}>Session token (optional)</label>
        <input id={ids.token} type="password" autoComplete="off" value={value.sessionToken} onChange={field('sessionToken')} />
      </div>
    </>
  );
}

function AddProvider({ act }: { act: Act }) {
  const { key } = useSignedIn();
  const [form, setForm] = useState({ name: '', kind: '', wireFormat: 'openai', baseUrl: '', apiKey: '' });
  const [aws, setAws] = useState(NO_AWS_CREDENTIAL);
  const ids = { name: useId(), kind: useId(), wire: useId(), url: useId(), key: useId() };
  const bedrock = form.kind.trim() === 'bedrock' || (form.kind.trim() === '' && form.wireFormat === 'bedrock');
  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const apiKey = bedrock ? bedrockApiKey(aws) : form.apiKey;
    void act(async () => {
      await registerProvider(key, form.name.trim(), {
        ...(form.kind ? { kind: form.kind } : { wireFormat: form.wireFormat }),
        ...(form.baseUrl ? { baseUrl: form.baseUrl } : {}),
        ...(apiKey ? { apiKey } : {}),
      });
      setForm({ ...form, name: '', apiKey: '' });
      setAws(NO_AWS_CREDENTIAL);
      return `Provider ${form.name} saved.`;
    });
  }
  return (
    <Section title="Add or update a provider">
      <form className="filters" onSubmit={onSubmit}>
        <div className="field">
          <label htmlFor={ids.name}>Name</label>
          <input id={ids.name} required pattern="[A-Za-z0-9][A-Za-z0-9_.-]*" value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} />
        </div>
        <div className="field">
          <label htmlFor={ids.kind}>Kind (catalogue)</label>
          <input id={ids.kind} placeholder="openai, anthropic, … or empty" value={form.kind} onChange={(e) => setForm({ ...form, kind: e.target.value })} />
        </div>
        <div className="field">
          <label htmlFor={ids.wire}>Wire format</label>
          <select id={ids.wire} value={form.wireFormat} disabled={form.kind !== ''} onChange={(e) => setForm({ ...form, wireFormat: e.target.value })}>
            <option value="openai">OpenAI</option>
            <option value="anthropic">Anthropic</option>
            <option value="gemini">Gemini</option>
            <option value="bedrock">Amazon Bedrock</option>
            <option value="ideogram">Ideogram</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor={ids.url}>Base URL</label>
          <input id={ids.url} type="url" placeholder="https://api.example.com/v1" value={form.baseUrl} onChange={(e) => setForm({ ...form, baseUrl: e.target.value })} />
        </div>
        {bedrock ? (
          <AwsCredentialFields value={aws} onChange={setAws} required={aws.accessKeyId.trim() !== ''} />
        ) : (
          <div className="field">
            <label htmlFor={ids.key}>API key (replaces its credentials)</label>
            <input id={ids.key} type="password" autoComplete="off" value={form.apiKey} onChange={(e) => setForm({ ...form, apiKey: e.target.value })} />
          </div>
        )}
        <div className="field field-button">
          <button type="submit">Save provider</button>
        </div>
      </form>
    </Section>
  );
}

function ProviderCard({ provider, act }: { provider: ProviderView; act: Act }) {
  const { key } = useSignedIn();
  const [secret, setSecret] = useState('');
  const [aws, setAws] = useState(NO_AWS_CREDENTIAL);
  const bedrock = provider.wireFormat === 'bedrock';
  const [weight, setWeight] = useState(1);
  const [test, setTest] = useState(true);
  const ids = { secret: useId(), weight: useId(), test: useId() };
  return (
    <div data-provider={provider.name}>
    <Section title={`${provider.name}`} actions={<span className={`status status-${provider.enabled ? 'active' : 'disabled'}`}>{provider.enabled ? 'enabled' : 'disabled'}</span>}>
      <p className="muted small">
        {provider.wireFormat} · <code>{provider.baseUrl}</code>
      </p>
      {provider.credentials.length === 0 ? (
        <Empty>No credentials.</Empty>
      ) : (
        <Table caption={`Credentials of ${provider.name}`}>
          <thead>
            <tr>
              <th scope="col">Credential</th>
              <th scope="col">Status</th>
              <th scope="col">Weight</th>
              <th scope="col">Last used</th>
              <th scope="col">Last check</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {provider.credentials.map((c) => (
              <CredentialRow key={c.id} provider={provider.name} credential={c} act={act} />
            ))}
          </tbody>
        </Table>
      )}
      <form
        className="filters"
        aria-label={`Add a credential to ${provider.name}`}
        onSubmit={(e) => {
          e.preventDefault();
          void act(async () => {
            await addCredential(key, provider.name, { apiKey: bedrock ? bedrockApiKey(aws) : secret, weight, test });
            setSecret('');
            setAws(NO_AWS_CREDENTIAL);
            return test ? 'Credential tested and added.' : 'Credential added (untested).';
          });
        }}
      >
        {bedrock ? (
          <AwsCredentialFields value={aws} onChange={setAws} required />
        ) : (
          <div className="field">
            <label htmlFor={ids.secret}>New credential (provider API key)</label>
            <input id={ids.secret} type="password" autoComplete="off" required value={secret} onChange={(e) => setSecret(e.target.value)} />
          </div>
        )}
        <div className="field">
          <label htmlFor={ids.weight}>Weight</label>
          <input id={ids.weight} type="number" min={1} max={1000} value={weight} onChange={(e) => setWeight(Number(e.target.value))} />
        </div>
        <div className="field">
          <label className="check-label" htmlFor={ids.test}>
            <input id={ids.test} type="checkbox" checked={test} onChange={(e) => setTest(e.target.checked)} /> Test the connection first
          </label>
        </div>
        <div className="field field-button">
          <button type="submit">Add credential</button>
        </div>
      </form>
    </Section>
    </div>
  );
}

function CredentialRow({ provider, credential: c, act }: { provider: string; credential: CredentialView; act: Act }) {
  const { key } = useSignedIn();
  const [weight, setWeight] = useState(c.weight);
  const weightId = useId();
  const label = c.name ?? c.masked;
  return (
    <tr>
      <th scope="row">
        {c.name ? `${c.name} ` : ''}
        <code>{c.masked}</code>
      </th>
      <td>
        <span className={`status status-${c.status}`}>{c.status}</span>
        {c.coolingUntil && new Date(c.coolingUntil) > new Date() ? <span className="tag">cooling down</span> : null}
        {c.disabledReason ? <span className="muted small"> {c.disabledReason}</span> : null}
        {c.lastError ? <span className="muted small"> last error: {c.lastError}</span> : null}
      </td>
      <td>
        <label htmlFor={weightId} className="visually-hidden">
          Weight of {label}
        </label>
        <input
          id={weightId}
          className="narrow"
          type="number"
          min={1}
          max={1000}
          value={weight}
          onChange={(e) => setWeight(Number(e.target.value))}
          onBlur={() => {
            if (weight !== c.weight) void act(async () => void (await updateCredential(key, provider, c.id, { weight })));
          }}
        />
      </td>
      <td className="small">{formatDateTime(c.lastUsedAt)}</td>
      <td className="small">{formatDateTime(c.checkedAt)}</td>
      <td className="actions-cell">
        <button
          type="button"
          className="secondary"
          aria-label={`Test ${label}`}
          onClick={() =>
            void act(async () => {
              const { data } = await testCredential(key, provider, c.id);
              return `Test of ${label}: ${data.test.verdict} (HTTP ${data.test.httpStatus}) ${data.test.message ?? ''}`;
            })
          }
        >
          Test
        </button>
        <button
          type="button"
          className="secondary"
          aria-label={`${c.status === 'active' ? 'Disable' : 'Enable'} ${label}`}
          onClick={() => void act(async () => void (await updateCredential(key, provider, c.id, { enabled: c.status !== 'active' })))}
        >
          {c.status === 'active' ? 'Disable' : 'Enable'}
        </button>
      </td>
    </tr>
  );
}

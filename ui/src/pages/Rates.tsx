import { useId, useMemo, useState, type FormEvent } from 'react';
import {
  importPriceList,
  listProviders,
  listRates,
  scaleRate,
  setRate,
  type ImportedPrices,
  type RateChange,
  type RateImportReport,
  type RateImportRequest,
  type RateView,
} from '../api/client.ts';
import { formatCredits, formatDateTime } from '../api/format.ts';
import { useAsync } from '../api/useAsync.ts';
import { Empty, ErrorNote, Loading, PageHeader, Section, Table } from '../components/ui.tsx';
import { useSignedIn } from '../session.tsx';

const id = (r: RateView) => `${r.provider}/${r.model}`;

export default function RatesPage() {
  const { key } = useSignedIn();
  const rates = useAsync((s) => listRates(key, s).then((r) => r.data), [key]);
  const [editing, setEditing] = useState<string>();
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [filter, setFilter] = useState('');
  const [percent, setPercent] = useState(10);
  const [error, setError] = useState<string>();
  const [notice, setNotice] = useState<string>();
  const ids = { filter: useId(), percent: useId() };
  const shown = useMemo(
    () => (rates.data ?? []).filter((r) => id(r).toLowerCase().includes(filter.trim().toLowerCase())),
    [rates.data, filter],
  );

  async function act(action: () => Promise<string>) {
    setError(undefined);
    setNotice(undefined);
    try {
      setNotice(await action());
      rates.reload();
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : String(failure));
    }
  }

  function bulk(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const targets = (rates.data ?? []).filter((r) => selected.has(id(r)));
    const factor = 1 + percent / 100;
    void act(async () => {
      for (const rate of targets) await setRate(key, rate.provider, rate.model, scaleRate(rate, factor));
      setSelected(new Set());
      return `Changed ${targets.length} rate${targets.length === 1 ? '' : 's'} by ${percent > 0 ? '+' : ''}${percent}%.`;
    });
  }

  const allShownSelected = shown.length > 0 && shown.every((r) => selected.has(id(r)));
  return (
    <>
      <PageHeader title="Models and rates" />
      <ErrorNote error={error ?? rates.error} />
      {notice && (
        <p className="notice" role="status">
          {notice}
        </p>
      )}
      <Section title="Bulk margin update">
        <form className="filters" onSubmit={bulk}>
          <div className="field">
            <label htmlFor={ids.percent}>Change every price of the selected models by (%)</label>
            <input id={ids.percent} type="number" step="0.1" min={-99} value={percent} onChange={(e) => setPercent(Number(e.target.value))} />
          </div>
          <div className="field field-button">
            <button type="submit" disabled={selected.size === 0}>
              Apply to {selected.size} selected
            </button>
          </div>
        </form>
        <p className="muted small">A new rate takes effect now; requests already reserved keep the rate they started at.</p>
      </Section>
      <PriceListImport
        onApplied={(report) => {
          setError(undefined);
          setNotice(
            `Imported the price list into ${report.provider}: ${report.summary.added} added, ${report.summary.changed} changed, ${report.summary.unchanged} unchanged.`,
          );
          rates.reload();
        }}
      />
      <Section
        title="Rates in force"
        actions={
          <div className="inline-field">
            <label htmlFor={ids.filter}>Filter</label>
            <input id={ids.filter} type="search" value={filter} onChange={(e) => setFilter(e.target.value)} placeholder="provider/model" />
          </div>
        }
      >
        {!rates.data ? (
          <Loading />
        ) : shown.length === 0 ? (
          <Empty>No rates{filter ? ' match' : ' yet'}.</Empty>
        ) : (
          <Table caption="Rates in credits per million tokens">
            <thead>
              <tr>
                <th scope="col">
                  <input
                    type="checkbox"
                    aria-label="Select every model shown"
                    checked={allShownSelected}
                    onChange={(e) => {
                      const next = new Set(selected);
                      shown.forEach((r) => (e.target.checked ? next.add(id(r)) : next.delete(id(r))));
                      setSelected(next);
                    }}
                  />
                </th>
                <th scope="col">Model</th>
                <th scope="col" className="num">Input / M</th>
                <th scope="col" className="num">Output / M</th>
                <th scope="col" className="num">Cached input / M</th>
                <th scope="col" className="num">Per image</th>
                <th scope="col" className="num">Embedding / M</th>
                <th scope="col" className="num">Per audio second</th>
                <th scope="col" className="num">Per character spoken</th>
                <th scope="col">Since</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody data-testid="rate-rows">
              {shown.map((r) =>
                editing === id(r) ? (
                  <EditRow
                    key={id(r)}
                    rate={r}
                    onCancel={() => setEditing(undefined)}
                    onSave={(change) =>
                      act(async () => {
                        await setRate(key, r.provider, r.model, change);
                        setEditing(undefined);
                        return `Saved the rate of ${id(r)}.`;
                      })
                    }
                  />
                ) : (
                  <tr key={id(r)} data-model={id(r)}>
                    <td>
                      <input
                        type="checkbox"
                        aria-label={`Select ${id(r)}`}
                        checked={selected.has(id(r))}
                        onChange={(e) => {
                          const next = new Set(selected);
                          if (e.target.checked) next.add(id(r));
                          else next.delete(id(r));
                          setSelected(next);
                        }}
                      />
                    </td>
                    <th scope="row">
                      <code>{id(r)}</code>
                    </th>
                    <td className="num">{formatCredits(r.inputPerMillion)}</td>
                    <td className="num">{formatCredits(r.outputPerMillion)}</td>
                    <td className="num">{formatCredits(r.cachedInputPerMillion)}</td>
                    <td className="num">{formatCredits(r.perImage)}</td>
                    <td className="num">{formatCredits(r.embeddingPerMillion)}</td>
                    <td className="num">{formatCredits(r.perAudioSecond ?? null)}</td>
                    <td className="num">{formatCredits(r.perSpeechCharacter ?? null)}</td>
                    <td className="small">{formatDateTime(r.effectiveFrom)}</td>
                    <td>
                      <button type="button" className="secondary" aria-label={`Edit ${id(r)}`} onClick={() => setEditing(id(r))}>
                        Edit
                      </button>
                    </td>
                  </tr>
                ),
              )}
            </tbody>
          </Table>
        )}
      </Section>
    </>
  );
}

const FIELDS = [
  ['inputPerMillion', 'Input'],
  ['outputPerMillion', 'Output'],
  ['cachedInputPerMillion', 'Cached input'],
  ['perImage', 'Per image'],
  ['embeddingPerMillion', 'Embedding'],
  ['perAudioSecond', 'Per audio second'],
  ['perSpeechCharacter', 'Per character spoken'],
] as const;

function EditRow({ rate, onSave, onCancel }: { rate: RateView; onSave: (change: RateChange) => void; onCancel: () => void }) {
  const [values, setValues] = useState<Record<string, string>>(() =>
    Object.fromEntries(FIELDS.map(([f]) => [f, rate[f] === null || rate[f] === undefined ? '' : String(rate[f])])),
  );
  const name = `${rate.provider}/${rate.model}`;
  const num = (v: string | undefined) => (v === undefined || v.trim() === '' ? null : Number(v));
  return (
    <tr data-model={name} className="editing">
      <td />
      <th scope="row">
        <code>{name}</code>
      </th>
      {FIELDS.map(([field, label]) => (
        <td key={field} className="num">
          <input
            className="narrow"
            type="number"
            step="any"
            min={0}
            required={field === 'inputPerMillion' || field === 'outputPerMillion'}
            aria-label={`${label} price of ${name}`}
            value={values[field]}
            onChange={(e) => setValues({ ...values, [field]: e.target.value })}
          />
        </td>
      ))}
      <td />
      <td className="actions-cell">
        <button
          type="button"
          onClick={() =>
            onSave({
              inputPerMillion: Number(values.inputPerMillion),
              outputPerMillion: Number(values.outputPerMillion),
              cachedInputPerMillion: num(values.cachedInputPerMillion),
              perImage: num(values.perImage),
              embeddingPerMillion: num(values.embeddingPerMillion),
              perAudioSecond: num(values.perAudioSecond),
              perSpeechCharacter: num(values.perSpeechCharacter),
            })
          }
        >
          Save
        </button>
        <button type="button" className="secondary" onClick={onCancel}>
          Cancel
        </button>
      </td>
    </tr>
  );
}

const PRICE_FIELDS = [
  ['inputPerMillion', 'Input / M'],
  ['outputPerMillion', 'Output / M'],
  ['cachedInputPerMillion', 'Cached / M'],
  ['perImage', 'Per image'],
  ['embeddingPerMillion', 'Embedding / M'],
] as const;

/**
 * Import a LiteLLM price list (pasted or uploaded): a dry run shows the diff first, and only that same
 * request (list, provider, markup) can then be applied; changing any of them asks for a new preview.
 */
function PriceListImport({ onApplied }: { onApplied: (report: RateImportReport) => void }) {
  const { key } = useSignedIn();
  const providers = useAsync((s) => listProviders(key, s).then((r) => r.data), [key]);
  const [document, setDocument] = useState('');
  const [fileName, setFileName] = useState<string>();
  const [request, setRequest] = useState<Omit<RateImportRequest, 'dryRun'>>({ provider: '', markup: '1', litellmProvider: '' });
  const [preview, setPreview] = useState<RateImportReport>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const ids = { list: useId(), file: useId(), provider: useId(), markup: useId(), litellm: useId() };
  const provider = request.provider || providers.data?.[0]?.name || '';

  function edit(change: () => void) {
    change();
    setPreview(undefined);
  }

  async function run(dryRun: boolean) {
    setError(undefined);
    setBusy(true);
    try {
      const { data } = await importPriceList(
        key,
        { ...request, provider, litellmProvider: request.litellmProvider?.trim() || undefined, dryRun },
        document,
      );
      if (dryRun) {
        setPreview(data);
      } else {
        setPreview(undefined);
        onApplied(data);
      }
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : String(failure));
    } finally {
      setBusy(false);
    }
  }

  const toWrite = preview ? preview.summary.added + preview.summary.changed : 0;
  return (
    <Section title="Import a price list">
      <ErrorNote error={error ?? providers.error} />
      <form
        className="filters"
        onSubmit={(event: FormEvent<HTMLFormElement>) => {
          event.preventDefault();
          void run(true);
        }}
      >
        <div className="field">
          <label htmlFor={ids.provider}>Provider</label>
          <select id={ids.provider} value={provider} required onChange={(e) => edit(() => setRequest({ ...request, provider: e.target.value }))}>
            {(providers.data ?? []).map((p) => (
              <option key={p.name} value={p.name}>
                {p.name}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={ids.markup}>Markup (factor)</label>
          <input
            id={ids.markup}
            className="narrow"
            inputMode="decimal"
            required
            value={request.markup}
            onChange={(e) => edit(() => setRequest({ ...request, markup: e.target.value }))}
          />
        </div>
        <div className="field">
          <label htmlFor={ids.litellm}>LiteLLM provider (default: the provider&apos;s kind)</label>
          <input
            id={ids.litellm}
            value={request.litellmProvider}
            placeholder="openai"
            onChange={(e) => edit(() => setRequest({ ...request, litellmProvider: e.target.value }))}
          />
        </div>
        <div className="field">
          <label htmlFor={ids.file}>Upload model_prices_and_context_window.json</label>
          <input
            id={ids.file}
            type="file"
            accept="application/json,.json"
            onChange={async (e) => {
              const file = e.target.files?.[0];
              if (!file) return;
              const text = await file.text();
              edit(() => {
                setDocument(text);
                setFileName(`${file.name} (${Math.round(file.size / 1024)} KiB)`);
              });
            }}
          />
        </div>
        <div className="field field-wide">
          <label htmlFor={ids.list}>Or paste the price list (LiteLLM&apos;s JSON format){fileName ? `: ${fileName} loaded` : ''}</label>
          <textarea
            id={ids.list}
            rows={4}
            value={fileName ? '' : document}
            placeholder={fileName ? `${fileName} will be imported` : '{"gpt-4o": {"litellm_provider": "openai", "mode": "chat", …}}'}
            onChange={(e) =>
              edit(() => {
                setFileName(undefined);
                setDocument(e.target.value);
              })
            }
          />
        </div>
        <div className="field field-button">
          <button type="submit" disabled={busy || document.trim() === '' || provider === ''}>
            Preview changes
          </button>
        </div>
      </form>
      {preview && (
        <>
          <p className="small" role="status">
            {preview.provider}, entries of <code>{preview.litellmProvider}</code>, markup {String(preview.markup)}:{' '}
            {preview.summary.added} added, {preview.summary.changed} changed, {preview.summary.unchanged} unchanged,{' '}
            {preview.summary.skipped} skipped. Nothing is written until you apply.
          </p>
          <Table caption="Changes the import would make, in credits">
            <thead>
              <tr>
                <th scope="col">Change</th>
                <th scope="col">Model</th>
                {PRICE_FIELDS.map(([field, label]) => (
                  <th key={field} scope="col" className="num">
                    {label}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody data-testid="import-rows">
              {preview.changes.map((c) => (
                <tr key={c.model} data-model={c.model} data-change={c.change}>
                  <td>{c.change}</td>
                  <th scope="row">
                    <code>{c.model}</code>
                  </th>
                  {PRICE_FIELDS.map(([field]) => (
                    <td key={field} className="num">
                      <PriceDiff before={c.before} after={c.after} field={field} />
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </Table>
          {preview.skipped.length > 0 && (
            <details>
              <summary className="small">{preview.skipped.length} entries skipped</summary>
              <ul className="small">
                {preview.skipped.map((s) => (
                  <li key={s.key}>
                    <code>{s.key}</code>: {s.reason}
                  </li>
                ))}
              </ul>
            </details>
          )}
          <button type="button" disabled={busy || toWrite === 0} onClick={() => void run(false)}>
            Apply {toWrite} change{toWrite === 1 ? '' : 's'}
          </button>
        </>
      )}
    </Section>
  );
}

function PriceDiff({ before, after, field }: { before: ImportedPrices | null; after: ImportedPrices; field: keyof ImportedPrices }) {
  if (before === null || Number(before[field]) === Number(after[field])) return <>{formatCredits(after[field])}</>;
  return (
    <>
      <del>{formatCredits(before[field])}</del> {formatCredits(after[field])}
    </>
  );
}

import { useId, useMemo, useState, type FormEvent } from 'react';
import { listRates, scaleRate, setRate, type RateChange, type RateView } from '../api/client.ts';
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

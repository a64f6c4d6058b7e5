import { useId, useMemo, useState } from 'react';
import { groupByProvider, listPublicPrices, type PricedModel } from '../api/client.ts';
import { formatCredits } from '../api/format.ts';
import { useAsync } from '../api/useAsync.ts';
import { Empty, ErrorNote, Loading, PageHeader, Section, Table } from '../components/ui.tsx';

type Sort = 'name' | 'input' | 'output';

export default function PricingPage() {
  const models = useAsync((s) => listPublicPrices(s), []);
  const [search, setSearch] = useState('');
  const [provider, setProvider] = useState('');
  const [sort, setSort] = useState<Sort>('name');
  const ids = { search: useId(), provider: useId(), sort: useId() };
  const providers = useMemo(() => groupByProvider(models.data ?? []).map(([p]) => p), [models.data]);
  const shown = useMemo(() => {
    const term = search.trim().toLowerCase();
    const list = (models.data ?? []).filter(
      (m) => (provider === '' || m.owned_by === provider) && (term === '' || m.id.toLowerCase().includes(term)),
    );
    const price = (m: PricedModel, side: 'input' | 'output') => Number(m.pricing?.[side] ?? Infinity);
    return [...list].sort((a, b) => (sort === 'name' ? a.id.localeCompare(b.id) : price(a, sort) - price(b, sort)));
  }, [models.data, search, provider, sort]);

  return (
    <>
      <PageHeader title="Pricing" />
      <p className="muted">
        Every model this gateway can route to, in credits per million tokens (images per image). This page is
        public: it needs no key.
      </p>
      <ErrorNote error={models.error} />
      <Section
        title="Models"
        actions={
          <div className="filters compact">
            <div className="inline-field">
              <label htmlFor={ids.search}>Search</label>
              <input id={ids.search} type="search" value={search} onChange={(e) => setSearch(e.target.value)} placeholder="gpt-4o" />
            </div>
            <div className="inline-field">
              <label htmlFor={ids.provider}>Provider</label>
              <select id={ids.provider} value={provider} onChange={(e) => setProvider(e.target.value)}>
                <option value="">All</option>
                {providers.map((p) => (
                  <option key={p}>{p}</option>
                ))}
              </select>
            </div>
            <div className="inline-field">
              <label htmlFor={ids.sort}>Sort by</label>
              <select id={ids.sort} value={sort} onChange={(e) => setSort(e.target.value as Sort)}>
                <option value="name">Name</option>
                <option value="input">Input price</option>
                <option value="output">Output price</option>
              </select>
            </div>
          </div>
        }
      >
        {!models.data ? (
          <Loading />
        ) : shown.length === 0 ? (
          <Empty>No models match.</Empty>
        ) : (
          <Table caption="Model prices in credits per million tokens">
            <thead>
              <tr>
                <th scope="col">Model</th>
                <th scope="col">Provider</th>
                <th scope="col" className="num">Input / M tokens</th>
                <th scope="col" className="num">Output / M tokens</th>
                <th scope="col" className="num">Cached input / M tokens</th>
                <th scope="col" className="num">Embeddings / M tokens</th>
                <th scope="col" className="num">Per image</th>
              </tr>
            </thead>
            <tbody data-testid="pricing-rows">
              {shown.map((m) => (
                <tr key={m.id}>
                  <th scope="row">
                    <code>{m.id}</code>
                  </th>
                  <td>{m.owned_by}</td>
                  <td className="num">{formatCredits(m.pricing?.input)}</td>
                  <td className="num">{formatCredits(m.pricing?.output)}</td>
                  <td className="num">{formatCredits(m.pricing?.cachedInput)}</td>
                  <td className="num">{formatCredits(m.pricing?.embedding)}</td>
                  <td className="num">{formatCredits(m.pricing?.image)}</td>
                </tr>
              ))}
            </tbody>
          </Table>
        )}
        <p className="muted small" aria-live="polite">
          {models.data ? `${shown.length} of ${models.data.length} models` : ''}
        </p>
      </Section>
    </>
  );
}

import { useId, useMemo, useState } from 'react';
import {
  Area,
  AreaChart,
  Bar,
  BarChart,
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { listApps, listKeys } from '../api/client.ts';
import { formatCredits, formatDateTime, formatInt, formatMillis } from '../api/format.ts';
import { useAsync } from '../api/useAsync.ts';
import {
  chartRows,
  fetchCsv,
  requestHistory,
  requestsCsvPath,
  usageBreakdown,
  usageSeries,
  usageSummary,
  viewerTimeZone,
  type ChartRow,
  type RequestFilters,
  type RequestRow,
  type Share,
} from '../api/views.ts';
import { AccountPicker, Empty, ErrorNote, Loading, PageHeader, Section, Stat, Table } from '../components/ui.tsx';
import { useSignedIn } from '../session.tsx';

const RANGES = {
  '24h': { label: 'Last 24 hours', hours: 24, granularity: 'hour' },
  '7d': { label: 'Last 7 days', hours: 24 * 7, granularity: 'day' },
  '30d': { label: 'Last 30 days', hours: 24 * 30, granularity: 'day' },
  '90d': { label: 'Last 90 days', hours: 24 * 90, granularity: 'day' },
} as const;
type RangeKey = keyof typeof RANGES;
const POLL_MS = 4000;

export default function UsagePage() {
  const { accountId } = useSignedIn();
  const [range, setRange] = useState<RangeKey>('24h');
  const [granularity, setGranularity] = useState<'hour' | 'day'>('hour');
  const rangeId = useId();
  const granularityId = useId();
  return (
    <>
      <PageHeader title="Usage">
        <AccountPicker />
        <div className="inline-field">
          <label htmlFor={rangeId}>Period</label>
          <select
            id={rangeId}
            value={range}
            onChange={(e) => {
              const next = e.target.value as RangeKey;
              setRange(next);
              setGranularity(RANGES[next].granularity);
            }}
          >
            {Object.entries(RANGES).map(([value, r]) => (
              <option key={value} value={value}>
                {r.label}
              </option>
            ))}
          </select>
        </div>
        <div className="inline-field">
          <label htmlFor={granularityId}>Buckets</label>
          <select id={granularityId} value={granularity} onChange={(e) => setGranularity(e.target.value as 'hour' | 'day')}>
            <option value="hour">Hourly</option>
            <option value="day">Daily</option>
          </select>
        </div>
      </PageHeader>
      {accountId ? (
        <UsageFor accountId={accountId} hours={RANGES[range].hours} granularity={granularity} />
      ) : (
        <Empty>Choose an account to see its usage.</Empty>
      )}
    </>
  );
}

function UsageFor({ accountId, hours, granularity }: { accountId: string; hours: number; granularity: 'hour' | 'day' }) {
  const { key, me } = useSignedIn();
  const tz = viewerTimeZone();
  const keyNames = useAsync(
    (s) => listKeys(key, me, s).then((r) => new Map(r.data.map((k) => [k.id, `${k.name} (${k.prefix}…)`]))),
    [key, me],
  );
  // The period ends at the next full hour, so a poll keeps asking the same question.
  const period = useMemo(() => {
    const to = new Date();
    to.setMinutes(60, 0, 0);
    const from = new Date(to.getTime() - hours * 3_600_000);
    return { from: from.toISOString().replace(/\.\d+Z$/, 'Z'), to: to.toISOString().replace(/\.\d+Z$/, 'Z'), tz };
  }, [hours, tz]);
  const summary = useAsync((s) => usageSummary(key, accountId, period, s), [key, accountId, period], { pollMs: POLL_MS });
  const series = useAsync((s) => usageSeries(key, accountId, { ...period, granularity }, s), [key, accountId, period, granularity], {
    pollMs: POLL_MS,
  });
  const byKey = useAsync((s) => usageBreakdown(key, accountId, { ...period, by: 'key' }, s), [key, accountId, period], {
    pollMs: POLL_MS,
  });
  const byApp = useAsync((s) => usageBreakdown(key, accountId, { ...period, by: 'app' }, s), [key, accountId, period], {
    pollMs: POLL_MS,
  });
  const appNames = useAsync(
    (s) => listApps(key, me, accountId, s).then((r) => new Map(r.data.map((a) => [a.id, a.name]))),
    [key, me, accountId],
  );
  const rows = useMemo(() => (series.data ? chartRows(series.data) : []), [series.data]);
  const c = summary.data?.current;
  const change = summary.data?.change ?? {};

  return (
    <>
      <ErrorNote error={summary.error ?? series.error ?? byKey.error ?? byApp.error} />
      <Section title="Summary">
        {!c ? (
          <Loading />
        ) : (
          <dl className="stats" data-testid="usage-summary">
            <Stat label="Requests" value={formatInt(c.requests)} change={change.requests} testId="usage-requests" />
            <Stat label="Credits" value={formatCredits(c.credits)} change={change.credits} testId="usage-credits" />
            <Stat label="Input tokens" value={formatInt(c.inputTokens)} change={change.inputTokens} />
            <Stat label="Output tokens" value={formatInt(c.outputTokens)} change={change.outputTokens} />
            <Stat label="Failed" value={formatInt(c.failed)} change={change.failed} />
            <Stat label="Latency p50 / p95" value={`${formatMillis(c.latencyMillis.p50)} / ${formatMillis(c.latencyMillis.p95)}`} />
            <Stat label="TTFB p50 / p95" value={`${formatMillis(c.ttfbMillis.p50)} / ${formatMillis(c.ttfbMillis.p95)}`} />
          </dl>
        )}
      </Section>
      <div className="grid-2">
        <ChartCard title="Credits" rows={rows} kind="area" lines={[{ key: 'credits', name: 'Credits' }]} />
        <ChartCard
          title="Requests"
          rows={rows}
          kind="bar"
          lines={[
            { key: 'requests', name: 'Requests' },
            { key: 'failed', name: 'Failed' },
          ]}
        />
        <ChartCard
          title="Tokens"
          rows={rows}
          kind="bar"
          lines={[
            { key: 'inputTokens', name: 'Input' },
            { key: 'outputTokens', name: 'Output' },
          ]}
        />
        <ChartCard
          title="Latency (ms)"
          rows={rows}
          kind="line"
          lines={[
            { key: 'latencyP50', name: 'p50' },
            { key: 'latencyP95', name: 'p95' },
          ]}
        />
        <ChartCard
          title="Time to first byte (ms)"
          rows={rows}
          kind="line"
          lines={[
            { key: 'ttfbP50', name: 'p50' },
            { key: 'ttfbP95', name: 'p95' },
          ]}
        />
        <Section title="Top models">
          <ShareTable caption="Top models" shares={summary.data?.topModels} label="Model" />
        </Section>
      </div>
      <div className="grid-2">
        <Section title="Per key">
          <ShareTable caption="Usage per key" shares={byKey.data} label="Key" names={keyNames.data} />
        </Section>
        <Section title="Per app">
          <ShareTable caption="Usage per app" shares={byApp.data} label="App" names={appNames.data} none="No app" />
        </Section>
      </div>
      <History accountId={accountId} />
    </>
  );
}

const COLORS = ['var(--chart-1)', 'var(--chart-2)', 'var(--chart-3)'];
const color = (i: number): string => COLORS[i % COLORS.length] ?? 'currentColor';

function ChartCard({
  title,
  rows,
  kind,
  lines,
}: {
  title: string;
  rows: ChartRow[];
  kind: 'area' | 'bar' | 'line';
  lines: { key: keyof ChartRow; name: string }[];
}) {
  const common = (
    <>
      <CartesianGrid strokeDasharray="3 3" stroke="var(--border)" />
      <XAxis dataKey="label" stroke="var(--muted)" fontSize={12} />
      <YAxis stroke="var(--muted)" fontSize={12} width={60} />
      <Tooltip contentStyle={{ background: 'var(--surface)', border: '1px solid var(--border)', color: 'var(--text)' }} />
      {lines.length > 1 && <Legend />}
    </>
  );
  const summaryText = `${title}: ${rows.length} buckets${rows.length ? `, ${lines
    .map((l) => `${l.name} total ${formatInt(rows.reduce((sum, r) => sum + Number(r[l.key] ?? 0), 0))}`)
    .join(', ')}` : ''}`;
  return (
    <Section title={title}>
      {rows.length === 0 ? (
        <Empty>No usage in this period.</Empty>
      ) : (
        <div className="chart" role="img" aria-label={summaryText}>
          <ResponsiveContainer width="100%" height={220}>
            {kind === 'area' ? (
              <AreaChart data={rows}>
                {common}
                {lines.map((l, i) => (
                  <Area key={l.key} type="monotone" dataKey={l.key} name={l.name} stroke={color(i)} fill={color(i)} fillOpacity={0.25} isAnimationActive={false} />
                ))}
              </AreaChart>
            ) : kind === 'bar' ? (
              <BarChart data={rows}>
                {common}
                {lines.map((l, i) => (
                  <Bar key={l.key} dataKey={l.key} name={l.name} fill={color(i)} isAnimationActive={false} />
                ))}
              </BarChart>
            ) : (
              <LineChart data={rows}>
                {common}
                {lines.map((l, i) => (
                  <Line key={l.key} type="monotone" dataKey={l.key} name={l.name} stroke={color(i)} connectNulls dot={{ r: 2 }} isAnimationActive={false} />
                ))}
              </LineChart>
            )}
          </ResponsiveContainer>
        </div>
      )}
    </Section>
  );
}

function ShareTable({
  caption,
  shares,
  label,
  names,
  none,
}: {
  caption: string;
  shares: Share[] | undefined;
  label: string;
  names?: Map<string, string> | undefined;
  /** How a share without a value (no key, no app) is shown. */
  none?: string;
}) {
  if (!shares) return <Loading />;
  if (shares.length === 0) return <Empty>Nothing in this period.</Empty>;
  return (
    <Table caption={caption}>
      <thead>
        <tr>
          <th scope="col">{label}</th>
          <th scope="col" className="num">Requests</th>
          <th scope="col" className="num">Tokens in / out</th>
          <th scope="col" className="num">Credits</th>
        </tr>
      </thead>
      <tbody>
        {shares.map((s) => (
          <tr key={s.value ?? '—'}>
            <td>
              {s.value && names?.has(s.value) ? (
                <span title={s.value}>{names.get(s.value)}</span>
              ) : s.value === null && none ? (
                <span className="muted">{none}</span>
              ) : (
                <code>{s.value ?? '—'}</code>
              )}
            </td>
            <td className="num">{formatInt(s.metrics.requests)}</td>
            <td className="num">
              {formatInt(s.metrics.inputTokens)} / {formatInt(s.metrics.outputTokens)}
            </td>
            <td className="num">{formatCredits(s.metrics.credits)}</td>
          </tr>
        ))}
      </tbody>
    </Table>
  );
}

function History({ accountId }: { accountId: string }) {
  const { key } = useSignedIn();
  const [filters, setFilters] = useState<RequestFilters>({});
  const [draft, setDraft] = useState<RequestFilters>({});
  const [older, setOlder] = useState<RequestRow[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [csvError, setCsvError] = useState<string>();
  const first = useAsync((s) => requestHistory(key, accountId, { ...filters, limit: 25 }, s), [key, accountId, filters], {
    pollMs: POLL_MS,
  });
  const next = older.length > 0 ? cursor : (first.data?.next ?? null);
  const rows = [...(first.data?.rows ?? []), ...older.filter((o) => !first.data?.rows.some((r) => r.requestId === o.requestId))];
  const ids = { status: useId(), model: useId(), key: useId(), app: useId(), min: useId() };

  async function loadMore() {
    if (!next) return;
    const page = await requestHistory(key, accountId, { ...filters, limit: 25, cursor: next });
    setOlder((rowsSoFar) => [...rowsSoFar, ...page.rows]);
    setCursor(page.next);
  }

  async function exportCsv() {
    setCsvError(undefined);
    try {
      const blob = await fetchCsv(key, requestsCsvPath(accountId, filters));
      const url = URL.createObjectURL(blob);
      const link = document.createElement('a');
      link.href = url;
      link.download = `requests-${accountId}.csv`;
      link.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (error) {
      setCsvError(error instanceof Error ? error.message : String(error));
    }
  }

  return (
    <Section
      title="Call history"
      actions={
        <button type="button" className="secondary" onClick={exportCsv}>
          Export CSV
        </button>
      }
    >
      <form
        className="filters"
        onSubmit={(e) => {
          e.preventDefault();
          setOlder([]);
          setCursor(null);
          setFilters(draft);
        }}
      >
        <div className="field">
          <label htmlFor={ids.status}>Status</label>
          <select id={ids.status} value={draft.status ?? ''} onChange={(e) => setDraft({ ...draft, status: e.target.value })}>
            <option value="">Any</option>
            <option value="succeeded">Succeeded</option>
            <option value="failed">Failed</option>
            <option value="rejected">Rejected</option>
            <option value="accepted">In flight</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor={ids.model}>Model</label>
          <input id={ids.model} value={draft.model ?? ''} placeholder="mock/gpt-4o" onChange={(e) => setDraft({ ...draft, model: e.target.value })} />
        </div>
        <div className="field">
          <label htmlFor={ids.key}>Key id</label>
          <input id={ids.key} value={draft.key ?? ''} onChange={(e) => setDraft({ ...draft, key: e.target.value })} />
        </div>
        <div className="field">
          <label htmlFor={ids.app}>App id</label>
          <input
            id={ids.app}
            value={draft.app ?? ''}
            placeholder="none: no app"
            onChange={(e) => setDraft({ ...draft, app: e.target.value })}
          />
        </div>
        <div className="field">
          <label htmlFor={ids.min}>Min. duration (ms)</label>
          <input
            id={ids.min}
            type="number"
            min={0}
            value={draft.minDurationMs ?? ''}
            onChange={(e) => {
              const { minDurationMs: _dropped, ...rest } = draft;
              setDraft(e.target.value === '' ? rest : { ...rest, minDurationMs: Number(e.target.value) });
            }}
          />
        </div>
        <div className="field field-button">
          <button type="submit">Apply filters</button>
        </div>
      </form>
      <ErrorNote error={first.error ?? csvError} />
      {!first.data ? (
        <Loading />
      ) : rows.length === 0 ? (
        <Empty>No calls match.</Empty>
      ) : (
        <Table caption="Call history, newest first">
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Model</th>
              <th scope="col">App</th>
              <th scope="col">Status</th>
              <th scope="col" className="num">Tokens in / out</th>
              <th scope="col" className="num">Credits</th>
              <th scope="col" className="num">Latency</th>
              <th scope="col" className="num">TTFB</th>
              <th scope="col">Request id</th>
            </tr>
          </thead>
          <tbody data-testid="history-rows">
            {rows.map((r) => (
              <tr key={r.requestId}>
                <td>{formatDateTime(r.acceptedAt)}</td>
                <td>
                  <code>{r.provider ? `${r.provider}/${r.model}` : (r.model ?? '—')}</code>
                  {r.stream ? <span className="tag">stream</span> : null}
                </td>
                <td>{r.appId ? <code>{r.appId}</code> : <span className="muted">—</span>}</td>
                <td>
                  <span className={`status status-${r.status}`}>{r.status}</span>
                  {r.error ? <span className="muted small"> {r.error}</span> : null}
                </td>
                <td className="num">
                  {formatInt(r.inputTokens)} / {formatInt(r.outputTokens)}
                </td>
                <td className="num">{formatCredits(r.credits)}</td>
                <td className="num">{formatMillis(r.latencyMillis)}</td>
                <td className="num">{formatMillis(r.ttfbMillis)}</td>
                <td>
                  <code className="small">{r.requestId}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </Table>
      )}
      {next && (
        <button type="button" className="secondary" onClick={loadMore}>
          Load older calls
        </button>
      )}
    </Section>
  );
}

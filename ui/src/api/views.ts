import { apiFetch, enc, query } from './client.ts';
import { ApiError, errorBodyMessage, httpStatusText, readJson } from './http.ts';

/** Shapes of the query side's read API, reached through the gateway at /api/views/**. */

export interface Latency {
  count: number;
  avg: number | null;
  p50: number | null;
  p95: number | null;
}

export interface UsageMetrics {
  requests: number;
  succeeded: number;
  failed: number;
  rejected: number;
  inputTokens: number;
  outputTokens: number;
  cachedTokens: number;
  credits: number;
  refunded: number;
  latencyMillis: Latency;
  ttfbMillis: Latency;
}

export interface Share {
  value: string | null;
  metrics: UsageMetrics;
}

export interface UsageSummary {
  accountId: string;
  from: string;
  to: string;
  current: UsageMetrics;
  previous: UsageMetrics;
  /** Percent change against the previous period; null where the previous value was zero. */
  change: Record<string, number | null>;
  topModels: Share[];
}

export interface UsageTotals {
  accountId: string;
  requests: number;
  succeeded: number;
  failed: number;
  rejected: number;
  inputTokens: number;
  outputTokens: number;
  cachedTokens: number;
  credits: number;
}

export interface Bucket {
  start: string;
  group: string | null;
  metrics: UsageMetrics;
}

export interface Series {
  accountId: string;
  granularity: 'hour' | 'day' | 'month';
  timeZone: string;
  groupBy: string;
  from: string;
  to: string;
  buckets: Bucket[];
}

export interface RequestRow {
  requestId: string;
  apiKeyId: string | null;
  provider: string | null;
  model: string | null;
  status: string;
  httpStatus: number | null;
  stream: boolean | null;
  attempts: number;
  inputTokens: number | null;
  outputTokens: number | null;
  cachedTokens: number | null;
  estimated: boolean | null;
  credits: number | null;
  refunded: number | null;
  latencyMillis: number | null;
  ttfbMillis: number | null;
  error: string | null;
  acceptedAt: string;
  finishedAt: string | null;
  /** The app the request was made for; null for none. */
  appId?: string | null;
}

export interface RequestFilters {
  status?: string;
  model?: string;
  key?: string;
  /** An app id, or 'none' for the requests made for no app. */
  app?: string;
  from?: string;
  to?: string;
  tz?: string;
  minDurationMs?: number;
}

export interface Balance {
  accountId: string;
  displayName: string | null;
  closed: boolean;
  granted: number;
  debited: number;
  refunded: number;
  expired: number;
  adjusted: number;
  balance: number;
  reserved: number;
  openReservations: number;
  available: number;
  burnPerDay: number;
  estimatedDaysRemaining: number | null;
}

export interface LedgerLine {
  lineNo: number;
  occurredAt: string;
  kind: string;
  amount: number;
  balance: number;
  requestId: string | null;
  grantId: string | null;
  provider: string | null;
  model: string | null;
  note: string | null;
  /** A grant's source: ADMIN, PURCHASE or PROMOTION; null for other lines. */
  source: string | null;
  /** A purchase's payment reference (Stripe's payment intent). */
  reference: string | null;
}

export interface StatementTotals {
  month: string;
  opening: number;
  granted: number;
  debited: number;
  refunded: number;
  expired: number;
  adjusted: number;
  closing: number;
  /** The part of `granted` that was bought. */
  purchased: number;
}

export interface Purchase {
  occurredAt: string;
  credits: number;
  grantId: string;
  reference: string | null;
}

export interface Statement {
  accountId: string;
  timeZone: string;
  totals: StatementTotals;
  byModel: { provider: string; model: string; debits: number; credits: number }[];
  purchases: Purchase[];
}

export interface AdminOverview {
  from: string;
  to: string;
  totals: {
    accounts: number;
    closedAccounts: number;
    granted: number;
    debited: number;
    refunded: number;
    expired: number;
    adjusted: number;
    balance: number;
    reserved: number;
  };
  period: UsageMetrics;
  topAccounts: { accountId: string; displayName: string | null; requests: number; credits: number }[];
  revenueByModel: { provider: string; model: string | null; requests: number; credits: number }[];
  revenueByProvider: { provider: string; model: string | null; requests: number; credits: number }[];
}

export interface AccountSummary {
  accountId: string;
  displayName: string | null;
  closed: boolean;
  balance: number;
  reserved: number;
  lastEventAt: string | null;
}

/** A page of a keyset-paginated list: the rows and the next page's cursor (X-Next-Cursor), if any. */
export interface Page<T> {
  rows: T[];
  next: string | null;
}

/** The browser's IANA time zone, so days and months are the viewer's own. */
export function viewerTimeZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

const account = (id: string) => `/api/views/accounts/${enc(id)}`;

export const usageTotals = (key: string, accountId: string, signal?: AbortSignal) =>
  apiFetch<UsageTotals>(key, `${account(accountId)}/usage`, { signal }).then((r) => r.data);

export const usageSummary = (key: string, accountId: string, p: { from?: string; to?: string; tz?: string }, signal?: AbortSignal) =>
  apiFetch<UsageSummary>(key, `${account(accountId)}/usage/summary${query(p)}`, { signal }).then((r) => r.data);

export const usageSeries = (
  key: string,
  accountId: string,
  p: { granularity: 'hour' | 'day' | 'month'; from?: string; to?: string; tz?: string; groupBy?: string },
  signal?: AbortSignal,
) => apiFetch<Series>(key, `${account(accountId)}/usage/series${query(p)}`, { signal }).then((r) => r.data);

export const usageBreakdown = (
  key: string,
  accountId: string,
  p: { by: 'model' | 'provider' | 'key' | 'app'; from?: string; to?: string; tz?: string; limit?: number; app?: string },
  signal?: AbortSignal,
) => apiFetch<Share[]>(key, `${account(accountId)}/usage/breakdown${query(p)}`, { signal }).then((r) => r.data);

export async function requestHistory(
  key: string,
  accountId: string,
  filters: RequestFilters & { limit?: number; cursor?: string },
  signal?: AbortSignal,
): Promise<Page<RequestRow>> {
  const result = await apiFetch<RequestRow[]>(key, `${account(accountId)}/requests${query({ ...filters })}`, { signal });
  return { rows: result.data ?? [], next: result.headers.get('X-Next-Cursor') };
}

/** The CSV export's URL for the same filters (it needs the Bearer header, so the page fetches it as a blob). */
export function requestsCsvPath(accountId: string, filters: RequestFilters): string {
  return `${account(accountId)}/requests.csv${query({ ...filters })}`;
}

/** Downloads the CSV export with the key and returns it as a Blob (the page offers it as a file). */
export async function fetchCsv(key: string, path: string): Promise<Blob> {
  const response = await fetch(path, { headers: { Authorization: `Bearer ${key}`, Accept: 'text/csv' } });
  if (!response.ok) {
    throw new ApiError(errorBodyMessage(await readJson(response)) ?? httpStatusText(response), response.status);
  }
  return response.blob();
}

export const balance = (key: string, accountId: string, signal?: AbortSignal) =>
  apiFetch<Balance>(key, `${account(accountId)}/balance`, { signal }).then((r) => r.data);

export async function ledger(
  key: string,
  accountId: string,
  p: { kind?: string; tz?: string; limit?: number; cursor?: string },
  signal?: AbortSignal,
): Promise<Page<LedgerLine>> {
  const result = await apiFetch<LedgerLine[]>(key, `${account(accountId)}/ledger${query(p)}`, { signal });
  return { rows: result.data ?? [], next: result.headers.get('X-Next-Cursor') };
}

export const statements = (key: string, accountId: string, tz: string, signal?: AbortSignal) =>
  apiFetch<StatementTotals[]>(key, `${account(accountId)}/statements${query({ tz })}`, { signal }).then((r) => r.data);

export const statement = (key: string, accountId: string, month: string, tz: string, signal?: AbortSignal) =>
  apiFetch<Statement>(key, `${account(accountId)}/statements/${enc(month)}${query({ tz })}`, { signal }).then(
    (r) => r.data,
  );

export const adminOverview = (key: string, p: { from?: string; to?: string; tz?: string }, signal?: AbortSignal) =>
  apiFetch<AdminOverview>(key, `/api/views/admin/overview${query(p)}`, { signal }).then((r) => r.data);

export async function adminAccounts(key: string, limit = 200, signal?: AbortSignal): Promise<AccountSummary[]> {
  const result = await apiFetch<AccountSummary[]>(key, `/api/views/admin/accounts${query({ limit })}`, { signal });
  return result.data ?? [];
}

/** One chart row per bucket start: the metrics flattened, ready for Recharts. */
export interface ChartRow {
  start: string;
  label: string;
  credits: number;
  requests: number;
  failed: number;
  inputTokens: number;
  outputTokens: number;
  latencyP50: number | null;
  latencyP95: number | null;
  ttfbP50: number | null;
  ttfbP95: number | null;
}

export function chartRows(series: Series, locale?: string): ChartRow[] {
  const format: Intl.DateTimeFormatOptions =
    series.granularity === 'hour'
      ? { hour: '2-digit', minute: '2-digit', timeZone: series.timeZone }
      : series.granularity === 'day'
        ? { month: 'short', day: 'numeric', timeZone: series.timeZone }
        : { year: 'numeric', month: 'short', timeZone: series.timeZone };
  const byStart = new Map<string, ChartRow>();
  for (const bucket of series.buckets) {
    const m = bucket.metrics;
    const row =
      byStart.get(bucket.start) ?? emptyRow(bucket.start, new Date(bucket.start).toLocaleString(locale, format));
    row.credits += Number(m.credits);
    row.requests += m.requests;
    row.failed += m.failed;
    row.inputTokens += m.inputTokens;
    row.outputTokens += m.outputTokens;
    row.latencyP50 = max(row.latencyP50, m.latencyMillis?.p50 ?? null);
    row.latencyP95 = max(row.latencyP95, m.latencyMillis?.p95 ?? null);
    row.ttfbP50 = max(row.ttfbP50, m.ttfbMillis?.p50 ?? null);
    row.ttfbP95 = max(row.ttfbP95, m.ttfbMillis?.p95 ?? null);
    byStart.set(bucket.start, row);
  }
  const rows = [...byStart.values()].sort((a, b) => Date.parse(a.start) - Date.parse(b.start));
  return fillGaps(rows, series, format, locale);
}

/**
 * Empty buckets between the period's start and end, so that a chart shows time evenly and a quiet
 * hour reads as zero rather than disappearing. Hours step by an hour; days by a day, matched by their
 * label so that a daylight-saving shift cannot make a day twice. Months are left as they come.
 */
function fillGaps(rows: ChartRow[], series: Series, format: Intl.DateTimeFormatOptions, locale?: string): ChartRow[] {
  const step = series.granularity === 'hour' ? 3_600_000 : series.granularity === 'day' ? 86_400_000 : 0;
  const from = Date.parse(series.from);
  const to = Date.parse(series.to);
  if (step === 0 || !Number.isFinite(from) || !Number.isFinite(to) || (to - from) / step > 1000) return rows;
  const byLabel = new Map(rows.map((row) => [row.label, row]));
  const filled: ChartRow[] = [];
  const labels = new Set<string>();
  const first = series.granularity === 'hour' ? Math.floor(from / step) * step : from;
  for (let t = first; t < to; t += step) {
    const label = new Date(t).toLocaleString(locale, format);
    if (labels.has(label)) continue;
    labels.add(label);
    filled.push(byLabel.get(label) ?? emptyRow(new Date(t).toISOString(), label));
  }
  // A bucket outside the period (it should not happen) is kept rather than lost.
  for (const row of rows) if (!filled.includes(row)) filled.push(row);
  return filled.sort((a, b) => Date.parse(a.start) - Date.parse(b.start));
}

function emptyRow(start: string, label: string): ChartRow {
  return {
    start,
    label,
    credits: 0,
    requests: 0,
    failed: 0,
    inputTokens: 0,
    outputTokens: 0,
    latencyP50: null,
    latencyP95: null,
    ttfbP50: null,
    ttfbP95: null,
  };
}

function max(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return Math.max(a, b);
}

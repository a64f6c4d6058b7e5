import { ApiError, describeError, errorBodyMessage, httpStatusText, isAbort, readJson } from './http.ts';

/** One answer of the gateway: the parsed body and the headers (x-request-id, X-Next-Cursor, …). */
export interface ApiResult<T> {
  data: T;
  status: number;
  headers: Headers;
}

export interface RequestOptions {
  method?: string;
  body?: unknown;
  /** A JSON document sent as it is, for bodies whose numbers must not pass through a double. */
  rawBody?: string;
  signal?: AbortSignal | undefined;
  accept?: string;
}

/**
 * Calls the gateway on the page's own origin with a Tollgate key as Bearer token. Rejects with an
 * ApiError carrying the gateway's `{"error":{"message"}}` (or a problem `detail`) when not 2xx.
 */
export async function apiFetch<T>(key: string, path: string, options: RequestOptions = {}): Promise<ApiResult<T>> {
  const headers: Record<string, string> = { Accept: options.accept ?? 'application/json' };
  if (key.trim() !== '') headers.Authorization = `Bearer ${key.trim()}`;
  if (options.body !== undefined || options.rawBody !== undefined) headers['Content-Type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(path, {
      method: options.method ?? 'GET',
      headers,
      cache: 'no-store',
      ...(options.rawBody !== undefined ? { body: options.rawBody } : options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } catch (error) {
    if (isAbort(error)) throw error;
    throw new ApiError(`Could not reach the gateway: ${describeError(error)}`);
  }
  const body = response.status === 204 ? undefined : await readJson(response);
  if (!response.ok) {
    throw new ApiError(errorBodyMessage(body) ?? httpStatusText(response), response.status);
  }
  return { data: body as T, status: response.status, headers: response.headers };
}

/** A query string from the defined, non-empty values only ("" when there are none). */
export function query(params: Record<string, string | number | undefined | null>): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') search.set(name, String(value));
  }
  const text = search.toString();
  return text === '' ? '' : `?${text}`;
}

export const enc = encodeURIComponent;

// ---------------------------------------------------------------- identity and keys

export type Role = 'admin' | 'user';

export interface Me {
  keyId: string;
  accountId: string | null;
  role: Role;
  scopes: string[];
  /** The app this caller's requests are made for (its key's, or its x-tollgate-app header's); null for none. */
  appId?: string | null;
}

/** An application of an account: requests name it (or their key is bound to it) and usage breaks down by it. */
export interface AppView {
  id: string;
  accountId: string;
  name: string;
  state: 'active' | 'disabled';
  createdAt: string;
  createdBy: string;
  disabledAt: string | null;
  disabledBy: string | null;
}

export interface ApiKeyView {
  id: string;
  name: string;
  prefix: string;
  accountId: string | null;
  role: Role;
  scopes: string[];
  createdAt: string;
  createdBy: string | null;
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
  replacedBy: string | null;
  state: string;
}

export interface IssuedKey {
  id: string;
  /** The secret: shown once. */
  key: string;
  prefix: string;
  accountId: string | null;
  role: Role;
  scopes: string[];
  expiresAt: string | null;
  replaces: string | null;
  previousKeyEndsAt: string | null;
}

export const getMe = (key: string, signal?: AbortSignal) => apiFetch<Me>(key, '/api/me', { signal });

/** Admins without an account manage every key under /admin/keys; everyone else their own under /api/keys. */
export function keysBase(me: Me): string {
  return me.role === 'admin' && !me.accountId ? '/admin/keys' : '/api/keys';
}

export const listKeys = (key: string, me: Me, signal?: AbortSignal) =>
  apiFetch<ApiKeyView[]>(key, keysBase(me), { signal });

/** The apps of an account: an admin names it, anyone else gets its own. */
export const listApps = (key: string, me: Me, accountId: string, signal?: AbortSignal) =>
  apiFetch<AppView[]>(key, me.role === 'admin' ? `/admin/apps${query({ accountId })}` : '/api/apps', { signal });

export function createKey(
  key: string,
  me: Me,
  request: { name: string; scopes?: string[]; expiresAt?: string; accountId?: string; role?: Role },
) {
  return apiFetch<IssuedKey>(key, keysBase(me), { method: 'POST', body: request });
}

export const revokeKey = (key: string, me: Me, id: string) =>
  apiFetch<ApiKeyView>(key, `${keysBase(me)}/${enc(id)}`, { method: 'DELETE' });

export const rotateKey = (key: string, me: Me, id: string, graceSeconds?: number) =>
  apiFetch<IssuedKey>(key, `${keysBase(me)}/${enc(id)}/rotate`, {
    method: 'POST',
    body: graceSeconds === undefined ? {} : { graceSeconds },
  });

// ---------------------------------------------------------------- models and prices

export interface PricedModel {
  id: string;
  owned_by: string;
  /** Credits per million tokens (per image for image). */
  pricing: {
    input: number | string;
    output: number | string;
    cachedInput?: number | string | null;
    image?: number | string | null;
    embedding?: number | string | null;
  } | null;
}

/** The public price list (GET /api/pricing): no key needed, the same models and prices as /v1/models. */
export async function listPublicPrices(signal?: AbortSignal): Promise<PricedModel[]> {
  const { data } = await apiFetch<unknown>('', '/api/pricing', { signal });
  if (!Array.isArray(data)) throw new ApiError('Unexpected answer from /api/pricing: it is not a list.');
  return (data as { id?: unknown; provider?: string; pricing?: PricedModel['pricing'] }[])
    .filter((m): m is { id: string; provider: string; pricing: PricedModel['pricing'] } => typeof m?.id === 'string')
    .map((m) => ({ id: m.id, owned_by: m.provider, pricing: m.pricing ?? null }));
}

export async function listPricedModels(key: string, signal?: AbortSignal): Promise<PricedModel[]> {
  const { data } = await apiFetch<{ data?: unknown }>(key, '/v1/models', { signal });
  if (!Array.isArray(data?.data)) throw new ApiError('Unexpected answer from /v1/models: it has no "data" list.');
  return (data.data as PricedModel[]).filter((m) => typeof m?.id === 'string');
}

/** Models grouped by provider (the part of the id before "/"), providers and models sorted. */
export function groupByProvider(models: PricedModel[]): [string, PricedModel[]][] {
  const groups = new Map<string, PricedModel[]>();
  for (const model of models) {
    const provider = model.owned_by || model.id.split('/')[0] || 'other';
    groups.set(provider, [...(groups.get(provider) ?? []), model]);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([provider, list]) => [provider, [...list].sort((a, b) => a.id.localeCompare(b.id))]);
}

// ---------------------------------------------------------------- admin: providers, credentials, rates

export interface CredentialView {
  id: string;
  name: string | null;
  masked: string;
  weight: number;
  status: string;
  disabledBy: string | null;
  disabledReason: string | null;
  lastError: string | null;
  lastErrorAt: string | null;
  lastUsedAt: string | null;
  checkedAt: string | null;
  createdAt: string;
  coolingUntil: string | null;
}

export interface ProviderView {
  name: string;
  wireFormat: string;
  baseUrl: string;
  enabled: boolean;
  credentials: CredentialView[];
}

export interface RateView {
  provider: string;
  model: string;
  inputPerMillion: number;
  outputPerMillion: number;
  cachedInputPerMillion: number | null;
  perImage: number | null;
  embeddingPerMillion: number | null;
  /** Transcription: credits per second of audio. */
  perAudioSecond?: number | null;
  /** Speech: credits per character of input text. */
  perSpeechCharacter?: number | null;
  effectiveFrom: string;
}

export type RateChange = Omit<RateView, 'provider' | 'model' | 'effectiveFrom'> & { effectiveFrom?: string };

export const listProviders = (key: string, signal?: AbortSignal) =>
  apiFetch<ProviderView[]>(key, '/admin/providers', { signal });

export const registerProvider = (
  key: string,
  name: string,
  request: { kind?: string; wireFormat?: string; baseUrl?: string; apiKey?: string },
) => apiFetch<ProviderView>(key, `/admin/providers/${enc(name)}`, { method: 'PUT', body: request });

export const addCredential = (
  key: string,
  provider: string,
  request: { apiKey: string; weight?: number; name?: string; test?: boolean },
) => apiFetch<CredentialView>(key, `/admin/providers/${enc(provider)}/credentials`, { method: 'POST', body: request });

export const updateCredential = (
  key: string,
  provider: string,
  id: string,
  request: { weight?: number; name?: string; enabled?: boolean },
) =>
  apiFetch<CredentialView>(key, `/admin/providers/${enc(provider)}/credentials/${enc(id)}`, {
    method: 'PATCH',
    body: request,
  });

export const testCredential = (key: string, provider: string, id: string) =>
  apiFetch<{ credential: CredentialView; test: { verdict: string; httpStatus: number; message: string } }>(
    key,
    `/admin/providers/${enc(provider)}/credentials/${enc(id)}/test`,
    { method: 'POST' },
  );

export const listRates = (key: string, signal?: AbortSignal) => apiFetch<RateView[]>(key, '/admin/rates', { signal });

export const setRate = (key: string, provider: string, model: string, change: RateChange) =>
  apiFetch<RateView>(key, `/admin/rates/${enc(provider)}/${enc(model)}`, { method: 'PUT', body: change });

/** A model's prices in credits, as an import reports them (every field present, 0 when not priced). */
export interface ImportedPrices {
  inputPerMillion: number;
  outputPerMillion: number;
  cachedInputPerMillion: number;
  perImage: number;
  embeddingPerMillion: number;
}

export interface RateImportChange {
  model: string;
  /** The entry's key in the price list (may carry a provider prefix). */
  key: string;
  mode: string;
  change: 'added' | 'changed' | 'unchanged';
  before: ImportedPrices | null;
  after: ImportedPrices;
}

export interface RateImportReport {
  provider: string;
  litellmProvider: string;
  markup: number;
  dryRun: boolean;
  effectiveFrom: string;
  summary: { added: number; changed: number; unchanged: number; skipped: number };
  changes: RateImportChange[];
  skipped: { key: string; reason: string }[];
}

export interface RateImportRequest {
  provider: string;
  /** A decimal factor such as "1.2"; default 1. */
  markup?: string | undefined;
  /** Whose entries to take; default the provider's catalogue kind's. */
  litellmProvider?: string | undefined;
  dryRun: boolean;
}

/** Sets a provider's rates from a LiteLLM price list (or, with dryRun, only reports what would change). */
export const importPriceList = (key: string, request: RateImportRequest, priceList: string) =>
  apiFetch<RateImportReport>(
    key,
    `/admin/rates/import${query({
      provider: request.provider,
      markup: request.markup,
      litellmProvider: request.litellmProvider,
      dryRun: String(request.dryRun),
    })}`,
    { method: 'POST', rawBody: priceList },
  );

/** Multiplies every price of a rate by `factor` (1.1 = 10% more), rounded to 6 decimals as the gateway keeps them. */
export function scaleRate(rate: RateView, factor: number): RateChange {
  const scale = (value: number | null) => (value === null || value === undefined ? null : round6(Number(value) * factor));
  return {
    inputPerMillion: round6(Number(rate.inputPerMillion) * factor),
    outputPerMillion: round6(Number(rate.outputPerMillion) * factor),
    cachedInputPerMillion: scale(rate.cachedInputPerMillion),
    perImage: scale(rate.perImage),
    embeddingPerMillion: scale(rate.embeddingPerMillion),
    perAudioSecond: scale(rate.perAudioSecond ?? null),
    perSpeechCharacter: scale(rate.perSpeechCharacter ?? null),
  };
}

export function round6(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}

// ---------------------------------------------------------------- buying credits

/** A credit package for sale: `price` in the currency's major unit (9.99), `currency` ISO 4217 lower case. */
export interface CreditPackage {
  id: string;
  name: string;
  credits: number;
  price: number;
  currency: string;
  active: boolean;
  createdAt: string;
}

/** What the gateway answers to a checkout: `url` is Stripe's hosted payment page. */
export interface Checkout {
  sessionId: string;
  url: string;
  accountId: string;
  packageId: string;
  credits: number;
  price: number;
  currency: string;
}

/** The packages the caller can buy (active ones, cheapest first). */
export const listCreditPackages = (key: string, signal?: AbortSignal) =>
  apiFetch<CreditPackage[]>(key, '/api/credits/packages', { signal }).then((r) => r.data);

/** Opens a Stripe Checkout Session that buys the package for the caller's account. */
export const startCheckout = (key: string, packageId: string) =>
  apiFetch<Checkout>(key, '/api/credits/checkout', { method: 'POST', body: { packageId } }).then((r) => r.data);

/** "$9.99", "¥1,500": a package's price as its currency writes it. */
export function formatPrice(price: number, currency: string, locale?: string): string {
  try {
    return new Intl.NumberFormat(locale, { style: 'currency', currency: currency.toUpperCase() }).format(Number(price));
  } catch {
    return `${price} ${currency.toUpperCase()}`;
  }
}

/** Leaving the dashboard for Stripe's checkout; a seam so tests can see where the page sends the buyer. */
export const browser = {
  goTo(url: string) {
    window.location.assign(url);
  },
};

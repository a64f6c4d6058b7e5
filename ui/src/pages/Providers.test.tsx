// @vitest-environment jsdom
import { act } from 'react';
import { describe, expect, it, vi } from 'vitest';
import { SessionProvider, useSession } from '../session.tsx';
import { flush, pageStage } from '../testing/pageStage.ts';
import ProvidersPage, { bedrockApiKey } from './Providers.tsx';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
}

const BEDROCK = { name: 'aws', wireFormat: 'bedrock', baseUrl: 'https://bedrock-runtime.us-east-1.amazonaws.com', enabled: true, credentials: [] };

/** The gateway as the page sees it: an admin and one Bedrock provider. */
const fetchMock = vi.fn(async (url: string, init?: RequestInit) => {
  if (url === '/api/me') return json({ keyId: 'k1', accountId: null, role: 'admin', scopes: [] });
  if (url === '/admin/providers' && init?.method === 'GET') return json([BEDROCK]);
  if (url.startsWith('/admin/providers/') && init?.method === 'PUT') return json(BEDROCK);
  if (url.endsWith('/credentials') && init?.method === 'POST') return json({ id: 'cred_1' }, 201);
  throw new Error(`unexpected call ${init?.method ?? 'GET'} ${url}`);
});

function SignedInProviders() {
  return useSession().me ? <ProvidersPage /> : null;
}

const stage = pageStage(fetchMock, 'tg-admin-key');

function type(element: HTMLInputElement, value: string) {
  Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')!.set!.call(element, value);
  element.dispatchEvent(new Event('input', { bubbles: true }));
}

/** The input labelled so inside a form (the first one when the form is not named). */
function field(form: Element, label: string): HTMLInputElement {
  const found = [...form.querySelectorAll('label')].find((l) => l.textContent?.startsWith(label));
  if (!found) throw new Error(`no field '${label}' in ${form.innerHTML}`);
  return document.getElementById(found.htmlFor) as HTMLInputElement;
}

const calls = (method: string) => fetchMock.mock.calls.filter(([, init]) => init?.method === method);

describe('Providers: Amazon Bedrock credentials', () => {
  it('joins region, key id, secret and session token into the one string the gateway stores', () => {
    expect(bedrockApiKey({ region: 'eu-west-3', accessKeyId: 'AKIA1', secretAccessKey: 'se/cret+', sessionToken: '' })).toBe('eu-west-3:AKIA1:se/cret+');
    expect(bedrockApiKey({ region: 'us-east-1', accessKeyId: ' AKIA2 ', secretAccessKey: 's', sessionToken: 'tok' })).toBe('us-east-1:AKIA2:s:tok');
    expect(bedrockApiKey({ region: 'us-east-1', accessKeyId: '', secretAccessKey: '', sessionToken: '' })).toBe('');
  });

  it('registers a bedrock kind with AWS fields in place of an API key', async () => {
    stage.render(<SessionProvider><SignedInProviders /></SessionProvider>);
    await flush();
    await flush();
    const register = [...stage.container.querySelectorAll('form')].find((f) => f.textContent?.includes('Save provider'))!;

    act(() => type(field(register, 'Name'), 'aws'));
    act(() => type(field(register, 'Kind'), 'bedrock'));
    expect(register.textContent).not.toContain('API key');
    act(() => type(field(register, 'AWS region'), 'eu-west-3'));
    act(() => type(field(register, 'Access key id'), 'AKIAIOSFODNN7EXAMPLE'));
    act(() => type(field(register, 'Secret access key'), 'wJalrXUtnFEMI/K7MDENG'));
    act(() => register.querySelector('button')!.click());
    await flush();

    const [url, init] = calls('PUT')[0]!;
    expect(url).toBe('/admin/providers/aws');
    expect(JSON.parse(init!.body as string)).toEqual({ kind: 'bedrock', apiKey: 'eu-west-3:AKIAIOSFODNN7EXAMPLE:wJalrXUtnFEMI/K7MDENG' });
  });

  it("adds a credential to a Bedrock provider from the provider's AWS fields", async () => {
    stage.render(<SessionProvider><SignedInProviders /></SessionProvider>);
    await flush();
    await flush();
    const add = stage.container.querySelector('form[aria-label="Add a credential to aws"]')!;

    act(() => type(field(add, 'AWS region'), 'us-west-2'));
    act(() => type(field(add, 'Access key id'), 'ASIAEXAMPLE'));
    act(() => type(field(add, 'Secret access key'), 'secret'));
    act(() => type(field(add, 'Session token'), 'token'));
    act(() => (add.querySelector('button[type="submit"]') as HTMLButtonElement).click());
    await flush();

    const [url, init] = calls('POST')[0]!;
    expect(url).toBe('/admin/providers/aws/credentials');
    expect(JSON.parse(init!.body as string)).toMatchObject({ apiKey: 'us-west-2:ASIAEXAMPLE:secret:token', test: true });
  });
});

/**
 * The Tollgate API key typed into the page lives only in sessionStorage: it is gone when the tab
 * closes, and it is never written to localStorage, cookies or the URL.
 */
export const API_KEY_STORAGE_KEY = 'tollgate.apiKey';

type KeyStorage = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

/** sessionStorage, or undefined where it is missing or blocked (it can throw on access). */
function sessionStore(): KeyStorage | undefined {
  try {
    return globalThis.sessionStorage ?? undefined;
  } catch {
    return undefined;
  }
}

export function loadApiKey(storage: KeyStorage | undefined = sessionStore()): string {
  try {
    return storage?.getItem(API_KEY_STORAGE_KEY) ?? '';
  } catch {
    return '';
  }
}

export function saveApiKey(key: string, storage: KeyStorage | undefined = sessionStore()): void {
  try {
    if (key.trim() === '') storage?.removeItem(API_KEY_STORAGE_KEY);
    else storage?.setItem(API_KEY_STORAGE_KEY, key.trim());
  } catch {
    // Storage full or blocked: the key then just lasts as long as the page.
  }
}

export function clearApiKey(storage: KeyStorage | undefined = sessionStore()): void {
  saveApiKey('', storage);
}

import { describe, expect, it } from 'vitest';
import { API_KEY_STORAGE_KEY, clearApiKey, loadApiKey, saveApiKey } from './apiKeyStore.ts';

class MemoryStorage {
  readonly items = new Map<string, string>();
  getItem(key: string): string | null {
    return this.items.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    this.items.set(key, value);
  }
  removeItem(key: string): void {
    this.items.delete(key);
  }
}

describe('apiKeyStore', () => {
  it('saves a trimmed key, loads it back, and forgets it', () => {
    const storage = new MemoryStorage();
    expect(loadApiKey(storage)).toBe('');

    saveApiKey('  tg_live_abc \n', storage);
    expect(storage.items.get(API_KEY_STORAGE_KEY)).toBe('tg_live_abc');
    expect(loadApiKey(storage)).toBe('tg_live_abc');

    clearApiKey(storage);
    expect(storage.items.has(API_KEY_STORAGE_KEY)).toBe(false);
    expect(loadApiKey(storage)).toBe('');
  });

  it('survives a storage that throws', () => {
    const broken = {
      getItem: (): string | null => {
        throw new Error('SecurityError');
      },
      setItem: (): void => {
        throw new Error('QuotaExceededError');
      },
      removeItem: (): void => {
        throw new Error('SecurityError');
      },
    };
    expect(loadApiKey(broken)).toBe('');
    expect(() => saveApiKey('tg_key', broken)).not.toThrow();
  });
});

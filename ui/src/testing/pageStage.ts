import { act, type ReactNode } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { afterEach, beforeEach, vi, type Mock } from 'vitest';
import { saveApiKey } from '../api/apiKeyStore.ts';

/** Where a page test renders: a fresh container in the document for each test. */
export interface PageStage {
  readonly container: HTMLDivElement;
  render(page: ReactNode): void;
}

/**
 * Sets the stage for a page test: before each test the page's fetch is the given mock and the given key
 * is the signed-in one, and an empty container is mounted; after it all of that is undone, so no test
 * sees another's calls or leftovers.
 */
export function pageStage(fetchMock: Mock, apiKey: string): PageStage {
  let container: HTMLDivElement;
  let root: Root;
  beforeEach(() => {
    fetchMock.mockClear();
    vi.stubGlobal('fetch', fetchMock);
    saveApiKey(apiKey);
    container = document.createElement('div');
    document.body.append(container);
    root = createRoot(container);
  });
  afterEach(() => {
    act(() => root.unmount());
    container.remove();
    vi.unstubAllGlobals();
  });
  return {
    get container() {
      return container;
    },
    render: (page) => act(() => root.render(page)),
  };
}

/** Lets pending promises, and the renders they cause, run. */
export const flush = () => act(async () => {});

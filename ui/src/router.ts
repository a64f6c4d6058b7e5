import { useEffect, useState } from 'react';

/** Hash routes (#/usage), so the gateway serves one index.html and no server routing is needed. */
export function currentRoute(): string {
  const hash = globalThis.location?.hash ?? '';
  const path = hash.replace(/^#\/?/, '').split('?')[0] ?? '';
  return path === '' ? 'overview' : path;
}

export function useRoute(): string {
  const [route, setRoute] = useState(currentRoute);
  useEffect(() => {
    const onChange = () => setRoute(currentRoute());
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return route;
}

export function navigate(route: string) {
  window.location.hash = `#/${route}`;
}

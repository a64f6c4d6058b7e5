import { useEffect, useState } from 'react';

export type ThemeChoice = 'system' | 'light' | 'dark';
const THEME_KEY = 'tollgate.theme';

/** The colour scheme: the system's (prefers-color-scheme) unless the toggle picked one, kept in localStorage. */
export function useTheme(): [ThemeChoice, (choice: ThemeChoice) => void] {
  const [choice, setChoice] = useState<ThemeChoice>(() => {
    const stored = localStorage.getItem(THEME_KEY);
    return stored === 'light' || stored === 'dark' ? stored : 'system';
  });
  useEffect(() => {
    const root = document.documentElement;
    if (choice === 'system') {
      root.removeAttribute('data-theme');
      localStorage.removeItem(THEME_KEY);
    } else {
      root.setAttribute('data-theme', choice);
      localStorage.setItem(THEME_KEY, choice);
    }
  }, [choice]);
  return [choice, setChoice];
}

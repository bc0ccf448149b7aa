import type { Theme } from './api/types';

/** Shows the app in a profile's theme: light or dark as chosen, or as the system says. */
export function applyTheme(theme: Theme): void {
  if (theme === 'system') delete document.documentElement.dataset.theme;
  else document.documentElement.dataset.theme = theme;
}

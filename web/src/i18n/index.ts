import i18next from 'i18next';
import { initReactI18next } from 'react-i18next';
import { en } from './en';
import { pt } from './pt';

/** The languages the app speaks (the API's too). */
export const languages = ['en', 'pt'] as const;
export type Language = (typeof languages)[number];

const isLanguage = (value: string): value is Language => (languages as readonly string[]).includes(value);

/** The browser's language when the app speaks it, else English. */
function browserLanguage(): Language {
  const wanted = navigator.language.slice(0, 2);
  return isLanguage(wanted) ? wanted : 'en';
}

void i18next.use(initReactI18next).init({
  resources: { en: { translation: en }, pt: { translation: pt } },
  lng: browserLanguage(),
  fallbackLng: 'en',
  interpolation: { escapeValue: false },
});
document.documentElement.lang = i18next.language;

/** Switches to a user's language (their profile's), when the app speaks it. */
export function applyLanguage(language: string): void {
  if (!isLanguage(language) || i18next.language === language) return;
  void i18next.changeLanguage(language);
  document.documentElement.lang = language;
}

/** The current language. */
export function currentLanguage(): Language {
  return isLanguage(i18next.language) ? i18next.language : 'en';
}

export { i18next };

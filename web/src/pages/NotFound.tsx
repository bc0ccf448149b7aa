import { useTranslation } from 'react-i18next';

/** A path the app does not have. */
export function NotFound() {
  const { t } = useTranslation();
  return <h1>{t('notFound')}</h1>;
}

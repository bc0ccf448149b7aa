import { useTranslation } from 'react-i18next';

/** What a page shows while it waits. */
export function Loading() {
  const { t } = useTranslation();
  return (
    <p className="loading" role="status">
      {t('app.loading')}
    </p>
  );
}

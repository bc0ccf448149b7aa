import type { UseQueryResult } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { inWords } from '../api/words';
import { ErrorText } from './Field';
import { Loading } from './Loading';

/**
 * A list the API answers, in its states: loading, an error in words, `empty` when it holds no
 * items, else what `children` makes of its items.
 */
export function Answer<T>({
  query,
  empty,
  children,
}: {
  readonly query: UseQueryResult<{ readonly items: readonly T[] }>;
  readonly empty: string;
  readonly children: (items: readonly T[]) => ReactNode;
}) {
  const { t } = useTranslation();
  if (query.isPending) return <Loading />;
  if (query.isError) return <ErrorText message={inWords(t, query.error)} />;
  if (query.data.items.length === 0) return <p>{empty}</p>;
  return children(query.data.items);
}

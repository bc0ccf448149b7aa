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
  /** A query's state (of useQuery, or of useInfiniteQuery with its pages' items joined). */
  readonly query: {
    readonly isPending: boolean;
    readonly isError: boolean;
    readonly error: unknown;
    readonly data?: { readonly items: readonly T[] } | undefined;
  };
  readonly empty: string;
  readonly children: (items: readonly T[]) => ReactNode;
}) {
  const { t } = useTranslation();
  if (query.isPending) return <Loading />;
  if (query.isError) return <ErrorText message={inWords(t, query.error)} />;
  const items = query.data?.items ?? [];
  if (items.length === 0) return <p>{empty}</p>;
  return children(items);
}

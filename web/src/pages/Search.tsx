import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { useDeferredValue, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api/client';
import type { SearchResults } from '../api/types';
import { inWords } from '../api/words';
import { ErrorText, Field } from '../components/Field';
import { Highlighted } from '../components/Highlighted';
import { Loading } from '../components/Loading';

/** Full-text search with highlights; the facets (moods, tags) filter the results when pressed. */
export default function Search() {
  const { t } = useTranslation();
  const [text, setText] = useState('');
  const [mood, setMood] = useState<string | null>(null);
  const [tags, setTags] = useState<readonly string[]>([]);
  const q = useDeferredValue(text.trim());
  const query = new URLSearchParams();
  if (q !== '') query.set('q', q);
  if (mood !== null) query.set('mood', mood);
  for (const tag of tags) query.append('tags', tag);
  const searching = q !== '' || mood !== null || tags.length > 0;
  const results = useQuery({
    queryKey: ['entries', 'search', query.toString()],
    queryFn: ({ signal }) => api<SearchResults>('GET', `/v1/search?${query.toString()}`, { signal }),
    enabled: searching,
    placeholderData: keepPreviousData,
  });
  const toggleTag = (tag: string) => setTags(tags.includes(tag) ? tags.filter((x) => x !== tag) : [...tags, tag]);

  return (
    <section>
      <h1>{t('search.title')}</h1>
      <form role="search" onSubmit={(event) => event.preventDefault()}>
        <Field label={t('search.field')} type="search" value={text} onChange={(event) => setText(event.target.value)} />
      </form>
      {!searching ? (
        <p className="hint">{t('search.hint')}</p>
      ) : results.isPending ? (
        <Loading />
      ) : results.isError ? (
        <ErrorText message={inWords(t, results.error)} />
      ) : (
        <div className="search">
          <aside aria-label={t('search.facets')}>
            <h2>{t('today.field.mood')}</h2>
            <ul className="facets">
              {Object.entries(results.data.facets.mood).map(([name, count]) => (
                <li key={name}>
                  <button
                    type="button"
                    className="quiet"
                    aria-pressed={mood === name}
                    onClick={() => setMood(mood === name ? null : name)}
                  >
                    {t(`mood.${name}`, { defaultValue: name })} ({count})
                  </button>
                </li>
              ))}
            </ul>
            <h2>{t('today.field.tags')}</h2>
            <ul className="facets">
              {Object.entries(results.data.facets.tags).map(([name, count]) => (
                <li key={name}>
                  <button
                    type="button"
                    className="quiet"
                    aria-pressed={tags.includes(name)}
                    onClick={() => toggleTag(name)}
                  >
                    #{name} ({count})
                  </button>
                </li>
              ))}
            </ul>
          </aside>
          <div>
            <p role="status">{t('search.found', { count: results.data.total })}</p>
            <ul className="results" aria-label={t('search.results')}>
              {results.data.items.map((item) => (
                <li key={item.id}>
                  <Link to="/entries/$id" params={{ id: item.id }} className="title">
                    {item.highlights.title === undefined ? item.title : <Highlighted html={item.highlights.title} />}
                  </Link>{' '}
                  <span className="date">{item.date}</span>
                  {item.highlights.content !== undefined && (
                    <p className="snippet">
                      <Highlighted html={item.highlights.content} />
                    </p>
                  )}
                </li>
              ))}
            </ul>
          </div>
        </div>
      )}
    </section>
  );
}

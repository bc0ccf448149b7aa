import { Fragment } from 'react';

const entities: Readonly<Record<string, string>> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  '#39': "'",
  '#x27': "'",
};

/** The text of an HTML-escaped string (only the entities an escaper writes). */
function unescape(text: string): string {
  return text.replace(/&(amp|lt|gt|quot|apos|#39|#x27);/g, (_, name: string) => entities[name] ?? '');
}

/**
 * A search highlight rendered without innerHTML: the API's escaped text with matches in
 * <mark> becomes text nodes and <mark> elements, so nothing else in it can become markup.
 */
export function Highlighted({ html }: { readonly html: string }) {
  const parts = html.split(/<mark>(.*?)<\/mark>/s);
  return (
    <>
      {parts.map((part, index) =>
        index % 2 === 1 ? <mark key={index}>{unescape(part)}</mark> : <Fragment key={index}>{unescape(part)}</Fragment>,
      )}
    </>
  );
}

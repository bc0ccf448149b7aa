import Markdown from 'react-markdown';
import rehypeSanitize from 'rehype-sanitize';
import remarkGfm from 'remark-gfm';

/**
 * The entry rendered: GitHub-flavoured Markdown, raw HTML dropped (react-markdown renders none of
 * it), unsafe URLs removed and the result sanitized (rehype-sanitize: no scripts, handlers or
 * javascript: links). cli/src/web/xss.e2e.spec.ts holds it to that.
 */
export function Preview({ content }: { readonly content: string }) {
  return (
    <Markdown remarkPlugins={[remarkGfm]} rehypePlugins={[rehypeSanitize]}>
      {content}
    </Markdown>
  );
}

import Markdown from 'react-markdown';
import rehypeSanitize from 'rehype-sanitize';
import remarkGfm from 'remark-gfm';

/**
 * The entry rendered: GitHub-flavoured Markdown, raw HTML left as text (react-markdown does not
 * parse it) and the result sanitized (rehype-sanitize: no scripts, handlers or javascript: links).
 */
export function Preview({ content }: { readonly content: string }) {
  return (
    <Markdown remarkPlugins={[remarkGfm]} rehypePlugins={[rehypeSanitize]}>
      {content}
    </Markdown>
  );
}

import { defaultKeymap, history, historyKeymap } from '@codemirror/commands';
import { markdown } from '@codemirror/lang-markdown';
import { syntaxHighlighting, defaultHighlightStyle } from '@codemirror/language';
import { EditorState } from '@codemirror/state';
import { EditorView, keymap, placeholder } from '@codemirror/view';
import { useEffect, useRef } from 'react';

/** The look the page's stylesheet cannot give inside the shadow root (its colours follow the theme). */
const editorLook = EditorView.theme({
  '&': { minHeight: '12rem', color: 'CanvasText', backgroundColor: 'Canvas' },
  '.cm-content': { caretColor: 'CanvasText', fontFamily: 'inherit', padding: '0.5rem' },
  '&.cm-focused': { outline: '2px solid #2f4ac0' },
});

interface MarkdownEditorProps {
  /** The accessible name of the text box. */
  readonly label: string;
  readonly value: string;
  readonly onChange: (value: string) => void;
  readonly placeholderText?: string;
}

/**
 * Markdown written as Markdown (CodeMirror 6): the text box is named by `label`. The value
 * given later replaces the text only when it differs (a reload, or the newer version chosen).
 */
export function MarkdownEditor({ label, value, onChange, placeholderText }: MarkdownEditorProps) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const changed = useRef(onChange);
  useEffect(() => {
    changed.current = onChange;
  }, [onChange]);

  useEffect(() => {
    if (host.current === null) return;
    // In a shadow root, CodeMirror's styles go to adoptedStyleSheets, which the CSP allows; in the
    // document they would be a <style> element, which `style-src 'self'` refuses.
    const shadow = host.current.shadowRoot ?? host.current.attachShadow({ mode: 'open' });
    const parent = document.createElement('div');
    shadow.replaceChildren(parent);
    const editor = new EditorView({
      root: shadow,
      parent,
      state: EditorState.create({
        doc: value,
        extensions: [
          history(),
          keymap.of([...defaultKeymap, ...historyKeymap]),
          markdown(),
          syntaxHighlighting(defaultHighlightStyle),
          EditorView.lineWrapping,
          editorLook,
          // Chromium's contenteditable may insert no-break spaces where plain ones were typed.
          EditorView.inputHandler.of((editorView, from, to, text) => {
            if (!text.includes('\u00a0')) return false;
            const insert = text.replace(/\u00a0/g, ' ');
            editorView.dispatch({ changes: { from, to, insert }, selection: { anchor: from + insert.length } });
            return true;
          }),
          EditorView.contentAttributes.of({ 'aria-label': label, 'aria-multiline': 'true' }),
          placeholder(placeholderText ?? ''),
          EditorView.updateListener.of((update) => {
            if (update.docChanged) changed.current(update.state.doc.toString());
          }),
        ],
      }),
    });
    view.current = editor;
    return () => {
      editor.destroy();
      view.current = null;
    };
    // The editor is made once; later values arrive through the effect below.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [label]);

  useEffect(() => {
    const editor = view.current;
    if (editor === null) return;
    const current = editor.state.doc.toString();
    if (current !== value) editor.dispatch({ changes: { from: 0, to: current.length, insert: value } });
  }, [value]);

  return <div className="editor" ref={host} />;
}

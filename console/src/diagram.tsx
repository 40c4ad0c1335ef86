import type MermaidApi from 'mermaid';
import { useEffect, useRef, useState } from 'preact/hooks';
import { useI18n } from './i18n';
import { diagramText, type KindDescription } from './model';

declare global {
  interface Window {
    /** Mermaid's browser build, loaded by index.html from this server. */
    mermaid?: typeof MermaidApi;
  }
}

function whenMermaidLoaded(): Promise<typeof MermaidApi> {
  if (window.mermaid) return Promise.resolve(window.mermaid);
  return new Promise((resolve, reject) =>
    window.addEventListener('load', () => (window.mermaid ? resolve(window.mermaid) : reject(new Error('Mermaid did not load'))), { once: true }),
  );
}

let renders = 0;

export function Diagram({ kind, state }: { kind: KindDescription; state: string }) {
  const { lang } = useI18n();
  const box = useRef<HTMLDivElement>(null);
  const [failed, setFailed] = useState<string>();
  const text = diagramText(kind, state, lang);
  useEffect(() => {
    let current = true;
    (async () => {
      const mermaid = await whenMermaidLoaded();
      mermaid.initialize({ startOnLoad: false, securityLevel: 'strict', theme: 'default', fontFamily: 'system-ui, "Noto Sans CJK SC", sans-serif' });
      const { svg } = await mermaid.render(`diagram-${++renders}`, text);
      if (current && box.current) {
        box.current.innerHTML = svg;
        box.current.dataset.state = state;
        box.current.dataset.rendered = 'true';
      }
    })().catch((err: Error) => current && setFailed(err.message));
    return () => {
      current = false;
    };
  }, [text]);
  return (
    <div>
      <div class="diagram" ref={box} data-testid="diagram" />
      {failed && <pre class="error">{failed}</pre>}
    </div>
  );
}

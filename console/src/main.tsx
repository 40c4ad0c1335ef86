import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, codecSession, forgetKey, signedInKey, type Me } from './api';
import { Loading } from './common';
import { i18n, LangContext, storedLang, type Lang } from './i18n';
import { Inbox } from './pages/Inbox';
import { Migrations } from './pages/Migrations';
import { ProcessPage } from './pages/Process';
import { Processes } from './pages/Processes';
import { SignIn } from './pages/SignIn';
import { Start } from './pages/Start';

/** The console: sign in, then pages addressed by the URL's hash (`#/processes/<id>`), so the server serves one page. */

function useHash() {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const changed = () => setHash(location.hash);
    window.addEventListener('hashchange', changed);
    return () => window.removeEventListener('hashchange', changed);
  }, []);
  return hash;
}

function Page({ hash, me }: { hash: string; me: Me }) {
  const [, page, rest] = hash.match(/^#\/([^/]*)\/?(.*)$/) ?? [];
  if (page === 'processes' && rest) return <ProcessPage id={decodeURIComponent(rest)} me={me} />;
  if (page === 'processes') return <Processes me={me} />;
  if (page === 'inbox') return <Inbox me={me} />;
  if (page === 'start') return <Start me={me} />;
  if (page === 'migrations' && me.role === 'ops') return <Migrations />;
  // Each person lands where their work is: reviewers on their inbox, everyone else on their processes.
  return me.role === 'reviewer' ? <Inbox me={me} /> : <Processes me={me} />;
}

function App() {
  const [lang, setLang] = useState<Lang>(storedLang);
  const [me, setMe] = useState<Me | null | undefined>(signedInKey() ? undefined : null);
  const hash = useHash();
  const words = i18n(lang);

  useEffect(() => {
    document.documentElement.lang = lang;
    localStorage.setItem('pf.lang', lang);
  }, [lang]);
  useEffect(() => {
    if (me !== undefined) return;
    api<Me>('GET', '/v1/me').then(setMe, () => {
      forgetKey();
      setMe(null);
    });
  }, []);

  const landing = me?.role === 'reviewer' ? '#/inbox' : '#/processes';
  const tab = (href: string, word: 'processes' | 'inbox' | 'migrations') => (
    <a href={href} class={(hash.length > 2 ? hash : landing).startsWith(href) ? 'active' : ''}>
      {words.t(word)}
    </a>
  );
  const signOut = () => {
    forgetKey();
    setMe(null);
    void codecSession(null);
    location.hash = '';
  };
  const signedIn = (who: Me) => {
    setMe(who);
    void codecSession(who);
  };

  return (
    <LangContext.Provider value={words}>
      <header>
        <span class="brand">{words.t('appName')}</span>
        <nav>
          {me && tab('#/processes', 'processes')}
          {me && me.role !== 'customer' && me.role !== 'manager' && tab('#/inbox', 'inbox')}
          {me?.role === 'ops' && tab('#/migrations', 'migrations')}
        </nav>
        {me && (
          <span class="who" data-testid="who">
            {me.name ?? me.id} · {words.role(me.role)}
            {me.partnerId ? ` · ${me.partnerId}` : ''}
          </span>
        )}
        <button data-testid="lang" onClick={() => setLang(lang === 'en' ? 'zh-CN' : 'en')}>
          {lang === 'en' ? '中文' : 'English'}
        </button>
        {me && <button onClick={signOut}>{words.t('signOut')}</button>}
      </header>
      <main>{me === undefined ? <Loading /> : me === null ? <SignIn onSignedIn={signedIn} /> : <Page hash={hash} me={me} />}</main>
    </LangContext.Provider>
  );
}

render(<App />, document.getElementById('app')!);

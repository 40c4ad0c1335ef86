import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, codecSession, forgetKey, onSignInLost, rememberKey, signedInKey, type Me } from './api';
import { Loading } from './common';
import { i18n, LangContext, storedLang, type Lang } from './i18n';
import { Away } from './pages/Away';
import { Inbox } from './pages/Inbox';
import { Migrations } from './pages/Migrations';
import { Keys } from './pages/Keys';
import { Report } from './pages/Report';
import { ProcessPage } from './pages/Process';
import { Processes } from './pages/Processes';
import { SignIn } from './pages/SignIn';
import { Start } from './pages/Start';
import { completeSignIn, returningFromSignIn, signInConfig } from './sso';

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
  if (page === 'away') return <Away me={me} />;
  if (page === 'reports') return <Report />;
  if (page === 'keys') return <Keys me={me} />;
  // Each person lands where their work is: reviewers on their inbox, everyone else on their processes.
  return me.role === 'reviewer' ? <Inbox me={me} /> : <Processes me={me} />;
}

function App() {
  const [lang, setLang] = useState<Lang>(storedLang);
  const [me, setMe] = useState<Me | null | undefined>(signedInKey() || returningFromSignIn() ? undefined : null);
  const [signInError, setSignInError] = useState<unknown>();
  const hash = useHash();
  const words = i18n(lang);

  useEffect(() => {
    document.documentElement.lang = lang;
    localStorage.setItem('pf.lang', lang);
  }, [lang]);
  // A sign-in that expires mid-session: back to the sign-in page, which says why (README, "Staff sign-in").
  useEffect(
    () =>
      onSignInLost((error) => {
        setSignInError(error);
        setMe(null);
        void codecSession(null);
      }),
    [],
  );
  useEffect(() => {
    if (me !== undefined) return;
    (async () => {
      // Back from the identity provider: the code becomes the token this tab signs in with.
      if (returningFromSignIn()) {
        const oidc = await signInConfig();
        if (!oidc) throw new Error('This server no longer offers single sign-on; sign in with a key.');
        rememberKey(await completeSignIn(oidc));
      }
      return api<Me>('GET', '/v1/me');
    })().then(signedIn, (err) => {
      forgetKey();
      setSignInError(err);
      setMe(null);
    });
  }, []);

  const landing = me?.role === 'reviewer' ? '#/inbox' : '#/processes';
  const tab = (href: string, word: 'processes' | 'inbox' | 'migrations' | 'away' | 'report' | 'keys') => (
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
          {me && (me.role === 'reviewer' || me.role === 'ops') && tab('#/away', 'away')}
          {me && me.role === 'ops' && tab('#/reports', 'report')}
          {me && (me.role === 'ops' || me.role === 'partner') && tab('#/keys', 'keys')}
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
      <main>{me === undefined ? <Loading /> : me === null ? <SignIn onSignedIn={signedIn} error={signInError} /> : <Page hash={hash} me={me} />}</main>
    </LangContext.Provider>
  );
}

render(<App />, document.getElementById('app')!);

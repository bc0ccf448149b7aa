import { Link, Outlet, useNavigate, useRouterState } from '@tanstack/react-router';
import { Suspense } from 'react';
import { useTranslation } from 'react-i18next';
import { signOut, useSession } from '../auth/session';
import { Loading } from './Loading';

const publicPaths = ['/sign-in', '/sign-up'];

/** The frame of every page: the header with the navigation, and the page in <main>. */
export function Layout() {
  const { t } = useTranslation();
  const session = useSession();
  const navigate = useNavigate();
  const path = useRouterState({ select: (state) => state.location.pathname });
  const needsLogin = !publicPaths.includes(path) && path !== '/';

  let page = <Outlet />;
  if (session.state === 'loading') page = <Loading />;
  else if (session.state === 'anonymous' && needsLogin) {
    void navigate({ to: '/sign-in', replace: true });
    page = <Loading />;
  }

  return (
    <>
      <a className="skip" href="#main">
        {t('app.skip')}
      </a>
      <header className="top">
        <span className="brand">{t('app.name')}</span>
        {session.state === 'signed-in' && (
          <>
            <nav aria-label={t('nav.label')}>
              <Link to="/today">{t('nav.today')}</Link>
              <Link to="/entries">{t('nav.entries')}</Link>
            </nav>
            <button
              type="button"
              className="quiet"
              onClick={() => void signOut().then(() => navigate({ to: '/sign-in' }))}
            >
              {t('nav.signOut')}
            </button>
          </>
        )}
      </header>
      <main id="main">
        <Suspense fallback={<Loading />}>{page}</Suspense>
      </main>
    </>
  );
}

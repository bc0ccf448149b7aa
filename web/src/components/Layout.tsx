import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, Outlet, useNavigate, useRouterState } from '@tanstack/react-router';
import { Suspense, useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { followLiveUpdates } from '../api/live';
import { notificationsQuery } from '../api/notifications';
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
  const signedIn = session.state === 'signed-in';
  const roles = session.state === 'signed-in' ? session.user.roles : [];
  const queries = useQueryClient();
  const notifications = useQuery({ ...notificationsQuery, enabled: signedIn });
  const unread = signedIn ? (notifications.data?.unread ?? 0) : 0;

  // What another device (or the ai-worker) changed shows here without a reload.
  useEffect(() => {
    if (!signedIn) return;
    return followLiveUpdates((update) => {
      const about =
        update.type === 'insight-ready'
          ? ['insights']
          : update.type === 'notification'
            ? ['notifications']
            : update.type === 'achievement'
              ? ['achievements']
              : ['entries'];
      void queries.invalidateQueries({ queryKey: about });
    });
  }, [signedIn, queries]);

  // Ctrl/Cmd+K searches; N starts today's entry (when not typing).
  useEffect(() => {
    if (!signedIn) return;
    const onKey = (event: KeyboardEvent) => {
      if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === 'k') {
        event.preventDefault();
        void navigate({ to: '/search' });
        return;
      }
      const target = event.target;
      const typing =
        target instanceof HTMLElement &&
        (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName));
      if (event.key === 'n' && !typing && !event.ctrlKey && !event.metaKey && !event.altKey) {
        void navigate({ to: '/today' });
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [signedIn, navigate]);

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
              <Link to="/calendar">{t('nav.calendar')}</Link>
              <Link to="/trends">{t('nav.trends')}</Link>
              <Link to="/search">{t('nav.search')}</Link>
              <Link to="/insights">{t('nav.insights')}</Link>
              <Link to="/habits">{t('nav.habits')}</Link>
              <Link to="/notifications">
                {t('nav.notifications')}
                {unread > 0 && (
                  <span className="count" aria-label={t('nav.unread', { count: unread })}>
                    {unread}
                  </span>
                )}
              </Link>
              <Link to="/settings">{t('nav.settings')}</Link>
              <Link to="/your-data">{t('nav.data')}</Link>
              {roles.includes('compliance') && <Link to="/compliance">{t('nav.compliance')}</Link>}
              {roles.includes('analyst') && <Link to="/analytics">{t('nav.analytics')}</Link>}
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

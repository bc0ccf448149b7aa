import { createRootRoute, createRoute, createRouter, Navigate } from '@tanstack/react-router';
import { lazy } from 'react';
import { useSession } from './auth/session';
import { Layout } from './components/Layout';
import { NotFound } from './pages/NotFound';
import { SignIn } from './pages/SignIn';
import { SignUp } from './pages/SignUp';

// The pages behind a login load on demand: the editor and Markdown stay out of the app shell.
const Today = lazy(() => import('./pages/Today'));
const Entries = lazy(() => import('./pages/Entries'));
const EntryPage = lazy(() => import('./pages/EntryPage'));
const HistoryPage = lazy(() => import('./pages/HistoryPage'));
const Trash = lazy(() => import('./pages/Trash'));
const Calendar = lazy(() => import('./pages/Calendar'));
const Trends = lazy(() => import('./pages/Trends'));
const Search = lazy(() => import('./pages/Search'));
const Insights = lazy(() => import('./pages/Insights'));
const Settings = lazy(() => import('./pages/Settings'));
const YourData = lazy(() => import('./pages/YourData'));
const Compliance = lazy(() => import('./pages/Compliance'));
const Analytics = lazy(() => import('./pages/Analytics'));
const Notifications = lazy(() => import('./pages/Notifications'));
const Habits = lazy(() => import('./pages/Habits'));

const rootRoute = createRootRoute({ component: Layout, notFoundComponent: NotFound });

function Home() {
  const session = useSession();
  if (session.state === 'loading') return null;
  return <Navigate to={session.state === 'signed-in' ? '/today' : '/sign-in'} replace />;
}

const routes = [
  createRoute({ getParentRoute: () => rootRoute, path: '/', component: Home }),
  createRoute({ getParentRoute: () => rootRoute, path: '/sign-in', component: SignIn }),
  createRoute({ getParentRoute: () => rootRoute, path: '/sign-up', component: SignUp }),
  createRoute({ getParentRoute: () => rootRoute, path: '/today', component: Today }),
  createRoute({ getParentRoute: () => rootRoute, path: '/entries', component: Entries }),
  createRoute({ getParentRoute: () => rootRoute, path: '/entries/$id', component: EntryPage }),
  createRoute({ getParentRoute: () => rootRoute, path: '/entries/$id/history', component: HistoryPage }),
  createRoute({ getParentRoute: () => rootRoute, path: '/trash', component: Trash }),
  createRoute({ getParentRoute: () => rootRoute, path: '/calendar', component: Calendar }),
  createRoute({ getParentRoute: () => rootRoute, path: '/trends', component: Trends }),
  createRoute({ getParentRoute: () => rootRoute, path: '/search', component: Search }),
  createRoute({ getParentRoute: () => rootRoute, path: '/insights', component: Insights }),
  createRoute({ getParentRoute: () => rootRoute, path: '/settings', component: Settings }),
  createRoute({ getParentRoute: () => rootRoute, path: '/notifications', component: Notifications }),
  createRoute({ getParentRoute: () => rootRoute, path: '/habits', component: Habits }),
  createRoute({ getParentRoute: () => rootRoute, path: '/your-data', component: YourData }),
  createRoute({ getParentRoute: () => rootRoute, path: '/compliance', component: Compliance }),
  createRoute({ getParentRoute: () => rootRoute, path: '/analytics', component: Analytics }),
];

/** The app's pages; every other path is the not-found page. */
export const router = createRouter({ routeTree: rootRoute.addChildren(routes) });

declare module '@tanstack/react-router' {
  interface Register {
    router: typeof router;
  }
}

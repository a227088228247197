import { useSession } from '@coatcheck/react'
import { Articles } from './articles.tsx'
import { useHashPage } from './use-hash-page.ts'
import { WhoAmI } from './who-am-i.tsx'
import { XssLab } from './xss-lab.tsx'

export function App() {
  const session = useSession()
  const page = useHashPage()
  return (
    <main>
      <header>
        <h1>Coatcheck demo</h1>
        <nav>
          <a href="#/">Articles</a> · <a href="#/xss-lab">XSS lab</a>
        </nav>
      </header>
      <p className="intro">
        This single-page app is served from its own origin and never sees an OAuth token: Coatcheck
        keeps them and gives the browser an <code>HttpOnly</code> session cookie.
      </p>
      {session.status === 'loading' && <p role="status">Checking your session…</p>}
      {session.status === 'error' && <p role="alert">Coatcheck cannot be reached.</p>}
      {(session.status === 'anonymous' || session.status === 'ended') && (
        <section aria-labelledby="signed-out-title">
          <h2 id="signed-out-title">
            {session.status === 'ended' ? 'Your session has ended' : 'Signed out'}
          </h2>
          <p>Sign in as alice / wonderland, bob / builder or carol / marvel.</p>
          <button id="login" type="button" onClick={() => session.login()}>
            Log in
          </button>
        </section>
      )}
      {session.status === 'authenticated' && (
        <>
          <section aria-labelledby="signed-in-title">
            <h2 id="signed-in-title">
              Signed in as{' '}
              <span id="user-name">{String(session.user.name ?? session.user.sub)}</span>
            </h2>
            <div className="actions">
              <WhoAmI />
              <button
                id="logout"
                type="button"
                className="secondary"
                onClick={() => void session.logout()}
              >
                Log out
              </button>
            </div>
          </section>
          {page === 'xss-lab' ? <XssLab /> : <Articles />}
        </>
      )}
    </main>
  )
}

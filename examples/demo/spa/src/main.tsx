// The demo SPA: React on @coatcheck/react. It never holds a token: every call goes to
// Coatcheck with the session cookie and the anti-CSRF header, and its buttons follow the
// rules Coatcheck serves in /auth/session, which come from the API's own policy.
import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { createCoatcheck } from '@coatcheck/client'
import { casl } from '@coatcheck/client/permissions'
import { CoatcheckProvider } from '@coatcheck/react'
import { App } from './app.tsx'
import { readCoatcheckUrl } from './coatcheck-url.ts'
import './styles.css'

const coatcheck = createCoatcheck({ baseUrl: readCoatcheckUrl(), permissions: casl() })

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <CoatcheckProvider client={coatcheck}>
      <App />
    </CoatcheckProvider>
  </StrictMode>,
)

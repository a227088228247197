import { errors, type KoaContext, type KoaMiddleware, type Provider } from 'oidc-provider'
import type { UserDirectory } from '../users.ts'
import { grantRequestedConsent } from './auto-consent.ts'
import { renderErrorPage, renderLoginPage } from './pages.ts'
import { readForm } from './read-form.ts'

// oidc-provider interaction ids are nanoids: URL-safe base64 characters only.
const ROUTE = /^\/interaction\/([A-Za-z0-9_-]+)(?:\/(login|abort))?$/

/**
 * Serves `/interaction/<uid>`: the login form (real passwords, devInteractions is off, D-27)
 * and automatic consent.
 *
 * CSRF: every step loads the interaction through its cookie, which is SameSite=Lax and
 * scoped to this path, so a cross-site form post arrives without it and fails.
 */
export function createInteractionRoutes(provider: Provider, users: UserDirectory): KoaMiddleware {
  return async (ctx, next) => {
    const match = ROUTE.exec(ctx.path)
    if (match === null) return next()
    const [, uid = '', action] = match
    // Login pages and their answers are per user and per moment: never cache them.
    ctx.set('Cache-Control', 'no-store')
    try {
      if (action === undefined && ctx.method === 'GET') return await showPrompt(ctx, uid)
      if (action === 'login' && ctx.method === 'POST') return await submitLogin(ctx, uid)
      if (action === 'abort' && ctx.method === 'POST') return await abortLogin(ctx, uid)
      ctx.status = 405
      ctx.type = 'html'
      ctx.body = renderErrorPage('method_not_allowed')
    } catch (error) {
      if (!(error instanceof errors.OIDCProviderError)) throw error
      // Typically SessionNotFound: the interaction expired or its cookie is missing.
      ctx.status = error.status
      ctx.type = 'html'
      ctx.body = renderErrorPage(error.error, error.error_description)
    }
  }

  async function loadInteraction(ctx: KoaContext, uid: string) {
    const interaction = await provider.interactionDetails(ctx.req, ctx.res)
    // The cookie decides which interaction this is; a mismatching URL means a stale tab.
    if (interaction.uid !== uid) throw new errors.SessionNotFound('interaction mismatch')
    return interaction
  }

  async function showPrompt(ctx: KoaContext, uid: string): Promise<void> {
    const interaction = await loadInteraction(ctx, uid)
    const clientId = String(interaction.params.client_id)
    switch (interaction.prompt.name) {
      case 'login': {
        const hint = interaction.params.login_hint
        ctx.type = 'html'
        ctx.body = renderLoginPage({
          uid,
          clientId,
          ...(typeof hint === 'string' ? { username: hint } : {}),
        })
        return
      }
      case 'consent': {
        const grantId = await grantRequestedConsent(provider, interaction)
        return finish(
          ctx,
          await provider.interactionResult(ctx.req, ctx.res, { consent: { grantId } }),
        )
      }
      default:
        throw new errors.SessionNotFound(`unsupported prompt ${interaction.prompt.name}`)
    }
  }

  async function submitLogin(ctx: KoaContext, uid: string): Promise<void> {
    const interaction = await loadInteraction(ctx, uid)
    const form = await readForm(ctx.req)
    const username = form?.get('username') ?? ''
    const user = await users.authenticate(username, form?.get('password') ?? '')
    if (user === undefined) {
      // Same message for unknown users and wrong passwords: no username enumeration.
      ctx.type = 'html'
      ctx.body = renderLoginPage({
        uid,
        clientId: String(interaction.params.client_id),
        username,
        error: 'Invalid username or password.',
      })
      return
    }
    const login = { accountId: user.sub, amr: ['pwd'] }
    const returnTo = await provider.interactionResult(
      ctx.req,
      ctx.res,
      { login },
      {
        mergeWithLastSubmission: false,
      },
    )
    finish(ctx, returnTo)
  }

  async function abortLogin(ctx: KoaContext, uid: string): Promise<void> {
    await loadInteraction(ctx, uid)
    const result = { error: 'access_denied', error_description: 'End-User aborted interaction' }
    finish(
      ctx,
      await provider.interactionResult(ctx.req, ctx.res, result, {
        mergeWithLastSubmission: false,
      }),
    )
  }
}

function finish(ctx: KoaContext, returnTo: string): void {
  // 303 turns the form POST into a GET of the authorization endpoint (RFC 9110 §15.4.4).
  ctx.status = 303
  ctx.redirect(returnTo)
}

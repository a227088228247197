// oidc-provider ships no type declarations. These cover only what the dev IdP uses, so a
// typo in a hook name or a wrong return type fails to type-check instead of failing at run time.
declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http'

  export type UnknownObject = Record<string, unknown>

  /** Client metadata as registered (RFC 7591 names). */
  export interface ClientMetadata {
    client_id: string
    client_secret?: string
    redirect_uris?: string[]
    post_logout_redirect_uris?: string[]
    grant_types?: string[]
    response_types?: string[]
    token_endpoint_auth_method?: string
    backchannel_logout_uri?: string
    backchannel_logout_session_required?: boolean
    [property: string]: unknown
  }

  export interface Client {
    readonly clientId: string
    readonly clientAuthMethod: string
    readonly applicationType: string
    readonly redirectUris: string[]
    grantTypeAllowed(grantType: string): boolean
  }

  export interface ResourceServerInfo {
    scope: string
    audience: string
    accessTokenTTL: number
    accessTokenFormat: 'jwt' | 'opaque'
    jwt?: { sign?: { alg: string } }
  }

  export interface Account {
    accountId: string
    claims(use: string, scope: string): Promise<UnknownObject> | UnknownObject
  }

  /** The token models the hooks below receive; only the members the dev IdP reads. */
  export interface TokenModel {
    readonly kind: string
    readonly accountId?: string
    readonly clientId?: string
    readonly resourceServer?: unknown
    isSenderConstrained?(): boolean
    readonly remainingTTL?: number
  }

  export interface OidcContext {
    readonly params: Record<string, unknown>
    readonly client?: Client
    readonly route: string
    readonly entities: {
      readonly Account?: { accountId: string }
      readonly AccessToken?: TokenModel
      readonly RefreshToken?: TokenModel
      readonly RotatedRefreshToken?: TokenModel
    }
  }

  /** The Koa context, reduced to what the dev IdP's middleware touches. */
  export interface KoaContext {
    readonly req: IncomingMessage
    readonly res: ServerResponse
    readonly path: string
    readonly method: string
    readonly host: string
    readonly oidc: OidcContext
    status: number
    body: unknown
    type: string
    set(field: string, value: string): void
    get(field: string): string
    redirect(url: string): void
  }

  export type KoaMiddleware = (ctx: KoaContext, next: () => Promise<void>) => Promise<void>

  export interface Interaction {
    readonly uid: string
    readonly grantId?: string
    readonly params: Record<string, unknown>
    readonly prompt: {
      name: string
      reasons: string[]
      details: {
        missingOIDCScope?: string[]
        missingOIDCClaims?: string[]
        missingResourceScopes?: Record<string, string[]>
      }
    }
    readonly session?: { accountId: string }
  }

  export interface Grant {
    addOIDCScope(scope: string): void
    addOIDCClaims(claims: string[]): void
    addResourceScope(resource: string, scope: string): void
    save(): Promise<string>
  }

  export interface GrantModel {
    new (properties: { accountId: string; clientId: string }): Grant
    find(id: string): Promise<Grant | undefined>
  }

  export interface InteractionResult {
    login?: { accountId: string; amr?: string[]; remember?: boolean }
    consent?: { grantId: string }
    error?: string
    error_description?: string
  }

  export interface Configuration {
    [option: string]: unknown
  }

  export interface Jwk {
    kty: string
    kid?: string
    alg?: string
    use?: string
    [member: string]: unknown
  }

  export class Provider {
    constructor(issuer: string, configuration: Configuration)
    readonly issuer: string
    proxy: boolean
    readonly Grant: GrantModel
    readonly Client: { validate(metadata: ClientMetadata): Promise<void> }
    readonly AccessToken: { prototype: { save(this: unknown): Promise<string> } }
    readonly RefreshToken: { prototype: { save(this: unknown): Promise<string> } }
    readonly AuthorizationCode: { prototype: { save(this: unknown): Promise<string> } }
    readonly IdToken: {
      prototype: { issue(this: unknown, options: { use: string }): Promise<string> }
    }
    use(middleware: KoaMiddleware): this
    callback(): (req: IncomingMessage, res: ServerResponse) => void
    on(event: string, listener: (...args: never[]) => void): this
    interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<Interaction>
    interactionResult(
      req: IncomingMessage,
      res: ServerResponse,
      result: InteractionResult,
      options?: { mergeWithLastSubmission?: boolean },
    ): Promise<string>
  }

  export class OIDCProviderError extends Error {
    readonly error: string
    readonly error_description?: string
    readonly status: number
  }

  export const errors: {
    readonly OIDCProviderError: typeof OIDCProviderError
    readonly InvalidTarget: new (description?: string) => OIDCProviderError
    readonly SessionNotFound: new (description?: string) => OIDCProviderError
  }

  export default Provider
}

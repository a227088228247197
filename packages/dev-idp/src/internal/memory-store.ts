type Payload = Record<string, unknown>

interface Entry {
  payload: Payload
  /** Epoch milliseconds; undefined for records that never expire (clients). */
  expiresAt: number | undefined
}

/** The storage interface oidc-provider expects per model (`Session`, `Grant`, `Client`, ...). */
export interface ProviderAdapter {
  upsert(id: string, payload: Payload, expiresIn?: number): Promise<void>
  find(id: string): Promise<Payload | undefined>
  findByUid(uid: string): Promise<Payload | undefined>
  findByUserCode(userCode: string): Promise<Payload | undefined>
  consume(id: string): Promise<void>
  destroy(id: string): Promise<void>
  revokeByGrantId(grantId: string): Promise<void>
}

const SWEEP_EVERY = 500

/**
 * In-memory storage for every oidc-provider model, shared by one provider. Owning it (rather
 * than using the library's quick-start adapter) lets the dev IdP register clients at run time
 * and revoke everything a user holds in one call.
 */
export class MemoryStore {
  readonly #models = new Map<string, Map<string, Entry>>()
  #writes = 0

  /** The adapter factory to pass as oidc-provider's `adapter` option. */
  readonly adapterFactory = (model: string): ProviderAdapter => this.#adapterFor(model)

  /** Stores a record directly, e.g. a client's metadata under model `Client`. */
  put(model: string, id: string, payload: Payload, expiresIn?: number): void {
    const expiresAt = expiresIn === undefined ? undefined : Date.now() + expiresIn * 1000
    this.#table(model).set(id, { payload: structuredClone(payload), expiresAt })
    if (++this.#writes % SWEEP_EVERY === 0) this.#sweep()
  }

  /** Reads a live record, dropping it if it has expired. */
  get(model: string, id: string): Payload | undefined {
    const table = this.#table(model)
    const entry = table.get(id)
    if (entry === undefined) return undefined
    if (isExpired(entry)) {
      table.delete(id)
      return undefined
    }
    return structuredClone(entry.payload)
  }

  /**
   * Deletes every grant of `accountId` and every token, code or request issued under those
   * grants, like an administrator revoking a user's access. Returns the number of grants.
   */
  revokeAccount(accountId: string): number {
    const grantIds = new Set<string>()
    for (const [id, entry] of this.#table('Grant')) {
      if (entry.payload.accountId === accountId) grantIds.add(id)
    }
    for (const grantId of grantIds) {
      this.#table('Grant').delete(grantId)
      for (const table of this.#models.values()) deleteByGrantId(table, grantId)
    }
    return grantIds.size
  }

  #adapterFor(model: string): ProviderAdapter {
    const findBy = (key: string, value: string): Payload | undefined => {
      for (const [id, entry] of this.#table(model)) {
        if (entry.payload[key] === value) return this.get(model, id)
      }
      return undefined
    }
    return {
      upsert: async (id, payload, expiresIn) => this.put(model, id, payload, expiresIn),
      find: async (id) => this.get(model, id),
      findByUid: async (uid) => findBy('uid', uid),
      findByUserCode: async (userCode) => findBy('userCode', userCode),
      consume: async (id) => {
        const entry = this.#table(model).get(id)
        if (entry !== undefined) entry.payload.consumed = Math.floor(Date.now() / 1000)
      },
      destroy: async (id) => {
        this.#table(model).delete(id)
      },
      revokeByGrantId: async (grantId) => deleteByGrantId(this.#table(model), grantId),
    }
  }

  #table(model: string): Map<string, Entry> {
    let table = this.#models.get(model)
    if (table === undefined) {
      table = new Map()
      this.#models.set(model, table)
    }
    return table
  }

  #sweep(): void {
    for (const table of this.#models.values()) {
      for (const [id, entry] of table) if (isExpired(entry)) table.delete(id)
    }
  }
}

function isExpired(entry: Entry): boolean {
  return entry.expiresAt !== undefined && entry.expiresAt <= Date.now()
}

function deleteByGrantId(table: Map<string, Entry>, grantId: string): void {
  for (const [id, entry] of table) if (entry.payload.grantId === grantId) table.delete(id)
}

// SPDX-License-Identifier: MIT OR Apache-2.0
// What a realistic population of accounts does on a PDS, through its public XRPC API: sign-ups,
// posts, replies, likes, reposts, follows, profiles with an image blob, deletes, one large
// applyWrites batch, handle changes, deactivation and reactivation, a takedown and its reversal,
// account deletion, and a migration between two PDS instances. Each step emits the events the
// reference PDS emits for it; the atsync tests check those events wherever they travel.

import { xrpc } from './xrpc.mjs'

// The smallest valid PNG (1x1, one grey pixel): the PDS sniffs an uploaded blob's type.
const PNG = Buffer.from(
  '89504e470d0a1a0a0000000d4948445200000001000000010800000000' +
    '3a7e9b550000000a49444154789c63600000000200015d0a2db40000000049454e44ae426082',
  'hex',
)

const now = () => new Date().toISOString()
const rkeyOf = (uri) => uri.split('/').pop()

export class Workload {
  /**
   * @param {object[]} pdses [{ url, ctx, adminPassword }] as started by peers.mjs
   */
  constructor(pdses) {
    this.pdses = pdses
    this.accounts = new Map() // did -> { did, handle, password, jwt, pds, posts: [{uri, cid}], likes: [uri] }
    this.serial = 0
  }

  /** The seq of the last event PDS `pds` emitted. */
  async lastSeq({ pds = 0 }) {
    return (await this.pdses[pds].ctx.sequencer.curr()) ?? 0
  }

  account(did) {
    const a = this.accounts.get(did)
    if (!a) throw new Error(`unknown account ${did}`)
    return a
  }

  async createRecord(a, collection, record) {
    return xrpc(this.pdses[a.pds].url, 'com.atproto.repo.createRecord', {
      auth: a.jwt,
      input: { repo: a.did, collection, record: { $type: collection, ...record } },
    })
  }

  /** Signs up `count` accounts named `<prefix><n>.test` on PDS `pds`. */
  async createAccounts({ pds = 0, prefix = 'user', count = 1 }) {
    const created = []
    for (let i = 0; i < count; i++) {
      const name = `${prefix}user${this.serial++}`
      const handle = `${name}.test`
      const password = `pw-${name}-${Math.random().toString(36).slice(2)}`
      const res = await xrpc(this.pdses[pds].url, 'com.atproto.server.createAccount', {
        input: { handle, email: `${name}@example.com`, password },
      })
      const a = { did: res.did, handle, password, jwt: res.accessJwt, pds, posts: [], likes: [] }
      this.accounts.set(a.did, a)
      created.push({ did: a.did, handle })
    }
    return { accounts: created }
  }

  /**
   * Everyday activity for each account: `posts` posts (one with an image), a reply, a like, a
   * repost and a follow of its neighbour's posts, a profile with an avatar, and a delete.
   */
  async activity({ dids, posts = 2 }) {
    const list = (dids ?? [...this.accounts.keys()]).map((d) => this.account(d))
    const counts = { posts: 0, replies: 0, likes: 0, reposts: 0, follows: 0, profiles: 0, blobs: 0, deletes: 0 }
    for (const a of list) {
      const url = this.pdses[a.pds].url
      const { blob } = await xrpc(url, 'com.atproto.repo.uploadBlob', { auth: a.jwt, bytes: PNG, contentType: 'image/png' })
      counts.blobs++
      await xrpc(url, 'com.atproto.repo.putRecord', {
        auth: a.jwt,
        input: {
          repo: a.did,
          collection: 'app.bsky.actor.profile',
          rkey: 'self',
          record: { $type: 'app.bsky.actor.profile', displayName: a.handle, description: 'atsync test account', avatar: blob },
        },
      })
      counts.profiles++
      for (let i = 0; i < posts; i++) {
        const record = { text: `post ${i} from ${a.handle}`, createdAt: now() }
        if (i === 0) {
          record.embed = { $type: 'app.bsky.embed.images', images: [{ image: blob, alt: 'a grey pixel' }] }
        }
        a.posts.push(await this.createRecord(a, 'app.bsky.feed.post', record))
        counts.posts++
      }
    }
    for (let i = 0; i < list.length; i++) {
      const a = list[i]
      const b = list[(i + 1) % list.length]
      const target = b.posts[b.posts.length - 1]
      if (!target) continue
      const ref = { uri: target.uri, cid: target.cid }
      await this.createRecord(a, 'app.bsky.feed.post', {
        text: `replying to ${b.handle}`,
        createdAt: now(),
        reply: { root: ref, parent: ref },
      })
      counts.replies++
      const like = await this.createRecord(a, 'app.bsky.feed.like', { subject: ref, createdAt: now() })
      a.likes.push(like.uri)
      counts.likes++
      await this.createRecord(a, 'app.bsky.feed.repost', { subject: ref, createdAt: now() })
      counts.reposts++
      if (a.did !== b.did) {
        await this.createRecord(a, 'app.bsky.graph.follow', { subject: b.did, createdAt: now() })
        counts.follows++
      }
    }
    for (const a of list) {
      const uri = a.likes.pop()
      if (!uri) continue
      await xrpc(this.pdses[a.pds].url, 'com.atproto.repo.deleteRecord', {
        auth: a.jwt,
        input: { repo: a.did, collection: 'app.bsky.feed.like', rkey: rkeyOf(uri) },
      })
      counts.deletes++
    }
    return counts
  }

  /**
   * One applyWrites commit with `creates` creates, then one with updates and deletes of some of
   * them: many ops in one #commit, as a client importing or cleaning up posts does.
   */
  async applyWrites({ did, creates = 150 }) {
    const a = this.account(did)
    const url = this.pdses[a.pds].url
    const writes = []
    for (let i = 0; i < creates; i++) {
      writes.push({
        $type: 'com.atproto.repo.applyWrites#create',
        collection: 'app.bsky.feed.post',
        value: { $type: 'app.bsky.feed.post', text: `batch post ${i}`, createdAt: now() },
      })
    }
    const first = await xrpc(url, 'com.atproto.repo.applyWrites', { auth: a.jwt, input: { repo: a.did, writes } })
    const rkeys = first.results.map((r) => rkeyOf(r.uri))
    const second = []
    for (let i = 0; i < Math.min(20, rkeys.length); i++) {
      second.push(
        i % 2 === 0
          ? {
              $type: 'com.atproto.repo.applyWrites#update',
              collection: 'app.bsky.feed.post',
              rkey: rkeys[i],
              value: { $type: 'app.bsky.feed.post', text: `batch post ${i}, edited`, createdAt: now() },
            }
          : { $type: 'com.atproto.repo.applyWrites#delete', collection: 'app.bsky.feed.post', rkey: rkeys[i] },
      )
    }
    await xrpc(url, 'com.atproto.repo.applyWrites', { auth: a.jwt, input: { repo: a.did, writes: second } })
    return { commits: 2, ops: writes.length + second.length }
  }

  /** A new handle: an #identity event. */
  async changeHandle({ did }) {
    const a = this.account(did)
    const handle = `renamed${this.serial++}.test`
    await xrpc(this.pdses[a.pds].url, 'com.atproto.identity.updateHandle', { auth: a.jwt, input: { handle } })
    a.handle = handle
    return { handle }
  }

  /** Deactivation (#account deactivated), then reactivation (#account, #identity, #sync at the current rev), then a post. */
  async deactivateAndReactivate({ did }) {
    const a = this.account(did)
    const url = this.pdses[a.pds].url
    await xrpc(url, 'com.atproto.server.deactivateAccount', { auth: a.jwt, input: {} })
    await xrpc(url, 'com.atproto.server.activateAccount', { auth: a.jwt, post: true })
    await this.createRecord(a, 'app.bsky.feed.post', { text: 'back again', createdAt: now() })
    return {}
  }

  /** A moderator's takedown (#account takendown) and its reversal (#account active), by the admin API. */
  async takedownAndRestore({ did }) {
    const a = this.account(did)
    const pds = this.pdses[a.pds]
    const subject = { $type: 'com.atproto.admin.defs#repoRef', did }
    const auth = { admin: pds.adminPassword }
    await xrpc(pds.url, 'com.atproto.admin.updateSubjectStatus', { auth, input: { subject, takedown: { applied: true, ref: 'atsync-test' } } })
    await xrpc(pds.url, 'com.atproto.admin.updateSubjectStatus', { auth, input: { subject, takedown: { applied: false } } })
    return {}
  }

  /** The account deletes itself (#account deleted; the PDS drops its earlier events from its own backfill). */
  async deleteAccount({ did }) {
    const a = this.account(did)
    const pds = this.pdses[a.pds]
    const token = await pds.ctx.accountManager.createEmailToken(did, 'delete_account')
    await xrpc(pds.url, 'com.atproto.server.deleteAccount', { input: { did, password: a.password, token } })
    this.accounts.delete(did)
    return {}
  }

  /**
   * Moves an account from its PDS to PDS `to`, the way the account-migration guide describes: a
   * deactivated account on the new PDS (service auth from the old one), repo import, blobs, a PLC
   * operation signed by the old PDS and submitted by the new one, activation on the new PDS and
   * deactivation on the old. Only the email round trip is short-cut: the harness asks the old
   * PDS for the token directly.
   */
  async migrate({ did, to }) {
    const a = this.account(did)
    const oldPds = this.pdses[a.pds]
    const newPds = this.pdses[to]
    const desc = await xrpc(newPds.url, 'com.atproto.server.describeServer')
    const { token: serviceAuth } = await xrpc(oldPds.url, 'com.atproto.server.getServiceAuth', {
      auth: a.jwt,
      params: { aud: desc.did, lxm: 'com.atproto.server.createAccount' },
    })
    const created = await xrpc(newPds.url, 'com.atproto.server.createAccount', {
      auth: serviceAuth,
      input: { did, handle: `moved${this.serial++}.test`, email: `moved-${this.serial}@example.com`, password: a.password },
    })
    const newJwt = created.accessJwt
    const car = await xrpc(oldPds.url, 'com.atproto.sync.getRepo', { params: { did } })
    await xrpc(newPds.url, 'com.atproto.repo.importRepo', { auth: newJwt, bytes: car, contentType: 'application/vnd.ipld.car' })
    let cursor
    do {
      const missing = await xrpc(newPds.url, 'com.atproto.repo.listMissingBlobs', { auth: newJwt, params: { cursor, limit: 500 } })
      for (const blob of missing.blobs) {
        const bytes = await xrpc(oldPds.url, 'com.atproto.sync.getBlob', { params: { did, cid: blob.cid } })
        await xrpc(newPds.url, 'com.atproto.repo.uploadBlob', { auth: newJwt, bytes, contentType: 'image/png' })
      }
      cursor = missing.cursor
    } while (cursor)
    const credentials = await xrpc(newPds.url, 'com.atproto.identity.getRecommendedDidCredentials', { auth: newJwt })
    const plcToken = await oldPds.ctx.accountManager.createEmailToken(did, 'plc_operation')
    const { operation } = await xrpc(oldPds.url, 'com.atproto.identity.signPlcOperation', {
      auth: a.jwt,
      input: { token: plcToken, ...credentials },
    })
    await xrpc(newPds.url, 'com.atproto.identity.submitPlcOperation', { auth: newJwt, input: { operation } })
    await xrpc(newPds.url, 'com.atproto.server.activateAccount', { auth: newJwt, post: true })
    await xrpc(oldPds.url, 'com.atproto.server.deactivateAccount', { auth: a.jwt, input: {} })
    a.pds = to
    a.jwt = newJwt
    a.handle = created.handle
    await this.createRecord(a, 'app.bsky.feed.post', { text: 'posting from my new home', createdAt: now() })
    return { handle: a.handle }
  }
}

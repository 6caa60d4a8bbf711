// SPDX-License-Identifier: MIT OR Apache-2.0
// The reference consumer: @atproto/sync's Firehose reading a subscribeRepos stream, with
// identities resolved through the given PLC directory and every commit authenticated (signature
// and MST proofs). One JSON object per line on stdout:
//
//   {"kind":"message","seq":N,"did":DID}         every repo message, in arrival order
//   {"kind":"event","event":"create",...}         what the Firehose made of it (commit ops, sync,
//                                                 identity, account)
//   {"kind":"processed","seq":N}                  the message and its events are done
//   {"kind":"error","error":NAME,"message":...}   anything the Firehose reported to onError
//
//   node consume.mjs --service ws://127.0.0.1:2470 --plc http://localhost:5000 [--cursor N]
//
// Runs until stdin closes.

import readline from 'node:readline'
import { parseArgs } from 'node:util'
import { IdResolver } from '@atproto/identity'
import { Firehose } from '@atproto/sync'

const { values: args } = parseArgs({
  options: {
    service: { type: 'string' },
    plc: { type: 'string' },
    cursor: { type: 'string' },
  },
})
if (!args.service || !args.plc) {
  console.error('usage: node consume.mjs --service WS_URL --plc PLC_URL [--cursor N]')
  process.exit(2)
}

const out = (obj) => process.stdout.write(JSON.stringify(obj) + '\n')
let cursor = args.cursor === undefined ? undefined : Number(args.cursor)

// A runner sees every repo message (with its DID and seq) before the Firehose parses it, so the
// test can check that each one arrived once and in order, even those that yield no event (a
// commit with no ops). It runs them one at a time, in arrival order.
let chain = Promise.resolve()
const runner = {
  getCursor: async () => cursor,
  trackEvent: (did, seq, handler) => {
    out({ kind: 'message', seq, did })
    chain = chain.then(async () => {
      await handler()
      cursor = seq
      out({ kind: 'processed', seq })
    })
    return chain
  },
}

const firehose = new Firehose({
  service: args.service,
  // the default fetch refuses plain-http and loopback addresses (SSRF protection); the test PLC
  // directory and PDS instances are exactly that
  idResolver: new IdResolver({ plcUrl: args.plc, fetch: globalThis.fetch }),
  runner,
  subscriptionReconnectDelay: 200,
  handleEvent: async (evt) => {
    const base = { kind: 'event', event: evt.event, seq: evt.seq, did: evt.did }
    switch (evt.event) {
      case 'create':
      case 'update':
        out({ ...base, rev: evt.rev, commit: evt.commit.toString(), collection: evt.collection, rkey: evt.rkey, cid: evt.cid.toString() })
        break
      case 'delete':
        out({ ...base, rev: evt.rev, commit: evt.commit.toString(), collection: evt.collection, rkey: evt.rkey })
        break
      case 'sync':
        out({ ...base, rev: evt.rev, commit: evt.cid.toString() })
        break
      case 'identity':
        out({ ...base, handle: evt.handle ?? null })
        break
      case 'account':
        out({ ...base, active: evt.active, status: evt.status ?? null })
        break
      default:
        out(base)
    }
  },
  onError: (err) => {
    out({ kind: 'error', error: err?.name ?? 'Error', message: String(err?.message ?? err), cause: String(err?.cause ?? '') })
  },
})

firehose.start()
readline.createInterface({ input: process.stdin }).on('close', async () => {
  await firehose.destroy().catch(() => {})
  process.exit(0)
})

// SPDX-License-Identifier: MIT OR Apache-2.0
// A minimal XRPC client over fetch: the workload speaks to the reference PDS exactly as an app
// would, through its public HTTP API, so every event on its firehose comes from a real request.

export class XrpcError extends Error {
  constructor(nsid, status, body) {
    super(`${nsid} answered ${status}: ${JSON.stringify(body)}`)
    this.status = status
    this.body = body
  }
}

/**
 * Calls one XRPC method. A call with `input` (JSON), `bytes` or `post` is a procedure (POST),
 * anything else a query (GET). `auth` is a bearer token or { admin: password }.
 */
export async function xrpc(service, nsid, { params, input, bytes, contentType, auth, post = false } = {}) {
  const url = new URL(`/xrpc/${nsid}`, service)
  for (const [k, v] of Object.entries(params ?? {})) {
    if (v !== undefined) url.searchParams.set(k, String(v))
  }
  const headers = {}
  if (typeof auth === 'string') headers.authorization = `Bearer ${auth}`
  else if (auth?.admin) headers.authorization = 'Basic ' + Buffer.from(`admin:${auth.admin}`).toString('base64')
  let body
  if (input !== undefined) {
    headers['content-type'] = 'application/json'
    body = JSON.stringify(input)
  } else if (bytes !== undefined) {
    headers['content-type'] = contentType ?? 'application/octet-stream'
    body = bytes
  }
  const res = await fetch(url, { method: body === undefined && !post ? 'GET' : 'POST', headers, body })
  const type = res.headers.get('content-type') ?? ''
  const out = type.includes('application/json') ? await res.json() : Buffer.from(await res.arrayBuffer())
  if (!res.ok) throw new XrpcError(nsid, res.status, Buffer.isBuffer(out) ? out.toString('utf8') : out)
  return out
}

// Runs the `graphql-http` server audits (GraphQL-over-HTTP spec conformance) against a URL.
//
//   node .ci/graphql-http-audit.mjs http://127.0.0.1:18765/graphql
//
// `graphql-http` is resolved from GRAPHQL_HTTP_MODULE (a path to its directory, e.g.
// "$tmp/npm/node_modules/graphql-http") or from the usual module resolution. GRAPHQL_HTTP_AUTHORIZATION,
// when set, is sent as the `Authorization` header of every audit request. Prints every result
// and exits 1 on any MUST failure (SHOULD and MAY failures are printed as warnings).

import { pathToFileURL } from 'node:url';
import { join } from 'node:path';

const url = process.argv[2] ?? process.env.GRAPHQL_HTTP_URL;
if (!url) {
  console.error('usage: node .ci/graphql-http-audit.mjs <graphql url>');
  process.exit(2);
}

const moduleDir = process.env.GRAPHQL_HTTP_MODULE;
const { serverAudits } = moduleDir
  ? await import(pathToFileURL(join(moduleDir, 'lib', 'index.mjs')).href)
  : await import('graphql-http');

const authorization = process.env.GRAPHQL_HTTP_AUTHORIZATION;
const fetchFn = (input, init = {}) => {
  const headers = new Headers(init.headers ?? {});
  if (authorization && !headers.has('authorization')) {
    headers.set('authorization', authorization);
  }
  return fetch(input, { ...init, headers });
};

const results = [];
for (const { fn } of serverAudits({ url, fetchFn })) {
  results.push(await fn());
}

const counts = { ok: 0, notice: 0, warn: 0, error: 0 };
for (const result of results) {
  counts[result.status] = (counts[result.status] ?? 0) + 1;
  const mark = { ok: 'ok   ', notice: 'note ', warn: 'WARN ', error: 'FAIL ' }[result.status] ?? result.status;
  let line = `${mark} ${result.id} ${result.name}`;
  if (result.status !== 'ok') {
    line += `\n        ${result.reason}`;
    if (result.response) {
      let body = '';
      try {
        body = await result.response.text();
      } catch {
        body = '(body already read)';
      }
      line += `\n        -> ${result.response.status} ${body}`.slice(0, 400);
    }
  }
  console.log(line);
}

const byLevel = (level) => results.filter((r) => r.name.startsWith(level));
const summary = ['MUST', 'SHOULD', 'MAY']
  .map((level) => {
    const all = byLevel(level);
    const passed = all.filter((r) => r.status === 'ok').length;
    return `${level} ${passed}/${all.length}`;
  })
  .join(', ');
console.log(`\ngraphql-http audit: ${results.length} audits, ${summary} passed; ${counts.error} MUST failures, ${counts.warn} warnings`);
process.exit(counts.error > 0 ? 1 : 0);

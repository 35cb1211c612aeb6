// The page's WebAssembly engine (crates/svcgraph-core/assets/engine.wasm.gz) against the
// command: for the bundled shop and every topology of examples/data/topologies/, drawn plain,
// focused on a service and with services hidden (and the shop with every drawing flag), the
// module's SVG must equal `svcgraph render`'s byte for byte. Malformed documents and bad options
// must come back as JSON errors, never as a trap, and leave the module working.
//
//   node scripts/wasm-checks.mjs SVCGRAPH_BINARY
//
// Node's own WebAssembly and zlib only: no npm package. scripts/wasm-checks.sh runs it.

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const cli = process.argv[2];
if (!cli) {
  console.error('usage: node scripts/wasm-checks.mjs SVCGRAPH_BINARY');
  process.exit(2);
}
const modulePath = path.join(root, 'crates/svcgraph-core/assets/engine.wasm.gz');

const failures = [];
const fail = (what) => {
  failures.push(what);
  console.error(`wasm-checks: FAIL ${what}`);
};

// The module, as the page will use it: alloc, write, render, read the answer, free.
const { module, instance } = await WebAssembly.instantiate(zlib.gunzipSync(fs.readFileSync(modulePath)));
const x = instance.exports;
const imports = WebAssembly.Module.imports(module);
if (imports.length !== 0) fail(`the module imports ${JSON.stringify(imports)}; it must import nothing`);

function put(bytes) {
  const ptr = x.svcgraph_alloc(bytes.length);
  new Uint8Array(x.memory.buffer, ptr, bytes.length).set(bytes);
  return ptr;
}

/** `{status, text}` of the module for a document and options (strings or bytes). */
function draw(document, options) {
  const encode = (v) => (typeof v === 'string' ? new TextEncoder().encode(v) : v);
  const [doc, opts] = [encode(document), encode(options)];
  const [docPtr, optsPtr] = [put(doc), put(opts)];
  let answer;
  try {
    answer = x.svcgraph_render_svg(docPtr, doc.length, optsPtr, opts.length);
  } catch (e) {
    // A trap (RuntimeError) is the failure this test exists for.
    return { status: -1, text: `trapped: ${e}` };
  }
  const header = new DataView(x.memory.buffer, answer, 8);
  const status = header.getUint32(0, true);
  const length = header.getUint32(4, true);
  const text = new TextDecoder('utf-8', { fatal: true }).decode(new Uint8Array(x.memory.buffer, answer + 8, length));
  x.svcgraph_free(answer, 8 + length);
  x.svcgraph_free(docPtr, doc.length);
  x.svcgraph_free(optsPtr, opts.length);
  return { status, text };
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'wasm-checks-'));
const keep = path.join(root, 'target/wasm-checks');

function svcgraph(args) {
  return execFileSync(cli, args, { encoding: 'utf8', maxBuffer: 1 << 28, stdio: ['ignore', 'pipe', 'pipe'] });
}

// Rust regex syntax: an exact name for --exclude.
const exact = (names) => `^(?:${names.map((n) => n.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&')).join('|')})$`;

let equal = 0;
function same(label, file, document, options, flags) {
  const wanted = svcgraph(['render', '--quiet', '-f', 'svg', '-i', file, ...flags]);
  const got = draw(document, JSON.stringify(options));
  if (got.status !== 0) return fail(`${label}: the module answered ${got.status}: ${got.text}`);
  if (got.text === wanted) {
    equal += 1;
    return;
  }
  let at = 0;
  while (at < wanted.length && got.text[at] === wanted[at]) at += 1;
  fs.mkdirSync(keep, { recursive: true });
  const base = path.join(keep, label.replace(/[^A-Za-z0-9_.-]+/g, '_'));
  fs.writeFileSync(`${base}.cli.svg`, wanted);
  fs.writeFileSync(`${base}.wasm.svg`, got.text);
  fail(`${label}: the module's SVG differs from \`svcgraph render ${flags.join(' ')}\` at byte ${at} ` +
    `(${got.text.length} and ${wanted.length} bytes; both in ${base}.*.svg)`);
}

// The documents: the bundled shop as `render -f json` writes it, and the topologies.
const shopFile = path.join(work, 'shop.json');
fs.writeFileSync(shopFile, svcgraph(['render', '--quiet', '--demo', '-f', 'json']));
const topologies = path.join(root, 'examples/data/topologies');
const documents = [['shop', shopFile]].concat(
  fs.readdirSync(topologies).filter((f) => f.endsWith('.json')).sort()
    .map((f) => [f.replace(/\.json$/, ''), path.join(topologies, f)]));
if (documents.length < 7) fail(`expected the shop and six topologies, found ${documents.length} documents`);

for (const [name, file] of documents) {
  const text = fs.readFileSync(file, 'utf8');
  const doc = JSON.parse(text);
  // The busiest service (most calls in and out; ties by id), and the next one.
  const degree = new Map(doc.nodes.map((n) => [n.id, 0]));
  for (const e of doc.edges) {
    degree.set(e.source, degree.get(e.source) + 1);
    degree.set(e.target, degree.get(e.target) + 1);
  }
  const byDegree = [...degree].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([id]) => id);
  const [busiest, next] = byDegree;
  same(`${name} plain`, file, text, {}, []);
  same(`${name} focus ${busiest}`, file, text, { focus: busiest }, ['--focus', busiest]);
  same(`${name} hide ${busiest}, ${next}`, file, text, { hide: [busiest, next] }, ['--exclude', exact([busiest, next])]);
}

// The shop with every flag that changes the drawing, one at a time and together.
const shop = fs.readFileSync(shopFile, 'utf8');
const shopDoc = JSON.parse(shop);
const someNamespace = shopDoc.nodes.map((n) => n.namespace).filter(Boolean).sort()[0];
const someName = shopDoc.nodes.map((n) => n.name).sort()[0];
for (const [options, flags] of [
  [{ rankdir: 'tb' }, ['--rankdir', 'tb']],
  [{ edges: 'orthogonal' }, ['--edges', 'orthogonal']],
  [{ edges: 'curved', rankdir: 'tb', edge_labels: 'always' }, ['--edges', 'curved', '--rankdir', 'tb', '--edge-labels', 'always']],
  [{ edge_labels: 'never' }, ['--edge-labels', 'never']],
  [{ edge_labels: 'always' }, ['--edge-labels', 'always']],
  [{ no_legend: true }, ['--no-legend']],
  [{ group: 'namespace' }, ['--group', 'namespace']],
  [{ aggregate: 'workload' }, ['--aggregate', 'workload']],
  [{ aggregate: 'namespace' }, ['--aggregate', 'namespace']],
  [{ namespace: [someNamespace] }, ['--namespace', someNamespace]],
  [{ hide_virtual: true, hide_external: true }, ['--hide-virtual', '--hide-external']],
  [{ min_rate: 5 }, ['--min-rate', '5']],
  [{ focus: someName, depth: 2, direction: 'up' }, ['--focus', someName, '--depth', '2', '--direction', 'up']],
  [{ focus: someName, depth: 'all', direction: 'down' }, ['--focus', someName, '--depth', 'all', '--direction', 'down']],
  [{ focus: 'cart', depth: 2, rankdir: 'tb', group: 'namespace', hide: ['valkey'], no_legend: true },
    ['--focus', 'cart', '--depth', '2', '--rankdir', 'tb', '--group', 'namespace', '--exclude', exact(['valkey']), '--no-legend']],
]) {
  same(`shop ${JSON.stringify(options)}`, shopFile, shop, options, flags);
}

// Errors: a JSON answer with a message, never a trap; the module keeps working after each.
let errors = 0;
const plain = draw(shop, '{}').text;
const bytes = (...b) => new Uint8Array(b);
for (const [label, document, options, expected] of [
  ['an empty document', '', '{}', 'not valid JSON'],
  ['a truncated document', shop.slice(0, shop.length / 2), '{}', 'ends early'],
  ['a document of another format', '{"format":"svcgraph-snapshot","version":1}', '{}', 'not a svcgraph graph document'],
  ['a document that is not UTF-8', bytes(0x7b, 0xff, 0x7d), '{}', 'not UTF-8'],
  ['an edge to an unknown node', shop.replace(/"target": "[^"]*"/, '"target": "nowhere"'), '{}', 'does not list'],
  ['malformed options', shop, '{"focus":', 'not valid JSON'],
  ['options that are not an object', shop, '"cart"', 'JSON object'],
  ['options that are not UTF-8', shop, bytes(0x7b, 0xc3, 0x7d), 'not UTF-8'],
  ['an unknown option', shop, '{"colour":"red"}', 'unknown field `colour`'],
  ['an unknown direction', shop, '{"rankdir":"rl"}', 'unknown variant `rl`'],
  ['a depth that is no number', shop, '{"focus":"cart","depth":-2}', 'write a number or "all"'],
  ['a depth without a focus', shop, '{"depth":2}', 'give `focus` too'],
  ['a negative minimum rate', shop, '{"min_rate":-1}', 'non-negative'],
  ['a focus on no node', shop, '{"focus":"basket"}', 'no node is named `basket`'],
]) {
  const got = draw(document, options);
  if (got.status !== 1) {
    fail(`${label}: expected an error answer (status 1), got status ${got.status}: ${got.text.slice(0, 200)}`);
    continue;
  }
  let message;
  try {
    message = JSON.parse(got.text).error;
  } catch (e) {
    fail(`${label}: the error answer is not JSON: ${got.text.slice(0, 200)}`);
    continue;
  }
  if (typeof message !== 'string' || !message.includes(expected)) {
    fail(`${label}: expected an error saying "${expected}", got ${JSON.stringify(message)}`);
    continue;
  }
  if (draw(shop, '{}').text !== plain) fail(`${label}: the module draws differently afterwards`);
  errors += 1;
}

// The command refuses a focus on no node with the same message.
try {
  svcgraph(['render', '--quiet', '-i', shopFile, '--focus', 'basket']);
  fail('the command drew a focus on no node');
} catch (e) {
  const message = JSON.parse(draw(shop, '{"focus":"basket"}').text).error;
  if (!String(e.stderr).includes(message)) fail(`the command's error (${String(e.stderr).trim()}) does not carry the module's (${message})`);
}

fs.rmSync(work, { recursive: true, force: true });
if (failures.length) {
  console.error(`wasm-checks: ${failures.length} failed; ${equal} drawings equal the command's, ${errors} errors answered`);
  process.exit(1);
}
console.log(`wasm-checks: ${equal} drawings equal the command's byte for byte (${documents.length} documents); ${errors} bad inputs answered with an error, none trapped`);
